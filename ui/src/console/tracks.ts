// The tracks of a period on the map page (`GET /api/v1/office/tracks`): the query, the answer
// read defensively (a point without numbers is dropped, not drawn at 0,0), the colour that says
// whether a patrol counts, and which of the map's layers the address asks for. The server
// thins each line and caps the patrols; this module only reads what it sends.

import type { Position } from '../lib/generated/api';
import { DAY_MS, periodMs } from './period';

export type PatrolKind = 'river' | 'fishing_ban';

/** crates/server (office tracks): one patrol's line, thinned by the server to ≤ 300 points. */
export interface PeriodTrack {
  patrol: string;
  patroller: string;
  kind: PatrolKind;
  started_at: number;
  /** Counting for the quota; null when the patrol is not judged (not a river chief's, or open). */
  counts: boolean | null;
  line: Position[];
}

export interface PeriodTracks { tracks: PeriodTrack[]; truncated: boolean }

/** The most patrols the server sends; more are cut off with `truncated`. */
export const MAX_TRACKS = 500;

/** The longest period the route answers for (crates/server/src/tracks.rs LONGEST_PERIOD_MS). */
export const LONGEST_PERIOD_MS = 366 * DAY_MS;

export type TracksAsk = { query: string } | { problem: 'missing' | 'order' | 'too_long' };

/** The query of `GET /api/v1/office/tracks` for a period of China dates ("YYYY-MM-DD") and a
 * unit; or why there is none: a date missing or malformed (the route needs both ends), the end
 * before the start, or a period longer than the server draws. */
export function tracksQuery(from: string, to: string, unit?: string): TracksAsk {
  const p = periodMs(from, to);
  if (p.from == null || p.to == null) return { problem: 'missing' };
  if (p.from >= p.to) return { problem: 'order' };
  if (p.to - p.from > LONGEST_PERIOD_MS) return { problem: 'too_long' };
  const q = new URLSearchParams({ from: String(p.from), to: String(p.to) });
  if (unit) q.set('unit', unit);
  return { query: q.toString() };
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The server's answer as the page draws it: tracks without a usable point are left out. */
export function readTracks(body: unknown): PeriodTracks {
  const b = (body ?? {}) as { tracks?: unknown; truncated?: unknown };
  const tracks: PeriodTrack[] = [];
  for (const raw of Array.isArray(b.tracks) ? b.tracks : []) {
    const t = raw as Partial<PeriodTrack> | null;
    if (!t || typeof t.patrol !== 'string' || !Array.isArray(t.line)) continue;
    const line = t.line.filter((p): p is Position => p != null && finite(p.lon) && finite(p.lat) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180);
    if (line.length === 0) continue;
    tracks.push({
      patrol: t.patrol,
      patroller: typeof t.patroller === 'string' ? t.patroller : '',
      kind: t.kind === 'fishing_ban' ? 'fishing_ban' : 'river',
      started_at: finite(t.started_at) ? t.started_at : 0,
      counts: typeof t.counts === 'boolean' ? t.counts : null,
      line: line.map((p) => ({ lon: p.lon, lat: p.lat })),
    });
  }
  return { tracks, truncated: b.truncated === true };
}

/** How a track is drawn: green counting, red not counting, grey not judged; the word for it. */
export function trackStyle(counts: boolean | null): { color: string; word: 'counts.yes' | 'counts.no' | 'counts.unknown' } {
  if (counts === true) return { color: '#1a7f37', word: 'counts.yes' };
  if (counts === false) return { color: '#c8102e', word: 'counts.no' };
  return { color: '#6b7280', word: 'counts.unknown' };
}

export const LAYERS = ['reaches', 'sites', 'findings', 'tracks'] as const;
export type Layer = (typeof LAYERS)[number];

/** The layers shown, from the address's `layers` ("reaches,tracks"); absent means all of them,
 * "none" none, and unknown names are ignored. */
export function layersOf(param: string | undefined): Set<Layer> {
  if (param == null || param === '') return new Set(LAYERS);
  const asked = param.split(',');
  return new Set(LAYERS.filter((l) => asked.includes(l)));
}

/** The inverse of `layersOf`: undefined (nothing in the address) when all are shown. */
export function layersParam(shown: Set<Layer>): string | undefined {
  const on = LAYERS.filter((l) => shown.has(l));
  if (on.length === LAYERS.length) return undefined;
  return on.length ? on.join(',') : 'none';
}
