// 督办: the findings the office has handed out and not yet seen put right — assigned or sent
// back for rework — in the order they need chasing: overdue first (longest overdue at the top),
// then by deadline; one without a deadline last.

import type { FindingState } from '../lib/generated/api';
import { overdueDays } from './period';
import type { RecordSummary } from './types';

export interface SupervisionLine {
  record: RecordSummary;
  finding: FindingState;
  deadline: number | null;
  overdueDays: number;
}

export function supervisionList(records: RecordSummary[], now: number): SupervisionLine[] {
  const lines: SupervisionLine[] = [];
  for (const r of records) {
    if (r.state.aggregate !== 'finding') continue;
    const f = r.state.state;
    if (f.status !== 'assigned' && f.status !== 'reopened') continue;
    const deadline = f.assignment?.deadline ?? null;
    lines.push({ record: r, finding: f, deadline, overdueDays: deadline == null ? 0 : overdueDays(deadline, now) });
  }
  return lines.sort((a, b) => {
    if (a.deadline == null || b.deadline == null) return (a.deadline == null ? 1 : 0) - (b.deadline == null ? 1 : 0);
    return a.deadline - b.deadline;
  });
}
