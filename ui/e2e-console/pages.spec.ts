// Every page of the console at a desk's 1366×768 and 1920×1080 and a tablet's 768×1024: a
// full-page screenshot to test-results/console/screenshots/<size>-<page>.png, and axe-core with
// no serious or critical violation (the test fails listing them). Details are of records the
// generated year holds, found through the office's API.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { OfficeApi, chinaMidnight } from './office';
import { YEAR, server } from './server';

const SHOTS = fileURLToPath(new URL('../test-results/console/screenshots/', import.meta.url));

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
  { width: 768, height: 1024 },
];

interface Ids {
  patrol: string;
  inspection: string;
  finding: string;
}

let ids: Ids;

test.beforeAll(async () => {
  const office = await OfficeApi.signIn(server(), 'office1');
  const year = `from=${chinaMidnight(YEAR, 1, 1)}&to=${chinaMidnight(YEAR + 1, 1, 1)}`;
  /** The newest record of the year for the first of `queries` that has one. */
  const first = async (...queries: string[]) => {
    for (const q of queries) {
      const [r] = await office.get<any[]>(`/api/v1/office/records?${q}&${year}&limit=1`);
      if (r) return r.aggregate.id as string;
    }
    throw new Error(`the generated year has no record for ${queries.join(' or ')}`);
  };
  ids = {
    patrol: await first('kind=patrol&counts=true', 'kind=patrol'),
    inspection: await first('kind=inspection'),
    // One handed out, so that the page shows an assignment (else any).
    finding: await first('kind=finding&status=assigned', 'kind=finding&status=rectified', 'kind=finding'),
  };
});

/** Each page: its address, and what shows that it has loaded. */
function pages(): [string, string, (p: Page) => Promise<void>][] {
  const heading = (name: string) => async (p: Page) => {
    await expect(p.getByRole('heading', { level: 1, name })).toBeVisible();
  };
  const table = (testId: string, title: string) => async (p: Page) => {
    await heading(title)(p);
    await expect(p.getByTestId(testId).locator('tbody tr').first()).toBeVisible();
  };
  const detail = async (p: Page) => {
    await expect(p.getByRole('heading', { name: '事件记录' })).toBeVisible();
  };
  return [
    ['overview', '#/overview', heading('概览')],
    ['records-patrol', `#/records?kind=patrol&from=${YEAR}-06-01&to=${YEAR}-06-30`, table('records-table', '记录')],
    ['records-inspection', `#/records?kind=inspection&from=${YEAR}-01-01&to=${YEAR}-12-31`, table('records-table', '记录')],
    ['records-finding', `#/records?kind=finding&from=${YEAR}-01-01&to=${YEAR}-12-31`, table('records-table', '记录')],
    [
      'patrol-detail',
      `#/record/patrol/${ids.patrol}`,
      async (p) => {
        await detail(p);
        await expect(p.getByTestId('play')).toBeVisible();
      },
    ],
    ['inspection-detail', `#/record/inspection/${ids.inspection}`, detail],
    ['finding-detail', `#/record/finding/${ids.finding}`, detail],
    ['supervision', '#/supervision', table('supervision-table', '整改督办')],
    ['quota', `#/quota?year=${YEAR}&month=6`, table('quota-table', '巡河考核')],
    [
      'problems',
      `#/problems?year=${YEAR}&every=quarter`,
      async (p) => {
        await heading('问题统计')(p);
        await expect(p.getByTestId('problems-table').locator('tbody tr').first()).toContainText('季度');
      },
    ],
    [
      'year',
      `#/year?year=${YEAR}`,
      async (p) => {
        await heading('年度报告')(p);
        await expect(p.getByTestId('download-xlsx')).toBeVisible();
      },
    ],
    [
      'rules',
      '#/rules',
      async (p) => {
        await heading('巡河规则')(p);
        await expect(p.getByTestId('publish-rules')).toBeVisible();
      },
    ],
    [
      'people',
      '#/people',
      async (p) => {
        await heading('人员与设备')(p);
        await expect(p.locator('table tbody tr').first()).toBeVisible();
      },
    ],
    [
      'reference',
      '#/reference',
      async (p) => {
        await heading('参考资料')(p);
        await expect(p.locator('table tbody tr').first()).toBeVisible();
      },
    ],
    [
      'map',
      `#/map?from=${YEAR}-01-01&to=${YEAR}-12-31`,
      async (p) => {
        await heading('地图')(p);
        await expect(p.locator('.leaflet-overlay-pane path').first()).toBeVisible();
        // The year's patrols are drawn too, not only the reaches.
        await expect(p.getByTestId('map-counts')).toContainText(/轨迹 [1-9]\d* 条/);
      },
    ],
  ];
}

/** The serious and critical violations axe-core finds on the page as it stands, one line each. */
async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ')}`);
}

for (const size of SIZES) {
  const tag = `${size.width}x${size.height}`;
  test(`every page at ${tag}: a screenshot, and no serious or critical axe-core violation`, async ({ browser }) => {
    const s = server();
    const context = await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const shot = (name: string) => page.screenshot({ path: `${SHOTS}${tag}-${name}.png`, fullPage: true });

    await page.goto(`${s.url}/`);
    await expect(page.getByRole('heading', { name: '登录办公室' })).toBeVisible();
    await shot('signin');
    expect.soft(await axe(page), `${tag} signin`).toEqual([]);

    await page.getByLabel('登录名').fill('office1');
    await page.getByLabel('密码').fill(s.passwords.office1);
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByTestId('who')).toBeVisible();

    for (const [name, hash, loaded] of pages()) {
      await page.evaluate((h) => (location.hash = h), hash);
      await loaded(page);
      await expect(page.getByText('正在读取…'), `${name} has finished loading`).toHaveCount(0);
      await shot(name);
      expect.soft(await axe(page), `${tag} ${name}`).toEqual([]);
    }
    expect(errors, 'no script errors on any page').toEqual([]);
    await context.close();
  });
}
