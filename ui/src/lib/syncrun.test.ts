import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from './api';
import { followRunningSync, POLL_MS, runSync, stopSync, syncRun } from './syncrun.svelte';
import { ApiError, type Transport } from './transport';
import type { RawResponse, SyncProgress, SyncReport } from './types';

const progress = (over: Partial<SyncProgress>): SyncProgress => ({
  phase: 'uploading', events_done: 10, events_total: 10, blobs_done: 1, blobs_total: 4, bytes_done: 1000,
  bytes_total: 4000, pulled: 0, current: null, retries: 0, last_error: null, ...over,
});
const report: SyncReport = {
  accepted: 10, duplicates: 0, rejected: [], blocked_at: null, blobs_uploaded: 4, blobs_already_there: 0,
  bytes_uploaded: 4000, originals_held_back: 0, blobs_absent: 0, blobs_waiting: 0, blob_errors: [], pulled: 2, retries: 0, requests: 0, rate_limited: 0,
};

/**
 * A core whose `sync` answers when the test says so, and whose `sync_progress` tells what a
 * running sync is doing (the wire boundary only: the run logic above it is the real one).
 */
function core() {
  const sent: string[] = [];
  let finishSync: (r: RawResponse | Error) => void = () => {};
  const state = { now: null as SyncProgress | null };
  const t: Transport = {
    name: 'http',
    async send(req) {
      const { action } = req as { action: string };
      sent.push(action);
      if (action === 'sync_progress') return { type: 'sync_progress', data: state.now };
      if (action === 'cancel_sync') return { type: 'done', data: null };
      if (action === 'sync') {
        const answer = await new Promise<RawResponse | Error>((r) => (finishSync = r));
        if (answer instanceof Error) throw answer;
        return answer;
      }
      throw new Error(`unexpected ${action}`);
    },
  };
  api.useTransport(t);
  return { sent, state, finish: (r: RawResponse | Error) => finishSync(r) };
}

beforeEach(() => {
  vi.useFakeTimers();
  Object.assign(syncRun, { busy: false, cancelling: false, progress: null, lines: [], failure: null });
});
afterEach(() => {
  vi.useRealTimers();
  api.useTransport(null);
});

describe('the app’s one sync run', () => {
  it('shows the core’s progress while the sync runs, then keeps the report', async () => {
    const c = core();
    const running = runSync(false, 'zh');
    expect(syncRun.busy).toBe(true);
    c.state.now = progress({ bytes_done: 1000 });
    await vi.advanceTimersByTimeAsync(POLL_MS + 1);
    expect(syncRun.progress?.bytes_done).toBe(1000);
    c.state.now = progress({ bytes_done: 3000, blobs_done: 3 });
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(syncRun.progress?.bytes_done).toBe(3000);

    c.state.now = null;
    c.finish({ type: 'synced', data: report });
    await running;
    expect(syncRun.busy).toBe(false);
    expect(syncRun.progress).toBeNull();
    expect(syncRun.lines.map((l) => l.text)[0]).toBe('已上传 10 条事件。');
    // The report is the app's, not a screen's: it is still there for whoever looks next.
    await vi.advanceTimersByTimeAsync(POLL_MS * 4);
    expect(syncRun.lines.length).toBeGreaterThan(0);
    const polls = c.sent.filter((a) => a === 'sync_progress').length;
    await vi.advanceTimersByTimeAsync(POLL_MS * 4);
    expect(c.sent.filter((a) => a === 'sync_progress').length).toBe(polls);
  });

  it('starts no second sync while one runs', async () => {
    const c = core();
    const first = runSync(false, 'zh');
    await runSync(true, 'zh');
    expect(c.sent.filter((a) => a === 'sync')).toHaveLength(1);
    c.finish({ type: 'synced', data: report });
    await first;
  });

  it('words a stopped sync as nothing lost', async () => {
    const c = core();
    const running = runSync(true, 'zh');
    await stopSync();
    expect(syncRun.cancelling).toBe(true);
    expect(c.sent).toContain('cancel_sync');
    c.finish(new ApiError('cancelled', 'cancelled'));
    await running;
    expect(syncRun.failure?.code).toBe('cancelled');
    expect(syncRun.failure?.text).toContain('其余的仍在本机');
    expect(syncRun.cancelling).toBe(false);
  });

  it('follows a sync that runs without a request of ours until the core says none runs', async () => {
    const c = core();
    c.state.now = progress({ phase: 'pushing', events_done: 3 });
    const finished = vi.fn();
    await followRunningSync(finished);
    expect(syncRun.busy).toBe(true);
    expect(syncRun.progress?.events_done).toBe(3);
    c.state.now = progress({ phase: 'pushing', events_done: 7 });
    await vi.advanceTimersByTimeAsync(POLL_MS + 1);
    expect(syncRun.progress?.events_done).toBe(7);
    c.state.now = null;
    await vi.advanceTimersByTimeAsync(POLL_MS + 1);
    expect(syncRun.busy).toBe(false);
    expect(finished).toHaveBeenCalledOnce();
  });

  it('follows nothing when no sync runs', async () => {
    core();
    await followRunningSync(() => {});
    expect(syncRun.busy).toBe(false);
  });
});
