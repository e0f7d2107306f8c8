import { describe, expect, it } from 'vitest';
import type { Site } from '../lib/generated/api';
import { uuidV7 } from './ids';
import { decodeText, parseCsv, readSiteCsv, siteKindOf, sitesToPublish } from './sitecsv';

describe('reading a CSV', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF and a BOM', () => {
    const text = '\uFEFF名称,地址\r\n"老王渔具店, 二分店","解放路 ""12"" 号\r\n后门"\r\n甲,乙\r\n';
    expect(parseCsv(text)).toEqual([
      ['名称', '地址'],
      ['老王渔具店, 二分店', '解放路 "12" 号\r\n后门'],
      ['甲', '乙'],
    ]);
  });

  it('reads LF and CR line ends, a last line without an end and empty fields', () => {
    expect(parseCsv('a,b\nc,\r,d')).toEqual([['a', 'b'], ['c', ''], ['', 'd']]);
  });

  it('decodes UTF-8 with or without a BOM, and the GBK that Chinese Excel saves', () => {
    expect(decodeText(new TextEncoder().encode('\uFEFF名称'))).toBe('名称');
    expect(decodeText(new TextEncoder().encode('名称'))).toBe('名称');
    expect(decodeText(new Uint8Array([0xc3, 0xfb, 0xb3, 0xc6, 0x2c, 0x61]))).toBe('名称,a');
  });
});

describe('judging the rows of a sites CSV', () => {
  const header = '名称,类型,地址,经度,纬度\r\n';

  it('reads good rows by Chinese label or code, numbering them as Excel does', () => {
    const csv = readSiteCsv(`\uFEFF${header}"鲜鱼馆, 总店",餐馆,"解放路 1 号",114.30,30.55\r\n长江渔具,tackle_shop,,114.31,30.56\r\n,,,,\r\n`);
    expect(csv.problems).toEqual([]);
    expect(csv.rows.map((r) => [r.row, r.name, r.kind, r.address, r.location])).toEqual([
      [2, '鲜鱼馆, 总店', 'restaurant', '解放路 1 号', { lon: 114.3, lat: 30.55 }],
      [3, '长江渔具', 'tackle_shop', '', { lon: 114.31, lat: 30.56 }],
    ]);
    expect(csv.rows.every((r) => r.problems.length === 0)).toBe(true);
  });

  it('takes English headers in any order', () => {
    const csv = readSiteCsv('lat,lon,Name,kind,address\n30.5,114.3,Fish market,market,Main St\n');
    expect(csv.rows[0]).toMatchObject({ name: 'Fish market', kind: 'market', location: { lon: 114.3, lat: 30.5 }, problems: [] });
  });

  it('knows every kind by the names an office uses', () => {
    expect(['企业', '市场', '农贸市场', '餐馆', '水产经营', '水产品经营户', '渔具店', ' Enterprise '].map(siteKindOf)).toEqual([
      'enterprise', 'market', 'market', 'restaurant', 'aquatic_dealer', 'aquatic_dealer', 'tackle_shop', 'enterprise',
    ]);
    expect(siteKindOf('超市')).toBeNull();
  });

  it('says what is wrong with each bad row', () => {
    const csv = readSiteCsv(
      header + ',企业,,114.3,30.5\n' + '甲,超市,,114.3,30.5\n' + '乙,企业,,东经114度,30.5\n' + '丙,企业,,30.5,114.3\n' + '丁,企业,,200,30.5\n' + '戊,企业,,0,0\n' + '甲,企业,,114.3,30.5\n',
    );
    const zh = csv.rows.map((r) => r.problems.map((p) => p.zh).join('；'));
    expect(zh[0]).toBe('名称不能为空');
    expect(zh[1]).toContain('未知的类型“超市”');
    expect(zh[2]).toBe('经度“东经114度”不是数字');
    expect(zh[3]).toContain('经度和纬度可能填反了');
    expect(zh[4]).toContain('经度 200 超出');
    expect(zh[5]).toContain('(0, 0)');
    expect(zh[6]).toContain('与第 3 行同名');
    expect(csv.rows.every((r) => r.problems.length > 0)).toBe(true);
    expect(csv.rows.filter((r) => r.location === null).map((r) => r.name)).toEqual(['乙', '丙', '丁', '戊']);
    for (const r of csv.rows) for (const p of r.problems) expect(p.en).not.toBe('');
  });

  it('refuses a file without the header or without rows', () => {
    expect(readSiteCsv('甲,企业,,114.3,30.5\n').problems[0].zh).toContain('缺少：名称、类型、地址、经度、纬度');
    expect(readSiteCsv('名称,类型,经度,纬度\n').problems[0].zh).toContain('缺少：地址');
    expect(readSiteCsv(header).problems[0].zh).toContain('没有场所');
    expect(readSiteCsv('').problems[0].zh).toContain('空的');
  });
});

describe('the sites a good file publishes', () => {
  const unit = 'u-1';
  const rows = readSiteCsv('名称,类型,地址,经度,纬度\n鲜鱼馆,餐馆,新地址,114.3,30.5\n新店,渔具店,,114.4,30.6\n').rows;

  it('updates a site of the same name in the unit and makes the others new', () => {
    const existing: Site[] = [
      { id: 'old-1', name: '鲜鱼馆', unit, kind: 'restaurant', address: '旧地址', location: { lon: 114, lat: 30 } },
      { id: 'other', name: '新店', unit: 'u-2', kind: 'tackle_shop', address: '', location: { lon: 114, lat: 30 } },
    ];
    const out = sitesToPublish(rows, unit, existing, () => 'new-1');
    expect(out.map((o) => [o.site.id, o.update])).toEqual([['old-1', true], ['new-1', false]]);
    expect(out[0].site).toEqual({ id: 'old-1', name: '鲜鱼馆', unit, kind: 'restaurant', address: '新地址', location: { lon: 114.3, lat: 30.5 } });
  });

  it('never publishes a row with a problem', () => {
    const bad = readSiteCsv('名称,类型,地址,经度,纬度\n,餐馆,,114.3,30.5\n').rows;
    expect(() => sitesToPublish(bad, unit, [], () => 'x')).toThrow();
  });
});

describe('new ids', () => {
  it('are UUID v7 with the time first', () => {
    const id = uuidV7(0x0189_abcd_ef01, (b) => b.fill(0xff));
    expect(id).toBe('0189abcd-ef01-7fff-bfff-ffffffffffff');
    expect(uuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7(1)).not.toBe(uuidV7(1));
  });
});
