// The sync engine's report and errors in plain words for the sync screen: what went up, what
// came down, what the server refused and why, and what is still on the device. Pure, so the
// wording is tested without a server.

import type { Plain } from './errors';
import { translate, type Key, type Lang } from './i18n';
import { formatBytes } from './format';
import type { SyncProgress, SyncReport, SyncStatus } from './types';

export interface Line { text: string; tone: 'ok' | 'warn' | 'err' }

/** One line per thing that happened, most important first; nothing that did not happen. */
export function reportLines(r: SyncReport, lang: Lang): Line[] {
  const t = (k: Key, v?: Record<string, string | number>) => translate(lang, k, v);
  const out: Line[] = [];
  const refused = r.rejected.filter((x) => !x.kept);
  const flagged = r.rejected.filter((x) => x.kept);
  if (refused.length) out.push({ text: t('syncr.blocked', { n: refused.length, why: refused[0].message }), tone: 'err' });
  if (flagged.length) out.push({ text: t('syncr.flagged', { n: flagged.length, why: flagged[0].message }), tone: 'warn' });
  out.push({
    text: r.accepted || r.duplicates ? t('syncr.events', { n: r.accepted + r.duplicates }) : t('syncr.no_events'),
    tone: 'ok',
  });
  if (r.blobs_uploaded) out.push({ text: t('syncr.photos', { n: r.blobs_uploaded, size: formatBytes(r.bytes_uploaded) }), tone: 'ok' });
  if (r.blobs_already_there) out.push({ text: t('syncr.photos_there', { n: r.blobs_already_there }), tone: 'ok' });
  if (r.originals_held_back) out.push({ text: t('syncr.originals_held', { n: r.originals_held_back }), tone: 'warn' });
  if (r.blobs_waiting) out.push({ text: t('syncr.waiting', { n: r.blobs_waiting }), tone: 'warn' });
  if (r.blobs_absent) out.push({ text: t('syncr.absent', { n: r.blobs_absent }), tone: 'err' });
  for (const e of r.blob_errors) out.push({ text: t('syncr.blob_error', { why: e }), tone: 'err' });
  out.push({ text: r.pulled ? t('syncr.pulled', { n: r.pulled }) : t('syncr.nothing_pulled'), tone: 'ok' });
  if (r.retries) out.push({ text: t('syncr.retries', { n: r.retries }), tone: 'warn' });
  return out;
}

/** A running sync in numbers a person can follow: which step, and how far it has come. */
export interface ProgressView {
  step: string;
  /** 0..1 over the whole run, or null before the plan is known. */
  fraction: number | null;
  lines: string[];
}

/**
 * The sync's progress for the screen. Records and photos are counted separately (photos by
 * bytes, which is what takes the time); the fraction weighs events as one byte-heavy step so
 * that the bar moves during the push and does not jump back at the uploads.
 */
export function progressView(p: SyncProgress, lang: Lang): ProgressView {
  const t = (k: Key, v?: Record<string, string | number>) => translate(lang, k, v);
  const lines: string[] = [];
  if (p.events_total) lines.push(t('syncp.events', { done: p.events_done, total: p.events_total }));
  if (p.blobs_total)
    lines.push(
      t('syncp.photos', {
        done: p.blobs_done,
        total: p.blobs_total,
        bytes: formatBytes(p.bytes_done),
        of: formatBytes(p.bytes_total),
      }),
    );
  if (p.pulled) lines.push(t('syncp.pulled', { n: p.pulled }));
  if (p.retries) lines.push(t('syncp.retries', { n: p.retries, why: p.last_error ?? '' }));
  let fraction: number | null = null;
  if (p.phase === 'done') fraction = 1;
  else if (p.phase !== 'starting') {
    // Push and uploads make up the bar; pulling is the short last step.
    const eventWeight = p.events_total ? Math.max(p.bytes_total * 0.1, 1) : 0;
    const whole = eventWeight + p.bytes_total;
    const done =
      (p.events_total ? (eventWeight * Math.min(p.events_done, p.events_total)) / p.events_total : 0) +
      Math.min(p.bytes_done, p.bytes_total);
    fraction = p.phase === 'pulling' ? 0.99 : whole ? Math.min(done / whole, 0.98) : 0;
  }
  return { step: t(`syncp.${p.phase}` as Key), fraction, lines };
}

/** A failed sync (or enrolment) in words that say what to do; records always stay. */
export function syncErrorText(e: Plain & { status?: number }, lang: Lang): string {
  const t = (k: Key, v?: Record<string, string | number>) => translate(lang, k, v);
  switch (e.code) {
    case 'network':
      return t('syncerr.network', { why: e.message });
    case 'not_enrolled':
      return t('syncerr.not_enrolled');
    case 'sync_busy':
      return t('syncerr.busy');
    case 'cancelled':
      return t('syncerr.cancelled');
    // The core names whose records and how many, in Chinese; English says what to do.
    case 'other_users_records_unsent':
      return lang === 'zh' ? e.message : t('syncerr.other_users');
    // The server's own text for these mixes login and token wording; say what to do instead.
    case 'bad_credentials':
      return t('syncerr.credentials');
    case 'unauthenticated':
    case 'token_revoked':
      return t('syncerr.signed_out');
    default:
      return t('syncerr.other', { why: e.message });
  }
}

/** What still waits on the device, in one sentence. */
export function pendingText(s: SyncStatus, lang: Lang): string {
  const t = (k: Key, v?: Record<string, string | number>) => translate(lang, k, v);
  if (!s.outbox_events && !s.blobs_pending && !s.originals_pending) return t('syncs.all_sent');
  const parts = s.outbox_events ? [t('syncs.events', { n: s.outbox_events })] : [];
  if (s.blobs_pending) parts.push(t('syncs.photos', { n: s.blobs_pending, size: formatBytes(s.blobs_pending_bytes) }));
  if (s.originals_pending) parts.push(t('syncs.originals', { n: s.originals_pending }));
  return parts.join(lang === 'zh' ? '，' : ', ');
}
