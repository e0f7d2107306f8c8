// A record's timeline for display: runs of consecutive track-point batches with the same sync
// state fold into one row ("132 track points in 7 batches"); every other event stays its own row.

import type { TimelineEntry } from './types';

export interface TimelineRow {
  /** The first event of the row (its time and sync state stand for the row). */
  entry: TimelineEntry;
  /** Track-point batches folded into this row (0 for any other event). */
  batches: number;
  points: number;
}

function pointsOf(e: TimelineEntry): number | null {
  if (e.event.payload.type !== 'TrackPointsAppended' || e.outcome.outcome !== 'applied') return null;
  const pts = (e.event.payload.data as { points?: unknown[] }).points;
  return Array.isArray(pts) ? pts.length : 0;
}

export function timelineRows(entries: TimelineEntry[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const e of entries) {
    const n = pointsOf(e);
    const last = rows[rows.length - 1];
    if (n !== null && last && last.batches > 0 && last.entry.local === e.local && last.entry.uploaded === e.uploaded) {
      last.batches++;
      last.points += n;
    } else {
      rows.push({ entry: e, batches: n === null ? 0 : 1, points: n ?? 0 });
    }
  }
  return rows;
}
