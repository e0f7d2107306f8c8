// The office's day in the console, against the real server with the demo and a generated year,
// one signed-in page walking through in order: sign in by keyboard; filter the records, page
// and export them; a grid worker's phone (the real CLI) records a patrol with a finding and a
// camera photo and syncs; the office plays the patrol's track, sends it back with a comment that
// the phone receives with its next sync; hands out the finding, sees the phone's after-photo
// beside the before-photo and verifies it; raises the brigade level's minimum duration and sees
// the patrol stop counting; opens the year report and downloads its XLSX; downloads an
// inspection's on-site record as PDF, and a month of them as one ZIP made in the background.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES, HAVE_FIXTURES, skipNotice } from '../scripts/fixtures.mjs';
import { Device, walk } from './device';
import { OfficeApi, chinaDate, chinaMidnight } from './office';
import { YEAR, required, server } from './server';

test.describe.configure({ mode: 'serial' });

const SEND_BACK = '轨迹中段缺失，请补充说明';
/** Unique to this run, so the 督办 list's row is ours. */
const ASSIGNEE = `幸福渠保洁队-${Date.now() % 100_000}`;
const WALK_MIN = 40;
const NEW_MIN_DURATION = 120;

const photo = (name: string) => join(FIXTURES, 'photos/gps', name);
const SHOTS = fileURLToPath(new URL('../test-results/console/screenshots/', import.meta.url));
/** A full-page screenshot of a moment of the workflow, beside the pages' screenshots. */
const shot = (name: string) => page.screenshot({ path: `${SHOTS}1366x768-flow-${name}.png`, fullPage: true });

let page: Page;
let device: Device;
let office: OfficeApi;
/** Filled in by the steps, in order. */
let patrol = '';
let finding = '';
let patrolStart = 0;

test.beforeAll(async ({ browser }) => {
  if (!HAVE_FIXTURES) skipNotice('the console workflows (they attach real camera photos)');
  const s = server();
  office = await OfficeApi.signIn(s, 'office1');
  device = Device.create(required('XUNCHA_BIN'), s.dir);
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

test.afterAll(async () => {
  await page?.close();
  device?.remove();
});

test.beforeEach(() => {
  test.skip(!HAVE_FIXTURES, 'real fixtures not found');
});

/** The texts of a table's column, found by its header. */
function column(table: Locator, header: string): Promise<string[]> {
  return table.evaluate((t, h) => {
    const i = [...t.querySelectorAll('thead th')].findIndex((th) => th.textContent?.trim() === h);
    if (i < 0) throw new Error(`the table has no column ${h}`);
    return [...t.querySelectorAll('tbody tr')].map((tr) => tr.children[i]?.textContent?.trim() ?? '');
  }, header);
}

/** Goes to a page of the console by its address, as a link would (a reload would sign out). */
async function go(hash: string) {
  await page.evaluate((h) => (location.hash = h), hash);
}

test('office1 signs in with the keyboard alone', async () => {
  const s = server();
  await page.goto(`${s.url}/`);
  await expect(page.getByRole('heading', { name: '登录办公室' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('登录名'), 'Tab reaches the login first').toBeFocused();
  await page.keyboard.type('office1');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('密码')).toBeFocused();
  await page.keyboard.type(s.passwords.office1);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('who'), 'the frame names who is signed in and their unit').toContainText('·');
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '记录' })).toBeVisible();
});

