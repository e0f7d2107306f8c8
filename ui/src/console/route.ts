// The console's address: pages by the URL's hash ("#/records?kind=patrol&unit=…"), so the
// filters are in the address, a reload keeps them and the back button walks back through them.
// Only words and ids go in the address; the bearer token never does.

import type { RecordKind } from './types';
import { periodMs } from './period';

export const PAGES = ['overview', 'records', 'record', 'supervision', 'quota', 'problems', 'year', 'rules', 'people', 'reference', 'map'] as const;
export type Page = (typeof PAGES)[number];

export interface Route {
  page: Page;
  /** "#/record/patrol/<id>": the kind and id. */
  kind: RecordKind | null;
  id: string | null;
  params: Record<string, string>;
}

const KINDS: RecordKind[] = ['patrol', 'inspection', 'finding'];

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, kind, id] = path.split('/').map((s) => decodeURIComponent(s));
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) if (v !== '') params[k] = v;
  const page = PAGES.find((p) => p === name) ?? 'overview';
  if (page === 'record') {
    const k = KINDS.find((x) => x === kind);
    if (!k || !id) return { page: 'records', kind: null, id: null, params: {} };
    return { page, kind: k, id, params };
  }
  return { page, kind: null, id: null, params };
}

export function pageHash(page: Page, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function recordHash(kind: RecordKind, id: string): string {
  return `#/record/${kind}/${encodeURIComponent(id)}`;
}

export const FINDING_STATUSES = ['reported', 'assigned', 'rectified', 'verified', 'reopened'] as const;
export type FindingStatusFilter = (typeof FINDING_STATUSES)[number];

/** The records page's filters as the address carries them (dates as "YYYY-MM-DD", China). */
export interface RecordFilters {
  kind: RecordKind;
  unit?: string;
  owner?: string;
  from?: string;
  to?: string;
  /** Findings only. */
  status?: FindingStatusFilter;
  /** Patrols only: counting for the quota ("true") or not ("false"). */
  counts?: 'true' | 'false';
  /** Patrols only: only those with plausibility flags. */
  flagged?: 'true';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in an address's parameters; anything malformed is dropped, not guessed at. */
export function filtersOf(params: Record<string, string>): RecordFilters {
  const kind = KINDS.find((k) => k === params.kind) ?? 'patrol';
  const f: RecordFilters = { kind };
  if (params.unit) f.unit = params.unit;
  if (params.owner) f.owner = params.owner;
  if (params.from && DATE.test(params.from)) f.from = params.from;
  if (params.to && DATE.test(params.to)) f.to = params.to;
  if (kind === 'finding') {
    const s = FINDING_STATUSES.find((x) => x === params.status);
    if (s) f.status = s;
  }
  if (kind === 'patrol') {
    if (params.counts === 'true' || params.counts === 'false') f.counts = params.counts;
    if (params.flagged === 'true') f.flagged = 'true';
  }
  return f;
}

/** The filters as address parameters (the inverse of `filtersOf`). */
export function filterParams(f: RecordFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (v != null && v !== '') out[k] = String(v);
  return out;
}

/** The query of `GET /api/v1/office/records` for these filters: dates become China-time Unix
 * ms, the page's cursor goes in `before`. */
export function listQuery(f: RecordFilters, page: { limit: number; before?: string | null }): string {
  const q = new URLSearchParams({ kind: f.kind, limit: String(page.limit) });
  if (f.unit) q.set('unit', f.unit);
  if (f.owner) q.set('owner', f.owner);
  const p = periodMs(f.from, f.to);
  if (p.from != null) q.set('from', String(p.from));
  if (p.to != null) q.set('to', String(p.to));
  if (f.status) q.set('status', f.status);
  if (f.counts) q.set('counts', f.counts);
  if (f.flagged) q.set('flagged', f.flagged);
  if (page.before) q.set('before', page.before);
  return q.toString();
}
