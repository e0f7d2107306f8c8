import { describe, expect, it } from 'vitest';
import { ApiError, HttpTransport, NOT_AVAILABLE, TauriTransport, UNREACHABLE, pickTransport, toApiError } from './transport';

function answering(status: number, body: string): typeof fetch {
  return async () => new Response(body, { status, headers: { 'Content-Type': 'application/json' } });
}

describe('the HTTP transport (development bridge)', () => {
  it('returns the core’s response as it came', async () => {
    const t = new HttpTransport('api', answering(200, '{"type":"done"}'));
    expect(await t.send({ action: 'rebuild' })).toEqual({ type: 'done' });
  });

  it('turns an error answer into its code, message and status', async () => {
    const t = new HttpTransport('api', answering(404, '{"code":"not_found","message":"找不到记录：x"}'));
    const e = await t.send({ action: 'get_record', args: { id: 'x' } }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.message, e.status]).toEqual(['not_found', '找不到记录：x', 404]);
  });

  it('keeps the rule’s own code when the core refuses an action', async () => {
    const t = new HttpTransport('api', answering(409, '{"code":"finding_not_rectified","message":"整改完成后才能验收"}'));
    expect((await t.send({}).catch((x) => x)).code).toBe('finding_not_rectified');
  });

  it('calls an action the core does not know "not available"', async () => {
    const body = JSON.stringify({ code: 'bad_request', message: '请求无法解析：unknown variant `import_photo`, expected one of `start_patrol`' });
    const e = await new HttpTransport('api', answering(400, body)).send({}).catch((x) => x);
    expect(e.code).toBe(NOT_AVAILABLE);
    expect(e.notAvailable).toBe(true);
    expect(e.message).toContain('import_photo');
  });

  it('says the service is unreachable when the request never arrives', async () => {
    const down: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    const e = await new HttpTransport('api', down).send({}).catch((x) => x);
    expect([e.code, e.notAvailable]).toEqual([UNREACHABLE, false]);
  });

  it('does not pass off a non-API answer as a response', async () => {
    const html = await new HttpTransport('api', answering(200, '<html>')).send({}).catch((x) => x);
    expect(html.code).toBe('bad_response');
    const crash = await new HttpTransport('api', answering(502, 'Bad Gateway')).send({}).catch((x) => x);
    expect([crash.code, crash.status]).toEqual(['other', 502]);
    expect(crash.message).toContain('Bad Gateway');
  });
});

describe('the Tauri transport', () => {
  it('sends the request as the one argument of the api command', async () => {
    const calls: unknown[] = [];
    const t = new TauriTransport(async (cmd, args) => {
      calls.push([cmd, args]);
      return { type: 'done' };
    });
    await t.send({ action: 'rebuild' });
    expect(calls).toEqual([['api', { request: { action: 'rebuild' } }]]);
  });

  it('maps a rejected {code, message} and Tauri’s own argument errors', async () => {
    const refused = new TauriTransport(async () => Promise.reject({ code: 'not_set_up', message: '请先登录' }));
    expect((await refused.send({}).catch((x) => x)).code).toBe('not_set_up');
    const unknown = new TauriTransport(async () =>
      Promise.reject('invalid args `request` for command `api`: unknown variant `sync`, expected one of `home`'),
    );
    expect((await unknown.send({}).catch((x) => x)).code).toBe(NOT_AVAILABLE);
  });
});

describe('choosing the transport', () => {
  it('uses Tauri inside the shell and the bridge elsewhere', async () => {
    expect((await pickTransport({ __TAURI_INTERNALS__: {} })).name).toBe('tauri');
    expect((await pickTransport({})).name).toBe('http');
  });

  it('maps odd things thrown to an error with a message', () => {
    expect(toApiError(undefined).message).toBe('undefined');
    expect(toApiError({ code: 'io' }).code).toBe('io');
  });
});
