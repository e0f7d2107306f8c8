// WGS-84 (what every device records and the server stores) to GCJ-02 (the offset grid Chinese
// map tiles such as AutoNavi's and Tencent's are drawn in), for display only: nothing converted
// here is ever stored or sent. Outside China the two are the same. The standard published
// approximation (Krasovsky ellipsoid), good to a few metres.

import type { Position } from '../lib/generated/api';

const A = 6378245.0;
const EE = 0.00669342162296594323;

export function outOfChina(p: Position): boolean {
  return p.lon < 72.004 || p.lon > 137.8347 || p.lat < 0.8293 || p.lat > 55.8271;
}

function dLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function dLon(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

export function wgsToGcj(p: Position): Position {
  if (outOfChina(p)) return { lon: p.lon, lat: p.lat };
  const x = p.lon - 105.0;
  const y = p.lat - 35.0;
  const radLat = (p.lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  const lat = (dLat(x, y) * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  const lon = (dLon(x, y) * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lon: p.lon + lon, lat: p.lat + lat };
}

/** The converter a map uses: GCJ-02 when its tiles are, else the position as stored. */
export function displayProjection(tilesAreGcj: boolean): (p: Position) => Position {
  return tilesAreGcj ? wgsToGcj : (p) => p;
}
