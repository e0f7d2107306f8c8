// Grid clustering for the map's findings: points in the same grid cell (sized to the zoom, about
// 60 screen pixels) become one marker at their mean position with a count. Simple and stable —
// a point never jumps between clusters while the map pans, only when it zooms.

import type { Position } from '../lib/generated/api';

export interface Cluster<T> { lon: number; lat: number; items: T[] }

/** The cell size in degrees for a zoom level: 60 px of a 256 px tile at that zoom. */
export function cellDegrees(zoom: number): number {
  return (360 / 2 ** zoom) * (60 / 256);
}

export function clusterByGrid<T extends { position: Position }>(items: T[], cellDeg: number): Cluster<T>[] {
  const cells = new Map<string, T[]>();
  for (const it of items) {
    const key = `${Math.floor(it.position.lon / cellDeg)}:${Math.floor(it.position.lat / cellDeg)}`;
    const cell = cells.get(key);
    if (cell) cell.push(it);
    else cells.set(key, [it]);
  }
  return [...cells.values()].map((its) => ({
    lon: its.reduce((s, x) => s + x.position.lon, 0) / its.length,
    lat: its.reduce((s, x) => s + x.position.lat, 0) / its.length,
    items: its,
  }));
}
