// The browser tests (`npm run e2e`, through scripts/e2e.sh): the workflows in e2e/ at each phone
// size, in Debian's chromium (Playwright downloads no browser here), one size after the other
// against the one server the global setup starts. Screenshots go to test-results/screenshots/.
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import type { PhoneSize } from './e2e/fixtures';

function debianChromium(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is missing (Debian package chromium, see scripts/apt-packages.txt)');
  }
}

const phones: PhoneSize[] = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
];

export default defineConfig<{}, { phoneSize: PhoneSize }>({
  testDir: './e2e',
  outputDir: './test-results',
  globalSetup: './e2e/server.ts',
  // One device per screen size; the sizes take turns, so that a slow sync is not slowed further
  // by another phone's and the server sees one device at a time.
  workers: 1,
  forbidOnly: true,
  // A workflow waits on a replayed GPS and a throttled network: minutes, not seconds.
  timeout: 5 * 60_000,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: debianChromium(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: phones.map((phoneSize) => ({ name: `${phoneSize.width}x${phoneSize.height}`, use: { phoneSize } })),
});
