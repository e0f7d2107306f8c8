import { describe, expect, it } from 'vitest';
import type { FindingState, FindingStatus } from '../lib/generated/api';
import { chinaDayEnd, chinaDayStart } from './period';
import { supervisionList } from './supervision';
import type { RecordSummary } from './types';

function finding(id: string, status: FindingStatus, deadline: string | null): RecordSummary {
  const state: FindingState = {
    id, record: { patrol: 'p' }, kind: 'problem', category: 'dumping', description: '', severity: 'minor',
    location: null, reported_at: 0, reported_by: null, status, reopen_count: 0, reopen_reason: null,
    assignment: deadline ? { assignee: '某社区', follow_up_by: null, deadline: chinaDayEnd(deadline)!, note: '' } : null,
    rectification: null, verified_at: null, verification_note: null, photos: [],
  };
  return { aggregate: { kind: 'finding', id }, unit: null, owner: null, state: { aggregate: 'finding', state }, missing_blobs: 0, record_ms: 0, late_entry: false, cursor: `0_${id}` };
}

describe('the 督办 list', () => {
  const now = chinaDayStart('2020-06-15')! + 9 * 3_600_000;
  const list = supervisionList(
    [
      finding('later', 'assigned', '2020-06-30'),
      finding('done', 'verified', '2020-06-01'),
      finding('long', 'assigned', '2020-06-05'),
      finding('none', 'reopened', null),
      finding('recent', 'reopened', '2020-06-14'),
      finding('today', 'assigned', '2020-06-15'),
    ],
    now,
  );

  it('keeps only assigned and reopened findings', () => {
    expect(list.map((l) => l.record.aggregate.id)).not.toContain('done');
  });

  it('puts the longest overdue first, then by deadline, none last', () => {
    expect(list.map((l) => l.record.aggregate.id)).toEqual(['long', 'recent', 'today', 'later', 'none']);
  });

  it('counts the days overdue', () => {
    expect(list.map((l) => l.overdueDays)).toEqual([10, 1, 0, 0, 0]);
  });
});
