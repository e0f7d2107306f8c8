import { describe, expect, it } from 'vitest';
import { distanceM } from '../lib/geo';
import { displayProjection, outOfChina, wgsToGcj } from './gcj02';

describe('WGS-84 to GCJ-02', () => {
  it('shifts Beijing by the published offset (Tiananmen, to a metre)', () => {
    // A reference pair from the widely used eviltransform test data.
    const g = wgsToGcj({ lon: 116.397428, lat: 39.90923 });
    expect(g.lon).toBeCloseTo(116.403669, 5);
    expect(g.lat).toBeCloseTo(39.910633, 5);
  });

  it('moves a Wuhan point by a few hundred metres, never more', () => {
    const p = { lon: 114.3, lat: 30.6 };
    const d = distanceM(p, wgsToGcj(p));
    expect(d).toBeGreaterThan(100);
    expect(d).toBeLessThan(800);
  });

  it('leaves places outside China as they are', () => {
    const london = { lon: -0.1276, lat: 51.5072 };
    expect(outOfChina(london)).toBe(true);
    expect(wgsToGcj(london)).toEqual(london);
  });

  it('converts only when the tiles are GCJ-02', () => {
    const p = { lon: 114.3, lat: 30.6 };
    expect(displayProjection(false)(p)).toEqual(p);
    expect(displayProjection(true)(p)).not.toEqual(p);
  });
});
