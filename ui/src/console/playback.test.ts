import { describe, expect, it } from 'vitest';
import type { TrackPoint } from '../lib/generated/api';
import { playbackTime, positionAt, timedFixes } from './playback';

const fix = (t: number, lon: number, lat: number, gap_before = false): TrackPoint => ({
  t, lon, lat, provider: 'gps', gap_before,
});

describe('track playback', () => {
  const track = [fix(1000, 114.0, 30.0), fix(2000, 114.001, 30.0), fix(4000, 114.001, 30.002)];

  it('holds at the first and last fix outside the track', () => {
    expect(positionAt(track, 0)).toEqual({ lon: 114.0, lat: 30.0, index: 0 });
    expect(positionAt(track, 9999)).toEqual({ lon: 114.001, lat: 30.002, index: 2 });
  });

  it('moves evenly between two fixes', () => {
    const p = positionAt(track, 1500)!;
    expect(p.lon).toBeCloseTo(114.0005, 9);
    expect(p.lat).toBeCloseTo(30.0, 9);
    expect(p.index).toBe(0);
    const q = positionAt(track, 3000)!;
    expect(q.lat).toBeCloseTo(30.001, 9);
    expect(q.index).toBe(1);
  });

  it('stays at the last fix across a gap instead of cutting across', () => {
    const gapped = [fix(1000, 114.0, 30.0), fix(5000, 114.01, 30.01, true)];
    expect(positionAt(gapped, 3000)).toEqual({ lon: 114.0, lat: 30.0, index: 0 });
  });

  it('has no position for an empty track', () => {
    expect(positionAt([], 1)).toBeNull();
  });

  it('sorts fixes by time before playing', () => {
    expect(timedFixes([track[2], track[0], track[1]]).map((p) => p.t)).toEqual([1000, 2000, 4000]);
  });

  it('runs at a multiple of the recorded pace and stops at the end', () => {
    expect(playbackTime(1000, 4000, 50, 20)).toBe(2000);
    expect(playbackTime(1000, 4000, 10_000, 20)).toBe(4000);
  });
});
