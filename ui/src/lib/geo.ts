// Geometry on the WGS-84 sphere for what the screens show: track length, distance to a spot,
// coverage of a reach by a track. Coordinates are always named (lon, lat).

import type { Position } from './types';

const R_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

export function distanceM(a: Position, b: Position): number {
  const p1 = rad(a.lat);
  const p2 = rad(b.lat);
  const dp = p2 - p1;
  const dl = rad(b.lon - a.lon);
  const h = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * R_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A fix that may start a new recorded segment: nothing was recorded between it and the fix before. */
export type TrackFix = Position & { gap_before?: boolean };

/** The length of a track, segment by segment: a gap between segments adds nothing. */
export function pathLengthM(points: TrackFix[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) {
    if (!points[i].gap_before) sum += distanceM(points[i - 1], points[i]);
  }
  return sum;
}

/** The recorded segments of a track, each as a line to draw (a new one at every gap). */
export function trackLines<P extends TrackFix>(points: P[]): P[][] {
  const lines: P[][] = [];
  for (const p of points) {
    if (p.gap_before || lines.length === 0) lines.push([]);
    lines[lines.length - 1].push(p);
  }
  return lines;
}

/** The nearest point of a polyline to `p`, and how far it is. */
export function distanceToLineM(p: Position, line: Position[]): number {
  if (line.length === 0) return Infinity;
  if (line.length === 1) return distanceM(p, line[0]);
  // Local equirectangular projection around p: accurate enough at a few km.
  const k = Math.cos(rad(p.lat));
  const xy = (q: Position) => [rad(q.lon - p.lon) * k * R_M, rad(q.lat - p.lat) * R_M];
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = xy(line[i - 1]);
    const [bx, by] = xy(line[i]);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

/**
 * The share of a reach's centre line that a track came within `bufferM` of: the line is cut
 * into ~`stepM` pieces and a piece counts when its middle is near some track point.
 */
export function reachCoverage(line: Position[], track: Position[], bufferM = 50, stepM = 25): number | null {
  if (line.length < 2) return null;
  let total = 0;
  let covered = 0;
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1];
    const b = line[i];
    const seg = distanceM(a, b);
    const n = Math.max(1, Math.ceil(seg / stepM));
    for (let j = 0; j < n; j++) {
      const f = (j + 0.5) / n;
      const mid = { lon: a.lon + (b.lon - a.lon) * f, lat: a.lat + (b.lat - a.lat) * f };
      total += seg / n;
      if (track.some((q) => distanceM(mid, q) <= bufferM)) covered += seg / n;
    }
  }
  return total === 0 ? null : covered / total;
}
