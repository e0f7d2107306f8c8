// How a request reaches the core: through the Tauri shell's one `api` command, or over HTTP to
// the development bridge (`xuncha bridge`). Both answer with the core's Response, or fail with
// the core's `{code, message}`; this module turns every failure into an ApiError with a code the
// screens can act on, and never invents an answer.

import type { RawResponse } from './types';

/** Codes the UI itself gives to failures that did not come from the core. */
export const NOT_AVAILABLE = 'not_available';
export const UNREACHABLE = 'unreachable';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The core does not know this action yet (an older core, or a feature not merged). */
  get notAvailable(): boolean {
    return this.code === NOT_AVAILABLE;
  }
}

export interface Transport {
  readonly name: 'tauri' | 'http';
  send(request: unknown): Promise<RawResponse>;
}

// serde's message when an enum tag names a variant it does not have.
const UNKNOWN_VARIANT = /unknown variant `([a-z_]+)`/;

/** Turns whatever a transport threw into an ApiError. */
export function toApiError(thrown: unknown, status?: number): ApiError {
  if (thrown instanceof ApiError) return thrown;
  let code = 'other';
  let message = '';
  if (typeof thrown === 'string') {
    message = thrown;
  } else if (thrown && typeof thrown === 'object') {
    const o = thrown as Record<string, unknown>;
    if (typeof o.code === 'string') code = o.code;
    if (typeof o.message === 'string') message = o.message;
    else message = String(thrown);
  } else {
    message = String(thrown);
  }
  const unknown = UNKNOWN_VARIANT.exec(message);
  if (unknown) {
    return new ApiError(NOT_AVAILABLE, `本机的核心程序还不支持“${unknown[1]}”`, status);
  }
  return new ApiError(code, message || '未知错误', status);
}

function isResponse(v: unknown): v is RawResponse {
  return !!v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string';
}

/** The header that carries the bridge's per-run secret on every API call. */
export const BRIDGE_TOKEN_HEADER = 'X-Xuncha-Bridge';
const TOKEN_KEY = 'xuncha.bridge-token';

/** What `bridgeToken` needs of the page (the window, or a stand-in in tests). */
export interface BridgePage {
  location?: { search: string; pathname: string; hash: string };
  history?: { state: unknown; replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage?: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * The bridge's per-run secret. `xuncha bridge` prints an address with `?token=…`; the secret is
 * taken from it once, kept for this tab (sessionStorage, so a reload keeps working and a new
 * run's address replaces it) and removed from the address bar, so that it is not in a
 * screenshot, a bookmark or a link copied from the page.
 */
export function bridgeToken(page: BridgePage = globalThis as never): string | null {
  const loc = page.location;
  const params = new URLSearchParams(loc?.search ?? '');
  const fromAddress = params.get('token');
  if (loc && fromAddress) {
    try {
      page.sessionStorage?.setItem(TOKEN_KEY, fromAddress);
    } catch {
      // Storage turned off: the secret still serves this page until it is reloaded.
    }
    params.delete('token');
    const rest = params.toString();
    page.history?.replaceState(page.history.state, '', `${loc.pathname}${rest ? `?${rest}` : ''}${loc.hash}`);
    return fromAddress;
  }
  try {
    return page.sessionStorage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

export class HttpTransport implements Transport {
  readonly name = 'http';
  constructor(
    private readonly url = 'api',
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
    /** The bridge's secret; without it the bridge answers every call 403 `bridge_token`. */
    private readonly token: string | null = null,
  ) {}

  async send(request: unknown): Promise<RawResponse> {
    let res: globalThis.Response;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.token) headers[BRIDGE_TOKEN_HEADER] = this.token;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
      });
    } catch (e) {
      throw new ApiError(UNREACHABLE, `无法连接本机服务：${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: say what came back instead of pretending.
    }
    if (!res.ok) {
      throw toApiError(body ?? `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
    }
    if (!isResponse(body)) {
      throw new ApiError('bad_response', `应答不是 API 的格式：${text.slice(0, 200)}`, res.status);
    }
    return body;
  }
}

type Invoke = (cmd: string, args: Record<string, unknown>) => Promise<unknown>;

export class TauriTransport implements Transport {
  readonly name = 'tauri';
  constructor(private readonly invoke: Invoke) {}

  async send(request: unknown): Promise<RawResponse> {
    let answer: unknown;
    try {
      answer = await this.invoke('api', { request });
    } catch (e) {
      throw toApiError(e);
    }
    if (!isResponse(answer)) {
      throw new ApiError('bad_response', '应答不是 API 的格式');
    }
    return answer;
  }
}

/** Tauri when running inside the shell, the HTTP bridge (with its secret) otherwise. */
export async function pickTransport(w: { __TAURI_INTERNALS__?: unknown } & BridgePage = globalThis as never): Promise<Transport> {
  if (w.__TAURI_INTERNALS__) {
    const { invoke } = await import('@tauri-apps/api/core');
    return new TauriTransport(invoke);
  }
  return new HttpTransport('api', undefined, bridgeToken(w));
}
