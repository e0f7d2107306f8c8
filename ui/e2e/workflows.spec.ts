// The three workflows in headless Chromium at phone sizes, against the real core behind
// `xuncha bridge` and a real `xuncha-server` (no mock), one test after another on one device
// per screen size: a page of another origin cannot make the bridge act; the device enrols
// through Settings with the demo grid worker's login (river chief, safety inspector and
// fishing-ban patroller at once) and pulls the demo unit's reaches, sites and checklist; its GPS
// replays a walk along the pulled reach; a river patrol with a finding and a fixture photo (its
// thumbnail read back from the device); a safety inspection with checklist, hazard, numbered
// record, both signatures drawn on the pad and the hazard rectified; a fishing-ban patrol with a
// business check, seized gear, a violation, a commitment letter signed on screen and publicity
// tallies. Then it syncs from the Sync screen over a network that turns slow, and checks through
// `xuncha records list --json` that the device holds everything and through the server's office
// API that the server holds the records, the track and the photo's bytes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from './bridge';
import { expect, HAVE_FIXTURES, photo, skipNotice, test } from './fixtures';
import { startForeignPage } from './foreign-page';
import { walkAlong } from './walk';

// Each workflow goes on from where the one before left the device and the phone.
test.describe.configure({ mode: 'serial' });

// Every workflow attaches real camera photos: without the fixtures there is nothing to run.
if (!HAVE_FIXTURES) skipNotice('the UI workflows in Chromium (they attach real photos)');
test.skip(!HAVE_FIXTURES, 'real fixtures not found (XUNCHA_FIXTURES or shared/ beside the clone)');

const RIVER_PHOTO = photo('DSCN0010.jpg');
const HAZARD_PHOTO = photo('DSCN0012.jpg');
const GEAR_PHOTO = photo('DSCN0021.jpg');
const REACH = '幸福渠';

// What a workflow saw that a later check of the stored records needs.
let siteName = '';
let fishPointsShown = 0;

