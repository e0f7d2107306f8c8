import { describe, expect, it } from 'vitest';
import { endOfDay, formatBytes, formatDateTime, formatDeadline, formatDistance, formatElapsed, formatPercent } from './format';

describe('formatting for people', () => {
  it('shows elapsed time as mm:ss under an hour and hh:mm:ss above', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(309_000)).toBe('05:09');
    expect(formatElapsed(3_909_000)).toBe('01:05:09');
    expect(formatElapsed(-5)).toBe('00:00');
  });

  it('shows distances in metres, then kilometres with sensible precision', () => {
    expect(formatDistance(849.6)).toBe('850 m');
    expect(formatDistance(1_240)).toBe('1.24 km');
    expect(formatDistance(12_400)).toBe('12.4 km');
    expect(formatDistance(8_303_500)).toBe('8304 km');
    expect(formatDistance(null)).toBe('—');
    expect(formatDistance(NaN)).toBe('—');
  });

  it('shows times in the zone given (Beijing here), not in UTC', () => {
    // 2026-11-26T00:05:00Z is 08:05 in Beijing.
    expect(formatDateTime(Date.UTC(2026, 10, 26, 0, 5), 480)).toBe('2026-11-26 08:05');
    expect(formatDateTime(Date.UTC(2026, 10, 25, 16, 30), 480)).toBe('2026-11-26 00:30');
    expect(formatDateTime(null)).toBe('—');
  });

  it('says how far a deadline is, in both languages', () => {
    const now = Date.UTC(2026, 10, 26);
    expect(formatDeadline(now + 3 * 86_400_000, now, 'zh')).toBe('3 天后到期');
    expect(formatDeadline(now - 2 * 86_400_000, now, 'zh')).toBe('已逾期 2 天');
    expect(formatDeadline(now, now, 'en')).toBe('due today');
  });

  it('reads a date input as the end of that day', () => {
    const t = endOfDay('2030-12-31');
    expect(t).not.toBeNull();
    const d = new Date(t!);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2030, 11, 31, 23, 59]);
    expect(endOfDay('31/12/2030')).toBeNull();
  });

  it('shows sizes and shares', () => {
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(320 * 1024)).toBe('320 KB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatPercent(0.456)).toBe('46%');
    expect(formatPercent(1.2)).toBe('100%');
    expect(formatPercent(null)).toBe('—');
  });
});
