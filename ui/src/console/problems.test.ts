import { describe, expect, it } from 'vitest';
import { closedPct, everyOf, spanWords } from './problems';

const figures = (found: number, verified: number) => ({ found, assigned: found, rectified: verified, verified, reopened: 0, overdue: 0 });

describe('the problems report in words', () => {
  it('gives 办结率 as the server does: verified of found, 100 % when none were found', () => {
    expect(closedPct(figures(7, 7))).toBe(100);
    expect(closedPct(figures(3, 1))).toBe(33.3);
    expect(closedPct(figures(0, 0))).toBe(100);
  });

  it('names a month, a quarter and a year', () => {
    const d = (year: number, month: number, day: number) => ({ year, month, day });
    expect(spanWords({ period: 'month', first: d(2025, 6, 1), last: d(2025, 6, 30) }, 'zh')).toBe('2025 年 6 月');
    expect(spanWords({ period: 'quarter', first: d(2025, 4, 1), last: d(2025, 6, 30) }, 'zh')).toBe('2025 年第 2 季度');
    expect(spanWords({ period: 'quarter', first: d(2025, 10, 1), last: d(2025, 12, 31) }, 'en')).toBe('2025 Q4');
    expect(spanWords({ period: 'year', first: d(2025, 1, 1), last: d(2025, 12, 31) }, 'zh')).toBe('2025 年');
  });

  it('reads every= from the address, month when missing or wrong', () => {
    expect(everyOf('quarter')).toBe('quarter');
    expect(everyOf(undefined)).toBe('month');
    expect(everyOf('week')).toBe('month');
  });
});
