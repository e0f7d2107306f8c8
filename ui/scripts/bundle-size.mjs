// Prints the built UI's size, raw and gzipped, file by file and in total, for the field app
// (dist/) and the office console (dist-console/), and fails the build when either passes its
// budget: the field app 300 KB gzipped, the console 400 KB gzipped counting only what its first
// page loads (JS and CSS the entry pulls in; the map page and Leaflet load on demand and are
// listed apart). Neither ships map tiles.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function measure(dir, filter) {
  let raw = 0;
  let gz = 0;
  const rows = files(dir)
    .filter((p) => filter.test(p))
    .map((p) => {
      const bytes = readFileSync(p);
      const g = gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gz += g;
      return [relative(dir, p), bytes.length, g];
    });
  return { raw, gz, rows };
}

function print(rows) {
  for (const [name, r, g] of rows) console.log(`  ${name.padEnd(44)} ${kb(r).padStart(10)}  gzip ${kb(g).padStart(9)}`);
}

let failed = false;

const app = new URL('../dist/', import.meta.url).pathname;
const a = measure(app, /\.(js|css|html|svg|json)$/);
print(a.rows);
const APP_BUDGET = 300 * 1024;
console.log(`bundle size: ${kb(a.raw)} raw, ${kb(a.gz)} gzipped (budget ${kb(APP_BUDGET)} gzipped, no map tiles)`);
if (a.gz > APP_BUDGET) {
  console.error('the field app bundle is over budget');
  failed = true;
}

// The console: what console.html loads at once (its entry script, the CSS and the chunks the
// entry imports statically, named in the HTML's tags) against what loads on demand.
const con = new URL('../dist-console/', import.meta.url).pathname;
if (existsSync(con)) {
  const html = readFileSync(join(con, 'console.html'), 'utf8');
  const first = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]));
  const all = measure(con, /\.(js|css)$/);
  const initial = all.rows.filter(([name]) => first.has(name));
  const lazy = all.rows.filter(([name]) => !first.has(name));
  const sum = (rows, i) => rows.reduce((s, r) => s + r[i], 0);
  console.log('console, first load:');
  print(initial);
  console.log('console, on demand (map page, track map, Leaflet):');
  print(lazy);
  const CONSOLE_BUDGET = 400 * 1024;
  console.log(
    `console size: ${kb(sum(initial, 1))} raw, ${kb(sum(initial, 2))} gzipped at first load; ` +
      `${kb(all.raw)} raw, ${kb(all.gz)} gzipped JS+CSS in all (budget ${kb(CONSOLE_BUDGET)} gzipped at first load)`,
  );
  if (sum(initial, 2) > CONSOLE_BUDGET) {
    console.error('the console bundle is over budget');
    failed = true;
  }
}
if (failed) process.exit(1);
