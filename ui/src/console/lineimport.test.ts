import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_FIXTURES, skipNotice } from '../../scripts/fixtures.mjs';
import { distanceM } from '../lib/geo';
import { importLines, LineImportError, MAX_REACH_LINE_POINTS } from './lineimport';

const line = (coords: number[][]) => ({ type: 'LineString', coordinates: coords });
const feature = (geometry: unknown, properties: Record<string, unknown> = {}) => ({ type: 'Feature', properties, geometry });
const json = (v: unknown) => JSON.stringify(v);

/** The Chinese message a file is refused with. */
function refusal(text: string, file = 'x.geojson'): string {
  try {
    importLines(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(LineImportError);
    expect((e as LineImportError).en).not.toBe('');
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('a reach line from GeoJSON', () => {
  const coords = [[114.30, 30.55], [114.31, 30.55], [114.31, 30.56]];

  it('reads a Feature with its name and measures the line along the ground', () => {
    const [r] = importLines(json(feature(line(coords), { name: '东湖港' })), 'rivers.geojson');
    expect(r.name).toBe('东湖港');
    expect(r.line).toEqual([{ lon: 114.3, lat: 30.55 }, { lon: 114.31, lat: 30.55 }, { lon: 114.31, lat: 30.56 }]);
    const expected = distanceM(r.line[0], r.line[1]) + distanceM(r.line[1], r.line[2]);
    expect(r.length_m).toBeCloseTo(expected, 6);
    // 0.01° of longitude at 30.55° N is about 958 m, 0.01° of latitude about 1,112 m.
    expect(r.length_m).toBeGreaterThan(2_050);
    expect(r.length_m).toBeLessThan(2_090);
    expect(r.parts).toBe(1);
  });

  it('reads a bare geometry, named after the file', () => {
    const [r] = importLines(json(line(coords)), 'C:\\GIS\\沙湖港.geojson');
    expect(r.name).toBe('沙湖港');
    expect(r.line).toHaveLength(3);
  });

  it('joins a MultiLineString in order and keeps only lines of a FeatureCollection, one per feature', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        feature({ type: 'Point', coordinates: [114.3, 30.5] }, { name: '闸口' }),
        feature({ type: 'MultiLineString', coordinates: [coords.slice(0, 2), [[114.31, 30.56], [114.32, 30.57, 12.5]]] }, { name: '甲渠' }),
        feature(line(coords), { NAME: '乙渠' }),
      ],
    };
    const lines = importLines(json(fc), 'a.json');
    expect(lines.map((l) => l.name)).toEqual(['甲渠', '乙渠']);
    expect(lines[0].parts).toBe(2);
    expect(lines[0].line).toHaveLength(4);
    expect(lines[0].line[3]).toEqual({ lon: 114.32, lat: 30.57 });
  });

  it('reads a file with a byte order mark', () => {
    expect(importLines('\uFEFF' + json(line(coords)), 'a.geojson')).toHaveLength(1);
  });

  it('refuses a file with no line, and a one-point line', () => {
    expect(refusal(json(feature({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] })))).toContain('没有线');
    expect(refusal(json({ type: 'FeatureCollection', features: [] }))).toContain('没有线');
    expect(refusal(json(line([[114.3, 30.5]])))).toContain('没有线');
  });

  it('refuses projected coordinates (metres), naming the point and WGS-84', () => {
    const m = refusal(json(line([[114.3, 30.5], [12_724_000.5, 3_571_000.25]])));
    expect(m).toContain('第 2 个点');
    expect(m).toContain('WGS-84');
    expect(refusal(json({ type: 'Feature', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } }, properties: {}, geometry: line(coords) }))).toContain('EPSG::3857');
    // The old GeoJSON's names for WGS-84 pass.
    expect(importLines(json({ ...feature(line(coords)), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } } }), 'a.json')).toHaveLength(1);
  });

  it(`refuses more than ${MAX_REACH_LINE_POINTS} points, and takes exactly that many`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => [114 + i * 1e-5, 30.5]);
    expect(refusal(json(line(many(MAX_REACH_LINE_POINTS + 1))))).toContain(`最多 ${MAX_REACH_LINE_POINTS} 个`);
    expect(importLines(json(line(many(MAX_REACH_LINE_POINTS))), 'a.json')[0].line).toHaveLength(MAX_REACH_LINE_POINTS);
  });

  it('refuses a line of no length, one over 1,000 km, broken JSON and other formats', () => {
    expect(refusal(json(line([[114.3, 30.5], [114.3, 30.5]])))).toContain('长度为 0');
    expect(refusal(json(line([[100, 30], [115, 30]])))).toContain('最长 1000 公里');
    expect(refusal('{"type": "Feature",')).toContain('无法解析');
    expect(refusal('名称,经度\n')).toContain('GeoJSON');
    expect(refusal(json(line([[114.3, '30.5'], [114.4, 30.5]] as unknown as number[][])))).toContain('[经度, 纬度]');
  });

  it('keeps seven decimals of a degree', () => {
    const [r] = importLines(json(line([[114.123456789, 30.987654321], [114.2, 30.9]])), 'a.json');
    expect(r.line[0]).toEqual({ lon: 114.1234568, lat: 30.9876543 });
  });
});

