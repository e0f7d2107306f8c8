// The console's one way to the server: same-origin requests to /api/v1/… with the session's
// bearer token. The token lives in this module's memory only — never in localStorage, a
// cookie or the address — so another site cannot make the browser use it (no CSRF) and a
// reload signs out. A 401 ends the session and returns to sign-in; any other failure becomes a
// `ConsoleError` with the server's `{code, message}` (the message is Chinese, for people).

import type { SessionResponse } from './types';

let token: string | null = null;

/** The server's answer for a path it has no route for (crates/server/src/console.rs `fallback`). */
const NO_ROUTE = '没有这个接口';
let unauthorized: (message: string) => void = () => {};

export class ConsoleError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
  /** The route is not on this server yet (an older binary): the page says so plainly. A 405
   * is the same news when the path exists for another method (a POST before its GET). */
  get missingRoute(): boolean {
    return (this.status === 404 && this.message === NO_ROUTE) || this.status === 405;
  }
}

/** What to do when the server says the session is over. */
export function onUnauthorized(fn: (message: string) => void): void {
  unauthorized = fn;
}

export function signedIn(): boolean {
  return token != null;
}

async function failure(res: Response): Promise<ConsoleError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'message' in body) {
      message = String((body as { message: unknown }).message);
      if ('code' in body) code = String((body as { code: unknown }).code);
    }
  } catch {
    // Not JSON (a proxy's page): the status line says enough.
  }
  return new ConsoleError(res.status, code, message);
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ConsoleError(0, 'network', '无法连接服务器，请检查网络');
  }
  if (res.status === 401 && token) {
    const err = await failure(res);
    token = null;
    unauthorized(err.message);
    throw err;
  }
  if (!res.ok) throw await failure(res);
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await send('GET', path)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await send('POST', path, body)).json() as Promise<T>;
}

/** Bytes the server serves only with the bearer (photos, XLSX): fetched, not linked. */
export async function getBlob(path: string): Promise<Blob> {
  return (await send('GET', path)).blob();
}

export async function signIn(login: string, password: string): Promise<SessionResponse> {
  const res = await send('POST', '/api/v1/session', { login, password });
  const session = (await res.json()) as SessionResponse;
  token = session.token;
  return session;
}

export async function signOut(): Promise<void> {
  try {
    if (token) await send('DELETE', '/api/v1/session');
  } finally {
    token = null;
  }
}

/** Saves a Blob under a file name, through a temporary object URL. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** What went wrong, in the words to show: a `ConsoleError`'s (the server's) or any other error's message. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
