// A reach's centre line from a file the office already has: GeoJSON (RFC 7946, WGS-84 lon/lat)
// or GPX (its tracks, else its routes). What it owns: reading the file into lines the server
// will accept — at least 2 and at most MAX_REACH_LINE_POINTS points, every one in lon/lat range,
// no longer than MAX_REACH_LENGTH_M. What it must never do: guess at a projection or a datum. A
// file in metres (a projected CRS) is refused in words that say so, not "fixed"; a GCJ-02 file
// cannot be told apart from WGS-84 here, so the page says which the file must be.

import type { Position } from '../lib/generated/api';
import { pathLengthM } from '../lib/geo';

/** crates/domain/src/validate.rs: the most points of a reach's centre line. */
export const MAX_REACH_LINE_POINTS = 10_000;
/** crates/domain/src/validate.rs: the longest a reach may be, in metres. */
export const MAX_REACH_LENGTH_M = 1_000_000;

/** A line found in a file, ready to become a reach once it has a unit and chiefs. */
export interface ImportedLine {
  /** The feature's or track's own name, else the file's name without its extension. */
  name: string;
  line: Position[];
  length_m: number;
  /** How many pieces (GPX segments, MultiLineString parts) were joined end to end. */
  parts: number;
}

/** Why a file gives no line, in Chinese (`message`) and English (`en`). */
export class LineImportError extends Error {
  constructor(
    message: string,
    public en: string,
  ) {
    super(message);
  }
}

const fail = (zh: string, en: string): never => {
  throw new LineImportError(zh, en);
};

/** Seven decimals of a degree is about a centimetre: more is noise, and it keeps a
 * 10,000-point reach well under the server's 1 MiB body limit. */
const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

function baseName(fileName: string): string {
  return fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').trim();
}

/** Joins the pieces, checks the points and measures the line. */
function finish(name: string, pieces: Position[][]): ImportedLine {
  const kept = pieces.filter((p) => p.length > 0);
  const line = kept.flat();
  if (line.length < 2) fail('文件中没有线：至少需要 2 个点的线（LineString）或轨迹', 'The file has no line: a LineString or track of at least 2 points is needed');
  if (line.length > MAX_REACH_LINE_POINTS) {
    fail(
      `点太多：这条线有 ${line.length} 个点，河段最多 ${MAX_REACH_LINE_POINTS} 个。请先在 GIS 软件中简化（抽稀）后再导入`,
      `Too many points: the line has ${line.length}, a reach at most ${MAX_REACH_LINE_POINTS}. Simplify it in a GIS program first`,
    );
  }
  line.forEach((p, i) => {
    if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat)) {
      fail(`第 ${i + 1} 个点不是有效的坐标`, `Point ${i + 1} is not a valid coordinate`);
    }
    if (Math.abs(p.lon) > 180 || Math.abs(p.lat) > 90) {
      fail(
        `第 ${i + 1} 个点（${p.lon}, ${p.lat}）超出经纬度范围：文件须为 WGS-84 经纬度（经度 -180～180，纬度 -90～90），不能是投影坐标（米）`,
        `Point ${i + 1} (${p.lon}, ${p.lat}) is outside longitude/latitude range: the file must be WGS-84 lon/lat, not projected coordinates in metres`,
      );
    }
  });
  const rounded = line.map((p) => ({ lon: round7(p.lon), lat: round7(p.lat) }));
  const length_m = pathLengthM(rounded);
  if (!(length_m > 0)) fail('这条线长度为 0：所有点都在同一位置', 'The line has no length: all its points are in one place');
  if (length_m > MAX_REACH_LENGTH_M) {
    fail(
      `这条线长 ${(length_m / 1000).toFixed(1)} 公里，河段最长 ${MAX_REACH_LENGTH_M / 1000} 公里`,
      `The line is ${(length_m / 1000).toFixed(1)} km long; a reach is at most ${MAX_REACH_LENGTH_M / 1000} km`,
    );
  }
  return { name: name.trim().slice(0, 100), line: rounded, length_m, parts: kept.length };
}

// ---- GeoJSON ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function position(c: unknown): Position {
  if (!Array.isArray(c) || c.length < 2 || typeof c[0] !== 'number' || typeof c[1] !== 'number') {
    return fail('GeoJSON 中有不是 [经度, 纬度] 的坐标', 'The GeoJSON has a coordinate that is not [lon, lat]');
  }
  return { lon: c[0], lat: c[1] };
}

/** The pieces of a line geometry; none for points and polygons. */
function geometryPieces(g: unknown): Position[][] {
  if (!isObj(g)) return [];
  const coords = g.coordinates;
  switch (g.type) {
    case 'LineString':
      return Array.isArray(coords) ? [coords.map(position)] : [];
    case 'MultiLineString':
      return Array.isArray(coords) ? coords.map((part) => (Array.isArray(part) ? part.map(position) : [])) : [];
    case 'GeometryCollection':
      return Array.isArray(g.geometries) ? g.geometries.flatMap(geometryPieces) : [];
    default:
      return [];
  }
}

