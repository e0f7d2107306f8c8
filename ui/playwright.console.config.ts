// The office console's browser tests (`npm run e2e:console`, or after the field app's in
// scripts/e2e.sh): the office's workflows in e2e-console/console.spec.ts at 1366×768, and every
// page at three screen sizes with axe-core in e2e-console/pages.spec.ts, in Debian's chromium
// (Playwright downloads no browser here), against the one server the global setup starts with
// the demo and a generated year. Screenshots go to test-results/console/screenshots/.
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';

function debianChromium(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is missing (Debian package chromium, see scripts/apt-packages.txt)');
  }
}

export default defineConfig({
  testDir: './e2e-console',
  outputDir: './test-results/console',
  globalSetup: './e2e-console/server.ts',
  // One office, one server: the workflows run in order and the page tests after them.
  workers: 1,
  forbidOnly: true,
  // A workflow waits on a device's syncs and on the server's figures: minutes, not seconds.
  timeout: 3 * 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
    launchOptions: {
      executablePath: debianChromium(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [{ name: 'console' }],
});
