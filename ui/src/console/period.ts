// Dates as the office means them: calendar days in China (UTC+8), whatever the zone of the
// computer the console runs on. A period picked as two dates covers both days whole, so its end
// is the start of the day after (the server's `to` is exclusive).

export const CHINA_OFFSET_MIN = 480;
const OFFSET_MS = CHINA_OFFSET_MIN * 60_000;
export const DAY_MS = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** Midnight in China of a date input's value ("2020-06-01"), as Unix ms; null if not a date. */
export function chinaDayStart(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d) - OFFSET_MS;
  // 2020-02-31 would roll into March: not a date.
  return chinaDate(ms) === date ? ms : null;
}

/** The last millisecond of that day in China: a deadline given as a date means the whole day. */
export function chinaDayEnd(date: string): number | null {
  const start = chinaDayStart(date);
  return start == null ? null : start + DAY_MS - 1;
}

/** The China calendar date of an instant, as a date input's value. */
export function chinaDate(ms: number): string {
  const d = new Date(ms + OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** "2020-06-01 08:05" in China time. */
export function chinaDateTime(ms: number | null | undefined): string {
  if (ms == null) return '—';
  const d = new Date(ms + OFFSET_MS);
  return `${chinaDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** A period of dates (either end may be open) as the list's `from` (inclusive) and `to`
 * (exclusive) in Unix ms; a date that is not one is left out. */
export function periodMs(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const out: { from?: number; to?: number } = {};
  const f = from ? chinaDayStart(from) : null;
  const t = to ? chinaDayStart(to) : null;
  if (f != null) out.from = f;
  if (t != null) out.to = t + DAY_MS;
  return out;
}

/** Whole days past a deadline (0 until it has passed), counted in China's calendar days: a
 * deadline of the 10th is one day overdue all through the 11th. */
export function overdueDays(deadline: number, now: number): number {
  if (now <= deadline) return 0;
  const days = Math.round(((chinaDayStart(chinaDate(now)) ?? now) - (chinaDayStart(chinaDate(deadline)) ?? deadline)) / DAY_MS);
  return Math.max(0, days);
}

/** "1 h 05 min" / "42 min" for a span of ms; "—" when unknown. */
export function formatDuration(ms: number | null | undefined, lang: 'zh' | 'en'): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  const min = Math.round(ms / 60_000);
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (lang === 'zh') return h > 0 ? `${h} 小时 ${pad(m)} 分` : `${m} 分钟`;
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min`;
}
