// The run's one server, started by Playwright's global setup before any screen size: a real
// `xuncha-server` with the demo unit on a temporary SQLite database (no mock). Its address and
// the demo users' passwords reach the workers through XUNCHA_E2E_SERVER; the returned function
// is the global teardown, which stops it and removes its files.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  // `demo` prints each demo user's login and password once.
  const out = execFileSync(serverBin, ['demo', '--database-url', db, '--blob-url', blobs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const passwords = Object.fromEntries([...out.matchAll(/^\s+(\S+)\s+(\S+)\s/gm)].map((m) => [m[1], m[2]]));
  const child = spawn(serverBin, ['serve', '--listen', '127.0.0.1:0', '--database-url', db, '--blob-url', blobs], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.on('exit', (code) => reject(new Error(`xuncha-server exited with ${code}`)));
    // Read stdout for as long as the server runs, so it never blocks on a full pipe.
    child.stdout.on('data', (b: Buffer) => {
      text += b;
      const m = /listening on ([0-9.:]+)/.exec(text);
      if (m) resolve(`http://${m[1]}`);
    });
  });
  const server: Server = { url, passwords };
  process.env[SERVER_ENV] = JSON.stringify(server);
  return async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
}