test('records: filter June inspections, page through patrols, export what the filter holds as CSV', async () => {
  const table = page.getByTestId('records-table');
  const caption = table.locator('caption');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '记录' }).click();
  await page.locator('nav.tabs').getByRole('link', { name: '安全检查' }).click();
  await page.getByLabel('开始日期').fill(`${YEAR}-06-01`);
  await page.getByLabel('结束日期').fill(`${YEAR}-06-30`);
  await expect(page, 'the filters are in the address').toHaveURL(new RegExp(`kind=inspection.*from=${YEAR}-06-01.*to=${YEAR}-06-30`));

  const june = await office.records({ kind: 'inspection', from: String(chinaMidnight(YEAR, 6, 1)), to: String(chinaMidnight(YEAR, 7, 1)) });
  expect(june.length, 'the generated year has safety checks in June').toBeGreaterThan(0);
  await expect(caption).toHaveText(`第 1 页，${Math.min(june.length, 50)} 条`);
  const times = await column(table, '时间');
  expect(times.every((t) => t.startsWith(`${YEAR}-06-`)), `every row is of June: ${times.join(', ')}`).toBe(true);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 3)], 'the CSV starts with the UTF-8 byte order mark').toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.toString('utf8').slice(1).split('\r\n').filter((l) => l !== '');
  const headers = (await table.locator('thead th[scope=col]').allTextContents()).map((h) => h.trim());
  expect(headers.slice(0, 5)).toEqual(['时间', '人员', '单位', '场所', '检查结果']);
  expect(lines[0], "Chinese headers: the table's columns and the record's id").toBe([...headers, '记录编号'].join(','));
  expect(lines.length - 1, 'one data row per record the filter holds').toBe(june.length);
  // Python's csv reads it as Excel would: the BOM taken as the encoding's, the headers intact.
  const read = execFileSync(
    'python3',
    ['-c', 'import sys, csv, json\nrows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))\nprint(json.dumps([len(rows), rows[0][0]], ensure_ascii=False))', await download.path()],
    { encoding: 'utf8' },
  );
  expect(JSON.parse(read)).toEqual([june.length + 1, '时间']);
  expect(lines.slice(1).every((l) => l.replace(/^"/, '').startsWith(`${YEAR}-06-`)), 'every exported row is of June').toBe(true);
  await expect(page.getByRole('status').filter({ hasText: '已导出' })).toHaveText(`已导出 ${june.length} 条`);

  // The same filters as the server's XLSX ledger (台账): one row per record after the header.
  const [ledger] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  expect(ledger.suggestedFilename()).toMatch(/^台账-安全检查-.*\.xlsx$/);
  const rowsInLedger = execFileSync(
    'python3',
    ['-c', 'import sys, zipfile, re\nx = zipfile.ZipFile(sys.argv[1]).read("xl/worksheets/sheet1.xml").decode()\nprint(len(re.findall("<row ", x)))', await ledger.path()],
    { encoding: 'utf8' },
  );
  expect(Number(rowsInLedger), 'a header and one row per June inspection').toBe(june.length + 1);

  // Patrols of the year that do not count: more than a page of them.
  await page.locator('nav.tabs').getByRole('link', { name: '巡河' }).click();
  await page.getByLabel('开始日期').fill(`${YEAR}-01-01`);
  await page.getByLabel('结束日期').fill(`${YEAR}-12-31`);
  await page.getByLabel('计入考核').selectOption('false');
  await expect(page).toHaveURL(/kind=patrol.*counts=false/);
  const notCounting = await office.records({ kind: 'patrol', counts: 'false', from: String(chinaMidnight(YEAR, 1, 1)), to: String(chinaMidnight(YEAR + 1, 1, 1)) });
  expect(notCounting.length, 'the generated year has patrols that do not count').toBeGreaterThan(0);
  await expect(caption).toHaveText(`第 1 页，${Math.min(notCounting.length, 50)} 条`);
  const counts = await column(table, '计入考核');
  expect(new Set(counts), 'the table shows only patrols that do not count').toEqual(new Set(['不计入']));

  // Paging: all patrols of the year, more than one page.
  await page.getByLabel('计入考核').selectOption('');
  await expect(caption).toHaveText('第 1 页，50 条');
  const firstPage = await column(table, '时间');
  await page.getByTestId('next-page').click();
  await expect(caption).toHaveText(/^第 2 页，\d+ 条$/);
  const secondPage = await column(table, '时间');
  expect(secondPage.length).toBeGreaterThan(0);
  // Newest first: the next page starts no later than the first page ended.
  expect(secondPage[0] <= firstPage[firstPage.length - 1], `${secondPage[0]} after ${firstPage[firstPage.length - 1]}`).toBe(true);
  await page.getByRole('button', { name: '上一页' }).click();
  await expect(caption).toHaveText('第 1 页，50 条');
  expect(await column(table, '时间'), '上一页 returns to the same first page').toEqual(firstPage);
});

test("a grid worker's phone records a patrol with a finding and a camera photo, and syncs", async () => {
  const s = server();
  device.enrol(s.url, 'grid-01', s.passwords['grid-01']);
  device.sync();
  const reaches: any[] = device.json('reference', 'reaches');
  const reach = reaches.find((r) => r.name === '幸福渠');
  expect(reach, `the phone pulled its unit's reach 幸福渠 (got ${reaches.map((r) => r.name).join('、')})`).toBeTruthy();

  const now = Date.now();
  patrolStart = now - (WALK_MIN + 1) * 60_000;
  patrol = device.json('patrol', 'start', '--kind', 'river', '--reach', reach.id, '--at', new Date(patrolStart).toISOString()).id;
  const fixes = walk(reach.line, patrolStart + 5_000, now - 60_000);
  device.track(patrol, fixes);
  const mid = fixes[fixes.length >> 1];
  finding = device.json('finding', 'report', '--patrol', patrol, '--category', 'dumping', '--description', '河岸堆放建筑垃圾', '--lon', String(mid.lon), '--lat', String(mid.lat)).id;
  device.photo(photo('DSCN0010.jpg'), finding);
  device.run('patrol', 'end', patrol);
  device.sync(true);

  const [onServer] = (await office.records({ kind: 'patrol' })).filter((r) => r.aggregate.id === patrol);
  expect(onServer, 'the server has the patrol after the sync').toBeTruthy();
  expect(onServer.missing_blobs, 'and every photo, originals too').toBe(0);
});

test('the office opens the patrol: its track is drawn, ▶ 回放 moves along it, and it counts', async () => {
  await go(`#/record/patrol/${patrol}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('巡河 · 网格员 周强');
  await expect(page.getByTestId('counts'), 'a 40-minute walk counts under the demo rules (30 minutes for 队级)').toContainText('计入');
  await expect(page.getByTestId('counts')).not.toContainText('不计入');
  const map = page.getByRole('region', { name: '巡查轨迹地图' });
  await expect(map.locator('.leaflet-overlay-pane path').first(), 'the track is drawn').toBeVisible();

  const slider = page.getByLabel('回放时间');
  const time = page.getByTestId('play-time');
  const marker = map.locator('.leaflet-overlay-pane path').last();
  const [t0, v0, d0] = [await time.textContent(), Number(await slider.inputValue()), await marker.getAttribute('d')];
  expect(t0).toBe(new Date(patrolStart + 5_000 + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' '));
  await page.getByRole('button', { name: '▶ 回放' }).click();
  await expect(page.getByTestId('play'), 'playing offers a pause').toHaveText('❚❚ 暂停');
  await expect.poll(async () => Number(await slider.inputValue()), { message: 'the slider moves on' }).toBeGreaterThan(v0 + 60_000);
  await expect(time, 'the time shown moves on').not.toHaveText(t0!);
  await expect.poll(() => marker.getAttribute('d'), { message: 'the marker moves along the track' }).not.toBe(d0);
  await shot('patrol-playing');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('play')).toHaveText('▶ 回放');
});

test('the office sends the patrol back with a comment, and the phone has it after its sync', async () => {
  await page.getByTestId('review-comment').fill(SEND_BACK);
  await page.getByRole('button', { name: '退回', exact: true }).click();
  await expect(page.getByTestId('review-state')).toContainText('已退回');
  await expect(page.getByTestId('review-state')).toContainText(SEND_BACK);

  device.sync();
  const record = device.json('records', 'show', patrol);
  const review = record.state.state.review;
  expect(review, 'the record on the phone carries the review').toMatchObject({ decision: 'sent_back', comment: SEND_BACK });
  expect(device.run('records', 'show', patrol), "the phone's timeline says it was sent back, and why").toContain(`退回：${SEND_BACK}`);
});

test('the office hands out the finding; the phone rectifies it with an after-photo; the office verifies it', async () => {
  await go(`#/record/finding/${finding}`);
  await expect(page.getByTestId('finding-status')).toHaveText('已上报');
  const before = page.getByTestId('before-photos').locator('img');
  await expect.poll(() => before.first().evaluate((i: HTMLImageElement) => i.naturalWidth), { message: 'the before-photo is shown' }).toBeGreaterThan(0);
  await page.getByLabel('整改责任方').fill(ASSIGNEE);
  const deadline = chinaDate(Date.now() + 5 * 86_400_000);
  await page.getByLabel('整改期限').fill(deadline);
  await page.getByLabel('交办说明').fill('请三日内清理完毕');
  await page.getByRole('button', { name: '交办', exact: true }).click();
  await expect(page.getByTestId('finding-status')).toHaveText('已交办');
  await expect(page.getByText(ASSIGNEE)).toBeVisible();

  await go('#/supervision');
  const row = page.getByTestId('supervision-table').locator('tr', { hasText: ASSIGNEE });
  await expect(row, '督办 lists the finding handed out').toHaveCount(1);
  await expect(row).toContainText(deadline);
  await expect(row).toContainText('已交办');

  device.sync();
  expect(device.json('finding', 'show', finding).state.state.status, 'the phone has the assignment').toBe('assigned');
  const after = device.photo(photo('DSCN0012.jpg'), finding, true);
  device.run('finding', 'rectify', finding, '--note', '垃圾已清运', '--after', after);
  device.sync(true);

  // A fresh look at the list, then at the finding.
  await go('#/overview');
  await go('#/supervision');
  await expect(page.getByTestId('supervision-table'), '督办 no longer lists a rectified finding').toBeVisible();
  await expect(page.getByTestId('supervision-table').locator('tr', { hasText: ASSIGNEE })).toHaveCount(0);
  await go(`#/record/finding/${finding}`);
  await expect(page.getByTestId('finding-status')).toHaveText('已整改');
  const afterImg = page.getByTestId('after-photos').locator('img');
  await expect.poll(() => afterImg.first().evaluate((i: HTMLImageElement) => i.naturalWidth), { message: 'the after-photo is shown' }).toBeGreaterThan(0);
  const [b, a] = [await before.first().boundingBox(), await afterImg.first().boundingBox()];
  expect(a!.x, 'the after-photo stands beside the before-photo').toBeGreaterThan(b!.x + b!.width - 1);
  expect(Math.abs(a!.y - b!.y), 'on the same line').toBeLessThan(40);
  await shot('finding-before-after');

  await page.getByRole('button', { name: '验收通过' }).click();
  await expect(page.getByTestId('finding-status')).toHaveText('已验收');
  await expect(page.getByText('此问题已验收办结。')).toBeVisible();
  device.sync();
  expect(device.json('finding', 'show', finding).state.state.status, 'the phone sees it verified').toBe('verified');
});

test('a longer minimum duration for 队级 makes the patrol stop counting, saying why', async () => {
  await go('#/rules');
  const brigade = page.locator('fieldset', { has: page.getByText('队级', { exact: true }) });
  await expect(page.getByTestId('publish-rules')).toHaveText('发布第 2 版');
  await brigade.getByLabel('最短用时（分钟）').fill(String(NEW_MIN_DURATION));
  // In force from the patrol's day, whatever the hour in China now.
  await page.getByLabel('施行日期').fill(chinaDate(patrolStart));
  await page.getByTestId('publish-rules').click();
  await expect(page.getByRole('status').filter({ hasText: '已发布' })).toHaveText('已发布第 2 版');
  await expect(page.getByRole('region', { name: '现行规则' })).toContainText('第 2 版');

  await go(`#/record/patrol/${patrol}`);
  const counts = page.getByTestId('counts');
  await expect(counts).toContainText('不计入');
  await shot('patrol-not-counting');
  await expect(counts, 'the reason names the minutes').toContainText(new RegExp(`用时 (${WALK_MIN - 1}|${WALK_MIN}) 分钟，少于规定的 ${NEW_MIN_DURATION} 分钟`));
});

test('the year report shows the year in figures and downloads as XLSX', async () => {
  await go(`#/year?year=${YEAR}`);
  await expect(page.getByTestId('download-xlsx')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2 }).first()).toContainText(String(YEAR));
  const inspections = Number(await page.getByTestId('year-inspections').textContent());
  expect(inspections, 'safety checks of the year').toBeGreaterThan(0);
  const patrols = (await column(page.getByTestId('year-river'), '巡河次数')).map(Number);
  expect(patrols.reduce((s, n) => s + n, 0), 'river patrols of the year').toBeGreaterThan(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-xlsx').click()]);
  expect(download.suggestedFilename()).toBe(`年度报告-${YEAR}.xlsx`);
  const bytes = readFileSync(await download.path());
  expect(bytes.subarray(0, 2).toString('latin1'), 'an XLSX is a zip').toBe('PK');
  expect(bytes.length, 'with the report in it').toBeGreaterThan(4_000);
});

test("an inspection's 现场检查记录 downloads as the server's PDF, with its number in it", async () => {
  // One June inspection of the generated year: each has its on-site record issued and signed.
  const june = await office.records({ kind: 'inspection', from: String(chinaMidnight(YEAR, 6, 1)), to: String(chinaMidnight(YEAR, 7, 1)) });
  const issued = june.find((r) => r.state.state.record);
  expect(issued, 'an inspection with an on-site record').toBeTruthy();
  const number: string = issued.state.state.record.number;
  await go(`#/record/inspection/${issued.aggregate.id}`);
  const button = page.getByTestId('download-on_site_record');
  await expect(button).toBeVisible();
  await expect(page.getByTestId('documents')).toContainText(number);
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  expect(download.suggestedFilename()).toBe(`现场检查记录-${number}.pdf`);
  const file = await download.path();
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 5).toString('latin1'), 'a PDF').toBe('%PDF-');
  // poppler reads it as the office's printer would.
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  expect(text).toContain('现场检查记录');
  expect(text).toContain(number);
  await shot('documents');
});

