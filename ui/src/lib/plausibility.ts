// Plausibility flags of a patrol track, explained to the patroller at the end of a patrol (and
// to the office later): they do not block anything, they say what looks odd and why.

import { distanceM } from './geo';
import type { TrackPoint } from './types';

export type FlagCode = 'few_points' | 'too_fast' | 'long_gap' | 'mock_location' | 'poor_accuracy';

export interface Flag {
  code: FlagCode;
  /** A figure for the explanation: km/h, minutes, count or share. */
  value: number;
}

export const FAST_KMH = 40;
export const GAP_MIN = 5;
export const POOR_ACCURACY_M = 50;

export function plausibilityFlags(points: TrackPoint[]): Flag[] {
  const flags: Flag[] = [];
  if (points.length < 10) flags.push({ code: 'few_points', value: points.length });
  let maxKmh = 0;
  let maxGapMin = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const dt = (b.t - a.t) / 1000;
    if (dt > 0) {
      maxGapMin = Math.max(maxGapMin, dt / 60);
      // Ignore sub-5-second hops: GPS jitter over a tiny dt gives absurd speeds.
      if (dt >= 5) maxKmh = Math.max(maxKmh, (distanceM(a, b) / dt) * 3.6);
    }
  }
  if (maxKmh > FAST_KMH) flags.push({ code: 'too_fast', value: Math.round(maxKmh) });
  if (maxGapMin > GAP_MIN) flags.push({ code: 'long_gap', value: Math.round(maxGapMin) });
  const mock = points.filter((p) => p.mock).length;
  if (mock > 0) flags.push({ code: 'mock_location', value: mock });
  const poor = points.filter((p) => (p.accuracy_m ?? 0) > POOR_ACCURACY_M).length;
  if (points.length && poor / points.length > 0.2) {
    flags.push({ code: 'poor_accuracy', value: Math.round((poor / points.length) * 100) });
  }
  return flags;
}
