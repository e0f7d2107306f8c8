// Starting a real `xuncha-server` for the browser tests, said once for the field app's suite
// (e2e/server.ts) and the console's (e2e-console/server.ts): the demo's passwords as `demo`
// prints them, and a server on a free port of 127.0.0.1 that is stopped by the returned function.
import { execFileSync, spawn } from 'node:child_process';

/** `xuncha-server demo` on `storage` (its --database-url and --blob-url): each new user's password by login. */
export function loadDemo(serverBin: string, storage: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out = execFileSync(serverBin, ['demo', ...storage], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env });
  return Object.fromEntries([...out.matchAll(/^\s+(\S+)\s+(\S+)\s/gm)].map((m) => [m[1], m[2]]));
}

/** `xuncha-server serve` on `storage` with `args` besides: its address once it listens, and how to stop it. */
export async function serve(
  serverBin: string,
  storage: string[],
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(serverBin, ['serve', '--listen', '127.0.0.1:0', ...args, ...storage], { stdio: ['ignore', 'pipe', 'inherit'], env });
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
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