test("June's on-site records download as one ZIP, made in the background", async () => {
  await go(`#/records?kind=inspection&from=${YEAR}-06-01&to=${YEAR}-06-30`);
  const june = await office.records({ kind: 'inspection', from: String(chinaMidnight(YEAR, 6, 1)), to: String(chinaMidnight(YEAR, 7, 1)) });
  const issued = june.filter((r) => r.state.state.record).length;
  expect(issued, 'June has inspections with on-site records').toBeGreaterThan(0);
  await expect(page.getByTestId('zip-kind')).toHaveValue('on_site_record');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 90_000 }),
    page.getByTestId('export-zip').click(),
  ]);
  expect(download.suggestedFilename()).toBe(`现场检查记录-${YEAR}0601-${YEAR}0630.zip`);
  await expect(page.getByTestId('zip-status')).toContainText(`已下载 ${issued} 份文书`);
  // Python's zipfile reads it: one PDF per inspection with a record.
  const names = execFileSync(
    'python3',
    ['-c', 'import sys, zipfile\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): print(n)', await download.path()],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  expect(names).toHaveLength(issued);
  expect(names.every((n) => n.startsWith('现场检查记录-') && n.endsWith('.pdf'))).toBe(true);
});

test("the map's period downloads as GeoJSON and GPX that Python's geojson and gpxpy read", async () => {
  // The default period (the last 90 days) holds the phone's patrol of today.
  await go('#/map');
  const [geo] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-geojson').click()]);
  expect(geo.suggestedFilename()).toMatch(/^巡查地图-.*\.geojson$/);
  const layers = execFileSync(
    'python3',
    ['-c', 'import sys, json, geojson\no = geojson.loads(open(sys.argv[1], encoding="utf-8").read())\nassert o.is_valid, o.errors()\nprint(json.dumps(sorted({f["properties"]["layer"] for f in o["features"]})))', await geo.path()],
    { encoding: 'utf8' },
  );
  expect(JSON.parse(layers), 'valid RFC 7946 with the patrol track among its features').toContain('track');
  const [gpx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-gpx').click()]);
  const tracks = execFileSync(
    'python3',
    ['-c', 'import sys, gpxpy\ng = gpxpy.parse(open(sys.argv[1], encoding="utf-8"))\nprint(len(g.tracks))', await gpx.path()],
    { encoding: 'utf8' },
  );
  expect(Number(tracks)).toBeGreaterThan(0);
});
