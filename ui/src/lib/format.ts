// Formatting of times, durations, distances and sizes for people. Times show in the device's
// zone (or the one given, for tests); nothing here reads the clock itself.

import type { Lang } from './i18n';

const pad = (n: number) => String(n).padStart(2, '0');

/** "01:05:09" for 3909 s; minutes and seconds only under an hour ("05:09"). */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** "850 m", "1.24 km", "12.4 km"; "—" when not known. */
export function formatDistance(m: number | null | undefined): string {
  if (m == null || !Number.isFinite(m)) return '—';
  if (m < 1000) return `${Math.round(m)} m`;
  const km = m / 1000;
  // Past 100 km a tenth of a kilometre is noise (a site in another city, a wrong fix).
  return `${km < 10 ? km.toFixed(2) : km < 100 ? km.toFixed(1) : Math.round(km)} km`;
}

/** "2026-11-26 08:05" in the given offset from UTC (minutes; default: the device's). */
export function formatDateTime(ms: number | null | undefined, offsetMin?: number): string {
  if (ms == null) return '—';
  const off = offsetMin ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + off * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function formatDate(ms: number | null | undefined, offsetMin?: number): string {
  return formatDateTime(ms, offsetMin).slice(0, 10);
}

/** "1.5 MB", "320 KB", "12 B". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '—';
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** "3 天后到期" / "已逾期 2 天" / "due in 3 d". */
export function formatDeadline(deadline: number, now: number, lang: Lang): string {
  const days = Math.round((deadline - now) / 86_400_000);
  if (lang === 'zh') {
    if (days > 0) return `${days} 天后到期`;
    if (days === 0) return '今天到期';
    return `已逾期 ${-days} 天`;
  }
  if (days > 0) return `due in ${days} d`;
  if (days === 0) return 'due today';
  return `${-days} d overdue`;
}

/** A date input's value ("2026-12-01") as the end of that day in the device's zone. */
export function endOfDay(dateInput: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateInput);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999).getTime();
}
