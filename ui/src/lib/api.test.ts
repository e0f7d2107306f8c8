import { afterEach, describe, expect, it } from 'vitest';
import * as api from './api';
import { ApiError, type Transport } from './transport';
import type { RawResponse } from './types';

/** A transport that records requests and answers from a script: the wire boundary only. */
function scripted(answer: (req: { action: string; args?: unknown }) => RawResponse | Error) {
  const sent: { action: string; args?: unknown }[] = [];
  const t: Transport = {
    name: 'http',
    async send(req) {
      const r = req as { action: string; args?: unknown };
      sent.push(r);
      const a = answer(r);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  api.useTransport(t);
  return sent;
}

afterEach(() => api.useTransport(null));

describe('the API client', () => {
  it('sends requests in the core’s shape: action, and args in snake_case', async () => {
    const sent = scripted(() => ({ type: 'recorded', data: { id: 'p1', events: ['e1'] } }));
    await api.startPatrol('river', 'r1');
    await api.reportFinding({ patrol: 'p1' }, 'dumping', '垃圾', 'minor', { lon: 114.1, lat: 30.6 });
    await api.issueOnSiteRecord('i1', '内容', 1_900_000_000_000);
    expect(sent).toEqual([
      { action: 'start_patrol', args: { kind: 'river', reach: 'r1', area: null, at: null } },
      {
        action: 'report_finding',
        args: { record: { patrol: 'p1' }, category: 'dumping', description: '垃圾', severity: 'minor', location: { lon: 114.1, lat: 30.6 } },
      },
      { action: 'issue_on_site_record', args: { inspection: 'i1', content: '内容', rectification_deadline: 1_900_000_000_000 } },
    ]);
  });

  it('sends unit requests without args', async () => {
    const sent = scripted(() => ({ type: 'reaches', data: [] }));
    await api.listReaches();
    expect(sent).toEqual([{ action: 'list_reaches' }]);
  });

  it('refuses an answer of the wrong type instead of guessing', async () => {
    scripted(() => ({ type: 'done' }));
    const e = await api.home().catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('bad_response');
  });

  it('hands a photo to the core as base64 with the device fix, and reads the hashes back', async () => {
    const sent = scripted(() => ({
      type: 'photo_imported',
      data: { original: 'a'.repeat(64), upload: 'b'.repeat(64), thumbnail: 'c'.repeat(64), taken_at: 5, position: null, position_source: 'exif' },
    }));
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], 'x.jpg', { type: 'image/jpeg' });
    const fix = { t: 1, lon: 114.1, lat: 30.6, provider: 'gps' as const };
    const photo = await api.importPhoto(file, fix, 1600);
    expect(sent[0]).toEqual({
      action: 'import_photo',
      args: { bytes_base64: '/9j/4A==', file_name: 'x.jpg', device_fix: fix, upload_long_side_px: 1600 },
    });
    expect(photo).toEqual({ original: 'a'.repeat(64), upload: 'b'.repeat(64), thumbnail: 'c'.repeat(64), taken_at: 5, position: null, position_source: 'exif' });
  });

  it('says plainly that photos are not available while the core lacks import_photo', async () => {
    scripted(() => new ApiError('not_available', '本机的核心程序还不支持“import_photo”'));
    const e = await api.importPhoto(new File([new Uint8Array([1])], 'x.jpg'), null).catch((x) => x);
    expect(e.notAvailable).toBe(true);
  });

  it('never reports a signature as stored without a hash from the core', async () => {
    scripted(() => ({ type: 'blob_stored', data: {} }));
    expect((await api.storeSignature(new Blob([new Uint8Array([1])])).catch((x) => x)).code).toBe('bad_response');
  });

  it('encodes large files to base64 without overflowing the stack', () => {
    const big = new Uint8Array(300_000).fill(65);
    expect(api.bytesToBase64(big)).toBe(btoa('A'.repeat(300_000)));
  });
});