describe('a reach line from GPX', () => {
  const gpx = (body: string) => `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">${body}</gpx>`;

  it('joins every track segment in order, named by the metadata or the track', () => {
    const text = gpx(
      '<metadata><name>长港河</name></metadata><wpt lat="1" lon="1"><name>闸</name></wpt>' +
        '<trk><name>轨迹</name><trkseg><trkpt lat="30.5" lon="114.3"/><trkpt lat="30.51" lon="114.3"/></trkseg>' +
        '<trkseg></trkseg><trkseg><trkpt lat="30.52" lon="114.3"/></trkseg></trk>',
    );
    const [r] = importLines(text, 'walk.gpx');
    expect(r.name).toBe('长港河');
    expect(r.parts).toBe(2);
    expect(r.line).toEqual([{ lon: 114.3, lat: 30.5 }, { lon: 114.3, lat: 30.51 }, { lon: 114.3, lat: 30.52 }]);
    expect(importLines(text.replace('<metadata><name>长港河</name></metadata>', ''), 'walk.gpx')[0].name).toBe('轨迹');
  });

  it('reads a route when there is no track, and refuses a file of waypoints only', () => {
    const [r] = importLines(gpx('<rte><rtept lat="30.5" lon="114.3"/><rtept lat="30.6" lon="114.3"/></rte>'), '路线.gpx');
    expect(r.name).toBe('路线');
    expect(r.line).toHaveLength(2);
    expect(refusal(gpx('<wpt lat="30.5" lon="114.3"/>'), 'a.gpx')).toContain('没有线');
    expect(refusal('<gpx><trk>', 'a.gpx')).toContain('无法解析');
    expect(refusal('<kml></kml>', 'a.kml')).toContain('不是 GPX');
  });
});

if (!HAVE_FIXTURES) skipNotice('importing a real GPX as a reach');
describe.skipIf(!HAVE_FIXTURES)('a real GPX file as a reach', () => {
  it('imports the Cerknica lake Garmin log: 296 points from its 7 non-empty segments, about 13.7 km', () => {
    const text = readFileSync(join(FIXTURES, 'gpx', 'cerknicko-jezero.gpx'), 'utf8');
    const [r] = importLines(text, 'cerknicko-jezero.gpx');
    expect(r.name).toBe('ACTIVE LOG #2');
    expect(r.line).toHaveLength(296);
    expect(r.line[0]).toEqual({ lon: 14.3576592, lat: 45.772175 });
    expect(r.parts).toBe(7);
    expect(r.length_m).toBeGreaterThan(13_600);
    expect(r.length_m).toBeLessThan(13_700);
  });
});
