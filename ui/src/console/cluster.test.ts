import { describe, expect, it } from 'vitest';
import { cellDegrees, clusterByGrid } from './cluster';

const at = (id: string, lon: number, lat: number) => ({ id, position: { lon, lat } });

describe('grid clustering', () => {
  it('joins points of one cell into one marker at their mean', () => {
    const c = clusterByGrid([at('a', 114.001, 30.001), at('b', 114.003, 30.003), at('c', 114.5, 30.5)], 0.01);
    expect(c).toHaveLength(2);
    const big = c.find((x) => x.items.length === 2)!;
    expect(big.items.map((x) => x.id)).toEqual(['a', 'b']);
    expect(big.lon).toBeCloseTo(114.002, 9);
    expect(big.lat).toBeCloseTo(30.002, 9);
  });

  it('keeps every point apart when the cells are small', () => {
    expect(clusterByGrid([at('a', 114.001, 30.001), at('b', 114.003, 30.003)], 0.0001)).toHaveLength(2);
  });

  it('halves the cell with each zoom level', () => {
    expect(cellDegrees(11) / cellDegrees(12)).toBeCloseTo(2, 12);
  });
});
