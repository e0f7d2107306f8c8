// Reading a GPX file for the "replayed GPX" GPS source: its track points (or route points when
// it has no track), with their times when it has them.

export interface GpxPoint {
  lon: number;
  lat: number;
  /** ms since the epoch, when the file has a time for the point. */
  t: number | null;
  ele: number | null;
}

export function parseGpx(text: string): GpxPoint[] {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('GPX 文件无法解析');
  const read = (tag: string) =>
    Array.from(doc.getElementsByTagName(tag)).flatMap((el): GpxPoint[] => {
      const lat = Number(el.getAttribute('lat'));
      const lon = Number(el.getAttribute('lon'));
      if (!Number.isFinite(lat) || !Number.isFinite(lon) || el.getAttribute('lat') === null) return [];
      const time = el.getElementsByTagName('time')[0]?.textContent;
      const ele = el.getElementsByTagName('ele')[0]?.textContent;
      const t = time ? Date.parse(time) : NaN;
      return [{ lon, lat, t: Number.isFinite(t) ? t : null, ele: ele ? Number(ele) : null }];
    });
  const track = read('trkpt');
  return track.length ? track : read('rtept');
}

/**
 * The wait before each point when replaying at `speed`× real time: the recorded gap, or one
 * second when the file has no times; never negative, never longer than `maxGapMs`.
 */
export function replayDelays(points: GpxPoint[], speed: number, maxGapMs = 60_000): number[] {
  const s = speed > 0 ? speed : 1;
  return points.map((p, i) => {
    if (i === 0) return 0;
    const prev = points[i - 1];
    const gap = p.t !== null && prev.t !== null ? p.t - prev.t : 1000;
    return Math.min(maxGapMs, Math.max(0, gap)) / s;
  });
}

/**
 * The time each replayed point is stamped with: `startMs` plus its recorded offset from the
 * first point (one second apart when the file has no times), capped gaps as in replayDelays.
 * Replaying faster than real time therefore keeps the recorded speeds — a track walked at
 * 1.3 m/s still says 1.3 m/s, and the core's cleaning and flags see what was really walked;
 * the points still say `provider: 'replay'`, so nobody takes them for a real fix.
 */
export function replayTimes(points: GpxPoint[], startMs: number, maxGapMs = 60_000): number[] {
  const gaps = replayDelays(points, 1, maxGapMs);
  let t = startMs;
  return gaps.map((g) => (t += g));
}
