// Track playback (轨迹回放): where the patroller was at a moment, from the fixes as recorded.
// Between two fixes the position moves in a straight line at even speed; across a gap (nothing
// recorded: signal lost, recording paused) it stays at the last fix before the gap, since the
// record says nothing about the way taken.

import type { Position, TrackPoint } from '../lib/generated/api';

export interface PlaybackPosition extends Position {
  /** The index of the last fix at or before the moment. */
  index: number;
}

/** Fixes in time order with a time; untimed stretches are drawn, never played. */
export function timedFixes(points: TrackPoint[]): TrackPoint[] {
  return points.filter((p) => Number.isFinite(p.t)).slice().sort((a, b) => a.t - b.t);
}

/** The position at `t` along `fixes` (time order): held at the ends and across gaps. */
export function positionAt(fixes: TrackPoint[], t: number): PlaybackPosition | null {
  if (fixes.length === 0) return null;
  if (t <= fixes[0].t) return { lon: fixes[0].lon, lat: fixes[0].lat, index: 0 };
  const last = fixes.length - 1;
  if (t >= fixes[last].t) return { lon: fixes[last].lon, lat: fixes[last].lat, index: last };
  // Binary search for the last fix at or before t.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fixes[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = fixes[lo];
  const b = fixes[hi];
  if (b.gap_before || b.t === a.t) return { lon: a.lon, lat: a.lat, index: lo };
  const f = (t - a.t) / (b.t - a.t);
  return { lon: a.lon + (b.lon - a.lon) * f, lat: a.lat + (b.lat - a.lat) * f, index: lo };
}

/** The moment playback shows after `elapsedMs` of real time at `speed` times the recorded pace,
 * from `startT`; it stops at the track's end. */
export function playbackTime(startT: number, endT: number, elapsedMs: number, speed: number): number {
  return Math.min(endT, startT + elapsedMs * speed);
}
