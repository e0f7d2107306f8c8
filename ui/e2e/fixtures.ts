// What every browser test gets: per screen size (one worker each), a relay to the run's server
// that can turn slow, a fresh device behind its own `xuncha bridge`, and one phone (browser
// context) that the workflows walk through in order; per test, the office's session when asked
// for, and a screenshot of the phone when the test fails. The run's server itself comes from
// the global setup (server.ts).
import { test as base, expect } from '@playwright/test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES, HAVE_FIXTURES, skipNotice } from '../scripts/fixtures.mjs';
import { Device } from './bridge';
import { office, type Office } from './office';
import { Phone } from './phone';
import { startRelay, type Relay } from './relay';
import { required, SERVER_ENV, type Server } from './server';

export { expect };

/** The phone's screen in CSS pixels: each project of playwright.config.ts names one. */
export interface PhoneSize {
  width: number;
  height: number;
}

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

export { HAVE_FIXTURES, skipNotice };

/** A fixture photo (<fixtures>/photos/gps/<name>): the camera's picture in the workflows. */
export function photo(name: string): string {
  return join(FIXTURES, 'photos/gps', name);
}

export const test = base.extend<
  { office: Office; failureShot: void },
  { phoneSize: PhoneSize; server: Server; relay: Relay; device: Device; phone: Phone }
>({
  phoneSize: [{ width: 360, height: 640 }, { option: true, scope: 'worker' }],

  server: [
    async ({}, use) => {
      await use(JSON.parse(required(SERVER_ENV)));
    },
    { scope: 'worker' },
  ],

  relay: [
    async ({ server }, use) => {
      const relay = await startRelay(server.url);
      await use(relay);
      relay.close();
    },
    { scope: 'worker' },
  ],

  device: [
    async ({}, use) => {
      const device = await Device.start(required('XUNCHA_BIN'), DIST);
      await use(device);
      await device.remove();
    },
    { scope: 'worker' },
  ],

  phone: [
    async ({ browser, phoneSize, device }, use) => {
      const context = await browser.newContext({ viewport: phoneSize, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
      // playwright-core's own default for a waiting action, which the steps were written for.
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      await use(new Phone(page, `${phoneSize.width}x${phoneSize.height}`, SHOTS, device.url));
      await context.close();
    },
    { scope: 'worker' },
  ],

  office: async ({ server }, use) => {
    await use(await office(server, 'office1'));
  },

  failureShot: [
    async ({ phone }, use, testInfo) => {
      await use();
      if (testInfo.status !== testInfo.expectedStatus) {
        const path = join(SHOTS, `${phone.tag}-failure.png`);
        await phone.page.screenshot({ path }).then(
          () => testInfo.attachments.push({ name: 'failure', path, contentType: 'image/png' }),
          () => {},
        );
      }
    },
    { auto: true },
  ],
});
