// A record as one row of the office's table and of its CSV export: the same words for both, so
// what the office exports is what it saw. Pure: names come in through `Names`.

import type { FindingState, InspectionState, PatrolState } from '../lib/generated/api';
import { categoryName } from '../lib/categories';
import { formatDistance } from '../lib/format';
import { buildCsv } from './csv';
import { chinaDate, chinaDateTime, formatDuration } from './period';
import type { RecordKind, RecordSummary, ReviewState } from './types';
import { flagWords, translate, type Key, type Lang } from './words';

export interface Names {
  unit(id: string | null | undefined): string;
  user(id: string | null | undefined): string;
  reach(id: string | null | undefined): string | null;
  site(id: string | null | undefined): string | null;
}

export interface Column { key: string; label: Key }

const COMMON: Column[] = [
  { key: 'time', label: 'col.time' },
  { key: 'person', label: 'col.person' },
  { key: 'unit', label: 'col.unit' },
];
const TAIL: Column[] = [
  { key: 'photos', label: 'col.photos' },
  { key: 'flags', label: 'col.flags' },
];

export const COLUMNS: Record<RecordKind, Column[]> = {
  patrol: [
    ...COMMON,
    { key: 'patrol_kind', label: 'col.patrol_kind' },
    { key: 'reach', label: 'col.reach' },
    { key: 'length', label: 'col.length' },
    { key: 'duration', label: 'col.duration' },
    { key: 'counts', label: 'col.counts' },
    ...TAIL,
    { key: 'review', label: 'col.review' },
  ],
  inspection: [...COMMON, { key: 'site', label: 'col.site' }, { key: 'outcome', label: 'col.outcome' }, ...TAIL, { key: 'review', label: 'col.review' }],
  finding: [
    ...COMMON,
    { key: 'category', label: 'col.category' },
    { key: 'severity', label: 'col.severity' },
    { key: 'status', label: 'col.status' },
    { key: 'deadline', label: 'col.deadline' },
    ...TAIL,
  ],
};

export type Row = Record<string, string>;

export function reviewOf(state: PatrolState | InspectionState): ReviewState | null {
  return state.review ?? null;
}

function reviewWords(r: ReviewState | null, lang: Lang): string {
  if (!r) return translate(lang, 'review.none');
  return translate(lang, r.decision === 'approved' ? 'review.approved' : 'review.sent_back');
}

function photosWords(r: RecordSummary, lang: Lang): string {
  return r.missing_blobs === 0 ? translate(lang, 'photos.complete') : translate(lang, 'photos.missing', { n: r.missing_blobs });
}

function inspectionOutcome(s: InspectionState, lang: Lang): string {
  const bad = Object.values(s.answers).filter((a) => a.answer === 'non_compliant').length;
  const parts: string[] = [];
  if (s.closed_at == null) parts.push(translate(lang, 'outcome.open'));
  parts.push(bad > 0 ? translate(lang, 'outcome.non_compliant', { n: bad }) : translate(lang, 'outcome.compliant'));
  if (s.record) parts.push(translate(lang, 'outcome.record', { number: s.record.number }));
  return parts.join('；');
}

/** One record in words, keyed by the columns of its kind. */
export function recordRow(r: RecordSummary, names: Names, lang: Lang): Row {
  const t = (k: Key, v?: Record<string, string | number>) => translate(lang, k, v);
  const flags: string[] = [];
  if (r.late_entry) flags.push(t('flag.late_entry'));
  const row: Row = {
    time: chinaDateTime(r.record_ms),
    unit: names.unit(r.unit),
    person: names.user(r.owner),
    photos: photosWords(r, lang),
  };
  const st = r.state;
  if (st.aggregate === 'patrol') {
    const p: PatrolState = st.state;
    for (const code of r.flag_codes ?? []) flags.push(flagWords(code, lang));
    row.patrol_kind = t(p.kind === 'river' ? 'patrol.river' : 'patrol.fishing_ban');
    row.reach = names.reach(p.reach) ?? p.area ?? '—';
    row.length = r.length_m != null ? formatDistance(r.length_m) : '—';
    row.duration = p.ended_at != null ? formatDuration(p.ended_at - p.started_at, lang) : t('patrol.not_ended');
    row.counts = r.judgement ? t(r.judgement.counts ? 'counts.yes' : 'counts.no') : '—';
    row.review = reviewWords(reviewOf(p), lang);
  } else if (st.aggregate === 'inspection') {
    const s: InspectionState = st.state;
    row.site = names.site(s.site) ?? s.site.slice(0, 8);
    row.outcome = inspectionOutcome(s, lang);
    row.review = reviewWords(reviewOf(s), lang);
  } else if (st.aggregate === 'finding') {
    const f: FindingState = st.state;
    row.person = names.user(f.reported_by ?? r.owner);
    row.category = categoryName(f.category, lang);
    row.severity = t(`severity.${f.severity}`);
    row.status = t(`status.${f.status}`);
    row.deadline = f.assignment ? chinaDate(f.assignment.deadline) : '—';
  }
  row.flags = flags.join('、');
  return row;
}

/** The CSV of records of one kind, with the table's columns and Chinese (or English) headers. */
export function recordsCsv(kind: RecordKind, records: RecordSummary[], names: Names, lang: Lang): string {
  const cols = COLUMNS[kind];
  const rows = records.map((r) => {
    const row = recordRow(r, names, lang);
    return [...cols.map((c) => row[c.key] ?? ''), r.aggregate.id];
  });
  return buildCsv([...cols.map((c) => translate(lang, c.label)), translate(lang, 'col.id')], rows);
}
