import { describe, expect, it } from 'vitest';
import { pendingText, reportLines, syncErrorText } from './syncwords';
import type { SyncReport, SyncStatus } from './types';

const empty: SyncReport = {
  accepted: 0, duplicates: 0, rejected: [], blocked_at: null, blobs_uploaded: 0, blobs_already_there: 0,
  bytes_uploaded: 0, originals_held_back: 0, blobs_absent: 0, blob_errors: [], pulled: 0, retries: 0,
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
