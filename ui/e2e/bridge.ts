// A device for one screen size: an empty data directory behind a real `xuncha bridge` on a free
// loopback port, serving the built UI. The bridge prints the address a person opens (with its
// per-run secret); requests to the core go through it as the UI sends them, and
// `xuncha --json` reads the same data directory once the bridge has stopped.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Device {
  /** Where the device keeps its data; files the test writes (a GPX walk) go beside it. */
  readonly dir: string;
  private constructor(
    readonly xuncha: string,
    dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    /** The bridge's base address, e.g. http://127.0.0.1:40123. */
    readonly url: string,
    /** The address the bridge prints for a person to open: it carries the secret. */
    readonly open: string,
    /** The bridge's per-run secret, read from that address. */
    readonly token: string,
  ) {
    this.dir = dir;
  }

  get data(): string {
    return join(this.dir, 'device');
  }

  static async start(xuncha: string, uiDir: string): Promise<Device> {
    const dir = mkdtempSync(join(tmpdir(), 'xuncha-e2e-'));
    const env = { ...process.env };
    delete env.XUNCHA_BRIDGE_TOKEN;
    const child = spawn(xuncha, ['--data-dir', join(dir, 'device'), 'bridge', '--listen', '127.0.0.1:0', '--ui-dir', uiDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const [url, open] = await new Promise<[string, string]>((resolve, reject) => {
      let out = '';
      child.on('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
      child.stdout?.on('data', (b: Buffer) => {
        out += b;
        const base = /listening on (http:\/\/[0-9.:]+)/.exec(out);
        const link = /打开 (http:\/\/\S+)\n/.exec(out);
        if (base && link) resolve([base[1], link[1]]);
      });
    });
    const token = new URL(open).searchParams.get('token') ?? '';
    return new Device(xuncha, dir, child, exited, url, open, token);
  }

  /** A request to the core through the bridge, as the UI sends it (with the secret): its `data`. */
  async core<T = any>(action: string, args?: unknown): Promise<T> {
    const r = await fetch(`${this.url}/api`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Xuncha-Bridge': this.token },
      body: JSON.stringify(args === undefined ? { action } : { action, args }),
    });
    if (!r.ok) throw new Error(`${action}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()).data;
  }

  /** `xuncha --json <args>` on this device's data (after `stopBridge`): its `data`. */
  cli<T = any>(...args: string[]): T {
    return JSON.parse(execFileSync(this.xuncha, ['--data-dir', this.data, '--json', ...args], { encoding: 'utf8' })).data;
  }

  /** Stops the bridge, so that the command line has the data directory to itself. */
  async stopBridge(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  async remove(): Promise<void> {
    await this.stopBridge();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
