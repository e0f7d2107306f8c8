// Sites from a CSV the office keeps in Excel: a header row (名称,类型,地址,经度,纬度 or
// name,kind,address,lon,lat, in any order) and one site a row. What it owns: reading the file
// (UTF-8 with or without a BOM, or the GBK that Chinese Excel writes; quoted fields; CRLF) and
// judging every row before anything is sent. What it must never do: send, or guess a value —
// a row with a problem says so and the whole file waits for it to be fixed.

import type { Position, Site, SiteKind } from '../lib/generated/api';

/** crates/domain/src/validate.rs: MAX_NAME_CHARS and MAX_LINE_CHARS (an address). */
const MAX_NAME_CHARS = 100;
const MAX_ADDRESS_CHARS = 200;

/** A problem in both languages; the page shows the one it speaks. */
export interface Problem {
  zh: string;
  en: string;
}

/** The file's text: UTF-8 when it is valid UTF-8 (a BOM dropped), else GBK (GB18030). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** RFC 4180 records: commas, double-quoted fields (with "" for a quote, and commas and line
 * breaks inside), CRLF, LF or CR line ends, a leading BOM. A last empty line is not a record. */
export function parseCsv(text: string): string[][] {
  const s = text.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' || c === '\n') {
      endRow();
      if (c === '\r' && s[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0 || quoted) endRow();
  return rows;
}

const KINDS: Record<string, SiteKind> = {
  企业: 'enterprise',
  市场: 'market',
  农贸市场: 'market',
  餐馆: 'restaurant',
  餐饮: 'restaurant',
  水产经营: 'aquatic_dealer',
  水产经营户: 'aquatic_dealer',
  水产品经营户: 'aquatic_dealer',
  渔具店: 'tackle_shop',
  enterprise: 'enterprise',
  market: 'market',
  restaurant: 'restaurant',
  aquatic_dealer: 'aquatic_dealer',
  tackle_shop: 'tackle_shop',
};

/** A kind as a person types it (企业 … 渔具店, or the code), or null. */
export function siteKindOf(text: string): SiteKind | null {
  return KINDS[text.trim().toLowerCase()] ?? null;
}

type Column = 'name' | 'kind' | 'address' | 'lon' | 'lat';
const HEADERS: Record<string, Column> = {
  名称: 'name',
  name: 'name',
  类型: 'kind',
  kind: 'kind',
  地址: 'address',
  address: 'address',
  经度: 'lon',
  lon: 'lon',
  纬度: 'lat',
  lat: 'lat',
};
const COLUMN_WORDS: Record<Column, [string, string]> = {
  name: ['名称', 'name'],
  kind: ['类型', 'kind'],
  address: ['地址', 'address'],
  lon: ['经度', 'lon'],
  lat: ['纬度', 'lat'],
};

/** A data row as read and judged. `row` is the row's number as Excel shows it (the header is 1). */
export interface SiteRow {
  row: number;
  name: string;
  kindText: string;
  kind: SiteKind | null;
  address: string;
  lonText: string;
  latText: string;
  location: Position | null;
  problems: Problem[];
}

export interface SiteCsv {
  /** What is wrong with the file as a whole (no header, a missing column); rows are then empty. */
  problems: Problem[];
  rows: SiteRow[];
}

/** A coordinate as typed: a plain decimal number, nothing else ("114.3", "-0.5", not "114°"). */
function coordinate(text: string): number | null {
  const t = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : null;
}

function judge(r: Omit<SiteRow, 'problems' | 'kind' | 'location'>): SiteRow {
  const problems: Problem[] = [];
  const name = r.name.trim();
  if (!name) problems.push({ zh: '名称不能为空', en: 'the name is empty' });
  else if ([...name].length > MAX_NAME_CHARS) problems.push({ zh: `名称太长（最多 ${MAX_NAME_CHARS} 字）`, en: `the name is too long (at most ${MAX_NAME_CHARS} characters)` });
  const kind = siteKindOf(r.kindText);
  if (!kind) {
    problems.push(
      r.kindText.trim()
        ? { zh: `未知的类型“${r.kindText.trim()}”（应为 企业、市场、餐馆、水产经营 或 渔具店）`, en: `unknown kind "${r.kindText.trim()}" (enterprise, market, restaurant, aquatic_dealer or tackle_shop)` }
        : { zh: '类型不能为空', en: 'the kind is empty' },
    );
  }
  if ([...r.address.trim()].length > MAX_ADDRESS_CHARS) problems.push({ zh: `地址太长（最多 ${MAX_ADDRESS_CHARS} 字）`, en: `the address is too long (at most ${MAX_ADDRESS_CHARS} characters)` });
  const lon = coordinate(r.lonText);
  const lat = coordinate(r.latText);
  if (lon === null) problems.push({ zh: `经度“${r.lonText.trim()}”不是数字`, en: `the longitude "${r.lonText.trim()}" is not a number` });
  if (lat === null) problems.push({ zh: `纬度“${r.latText.trim()}”不是数字`, en: `the latitude "${r.latText.trim()}" is not a number` });
  let location: Position | null = null;
  if (lon !== null && lat !== null) {
    const before = problems.length;
    const swapped = Math.abs(lat) > 90 && Math.abs(lat) <= 180 && Math.abs(lon) <= 90 ? { zh: '（经度和纬度可能填反了）', en: ' (longitude and latitude may be swapped)' } : { zh: '', en: '' };
    if (Math.abs(lon) > 180) problems.push({ zh: `经度 ${lon} 超出 -180 到 180 的范围`, en: `the longitude ${lon} is outside -180 to 180` });
    if (Math.abs(lat) > 90) problems.push({ zh: `纬度 ${lat} 超出 -90 到 90 的范围${swapped.zh}`, en: `the latitude ${lat} is outside -90 to 90${swapped.en}` });
    if (lon === 0 && lat === 0) problems.push({ zh: '坐标为 (0, 0)：没有填写位置', en: 'the position is (0, 0): no position was given' });
    if (problems.length === before) location = { lon, lat };
  }
  return { ...r, name, address: r.address.trim(), kind, location, problems };
}

/** Reads and judges a sites CSV. Rows with nothing in them (Excel's trailing ",,,,") are left out. */
export function readSiteCsv(text: string): SiteCsv {
  const records = parseCsv(text);
  const headerAt = records.findIndex((r) => r.some((f) => f.trim() !== ''));
  if (headerAt < 0) return { problems: [{ zh: '文件是空的', en: 'the file is empty' }], rows: [] };
  const header = records[headerAt].map((h) => HEADERS[h.trim().toLowerCase()] ?? null);
  const missing = (Object.keys(COLUMN_WORDS) as Column[]).filter((c) => !header.includes(c));
  if (missing.length) {
    return {
      problems: [
        {
          zh: `第一行须是表头 名称,类型,地址,经度,纬度；缺少：${missing.map((c) => COLUMN_WORDS[c][0]).join('、')}`,
          en: `The first row must be the header name,kind,address,lon,lat; missing: ${missing.map((c) => COLUMN_WORDS[c][1]).join(', ')}`,
        },
      ],
      rows: [],
    };
  }
  const col = (r: string[], c: Column) => r[header.indexOf(c)] ?? '';
  const rows = records
    .map((r, i) => ({ r, row: i + 1 }))
    .slice(headerAt + 1)
    .filter(({ r }) => r.some((f) => f.trim() !== ''))
    .map(({ r, row }) => judge({ row, name: col(r, 'name'), kindText: col(r, 'kind'), address: col(r, 'address'), lonText: col(r, 'lon'), latText: col(r, 'lat') }));
  // Two rows of one name in a file: the office could not tell the two apart in the field.
  const first = new Map<string, number>();
  for (const r of rows) {
    if (!r.name) continue;
    const seen = first.get(r.name);
    if (seen !== undefined) r.problems.push({ zh: `与第 ${seen} 行同名（可加上分店名或门牌区分）`, en: `has the same name as row ${seen} (add a branch or number)` });
    else first.set(r.name, r.row);
  }
  if (rows.length === 0) return { problems: [{ zh: '表头下面没有场所', en: 'there are no sites under the header' }], rows };
  return { problems: [], rows };
}

/**
 * The sites to publish for the rows, all in `unit`: a row whose name is already a site of that
 * unit republishes it (same id: an update, so importing a corrected file twice makes no
 * duplicates); any other row is a new site with a new id. Only for rows without problems.
 */
export function sitesToPublish(rows: SiteRow[], unit: string, existing: Site[], newId: () => string): { row: SiteRow; site: Site; update: boolean }[] {
  return rows.map((row) => {
    if (row.problems.length || !row.kind || !row.location) throw new Error(`row ${row.row} has problems`);
    const old = existing.find((s) => s.unit === unit && s.name === row.name);
    const site: Site = { id: old?.id ?? newId(), name: row.name, unit, kind: row.kind, address: row.address, location: row.location };
    return { row, site, update: old !== undefined };
  });
}
