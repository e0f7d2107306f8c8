import { describe, expect, it } from 'vitest';
import type { RuleBook } from '../lib/generated/api';
import { emptyLevel, levelProblems, nextVersion, rulesProblems } from './rulesform';

describe('the patrol rules form', () => {
  it('accepts a level with the domain limits exactly', () => {
    const l = { ...emptyLevel('brigade'), min_duration_min: 1440, min_length_m: 100_000, min_coverage_pct: 100, cooldown_h: 744, quota: { times: 100, every: 'month' as const, per: 'chief' as const } };
    expect(levelProblems(l)).toEqual([]);
  });

  it('refuses what PatrolRules::check refuses', () => {
    const l = { ...emptyLevel('street'), min_duration_min: 1441, min_coverage_pct: 101, cooldown_h: 745, min_length_m: 1.5, quota: { times: 0, every: 'week' as const, per: 'reach' as const }, season: { from_month: 0, to_month: 13 } };
    expect(levelProblems(l).map((p) => `${p.field}:${p.problem}`)).toEqual([
      'min_duration_min:too_large', 'min_length_m:not_whole', 'min_coverage_pct:too_large', 'cooldown_h:too_large',
      'times:too_small', 'from_month:month', 'to_month:month',
    ]);
  });

  it('refuses a level given twice', () => {
    expect(rulesProblems([emptyLevel('street'), emptyLevel('street')])).toEqual([{ level: 'street', field: 'level', problem: 'repeated' }]);
  });

  it('publishes the next version of the same book', () => {
    const book: RuleBook = { id: 'book-1', unit: 'u', versions: [
      { id: 'book-1', unit: 'u', version: 1, name: 'a', effective_from: 0, levels: [] },
      { id: 'book-1', unit: 'u', version: 2, name: 'b', effective_from: 5, levels: [] },
    ] };
    const v = nextVersion(book, 'u', { name: ' 2021 年办法 ', effective_from: 9, levels: [emptyLevel('street')] });
    expect(v).toMatchObject({ id: 'book-1', unit: 'u', version: 3, name: '2021 年办法', effective_from: 9 });
  });

  it('starts a new book at version 1 for a unit without rules', () => {
    expect(nextVersion(null, 'u', { name: 'x', effective_from: 1, levels: [] }, () => 'new-id')).toMatchObject({ id: 'new-id', version: 1 });
  });
});
