// Where the real fixtures are (camera photos, GPX tracks): never in this repository, but in
// XUNCHA_FIXTURES, else in shared/fixtures beside the clone — the same rule as the Rust tests'
// (crates/testsupport/src/fixtures.rs). A test that needs them is skipped, loudly, without them.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const clone = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const FIXTURES = process.env.XUNCHA_FIXTURES ?? join(clone, '../shared/fixtures');

export const HAVE_FIXTURES = existsSync(FIXTURES);

/** Says loudly that `what` is skipped for want of the fixtures. */
export function skipNotice(what) {
  console.warn(
    `SKIPPED ${what}: real fixtures not found at ${FIXTURES}; set XUNCHA_FIXTURES or place shared/ beside the clone`,
  );
}
