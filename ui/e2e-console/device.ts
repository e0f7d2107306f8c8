// A field device for the console's workflows: the real `xuncha` command line ($XUNCHA_BIN) on
// its own data directory, enrolled with the run's server as a demo user. It records what a
// river chief's phone records (a patrol with a track, a finding with a camera photo), syncs, and
// reads back what the office decided — the closed loop the console exists for.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fix as `xuncha patrol track` reads it from a JSON file (crates/domain/src/position.rs). */
export interface Fix {
  t: number;
  lon: number;
  lat: number;
  accuracy_m: number;
}

export interface Position {
  lon: number;
  lat: number;
}

export class Device {
  private constructor(
    private readonly xuncha: string,
    /** The device's folder: its data directory and the files the test hands it. */
    readonly dir: string,
  ) {}

  static create(xuncha: string, under: string): Device {
    return new Device(xuncha, mkdtempSync(join(under, 'device-')));
  }

  /** `xuncha <args>` on this device: its output (it throws, with stderr, on a non-zero exit). */
  run(...args: string[]): string {
    try {
      return execFileSync(this.xuncha, args, {
        encoding: 'utf8',
        env: { ...process.env, XUNCHA_DATA_DIR: join(this.dir, 'data'), XUNCHA_LANG: 'zh' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      const err = e as { status?: number; stderr?: string; stdout?: string };
      throw new Error(`xuncha ${args.join(' ')} exited with ${err.status}: ${err.stderr ?? ''}${err.stdout ?? ''}`);
    }
  }

  /** `xuncha --json <args>`: the API's answer's `data`. */
  json<T = any>(...args: string[]): T {
    return JSON.parse(this.run('--json', ...args)).data;
  }

  enrol(server: string, login: string, password: string): string {
    return this.run('enrol', '--server', server, '--login', login, '--password', password, '--name', '测试手机');
  }

  sync(originals = false): string {
    return this.run('sync', ...(originals ? ['--originals'] : []));
  }

  /** Writes `fixes` as a JSON file and appends them to the patrol's track. */
  track(patrol: string, fixes: Fix[]): void {
    const file = join(this.dir, `track-${patrol}.json`);
    writeFileSync(file, JSON.stringify(fixes));
    this.run('patrol', 'track', patrol, file);
  }

  /** Takes in a photo file and attaches it to a finding: the original's SHA-256. */
  photo(file: string, finding: string, after = false): string {
    // `photo` prints its own JSON: the imported photo and the event that attached it.
    const out = JSON.parse(this.run('--json', 'photo', file, '--finding', finding, ...(after ? ['--after'] : [])));
    return out.photo.original;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A walk along `line` and back at about 1.3 m/s, from `fromMs` to `toMs`: a fix about every
 * 5 s, each with an accuracy of about 5 m and a few metres of wobble. The intervals and
 * accuracies vary a little, as a real receiver's do: a track whose every interval and accuracy
 * are the same is flagged as a replayed one (regular timing) and does not count.
 */
export function walk(line: Position[], fromMs: number, toMs: number): Fix[] {
  const mPerDegLat = 111_320;
  const mPerDegLon = mPerDegLat * Math.cos((line[0].lat * Math.PI) / 180);
  const legs = line.slice(1).map((b, i) => {
    const a = line[i];
    return { a, b, m: Math.hypot((b.lon - a.lon) * mPerDegLon, (b.lat - a.lat) * mPerDegLat) };
  });
  const total = legs.reduce((s, l) => s + l.m, 0);
  const at = (d: number): Position => {
    // Back and forth along the line.
    let x = d % (2 * total);
    if (x > total) x = 2 * total - x;
    for (const l of legs) {
      if (x <= l.m) {
        const f = l.m ? x / l.m : 0;
        return { lon: l.a.lon + (l.b.lon - l.a.lon) * f, lat: l.a.lat + (l.b.lat - l.a.lat) * f };
      }
      x -= l.m;
    }
    return line[line.length - 1];
  };
  const fixes: Fix[] = [];
  let d = 0;
  for (let t = fromMs, k = 0; t <= toMs; k++) {
    const p = at(d);
    const wobble = 3 * Math.sin(k * 0.7);
    fixes.push({ t, lon: p.lon + wobble / mPerDegLon, lat: p.lat + (wobble * 0.5) / mPerDegLat, accuracy_m: 4 + (k % 3) });
    const dt = 4_500 + ((k * 379) % 1_000);
    t += dt;
    d += 1.3 * (dt / 1000);
  }
  return fixes;
}
