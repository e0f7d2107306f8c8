import { describe, expect, it } from 'vitest';
import { timelineRows } from './timeline';
import type { Event, TimelineEntry } from './types';

let n = 0;
function entry(type: string, data: Record<string, unknown>, uploaded = false, rejected = false): TimelineEntry {
  n++;
  // Only the payload's type and points matter here; the rest of the event is left out.
  const payload = { type, data } as unknown as Event['payload'];
  return {
    event: { v: 1, id: `e${n}`, device: 'd', seq: n, hlc: { wall_ms: n, counter: 0, device: 'd' }, author: null, prev_hash: '', payload, hash: '', signature: '' },
    what: { code: 'finding_amended' },
    local: true,
    uploaded,
    outcome: rejected ? { outcome: 'rejected', code: 'patrol_ended', message: 'x' } : { outcome: 'applied' },
  };
}
const track = (k: number, uploaded = false, rejected = false) => entry('TrackPointsAppended', { points: Array(k).fill({}) }, uploaded, rejected);

describe('the timeline as shown', () => {
  it('folds consecutive track batches into one row with their total', () => {
    const rows = timelineRows([entry('PatrolStarted', {}), track(20), track(20), track(11), entry('PatrolEnded', {})]);
    expect(rows.map((r) => [r.entry.event.payload.type, r.batches, r.points])).toEqual([
      ['PatrolStarted', 0, 0],
      ['TrackPointsAppended', 3, 51],
      ['PatrolEnded', 0, 0],
    ]);
  });

  it('keeps batches apart when their sync state differs or one was rejected', () => {
    const rows = timelineRows([track(5, true), track(5, false), track(5, false, true)]);
    expect(rows.map((r) => r.batches)).toEqual([1, 1, 0]);
  });
});
