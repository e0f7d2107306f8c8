// The console tests' one server, started by Playwright's global setup: a real `xuncha-server`
// on a temporary SQLite database with the demo unit and a generated year of field work (2025,
// with 300 safety checks instead of the report's 8,175, so that it loads in seconds), serving
// the built console (ui/dist-console) at `/`. Its address, the demo users' passwords and its
// folder reach the workers through XUNCHA_CONSOLE_E2E; the returned function is the global
// teardown, which stops it and removes its files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDemo, serve } from '../e2e/serve';

/** What the workers know of the server. */
export interface Server {
  url: string;
  /** The demo users' passwords by login, as `demo` printed them. */
  passwords: Record<string, string>;
  /** The run's temporary folder: the server's files, and room for the device's. */
  dir: string;
}

export const SERVER_ENV = 'XUNCHA_CONSOLE_E2E';

/** The year the generated field work is dated in. */
export const YEAR = 2025;

const CONSOLE_DIR = fileURLToPath(new URL('../dist-console/', import.meta.url));

/** An environment variable the run cannot do without (scripts/e2e.sh sets them). */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the console tests through \`npm run e2e:console\` (scripts/e2e.sh)`);
  return value;
}

export function server(): Server {
  return JSON.parse(required(SERVER_ENV));
}

export default async function startServer(): Promise<() => Promise<void>> {
  const serverBin = required('SERVER_BIN');
  required('XUNCHA_BIN');
  if (!existsSync(join(CONSOLE_DIR, 'console.html'))) throw new Error(`${CONSOLE_DIR}console.html is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'xuncha-console-e2e-'));
  // Warnings and errors only: a line per migration or request would bury the tests' report.
  const env = { RUST_LOG: 'warn', ...process.env };
  const storage = ['--database-url', `sqlite://${join(dir, 'server.db')}`, '--blob-url', join(dir, 'blobs')];
  // `demo` prints each new demo user's login and password once.
  const passwords = loadDemo(serverBin, storage, env);
  if (!passwords.office1 || !passwords['grid-01']) throw new Error('demo printed no passwords for office1 and grid-01');
  const started = Date.now();
  const year = execFileSync(serverBin, ['demo', '--year', String(YEAR), '--inspections', '300', ...storage], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  console.log(`generated year ${YEAR} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${year.trim().split('\n').find((l) => l.startsWith('demo year')) ?? year.trim()}`);
  const { url, stop } = await serve(serverBin, storage, ['--console-dir', CONSOLE_DIR], env);
  const s: Server = { url, passwords, dir };
  process.env[SERVER_ENV] = JSON.stringify(s);
  return async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
