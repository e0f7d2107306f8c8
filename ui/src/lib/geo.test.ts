import { describe, expect, it } from 'vitest';
import { distanceM, distanceToLineM, pathLengthM, reachCoverage, trackLines } from './geo';

// Along a parallel near Wuhan: 0.001° of longitude at 30.65°N is about 95.7 m.
const at = (i: number, dlat = 0) => ({ lon: 114.1 + i * 0.001, lat: 30.65 + dlat });

describe('geometry for the screens', () => {
  it('measures distances on the sphere', () => {
    expect(distanceM(at(0), at(1))).toBeCloseTo(95.7, 0);
    expect(distanceM({ lon: 0, lat: 0 }, { lon: 0, lat: 1 })).toBeCloseTo(111_195, -1);
    expect(pathLengthM([at(0), at(1), at(2)])).toBeCloseTo(191.4, 0);
    expect(pathLengthM([])).toBe(0);
  });

  it('counts no distance across a gap between recorded segments', () => {
    // Two segments 5 km apart: only the two 95.7 m steps are walked.
    const track = [at(0), at(1), { ...at(50), gap_before: true }, at(51)];
    expect(pathLengthM(track)).toBeCloseTo(191.4, 0);
    expect(trackLines(track).map((l) => l.length)).toEqual([2, 2]);
    expect(trackLines([])).toEqual([]);
    expect(trackLines([at(0)])).toEqual([[at(0)]]);
  });

  it('measures the distance from a spot to a line', () => {
    const line = [at(0), at(10)];
    expect(distanceToLineM(at(5, 0.001), line)).toBeCloseTo(111.2, 0);
    expect(distanceToLineM(at(12), line)).toBeCloseTo(191.4, 0);
  });

  it('gives the share of a reach a track came close to', () => {
    const reach = [at(0), at(20)];
    const full = Array.from({ length: 21 }, (_, i) => at(i, 0.0001));
    const half = full.slice(0, 11);
    expect(reachCoverage(reach, full)).toBeCloseTo(1, 2);
    expect(reachCoverage(reach, half)!).toBeGreaterThan(0.45);
    expect(reachCoverage(reach, half)!).toBeLessThan(0.6);
    expect(reachCoverage(reach, [at(5, 0.01)])).toBe(0);
    expect(reachCoverage([at(0)], full)).toBeNull();
  });
});
