// The run's one server, started by Playwright's global setup before any screen size: a real
// `xuncha-server` with the demo unit on a temporary SQLite database (no mock). Its address and
// the demo users' passwords reach the workers through XUNCHA_E2E_SERVER; the returned function
// is the global teardown, which stops it and removes its files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo, serve } from './serve';

/** What the workers know of the server: where it listens and the demo users' passwords. */
export interface Server {
  url: string;
  passwords: Record<string, string>;
}

/** The environment variable that carries the [`Server`] from the global setup to the workers. */
export const SERVER_ENV = 'XUNCHA_E2E_SERVER';

/** An environment variable the run cannot do without (scripts/e2e.sh sets them). */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through \`npm run e2e\` (scripts/e2e.sh)`);
  return value;
}

export default async function startServer(): Promise<() => Promise<void>> {
  const serverBin = required('SERVER_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'xuncha-e2e-server-'));
  const db = `sqlite://${join(dir, 'server.db')}`;
  const blobs = join(dir, 'server-blobs');
  const storage = ['--database-url', db, '--blob-url', blobs];
  // Warnings and errors only: a line per request would bury the tests' report.
  const env = { RUST_LOG: 'warn', ...process.env };
  // `demo` prints each demo user's login and password once.
  const passwords = loadDemo(serverBin, storage, env);
  const { url, stop } = await serve(serverBin, storage, [], env);
  const server: Server = { url, passwords };
  process.env[SERVER_ENV] = JSON.stringify(server);
  return async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
