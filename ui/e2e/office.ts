// The office's view of the server: a session for an office user, then GETs with its token.
import type { Server } from './server';

export interface Office {
  /** A JSON answer of the office API. */
  get<T = any>(path: string): Promise<T>;
  /** A blob's bytes. */
  blob(hash: string): Promise<Buffer>;
  /**
   * Whether the office can fetch a blob's bytes: a device whose record it may see has sent them.
   * Until then the server answers 403 (no such record holds the blob) or 404 (no bytes yet).
   */
  hasBlob(hash: string): Promise<boolean>;
}

export async function office(server: Server, login: string): Promise<Office> {
  const r = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password: server.passwords[login] }),
  });
  if (!r.ok) throw new Error(`office session: HTTP ${r.status}`);
  const { token } = await r.json();
  const request = (path: string) => fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const ok = async (path: string) => {
    const res = await request(path);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res;
  };
  return {
    get: async (path) => (await ok(path)).json(),
    blob: async (hash) => Buffer.from(await (await ok(`/api/v1/blobs/${hash}`)).arrayBuffer()),
    hasBlob: async (hash) => {
      const res = await request(`/api/v1/blobs/${hash}`);
      if (res.status === 403 || res.status === 404) return false;
      if (!res.ok) throw new Error(`GET /api/v1/blobs/${hash}: HTTP ${res.status}`);
      return true;
    },
  };
}
