import { describe, expect, it } from 'vitest';
import { filterParams, filtersOf, listQuery, pageHash, parseRoute, recordHash } from './route';

describe('console addresses', () => {
  it('reads a page and its filters from the hash', () => {
    const r = parseRoute('#/records?kind=finding&status=assigned&from=2020-06-01');
    expect(r.page).toBe('records');
    expect(r.params).toEqual({ kind: 'finding', status: 'assigned', from: '2020-06-01' });
  });

  it('reads a record address and falls back to the list for a broken one', () => {
    const id = '281b6da7-0502-8535-bc42-008ed7ec70b8';
    expect(parseRoute(recordHash('patrol', id))).toMatchObject({ page: 'record', kind: 'patrol', id });
    expect(parseRoute('#/record/boat/1').page).toBe('records');
    expect(parseRoute('#/nowhere').page).toBe('overview');
    expect(parseRoute('#/reference').page).toBe('reference');
    expect(parseRoute('').page).toBe('overview');
  });

  it('round-trips the filters through the address', () => {
    const f = filtersOf({ kind: 'patrol', unit: 'u1', owner: 'p1', from: '2020-01-01', to: '2020-01-31', counts: 'false', flagged: 'true' });
    expect(filtersOf(parseRoute(pageHash('records', filterParams(f))).params)).toEqual(f);
  });

  it('drops filters that do not belong to the kind or are malformed', () => {
    expect(filtersOf({ kind: 'inspection', status: 'assigned', counts: 'true', from: 'June' })).toEqual({ kind: 'inspection' });
    expect(filtersOf({ kind: 'finding', status: 'lost' })).toEqual({ kind: 'finding' });
    expect(filtersOf({})).toEqual({ kind: 'patrol' });
  });

  it('asks the server in China-time milliseconds with the page cursor', () => {
    const q = new URLSearchParams(listQuery(filtersOf({ kind: 'patrol', from: '2020-06-01', to: '2020-06-01', counts: 'true' }), { limit: 50, before: 'c1' }));
    expect(q.get('kind')).toBe('patrol');
    expect(q.get('limit')).toBe('50');
    expect(Number(q.get('from'))).toBe(Date.UTC(2020, 4, 31, 16));
    expect(Number(q.get('to'))).toBe(Date.UTC(2020, 5, 1, 16));
    expect(q.get('counts')).toBe('true');
    expect(q.get('before')).toBe('c1');
  });
});
