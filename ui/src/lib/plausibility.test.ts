import { describe, expect, it } from 'vitest';
import { plausibilityFlags } from './plausibility';
import type { TrackPoint } from './types';

// A walk east along 30.65°N: one fix every 5 s, 7 m apart (about 5 km/h).
function walk(n: number, stepM = 7, everyS = 5, from = 0): TrackPoint[] {
  const degPerM = 0.001 / 95.7; // 0.001° of longitude ≈ 95.7 m here
  return Array.from({ length: n }, (_, i) => ({ t: from + i * everyS * 1000, lon: 114.1 + i * stepM * degPerM, lat: 30.65, accuracy_m: 5 }));
}

describe('plausibility flags of a patrol track', () => {
  it('raises nothing for an ordinary walk', () => {
    expect(plausibilityFlags(walk(200))).toEqual([]);
  });

  it('says when a track has too few points to show anything', () => {
    expect(plausibilityFlags(walk(4))).toEqual([{ code: 'few_points', value: 4 }]);
  });

  it('says when the pace is that of a car, measured over half a minute', () => {
    const flags = plausibilityFlags(walk(100, 100)); // 100 m every 5 s = 72 km/h
    expect(flags.map((f) => f.code)).toEqual(['too_fast']);
    expect(flags[0].value).toBeGreaterThan(60);
  });

  it('does not take GPS jitter between close fixes for speed', () => {
    const jitter = walk(100, 1, 1).map((p, i) => ({ ...p, lat: p.lat + (i % 2 ? 0.0001 : 0) }));
    expect(plausibilityFlags(jitter).find((f) => f.code === 'too_fast')).toBeUndefined();
  });

  it('says how long the longest gap without a position was', () => {
    const pts = [...walk(50), ...walk(50, 7, 5, 50 * 5000 + 12 * 60_000)];
    expect(plausibilityFlags(pts)).toContainEqual({ code: 'long_gap', value: 12 });
  });

  it('counts mock-location fixes and poor accuracy', () => {
    const pts = walk(50).map((p, i) => ({ ...p, mock: i < 3, accuracy_m: i < 20 ? 80 : 5 }));
    const flags = plausibilityFlags(pts);
    expect(flags).toContainEqual({ code: 'mock_location', value: 3 });
    expect(flags).toContainEqual({ code: 'poor_accuracy', value: 40 });
  });
});