/** The device's three records, read with the command line. */
function records(device: Device) {
  const list: any[] = device.cli('records', 'list');
  return {
    river: list.find((r) => r.kind === 'river_patrol'),
    insp: list.find((r) => r.kind === 'inspection'),
    fish: list.find((r) => r.kind === 'fishing_ban_patrol'),
  };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('a page of another origin cannot make the bridge act', async ({ phone, device }) => {
  const attack = JSON.stringify({ action: 'set_user', args: { user: '01a21543-1a7f-7465-b664-7eda48767cbd', unit: '01a21543-1a7f-7465-b664-7eda48767cbe' } });
  const foreign = await startForeignPage(device.url, attack);
  const other = await phone.page.context().newPage();
  try {
    await other.goto(foreign.url);
    await other.waitForFunction(() => document.title === 'done', null, { timeout: 30_000 });
  } finally {
    await other.close();
    foreign.close();
  }
  expect((await device.core('device_info')).user_id ?? null, 'the device still has no user').toBeNull();
});

test('enrol through Settings: a closed port and a wrong password in plain words, then the unit is pulled', async ({ phone, device, relay, server }) => {
  const { page } = phone;
  await page.goto(device.open);
  await page.getByTestId('nav-settings').waitFor();
  await expect(page, "the app took the bridge's secret and dropped it from the address bar").not.toHaveURL(/[?&]token=/, { timeout: 10_000 });
  const bare = await page.evaluate(async () => (await fetch('api', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"action":"home"}' })).status);
  expect(bare, 'the bridge refuses an API call without its secret').toBe(403);
  await page.getByTestId('nav-settings').click();
  const alert = page.locator('[data-testid=server] [role=alert]');
  // No server behind the address first (a closed loopback port): 网络不通, in plain words.
  await page.getByTestId('server-url').fill('http://127.0.0.1:9');
  await page.getByTestId('server-url').dispatchEvent('change');
  await page.getByTestId('login').fill('grid-01');
  await page.getByTestId('password').fill('x');
  await page.getByTestId('enrol').click();
  await expect(alert.filter({ hasText: '网络不通' }), 'an unreachable server is reported as 网络不通').toBeVisible({ timeout: 60_000 });
  // The device reaches the server through the relay (a network that can turn slow).
  await page.getByTestId('server-url').fill(relay.url);
  await page.getByTestId('server-url').dispatchEvent('change');
  await page.getByTestId('password').fill('wrong-password');
  await page.getByTestId('enrol').click();
  await alert.filter({ hasText: '服务器不认这个账号' }).waitFor({ timeout: 30_000 });
  await expect(alert, 'a wrong password is refused in plain words').toContainText('登录名或密码不对');
  await phone.shot('settings-sign-in');
  await phone.fits('settings sign-in');
  await page.getByTestId('password').fill(server.passwords['grid-01']);
  await page.getByTestId('enrol').click();
  await page.getByTestId('account-user').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=server] [role=status]').filter({ hasText: '取回' }).waitFor({ timeout: 60_000 });
  await expect(page.getByTestId('account-user'), 'Settings shows the account the device belongs to').toContainText('grid-01');
  await expect(page.getByTestId('account-server'), 'Settings shows the server the device belongs to').toHaveText(relay.url);
  await phone.shot('settings-enrolled');
  await phone.fits('settings enrolled');
  const reaches: any[] = await device.core('list_reaches');
  expect(reaches.map((r) => r.name), "the device pulled the demo unit's reaches").toContain(REACH);
  expect((await device.core('list_sites', { kind: null })).length, "the device pulled the demo unit's sites").toBeGreaterThan(5);
  expect(await device.core('list_checklists'), "the device pulled the demo unit's checklist").toHaveLength(1);
  await page.getByTestId('nav-home').click();
  await page.getByTestId('who').waitFor();
  await expect(page.getByTestId('who'), 'home shows the enrolled user').toContainText('网格员 周强');
  await phone.shot('home');
  await phone.fits('home');
});

test("the phone's GPS replays a walk along the pulled reach", async ({ phone, device }) => {
  const { page } = phone;
  const reach = (await device.core('list_reaches')).find((r: any) => r.name === REACH);
  const gpx = join(device.dir, 'walk.gpx');
  writeFileSync(gpx, walkAlong(reach.line, Date.UTC(2026, 5, 1, 1)));
  await page.getByTestId('nav-settings').click();
  await page.getByText('回放 GPX 轨迹').click();
  await page.getByTestId('gpx-file').setInputFiles(gpx);
  await page.getByTestId('replay-speed').selectOption('60');
  await page.getByTestId('gpx-name').filter({ hasText: 'walk.gpx' }).waitFor();
  await phone.shot('settings');
});

test('river patrol: a track, a finding with a photo, through a reload and another screen', async ({ phone }) => {
  const { page } = phone;
  await page.getByTestId('nav-home').click();
  await page.getByTestId('go-river').click();
  await page.getByTestId('start-patrol').waitFor();
  await page.getByText(REACH).click();
  await phone.shot('river-choose-reach');
  await page.getByTestId('start-patrol').click();
  await page.getByTestId('patrol-stats').waitFor();
  await phone.pointsAtLeast(40, 60_000);
  await phone.shot('river-live');
  await phone.fits('river live');
  await page.getByTestId('report-problem').click();
  await page.getByTestId('finding-category').selectOption('dumping');
  await page.getByTestId('finding-note').fill('河岸堆放建筑垃圾约 10 立方米');
  // The app is closed mid-form (a reload): the typed finding and every track point survive.
  const pointsBeforeClose = await phone.points();
  await page.waitForTimeout(300); // let the draft's write land, as a real close would after typing
  await page.reload();
  await page.getByTestId('patrol-stats').waitFor();
  await test.step(`the reopened patrol resumes its track (${pointsBeforeClose} points before the close)`, () => phone.pointsAtLeast(pointsBeforeClose, 30_000));
  await page.getByTestId('report-problem').click();
  await expect(page.getByTestId('finding-note'), 'the half-filled finding came back as a draft').toHaveValue('河岸堆放建筑垃圾约 10 立方米');
  await expect(page.getByTestId('finding-category'), "the draft kept the finding's category").toHaveValue('dumping');
  await page.getByTestId('finding-photos-camera').setInputFiles(RIVER_PHOTO);
  await phone.shot('river-report-problem');
  await page.getByTestId('finding-save').click();
  expect(await phone.photosStored('river finding'), "the river finding's photo was stored by the core").toBe(true);
  await phone.shot('river-finding-saved');
  if (await page.getByTestId('finding-form').isVisible().catch(() => false)) await page.getByRole('button', { name: '继续' }).click();
  await page.getByTestId('patrol-findings').waitFor();
  // Leaving the patrol screen does not stop the track; coming back finds it and its finding.
  const before = await phone.points();
  await page.getByTestId('nav-records').click();
  await page.getByTestId('records').waitFor();
  await phone.shot('records-during-patrol');
  await page.getByTestId('recording').click();
  await page.getByTestId('patrol-findings').filter({ hasText: '河岸堆放建筑垃圾' }).waitFor();
  await test.step('the track went on while another screen was open', () => phone.pointsAtLeast(before + 6, 60_000));
  await phone.pointsAtLeast(120, 60_000);
  await page.getByTestId('end-patrol').click();
  await page.getByTestId('end-notes').fill('巡查正常');
  await page.getByTestId('confirm-end').click();
  await page.getByTestId('patrol-summary').getByTestId('flags').waitFor();
  // The demo's rules came with the unit: a brigade chief's patrol of a few minutes is kept, and
  // the phone says it does not count, and why.
  const judged = page.getByTestId('patrol-summary').getByTestId('judgement');
  await expect(judged, 'the patrol is judged by the rules the phone pulled').toHaveAttribute('data-counts', 'false');
  await expect(page.getByTestId('judgement-reasons')).toContainText(/用时 \d+ 分钟，少于规定的 30 分钟/);
  await phone.shot('river-summary');
  await phone.fits('river summary');
  await page.getByTestId('open-record').click();
  await page.getByTestId('timeline').waitFor();
  const thumb = page.getByTestId('finding-photos').getByTestId('thumb-img');
  await thumb.waitFor({ timeout: 15_000 });
  const shown = await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
  expect(shown, "the finding's photo thumbnail is read back from the device and shown").toBe(true);
  await phone.shot('record-detail-river');
  await phone.fits('record detail');
});

test('safety inspection: checklist, hazard, numbered record, two signatures, then the hazard rectified', async ({ phone }) => {
  const { page } = phone;
  await page.getByTestId('nav-home').click();
  await page.getByTestId('go-inspection').click();
  await page.getByTestId('insp-site-nearby').click();
  siteName = (await page.locator('.picker label span').filter({ hasText: /^企业\d+$/ }).first().innerText()).trim();
  await page.getByText(siteName, { exact: true }).first().click();
  await phone.shot('inspection-choose-site');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('checklist-progress').waitFor();
  const answers = { 'lic-01': 'compliant', 'resp-01': 'compliant', 'train-01': 'compliant', 'fire-01': 'non_compliant', 'fire-02': 'compliant', 'elec-01': 'compliant', 'gas-01': 'not_applicable', 'haz-01': 'not_applicable', 'plan-01': 'compliant' };
  for (const [code, a] of Object.entries(answers)) {
    await page.getByTestId(`answer-${code}-${a}`).click();
    await page.locator(`[data-testid=answer-${code}-${a}].on`).waitFor();
  }
  await page.getByTestId('add-hazard').click();
  await page.getByTestId('finding-category').selectOption('emergency_exit');
  await page.getByTestId('finding-note').fill('二楼安全出口堆放纸箱');
  await page.getByTestId('finding-photos-gallery').setInputFiles(HAZARD_PHOTO);
  await page.getByTestId('finding-save').click();
  await phone.photosStored('hazard');
  if (await page.getByTestId('finding-form').isVisible().catch(() => false)) await page.getByRole('button', { name: '继续' }).click();
  await page.getByTestId('hazards').waitFor();
  await phone.shot('inspection-checklist');
  await phone.fits('checklist');
  await page.getByTestId('preview-record').click();
  await page.getByTestId('record-content').waitFor();
  expect(await page.getByTestId('record-content').inputValue(), 'the record preview is drawn from the checklist').toContain('安全出口');
  await page.getByTestId('record-deadline').fill('2030-12-31');
  await phone.shot('inspection-record-preview');
  await page.getByTestId('issue-record').click();
  await page.getByTestId('record-number').filter({ hasText: /DEMO-01-\d{4}-/ }).waitFor();
  await expect(page.getByTestId('record-number'), 'the on-site record got its number').toHaveText(/DEMO-01-\d{4}-[0-9A-F]{4}-\d{4}/);
  await phone.draw('sig-inspector');
  await page.getByTestId('confirm-inspector').click();
  await page.getByTestId('signed-inspector').waitFor();
  await page.getByTestId('name-party').fill('王厂长');
  await phone.draw('sig-party');
  await page.getByTestId('confirm-party').click();
  await page.getByTestId('signed-party').waitFor();
  await phone.shot('inspection-signed');
  await phone.fits('signatures');
  await page.getByTestId('close-inspection').click();
  await page.getByTestId('record-doc').waitFor();

  // The hazard now waits for rectification by the deadline: rectify it from Home.
  await page.getByTestId('nav-home').click();
  await page.getByTestId('to-rectify').getByText('二楼安全出口堆放纸箱').click();
  await page.getByTestId('record-findings').getByText('整改', { exact: true }).click();
  await page.getByTestId('rectify-form').locator('textarea').fill('纸箱已清走，通道畅通');
  await phone.shot('rectify');
  await phone.fits('rectify');
  await page.getByTestId('rectify-form').getByText('提交整改').click();
  await page.getByTestId('record-findings').getByText('已整改').waitFor();
  await phone.shot('record-detail-inspection');
});

test('fishing-ban patrol: points held while the core is away, business check, seizure, letter, publicity', async ({ phone }) => {
  const { page } = phone;
  await page.getByTestId('nav-home').click();
  await page.getByTestId('go-fishing').click();
  await page.getByTestId('fish-area').fill('府河汉阳段沿岸及鹦鹉洲市场');
  await phone.shot('fishing-start');
  await page.getByTestId('start-fishing').click();
  await page.getByTestId('patrol-stats').waitFor();
  // The core stops taking track points for a while (as if the shell were busy or gone): the
  // points wait on the device, the trouble is shown, and none is lost when it answers again.
  await page.route('**/api', (route) =>
    route.request().postData()?.includes('"append_track_points"') ? route.abort('connectionrefused') : route.continue(),
  );
  await page.locator('[data-testid=unsent]').and(page.locator('[data-n="45"], [data-n="46"], [data-n="47"], [data-n="48"], [data-n="49"], [data-n="50"]')).first().waitFor({ timeout: 60_000 }).catch(() => {});
  const held = Number(await page.getByTestId('unsent').getAttribute('data-n').catch(() => '0'));
  expect(held, 'track points wait on the device while the core cannot take them').toBeGreaterThanOrEqual(40);
  await phone.shot('fishing-points-waiting');
  await page.unroute('**/api');
  await page.getByTestId('tab-check').click();
  await page.getByTestId('business-check').getByText(/^餐馆\d+$/).first().click();
  await page.getByTestId('business-check').getByText('发现问题', { exact: true }).click();
  await page.getByTestId('check-notes').fill('发现疑似长江野生鱼 3 条');
  await page.getByTestId('save-check').click();
  await page.getByTestId('fish-counts').filter({ hasText: /1 家|1 businesses/ }).waitFor();
  await phone.shot('fishing-business-check');
  await phone.fits('business check');
  await page.getByTestId('report-problem').click();
  await page.getByTestId('finding-category').selectOption('selling_river_fish');
  await page.getByTestId('finding-note').fill('老王水产销售长江野生鱼');
  await page.getByTestId('finding-save').click();
  await page.getByTestId('patrol-findings').waitFor();
  await page.getByTestId('tab-seizure').click();
  await page.getByTestId('gear').fill('地笼网');
  await page.getByTestId('gear-qty').fill('2');
  await page.getByTestId('gear-photos-camera').setInputFiles(GEAR_PHOTO);
  await page.getByTestId('save-seizure').click();
  await page.getByTestId('fish-counts').filter({ hasText: /收缴 1 次|1 seizures/ }).waitFor();
  await phone.shot('fishing-seizure');
  await page.getByTestId('tab-letter').click();
  await page.getByTestId('letter').getByText('渔具店1', { exact: true }).click();
  await page.getByTestId('letter-signer').fill('张老板');
  await phone.draw('sig-letter');
  await phone.shot('fishing-letter');
  await phone.fits('letter');
  await page.getByTestId('save-letter').click();
  await test.step('the commitment letter was signed on screen', () => page.getByTestId('fish-counts').filter({ hasText: /承诺书 1 份|1 letters/ }).waitFor());
  await page.getByTestId('tab-publicity').click();
  for (let i = 0; i < 2; i++) await page.getByTestId('pub-banners-plus').click();
  for (let i = 0; i < 5; i++) await page.getByTestId('pub-leaflets-plus').click();
  await phone.shot('fishing-publicity');
  await page.getByTestId('save-publicity').click();
  await page.getByText(/累计 2|total 2/).waitFor();
  await page.getByTestId('end-patrol').click();
  fishPointsShown = await phone.points();
  await page.getByTestId('confirm-end').click();
  await page.getByTestId('patrol-summary').getByTestId('flags').waitFor();
  await phone.shot('fishing-summary');
});

test('sync screen: progress on a slow network, report, a stopped sync, the originals', async ({ phone, relay, office }) => {
  const { page } = phone;
  await page.getByTestId('nav-records').click();
  await page.getByTestId('record-inspection').waitFor();
  await phone.shot('records');
  await phone.fits('records');
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('pending').waitFor();
  const waitingBefore = Number(await page.getByTestId('outbox-count').innerText());
  expect(waitingBefore, 'sync counts the events waiting').toBeGreaterThan(20);
  await phone.shot('sync-before');
  // A slow network: the sync is watched step by step while it runs.
  relay.slow = true;
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-busy').waitFor({ timeout: 5_000 });
  expect(await page.getByTestId('sync-now').isDisabled(), 'a running sync says so and cannot be started twice').toBe(true);
  await page.getByTestId('sync-progress-line').filter({ hasText: /照片和签名 [1-9]\d* \/ \d+ 个/ }).waitFor({ timeout: 60_000 });
  const watched = await page.getByTestId('sync-busy').innerText();
  const fraction = Number(await page.getByTestId('sync-progress').getAttribute('data-fraction'));
  expect(watched, 'the running sync shows its step').toMatch(/正在上传照片和签名/);
  expect(watched, 'the running sync shows the record events sent').toMatch(new RegExp(`记录事件 ${waitingBefore} / ${waitingBefore} 条`));
  expect(fraction, "the running sync's bar is part-way").toBeGreaterThan(0);
  expect(fraction, "the running sync's bar is part-way").toBeLessThan(1);
  await phone.shot('sync-progress');
  await phone.fits('sync progress');
  // Leaving the screen does not lose the run: back on it, the progress (or the report) is there.
  await page.getByTestId('nav-records').click();
  await page.getByTestId('records').waitFor();
  await page.getByTestId('nav-sync').click();
  await test.step('the running sync is still followed after leaving the Sync screen and coming back', () =>
    page.locator('[data-testid=sync-progress-line], [data-testid=sync-report]').first().waitFor({ timeout: 10_000 }),
  );
  relay.slow = false;
  await page.getByTestId('sync-report').waitFor({ timeout: 120_000 });
  const report1 = await page.getByTestId('sync-report').innerText();
  expect(report1, 'the sync report says what went up').toContain(`已上传 ${waitingBefore} 条事件`);
  expect(report1, 'the sync report says that originals wait').toMatch(/张原图留在本机/);
  await phone.shot('sync-report');
  await phone.fits('sync report');
  // The originals on the slow network: stopped part-way, then finished by the next sync. When
  // the server already holds the same fixture photos (another screen size sent them), their
  // sync only finds them there, too fast to stop.
  const onServer = await Promise.all([RIVER_PHOTO, HAZARD_PHOTO, GEAR_PHOTO].map((p) => office.hasBlob(sha256(p))));
  const originalsNew = onServer.every((has) => !has);
  await page.getByTestId('originals-now').check();
  if (originalsNew) {
    relay.slow = true;
    await page.getByTestId('sync-now').click();
    await page.getByTestId('sync-progress-line').filter({ hasText: /照片和签名 [1-9]\d* \/ \d+ 个/ }).waitFor({ timeout: 60_000 });
    await page.getByTestId('sync-cancel').click();
    await page.getByTestId('sync-status').filter({ hasText: '同步已停止' }).waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('sync-status'), 'a stopped sync says so').toHaveAttribute('data-code', 'cancelled');
    expect(await page.getByTestId('pending').innerText(), 'a stopped sync leaves the rest waiting on the device').toMatch(/原图/);
    await phone.shot('sync-stopped');
    relay.slow = false;
    await page.getByTestId('originals-now').check();
  } else {
    const why = 'the server already holds these originals, so there is no sync of them to stop';
    test.info().annotations.push({ type: 'not checked', description: `a stopped sync: ${why}` });
    console.log(`note: ${phone.tag} a stopped sync is not checked: ${why}`);
  }
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-report').filter({ hasText: '没有需要上传的事件' }).waitFor({ timeout: 120_000 });
  const report3 = await page.getByTestId('sync-report').innerText();
  expect(report3, 'the last sync finishes the originals').toMatch(originalsNew ? /已上传 \d+ 个照片文件/ : /照片文件/);
  await expect(page.getByTestId('pending'), 'nothing waits after the last sync').toContainText('全部记录和照片都已上传');
  await phone.shot('sync-done');
});

test('the app in English, and at tablet width', async ({ phone }) => {
  const { page } = phone;
  await page.getByTestId('nav-settings').click();
  await page.getByText('English', { exact: true }).click();
  await page.getByTestId('nav-home').click();
  await page.getByTestId('go-river').filter({ hasText: 'River patrol' }).waitFor();
  await phone.shot('home-english');
  await page.getByTestId('nav-settings').click();
  await page.getByText('中文', { exact: true }).click();
  // Tablet width: the same screens must use the room without breaking.
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.getByTestId('nav-home').click();
  await page.getByTestId('who').waitFor();
  await phone.shot('tablet-home');
  await phone.fits('tablet home');
  await page.getByTestId('nav-records').click();
  await page.getByTestId('record-inspection').click();
  await page.getByTestId('timeline').waitFor();
  await phone.shot('tablet-record');
});

test('all along, the app fetched nothing from outside the bridge and raised no script errors', async ({ phone }) => {
  expect(phone.external, 'nothing was fetched from outside the bridge').toEqual([]);
  expect(phone.pageErrors, 'no script errors').toEqual([]);
});

test('the device holds every record (xuncha records list --json) and its event chain verifies', async ({ device }) => {
  await device.stopBridge();
  const { river, insp, fish } = records(device);
  expect(river, 'the river patrol ended').toMatchObject({ status: 'ended', finding_count: 1 });
  expect(river.point_count, "the river patrol's track").toBeGreaterThanOrEqual(120);
  expect(device.cli('records', 'show', river.id).findings[0]?.photo_count, 'the river finding has its photo').toBe(1);
  expect(insp, 'the inspection closed with its record issued and a hazard').toMatchObject({ status: 'closed', finding_count: 1 });
  const hazard = device.cli('records', 'show', insp.id).findings[0];
  expect(hazard, "the hazard was assigned to the site and rectified").toMatchObject({ status: 'rectified', assignee: siteName });
  expect(hazard.deadline, "the hazard has the record's deadline").toBeGreaterThan(Date.UTC(2030, 11, 30));
  expect(fish.point_count, 'every track point shown on the phone reached the core').toBeGreaterThanOrEqual(fishPointsShown);
  const fishDetail = device.cli('records', 'show', fish.id).state.state;
  expect(fish, 'the fishing-ban patrol ended with its violation').toMatchObject({ status: 'ended', finding_count: 1 });
  expect(fishDetail.business_checks, 'the fishing-ban patrol has its business check, a violation').toMatchObject([{ outcome: 'violation_found' }]);
  expect(fishDetail.seizures[0]?.quantity, 'the fishing-ban patrol has its seizure').toBe(2);
  expect(fishDetail.publicity, 'the fishing-ban patrol has its publicity').toMatchObject({ banners: 2, leaflets: 5 });
  expect(device.cli('device', 'verify').events, "the device's event chain verifies").toBeGreaterThan(20);
});

test('the server holds the records, the whole track and the photo (office API)', async ({ device, office }) => {
  await device.stopBridge();
  const { river, insp, fish } = records(device);
  const onServer = await office.get(`/api/v1/office/records/patrol/${river.id}`);
  const riverState = onServer.record.state.state;
  expect(riverState.ended_at, 'the river patrol ended on the server').not.toBeNull();
  expect(riverState.point_count, 'the river patrol with its whole track').toBe(river.point_count);
  expect(onServer.timeline.some((e: any) => e.kind === 'track_points_appended' || /track/i.test(e.kind)), "the patrol's timeline has its track").toBe(true);
  const riverFinding = device.cli('records', 'show', river.id).findings[0];
  const findingOnServer = await office.get(`/api/v1/office/records/finding/${riverFinding.id}`);
  const shot = findingOnServer.record.state.state.photos[0];
  const fixture = readFileSync(RIVER_PHOTO);
  expect(findingOnServer, "the finding's photo record is complete").toMatchObject({ complete: true });
  expect(shot?.original, "the finding's photo is the fixture").toBe(sha256(RIVER_PHOTO));
  const original = await office.blob(shot.original);
  expect(original.equals(fixture), `the photo's original bytes are the fixture's (${original.length} bytes)`).toBe(true);
  const thumb = await office.blob(shot.thumbnail);
  expect(thumb.length, "the photo's thumbnail is there").toBeGreaterThan(1000);
  expect([thumb[0], thumb[1]], "the photo's thumbnail is a JPEG").toEqual([0xff, 0xd8]);
  const inspOnServer = await office.get(`/api/v1/office/records/inspection/${insp.id}`);
  const inspState = inspOnServer.record.state.state;
  expect(inspState.closed_at, 'the inspection closed on the server').not.toBeNull();
  expect(inspState.record?.signatures?.inspector, "the inspection has the inspector's signature").toBeTruthy();
  expect(inspState.record?.signatures?.inspected_party, "the inspection has the inspected party's signature").toBeTruthy();
  expect(inspOnServer.complete, 'the inspection is complete on the server').toBe(true);
  const fishOnServer = await office.get(`/api/v1/office/records/patrol/${fish.id}`);
  expect(fishOnServer.record.state.state.letters, 'the fishing-ban patrol has its commitment letter on the server').toHaveLength(1);
  expect(fishOnServer.complete, 'the fishing-ban patrol with its signed letter is complete').toBe(true);
});
