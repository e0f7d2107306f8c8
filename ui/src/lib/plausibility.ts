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
export const SPEED_SPAN_S = 30;

export function plausibilityFlags(points: TrackPoint[]): Flag[] {
  const flags: Flag[] = [];
  if (points.length < 10) flags.push({ code: 'few_points', value: points.length });
  // Speed is the straight displacement over spans of at least SPEED_SPAN_S seconds, so GPS
  // jitter between fixes a second apart cancels out instead of looking like a sprint.
  let maxKmh = 0;
  let maxGapMin = 0;
  let j = 0;
  for (let i = 1; i < points.length; i++) {
    const dtGap = (points[i].t - points[i - 1].t) / 1000;
    if (dtGap > 0) maxGapMin = Math.max(maxGapMin, dtGap / 60);
    while (j + 1 < i && (points[i].t - points[j + 1].t) / 1000 >= SPEED_SPAN_S) j++;
    const span = (points[i].t - points[j].t) / 1000;
    if (span >= SPEED_SPAN_S) maxKmh = Math.max(maxKmh, (distanceM(points[j], points[i]) / span) * 3.6);
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