/** The 2008 GeoJSON's `crs` member: only WGS-84 lon/lat names are let through. */
function checkCrs(doc: Json) {
  const crs = doc.crs;
  if (!isObj(crs) || !isObj(crs.properties)) return;
  const name = String(crs.properties.name ?? '');
  if (!/CRS84|EPSG:{1,2}4326$|EPSG::?4490$/i.test(name)) {
    fail(
      `文件的坐标系是 ${name}，不是 WGS-84 经纬度。请在 GIS 软件中导出为 WGS-84（EPSG:4326）后再导入`,
      `The file's coordinate system is ${name}, not WGS-84 lon/lat. Export it as WGS-84 (EPSG:4326) first`,
    );
  }
}

function readGeoJson(text: string, fallbackName: string): ImportedLine[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('GeoJSON 文件无法解析（不是有效的 JSON）', 'The GeoJSON file cannot be read (not valid JSON)');
  }
  if (!isObj(doc)) return fail('不是 GeoJSON 文件', 'Not a GeoJSON file');
  checkCrs(doc);
  const nameOf = (f: Json) => {
    const p = isObj(f.properties) ? f.properties : {};
    const n = p.name ?? p.NAME ?? p['名称'] ?? p.title;
    return typeof n === 'string' && n.trim() ? n : fallbackName;
  };
  const features: Json[] =
    doc.type === 'FeatureCollection' ? (Array.isArray(doc.features) ? doc.features.filter(isObj) : []) : doc.type === 'Feature' ? [doc] : [];
  const found =
    features.length > 0 || doc.type === 'FeatureCollection'
      ? features.map((f) => ({ name: nameOf(f), pieces: geometryPieces(f.geometry) }))
      : [{ name: fallbackName, pieces: geometryPieces(doc) }];
  const lines = found.filter((f) => f.pieces.some((p) => p.length > 0));
  if (lines.length === 0) fail('文件中没有线：GeoJSON 里须有 LineString 或 MultiLineString', 'The file has no line: the GeoJSON needs a LineString or MultiLineString');
  return lines.map((f) => finish(f.name, f.pieces));
}

// ---- GPX --------------------------------------------------------------------------------------
// lib/gpx.ts reads a GPX for replaying as GPS fixes and flattens it; a reach needs the file's
// name and its segments (to say how many were joined), so the reading here is its own.

const child = (el: Element, name: string) => Array.from(el.children).find((c) => c.localName === name);
const ownName = (el: Element | undefined) => (el ? child(el, 'name')?.textContent?.trim() || null : null);

function points(el: Element, tag: string): Position[] {
  return Array.from(el.getElementsByTagName(tag)).flatMap((pt) => {
    const lat = pt.getAttribute('lat');
    const lon = pt.getAttribute('lon');
    return lat === null || lon === null || lat.trim() === '' || lon.trim() === '' ? [] : [{ lon: Number(lon), lat: Number(lat) }];
  });
}

function readGpx(text: string, fallbackName: string): ImportedLine[] {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) fail('GPX 文件无法解析（不是有效的 XML）', 'The GPX file cannot be read (not valid XML)');
  const root = doc.documentElement;
  if (root.localName !== 'gpx') fail('不是 GPX 文件（根元素不是 <gpx>）', 'Not a GPX file (its root is not <gpx>)');
  const tracks = Array.from(root.getElementsByTagName('trk')).filter((t) => points(t, 'trkpt').length > 0);
  const routes = Array.from(root.getElementsByTagName('rte')).filter((r) => points(r, 'rtept').length > 0);
  const pieces = tracks.length
    ? tracks.flatMap((t) => Array.from(t.getElementsByTagName('trkseg')).map((s) => points(s, 'trkpt')))
    : routes.map((r) => points(r, 'rtept'));
  const name = ownName(child(root, 'metadata')) ?? ownName(root) ?? ownName(tracks[0] ?? routes[0]) ?? fallbackName;
  return [finish(name, pieces)];
}

/**
 * The lines in a GeoJSON or GPX file (one for a GPX: its segments joined in order; one per line
 * feature for GeoJSON). Throws a `LineImportError` saying what is wrong.
 */
export function importLines(text: string, fileName: string): ImportedLine[] {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  const fallback = baseName(fileName) || '河段';
  if (body.startsWith('{')) return readGeoJson(body, fallback);
  if (body.startsWith('<')) return readGpx(body, fallback);
  return fail('不支持的文件格式：请选择 GeoJSON（.geojson/.json）或 GPX（.gpx）文件', 'Unsupported file: choose a GeoJSON (.geojson/.json) or GPX (.gpx) file');
}
