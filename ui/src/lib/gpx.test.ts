import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_FIXTURES, skipNotice } from '../../scripts/fixtures.mjs';
import { parseGpx, replayDelays, replayTimes } from './gpx';

if (!HAVE_FIXTURES) skipNotice('the GPX tests');
const fixture = (name: string) => readFileSync(join(FIXTURES, 'gpx', name), 'utf8');

describe.skipIf(!HAVE_FIXTURES)('reading GPX for the replayed GPS source', () => {
  it('reads every track point of a real Garmin file with its time', () => {
    const pts = parseGpx(fixture('cerknicko-jezero.gpx'));
    expect(pts).toHaveLength(296);
    expect(pts[0]).toEqual({ lat: 45.772175035, lon: 14.357659249, t: Date.parse('2010-08-05T14:23:59Z'), ele: 542.320923 });
  });

  it('reads a file without times, and a route when there is no track', () => {
    const noTimes = parseGpx(fixture('cerknicko-without-times.gpx'));
    expect(noTimes).toHaveLength(296);
    // The file keeps a time on a handful of its points only.
    expect(noTimes.filter((p) => p.t !== null).length).toBeLessThan(10);
    expect(parseGpx(fixture('route.gpx')).length).toBeGreaterThan(0);
  });

  it('skips an empty segment', () => {
    expect(parseGpx(fixture('track-with-empty-segment.gpx'))).toHaveLength(9);
  });

  it('refuses what is not XML', () => {
    expect(() => parseGpx('<gpx><trkpt')).toThrow();
  });

  it('replays the recorded gaps faster, one second per point without times, capped', () => {
    const pts = parseGpx(fixture('cerknicko-jezero.gpx'));
    const d = replayDelays(pts, 10);
    expect(d[0]).toBe(0);
    for (let i = 1; i < pts.length; i++) expect(d[i]).toBe(Math.min(60_000, Math.max(0, pts[i].t! - pts[i - 1].t!)) / 10);
    expect(d[1]).toBe(6_000); // a 69 s gap, capped at a minute, replayed 10× faster
    expect(replayDelays(parseGpx(fixture('cerknicko-without-times.gpx')), 2)[2]).toBe(500);
  });

  it('stamps replayed points with the recorded timing from the start, whatever the replay speed', () => {
    const pts = [0, 5_000, 10_000, 200_000].map((t) => ({ lon: 0, lat: 0, ele: null, t: 1_000_000 + t }));
    expect(replayTimes(pts, 50_000)).toEqual([50_000, 55_000, 60_000, 120_000]);
    const untimed = pts.map((p) => ({ ...p, t: null }));
    expect(replayTimes(untimed, 0)).toEqual([0, 1000, 2000, 3000]);
  });
});
