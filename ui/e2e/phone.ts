// The app on one phone: a page of its own browser context at the screen size, with what a
// person would notice recorded as it happens (requests leaving the bridge, script errors), and
// the gestures and captures the workflows share. Screenshots, as a phone shows them (the
// viewport, scrolled through the screen in parts), are numbered in the order taken.
import { expect, type Page } from '@playwright/test';
import { join } from 'node:path';

export class Phone {
  /** Requests to anywhere but the bridge (data: and blob: URLs are the page's own). */
  readonly external: string[] = [];
  /** Uncaught exceptions and console errors (a CSP violation shows only there). */
  readonly pageErrors: string[] = [];
  private shots = 0;

  constructor(
    readonly page: Page,
    /** The screen size, e.g. 360x640: the screenshots' prefix. */
    readonly tag: string,
    private readonly shotDir: string,
    bridgeUrl: string,
  ) {
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(bridgeUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) this.external.push(url);
    });
    page.on('pageerror', (e) => this.pageErrors.push(String(e)));
    // A 4xx from the API is expected, and the browser logs it as a failed resource.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) this.pageErrors.push(m.text());
    });
  }

  /** What the phone shows now, in parts (a full-page capture would paint the fixed bars mid-page). */
  async shot(name: string): Promise<void> {
    const page = this.page;
    this.shots++;
    await page.waitForTimeout(150);
    const [total, vh] = await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
    const last = Math.max(0, total - vh);
    for (let part = 0, y = 0; part < 6; part++, y += vh - 140) {
      const top = Math.min(y, last);
      await page.evaluate((t) => window.scrollTo(0, t), top);
      await page.waitForTimeout(80);
      const suffix = part ? `-${String.fromCharCode(97 + part)}` : '';
      await page.screenshot({ path: join(this.shotDir, `${this.tag}-${String(this.shots).padStart(2, '0')}-${name}${suffix}.png`) });
      if (top >= last) break;
    }
  }

  /** The screen fits the phone's width; soft, so that one run shows every screen that does not. */
  async fits(name: string): Promise<void> {
    const wide = await this.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect.soft(wide, `${name}: nothing wider than the screen (${wide}px too wide)`).toBeLessThanOrEqual(0);
  }

  /** A signature drawn across a pad with the mouse, as a finger would. */
  async draw(testid: string): Promise<void> {
    const page = this.page;
    await page.getByTestId(testid).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = await page.getByTestId(testid).boundingBox();
    if (!box) throw new Error(`${testid} is not on the screen`);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 20, y);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 20 + i * ((box.width - 40) / 12), y + (i % 2 ? -30 : 30), { steps: 3 });
    await page.mouse.up();
  }

  /**
   * After a form with photos is saved: either all photos were stored, or the UI says which were
   * not (then a note in the output says so, too).
   */
  async photosStored(what: string): Promise<boolean> {
    const page = this.page;
    const result = page.getByTestId('photo-result');
    const form = page.getByTestId('finding-form');
    await Promise.race([result.waitFor({ timeout: 15_000 }), form.waitFor({ state: 'detached', timeout: 15_000 })]).catch(() => {});
    if (await result.isVisible().catch(() => false)) {
      const text = await result.innerText();
      const saved = !/未能保存|not saved/.test(text);
      if (!saved) console.log(`note: ${this.tag} ${what}: photo not stored — ${text.replace(/\s+/g, ' ')}`);
      return saved;
    }
    return true;
  }

  /** The number of track points the patrol screen shows. */
  async points(): Promise<number> {
    return Number(await this.page.getByTestId('points').innerText());
  }

  /** Waits until the patrol screen shows at least `n` track points. */
  async pointsAtLeast(n: number, timeout: number): Promise<void> {
    await this.page.waitForFunction((b) => Number(document.querySelector('[data-testid=points]')?.textContent) >= b, n, { timeout });
  }
}
