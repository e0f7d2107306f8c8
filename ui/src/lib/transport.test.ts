import { describe, expect, it } from 'vitest';
import {
  ApiError,
  BRIDGE_TOKEN_HEADER,
  HttpTransport,
  NOT_AVAILABLE,
  TauriTransport,
  UNREACHABLE,
  bridgeToken,
  pickTransport,
  toApiError,
  type BridgePage,
} from './transport';

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

/** A page at `address`, with its own tab storage and address bar. */
function pageAt(address: string, storage = new Map<string, string>()) {
  const url = new URL(address);
  const page = {
    location: { search: url.search, pathname: url.pathname, hash: url.hash },
    shown: address,
    history: {
      state: { screen: 'home' },
      replaceState(_data: unknown, _unused: string, to?: string) {
        page.shown = new URL(to ?? '', address).href;
      },
    },
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
  };
  return page satisfies BridgePage;
}

describe('the bridge’s secret', () => {
  it('is taken once from the printed address, kept for the tab and removed from the address bar', () => {
    const storage = new Map<string, string>();
    const first = pageAt('http://127.0.0.1:8081/?token=s3cret&lang=en#/records', storage);
    expect(bridgeToken(first)).toBe('s3cret');
    expect(first.shown).toBe('http://127.0.0.1:8081/?lang=en#/records');
    // A reload (the address no longer has it) uses the kept one.
    const reloaded = pageAt(first.shown, storage);
    expect(bridgeToken(reloaded)).toBe('s3cret');
    expect(reloaded.shown).toBe(first.shown);
    // A new run's address replaces it.
    expect(bridgeToken(pageAt('http://127.0.0.1:8081/?token=next', storage))).toBe('next');
    expect(bridgeToken(pageAt('http://127.0.0.1:8081/', storage))).toBe('next');
  });

  it('is absent when the app was opened without it, and in a page without storage', () => {
    expect(bridgeToken(pageAt('http://127.0.0.1:8081/#/home'))).toBeNull();
    expect(bridgeToken({})).toBeNull();
    const broken: BridgePage = {
      location: { search: '', pathname: '/', hash: '' },
      sessionStorage: {
        getItem: () => {
          throw new Error('SecurityError');
        },
        setItem: () => undefined,
      },
    };
    expect(bridgeToken(broken)).toBeNull();
  });

  it('goes with every call as a header, beside JSON', async () => {
    const sent: RequestInit[] = [];
    const recording: typeof fetch = async (_url, init) => {
      sent.push(init ?? {});
      return new Response('{"type":"done"}', { status: 200 });
    };
    await new HttpTransport('api', recording, 's3cret').send({ action: 'rebuild' });
    await new HttpTransport('api', recording, 's3cret').send({ action: 'home' });
    expect(sent.map((i) => (i.headers as Record<string, string>)[BRIDGE_TOKEN_HEADER])).toEqual(['s3cret', 's3cret']);
    expect(sent.every((i) => (i.headers as Record<string, string>)['Content-Type'] === 'application/json')).toBe(true);
    await new HttpTransport('api', recording).send({ action: 'home' });
    expect(BRIDGE_TOKEN_HEADER in (sent[2].headers as Record<string, string>)).toBe(false);
  });

  it('is what the bridge transport is built with outside the shell', async () => {
    const sent: RequestInit[] = [];
    const page = pageAt('http://127.0.0.1:8081/?token=from-address');
    const t = await pickTransport(page);
    expect(t.name).toBe('http');
    expect(page.shown).toBe('http://127.0.0.1:8081/');
    const original = globalThis.fetch;
    globalThis.fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(init ?? {});
      return new Response('{"type":"done"}', { status: 200 });
    }) as typeof fetch;
    try {
      await t.send({ action: 'home' });
    } finally {
      globalThis.fetch = original;
    }
    expect((sent[0].headers as Record<string, string>)[BRIDGE_TOKEN_HEADER]).toBe('from-address');
  });

  it('refused by the bridge is an error the screens can show', async () => {
    const body = '{"code":"bridge_token","message":"缺少开发桥口令或口令不对：请用 xuncha bridge 启动时打印的地址（带 ?token=）重新打开应用"}';
    const e = await new HttpTransport('api', answering(403, body)).send({}).catch((x) => x);
    expect([e.code, e.status]).toEqual(['bridge_token', 403]);
    expect(e.message).toContain('?token=');
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
