// The sync engine's report and errors in plain words for the sync screen: what went up, what
// came down, what the server refused and why, and what is still on the device. Pure, so the
// wording is tested without a server.

import type { Plain } from './errors';
import { translate, type Key, type Lang } from './i18n';
import { formatBytes } from './format';
import type { SyncReport, SyncStatus } from './types';

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
  if (r.blobs_absent) out.push({ text: t('syncr.absent', { n: r.blobs_absent }), tone: 'err' });
  for (const e of r.blob_errors) out.push({ text: t('syncr.blob_error', { why: e }), tone: 'err' });
  out.push({ text: r.pulled ? t('syncr.pulled', { n: r.pulled }) : t('syncr.nothing_pulled'), tone: 'ok' });
  if (r.retries) out.push({ text: t('syncr.retries', { n: r.retries }), tone: 'warn' });
  return out;
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
