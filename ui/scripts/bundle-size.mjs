// Prints the built UI's size, raw and gzipped, file by file and in total, and fails the build
// when the gzipped total passes the budget (300 KB without map tiles; the UI ships no tiles).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 300 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let raw = 0;
let gz = 0;
const rows = files(dist)
  .filter((p) => /\.(js|css|html|svg|json)$/.test(p))
  .map((p) => {
    const bytes = readFileSync(p);
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    return [relative(dist, p), bytes.length, g];
  });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const [name, r, g] of rows) console.log(`  ${name.padEnd(40)} ${kb(r).padStart(10)}  gzip ${kb(g).padStart(9)}`);
console.log(`bundle size: ${kb(raw)} raw, ${kb(gz)} gzipped (budget ${kb(BUDGET_GZIP_BYTES)} gzipped, no map tiles)`);
if (gz > BUDGET_GZIP_BYTES) {
  console.error('bundle is over budget');
  process.exit(1);
}
