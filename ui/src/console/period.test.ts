import { describe, expect, it } from 'vitest';
import { chinaDate, chinaDateTime, chinaDayEnd, chinaDayStart, formatDuration, overdueDays, periodMs } from './period';

describe('China calendar days', () => {
  it('starts a day at midnight UTC+8, which is 16:00 UTC the day before', () => {
    expect(chinaDayStart('2020-06-01')).toBe(Date.UTC(2020, 4, 31, 16));
    expect(chinaDayEnd('2020-06-01')).toBe(Date.UTC(2020, 5, 1, 16) - 1);
  });

  it('refuses what is not a date', () => {
    expect(chinaDayStart('2020-02-31')).toBeNull();
    expect(chinaDayStart('2020-6-1')).toBeNull();
    expect(chinaDayStart('')).toBeNull();
  });

  it('names the China date of an instant late in the UTC day', () => {
    expect(chinaDate(Date.UTC(2020, 11, 31, 17))).toBe('2021-01-01');
    expect(chinaDateTime(Date.UTC(2020, 11, 31, 17, 5))).toBe('2021-01-01 01:05');
  });

  it('makes a period of two dates cover both days whole, the end exclusive', () => {
    const p = periodMs('2020-06-01', '2020-06-30');
    expect(p.from).toBe(Date.UTC(2020, 4, 31, 16));
    expect(p.to).toBe(Date.UTC(2020, 5, 30, 16));
    expect(periodMs(undefined, '2020-06-30')).toEqual({ to: Date.UTC(2020, 5, 30, 16) });
    expect(periodMs('bad', undefined)).toEqual({});
  });
});

describe('overdue days', () => {
  const deadline = chinaDayEnd('2020-06-10')!;
  it('is 0 on the deadline day and before', () => {
    expect(overdueDays(deadline, chinaDayStart('2020-06-10')! + 3_600_000)).toBe(0);
    expect(overdueDays(deadline, deadline)).toBe(0);
  });
  it('counts calendar days after it', () => {
    expect(overdueDays(deadline, deadline + 1)).toBe(1);
    expect(overdueDays(deadline, chinaDayStart('2020-06-13')! + 5 * 3_600_000)).toBe(3);
  });
});

describe('durations', () => {
  it('reads in hours and minutes', () => {
    expect(formatDuration(65 * 60_000, 'zh')).toBe('1 小时 05 分');
    expect(formatDuration(42 * 60_000, 'en')).toBe('42 min');
    expect(formatDuration(null, 'zh')).toBe('—');
  });
});
