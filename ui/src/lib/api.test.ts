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
    await api.reportFinding({ record: { patrol: 'p1' }, category: 'dumping', description: '垃圾', severity: 'minor', location: { lon: 114.1, lat: 30.6 } });
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

  it('hands a photo to the core as base64 with the device fix and UTC offset, and attaches what it answers', async () => {
    const imported = {
      original: 'a'.repeat(64), upload: 'b'.repeat(64), thumbnail: 'c'.repeat(64), width: 640, height: 480,
      original_bytes: 4, upload_bytes: 3, taken_at: 5, position: null, position_source: 'exif', accuracy_m: null,
      make: null, model: null, partial_decode: null, exif_problem: null,
    };
    const sent = scripted((r) => (r.action === 'import_photo' ? { type: 'photo_imported', data: imported } : { type: 'recorded', data: { id: 'f1', events: [] } }));
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], 'x.jpg', { type: 'image/jpeg' });
    const fix = { t: 1, lon: 114.1, lat: 30.6, provider: 'gps' as const };
    const photo = await api.importPhoto(file, fix);
    await api.attachPhoto({ finding: 'f1' }, 'evidence', photo, '');
    expect(sent[0]).toEqual({
      action: 'import_photo',
      args: { bytes_base64: '/9j/4A==', device_fix: fix, utc_offset_min: api.utcOffsetMin() },
    });
    expect(sent[1]).toEqual({
      action: 'attach_photo',
      args: {
        target: { finding: 'f1' }, role: 'evidence', original: 'a'.repeat(64), upload: 'b'.repeat(64), thumbnail: 'c'.repeat(64),
        taken_at: 5, position: null, position_source: 'exif', caption: '',
      },
    });
  });

  it('refuses a photo answer of another type instead of attaching nothing', async () => {
    scripted(() => ({ type: 'blob', data: { hash: 'a'.repeat(64) } }));
    const e = await api.importPhoto(new File([new Uint8Array([1])], 'x.jpg'), null).catch((x) => x);
    expect(e.code).toBe('bad_response');
  });

  it('stores a signature as PNG base64 and answers the core’s hash', async () => {
    const sent = scripted(() => ({ type: 'blob', data: { hash: 'd'.repeat(64) } }));
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
    expect(await api.putSignature(png)).toBe('d'.repeat(64));
    expect(sent[0]).toEqual({ action: 'put_signature', args: { png_base64: 'iVBORw==' } });
  });

  it('never reports a signature as stored without a hash from the core', async () => {
    scripted(() => ({ type: 'blob', data: {} }));
    expect((await api.putSignature(new Blob([new Uint8Array([1])])).catch((x) => x)).code).toBe('bad_response');
  });

  it('turns a stored blob into a data URL of the right image type', async () => {
    scripted(() => ({ type: 'blob_bytes', data: { hash: 'c'.repeat(64), bytes_base64: '/9j/4A==' } }));
    expect(await api.blobDataUrl('c'.repeat(64))).toBe('data:image/jpeg;base64,/9j/4A==');
    expect(api.mediaTypeOf('iVBORw0KGgoAAAANSUhEUg==')).toBe('image/png');
    expect(api.mediaTypeOf('AAAA')).toBe('application/octet-stream');
  });

  it('enrols with server, login, password and device name, and syncs with allow_originals', async () => {
    const sent = scripted((r) =>
      r.action === 'enrol'
        ? { type: 'account', data: { server_url: 'http://s', user: { name: '陈建国', login: 'chief-01' } } }
        : { type: 'synced', data: { accepted: 1 } },
    );
    const a = await api.enrol('http://s', 'chief-01', 'pw', '巡查 App');
    await api.sync(false);
    expect(a.user.login).toBe('chief-01');
    expect(sent).toEqual([
      { action: 'enrol', args: { server_url: 'http://s', login: 'chief-01', password: 'pw', device_name: '巡查 App' } },
      { action: 'sync', args: { allow_originals: false } },
    ]);
  });

  it('asks for the end-of-patrol report with the travel mode', async () => {
    const sent = scripted(() => ({ type: 'patrol_report', data: { flags: [] } }));
    await api.patrolReport('p1', 'walking');
    expect(sent[0]).toEqual({ action: 'patrol_report', args: { patrol: 'p1', mode: 'walking' } });
  });

  it('encodes large files to base64 without overflowing the stack', () => {
    const big = new Uint8Array(300_000).fill(65);
    expect(api.bytesToBase64(big)).toBe(btoa('A'.repeat(300_000)));
  });
});
