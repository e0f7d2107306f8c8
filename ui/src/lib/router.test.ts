import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './router';

describe('screens addressed by the hash', () => {
  it('reads screens and record ids, and round-trips', () => {
    expect(parseRoute('#/inspection')).toEqual({ screen: 'inspection', id: null });
    expect(parseRoute(routeHash('record', '01a2-x'))).toEqual({ screen: 'record', id: '01a2-x' });
  });

  it('falls back to home for anything unknown, and to the list for a record without id', () => {
    expect(parseRoute('')).toEqual({ screen: 'home', id: null });
    expect(parseRoute('#/nope')).toEqual({ screen: 'home', id: null });
    expect(parseRoute('#/record')).toEqual({ screen: 'records', id: null });
  });
});
