import { describe, expect, it } from 'vitest';
import { pendingText, progressView, reportLines, syncErrorText } from './syncwords';
import type { SyncProgress, SyncReport, SyncStatus } from './types';

const empty: SyncReport = {
  accepted: 0, duplicates: 0, rejected: [], blocked_at: null, blobs_uploaded: 0, blobs_already_there: 0,
  bytes_uploaded: 0, originals_held_back: 0, blobs_absent: 0, blobs_waiting: 0, blob_errors: [], pulled: 0, retries: 0, requests: 0, rate_limited: 0,
};

describe('the sync report in plain words', () => {
  it('says what went up and what came down', () => {
    const lines = reportLines({ ...empty, accepted: 40, blobs_uploaded: 2, bytes_uploaded: 300 * 1024, pulled: 33 }, 'zh');
    expect(lines.map((l) => l.text)).toEqual([
      '已上传 40 条事件。',
      '已上传 2 个照片文件（300 KB）。',
      '从服务器取回 33 条资料（河段、场所、检查表、办公室的决定）。',
    ]);
    expect(lines.every((l) => l.tone === 'ok')).toBe(true);
  });

  it('puts a refusal first, as an error, with the server’s reason', () => {
    const lines = reportLines(
      { ...empty, accepted: 3, rejected: [{ event_id: 'e', code: 'bad_signature', message: '签名不对', kept: false }], blocked_at: 'e' },
      'zh',
    );
    expect(lines[0]).toEqual({ text: '服务器拒收了 1 条事件，之后的事件暂停上传：签名不对', tone: 'err' });
  });

  it('tells that originals wait for Wi-Fi rather than hiding them', () => {
    const lines = reportLines({ ...empty, originals_held_back: 1 }, 'en');
    expect(lines).toContainEqual({ text: '1 originals stay on this device until Wi-Fi or the office.', tone: 'warn' });
    expect(lines[0].text).toBe('No events to upload.');
  });
});

describe('sync failures in plain words', () => {
  it('says 网络不通 when the server cannot be reached, and that records stay', () => {
    const text = syncErrorText({ code: 'network', message: 'connection refused', notAvailable: false }, 'zh');
    expect(text).toContain('网络不通');
    expect(text).toContain('记录都在本机');
  });

  it('sends an unenrolled device to Settings', () => {
    expect(syncErrorText({ code: 'not_enrolled', message: '', notAvailable: false }, 'zh')).toContain('设置');
  });

  it('says a wrong password is the account’s problem', () => {
    expect(syncErrorText({ code: 'bad_credentials', message: '令牌已失效', notAvailable: false }, 'zh')).toBe(
      '服务器不认这个账号：登录名或密码不对，请核对后再试。',
    );
    expect(syncErrorText({ code: 'token_revoked', message: '', notAvailable: false }, 'zh')).toContain('重新登录');
  });
});

describe('what waits on the device', () => {
  const s: SyncStatus = { account: null, outbox_events: 0, blobs_pending: 0, blobs_pending_bytes: 0, originals_pending: 0, rejections: [] };
  it('says all is sent only when nothing waits', () => {
    expect(pendingText(s, 'zh')).toBe('全部记录和照片都已上传。');
    expect(pendingText({ ...s, outbox_events: 5, originals_pending: 2 }, 'zh')).toBe('5 条事件待上传，2 张原图等 Wi-Fi 再传');
    expect(pendingText({ ...s, originals_pending: 3 }, 'zh')).toBe('3 张原图等 Wi-Fi 再传');
  });
});

describe('a running sync in numbers a person can follow', () => {
  const p = (over: Partial<SyncProgress>): SyncProgress => ({
    phase: 'starting', events_done: 0, events_total: 0, blobs_done: 0, blobs_total: 0, bytes_done: 0,
    bytes_total: 0, pulled: 0, current: null, retries: 0, last_error: null, ...over,
  });

  it('has no fraction before the plan is known', () => {
    const v = progressView(p({}), 'zh');
    expect(v).toEqual({ step: '正在准备…', fraction: null, lines: [] });
  });

  it('counts record events and photo bytes separately', () => {
    const v = progressView(
      p({ phase: 'uploading', events_done: 40, events_total: 40, blobs_done: 2, blobs_total: 6, bytes_done: 2 * 1024 * 1024, bytes_total: 6 * 1024 * 1024 }),
      'zh',
    );
    expect(v.step).toBe('正在上传照片和签名');
    expect(v.lines).toEqual(['记录事件 40 / 40 条', '照片和签名 2 / 6 个（2.0 MB / 6.0 MB）']);
    expect(v.fraction).toBeGreaterThan(0.3);
    expect(v.fraction).toBeLessThan(0.5);
  });

  it('only moves forward from the push through the uploads, and never claims done early', () => {
    const steps = [
      p({ phase: 'pushing', events_total: 100, bytes_total: 1000 }),
      p({ phase: 'pushing', events_done: 50, events_total: 100, bytes_total: 1000 }),
      p({ phase: 'uploading', events_done: 100, events_total: 100, bytes_total: 1000 }),
      p({ phase: 'uploading', events_done: 100, events_total: 100, bytes_done: 500, bytes_total: 1000 }),
      p({ phase: 'uploading', events_done: 100, events_total: 100, bytes_done: 1000, bytes_total: 1000 }),
      p({ phase: 'pulling', events_done: 100, events_total: 100, bytes_done: 1000, bytes_total: 1000, pulled: 12 }),
      p({ phase: 'done', events_done: 100, events_total: 100, bytes_done: 1000, bytes_total: 1000 }),
    ];
    const fractions = steps.map((s) => progressView(s, 'en').fraction!);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions.slice(0, -1).every((f) => f < 1)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('moves during a push with no photos at all', () => {
    const half = progressView(p({ phase: 'pushing', events_done: 5, events_total: 10 }), 'en');
    expect(half.fraction).toBeCloseTo(0.5);
    expect(half.lines).toEqual(['Record events 5 / 10']);
  });

  it('says that the network is unsteady, with the last error', () => {
    const v = progressView(p({ phase: 'uploading', retries: 2, last_error: '连接被重置' }), 'zh');
    expect(v.lines).toContain('网络不稳，已重试 2 次：连接被重置');
  });

  it('passes on the core’s words when another user’s records are unsent', () => {
    const e = { code: 'other_users_records_unsent', message: '本机还有 李四 的 12 条记录没有上传…', notAvailable: false };
    expect(syncErrorText(e, 'zh')).toBe('本机还有 李四 的 12 条记录没有上传…');
    expect(syncErrorText(e, 'en')).toContain('sign in as that user and sync first');
  });

  it('words a cancelled sync as nothing lost', () => {
    expect(syncErrorText({ code: 'cancelled', message: '', notAvailable: false }, 'zh')).toContain('其余的仍在本机');
  });
});
