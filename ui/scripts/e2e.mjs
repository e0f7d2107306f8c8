// The three workflows in headless Chromium at phone sizes, against the real core behind
// `xuncha bridge` and a real `xuncha-server` (no mock): the device enrols through Settings with
// the demo grid worker's login (river chief, safety inspector and fishing-ban patroller at once) and pulls the demo unit's reaches, sites and checklist; a river
// patrol on a track walked along the pulled reach with a finding and a fixture photo (its
// thumbnail read back from the device); a safety inspection with checklist, hazard, numbered
// record and both signatures drawn on the pad; a fishing-ban patrol with a business check,
// seized gear, a violation, a commitment letter signed on screen and publicity tallies. Then it
// syncs from the Sync screen and checks, through the server's office API, that the server holds
// the patrol, its track and the photo's bytes; and through `xuncha records list --json` that
// the device holds everything. The app is opened at the address the bridge prints (with its
// per-run secret), and a page of another origin cannot make the bridge act.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { FIXTURES as FIX, HAVE_FIXTURES, skipNotice } from './fixtures.mjs';

const XUNCHA = process.env.XUNCHA_BIN;
const SERVER_BIN = process.env.SERVER_BIN;
if (!HAVE_FIXTURES) {
  skipNotice('the UI workflows in Chromium (they attach real photos)');
  process.exit(0);
}
const PHOTO = join(FIX, 'photos/gps/DSCN0010.jpg');
const SHOTS = new URL('../test-results/screenshots/', import.meta.url).pathname;
const DIST = new URL('../dist/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
const notes = [];
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function cli(data, ...args) {
  return execFileSync(XUNCHA, ['--data-dir', data, ...args], { encoding: 'utf8' });
}

/**
 * `xuncha bridge` on a free port: its base address, the address it prints for a person to open
 * (which carries its per-run secret) and the secret itself, read from that address.
 */
function startBridge(data) {
  const env = { ...process.env };
  delete env.XUNCHA_BRIDGE_TOKEN;
  const child = spawn(XUNCHA, ['--data-dir', data, 'bridge', '--listen', '127.0.0.1:0', '--ui-dir', DIST], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
    child.stdout.on('data', (b) => {
      out += b;
      const base = /listening on (http:\/\/[0-9.:]+)/.exec(out);
      const open = /打开 (http:\/\/\S+)\n/.exec(out);
      if (base && open) {
        const token = new URL(open[1]).searchParams.get('token');
        resolve({ child, url: base[1], open: open[1], token });
      }
    });
  });
}

/**
 * Another web page the user has open, on another origin: it tries what any page may do
 * without asking — a text/plain POST (no preflight), a form post — and a JSON call (which
 * needs the bridge's permission), each telling the device to take another user.
 */
async function startForeignPage(bridgeUrl, attack) {
  const html = `<!doctype html><title>other site</title><body><form id="f" method="POST" enctype="text/plain" action="${bridgeUrl}/api" target="sink"><input name='${attack.slice(0, -1)},"x":"' value='"}'></form><iframe name="sink"></iframe><script>
    (async () => {
      const tries = [
        fetch('${bridgeUrl}/api', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(attack)} }),
        fetch('${bridgeUrl}/api', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(attack)} }),
      ];
      document.getElementById('f').submit();
      await Promise.allSettled(tries);
      setTimeout(() => (document.title = 'done'), 500);
    })();
  </script>`;
  const srv = createHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}/`, close: () => srv.close() };
}

/** A real xuncha-server on a temporary SQLite database with the demo unit; its users' passwords. */
async function startServer(dir) {
  const db = `sqlite://${join(dir, 'server.db')}`;
  const blobs = join(dir, 'server-blobs');
  const out = execFileSync(SERVER_BIN, ['demo', '--database-url', db, '--blob-url', blobs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const passwords = Object.fromEntries([...out.matchAll(/^\s+(\S+)\s+(\S+)\s/gm)].map((m) => [m[1], m[2]]));
  const child = spawn(SERVER_BIN, ['serve', '--listen', '127.0.0.1:0', '--database-url', db, '--blob-url', blobs], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.on('exit', (code) => reject(new Error(`xuncha-server exited with ${code}`)));
    child.stdout.on('data', (b) => {
      text += b;
      const m = /listening on ([0-9.:]+)/.exec(text);
      if (m) resolve(`http://${m[1]}`);
    });
  });
  return { child, url, passwords };
}

/**
 * A relay between the device and the server that can act as a slow mobile network: while
 * `slow` is set it holds each new connection 150 ms and lets the device send only ~96 KB/s, so
 * a sync lasts long enough to be watched and stopped. Otherwise it passes bytes straight on.
 */
async function startRelay(serverUrl) {
  const target = new URL(serverUrl);
  const relay = { slow: false, url: '' };
  const BYTES_PER_S = 96 * 1024;
  const srv = createServer((client) => {
    const slowNow = relay.slow;
    const up = connect(Number(target.port), target.hostname);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    up.pipe(client);
    client.on('end', () => up.end());
    const forward = () =>
      client.on('data', (chunk) => {
        if (!relay.slow) return void up.write(chunk);
        client.pause();
        up.write(chunk);
        setTimeout(() => client.resume(), (chunk.length / BYTES_PER_S) * 1000);
      });
    if (slowNow) {
      client.pause();
      setTimeout(() => {
        forward();
        client.resume();
      }, 150);
    } else forward();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  relay.url = `http://127.0.0.1:${srv.address().port}`;
  relay.close = () => srv.close();
  return relay;
}

/** The office's view of the server: a session for an office user, then GETs with its token. */
async function office(server, login) {
  const r = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password: server.passwords[login] }),
  });
  if (!r.ok) throw new Error(`office session: HTTP ${r.status}`);
  const { token } = await r.json();
  const get = async (path) => {
    const res = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return path.startsWith('/api/v1/blobs/') ? Buffer.from(await res.arrayBuffer()) : res.json();
  };
  return get;
}

/** A request to the device's core through the bridge, as the UI sends it (with the secret). */
async function core(bridge, action, args) {
  const r = await fetch(`${bridge.url}/api`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Xuncha-Bridge': bridge.token },
    body: JSON.stringify(args === undefined ? { action } : { action, args }),
  });
  if (!r.ok) throw new Error(`${action}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()).data;
}

/**
 * A walk along a reach's line at 1.3 m/s, a fix every 5 s with a few metres of wobble, as a
 * GPX file: the river chief's GPS for the replay (the demo reach is near Wuhan, so no recorded
 * fixture follows it).
 */
function walkAlong(line, startMs) {
  const mPerDegLat = 111_320;
  const pts = [];
  let t = startMs;
  for (let i = 0; i + 1 < line.length; i++) {
    const [a, b] = [line[i], line[i + 1]];
    const mPerDegLon = mPerDegLat * Math.cos((a.lat * Math.PI) / 180);
    const len = Math.hypot((b.lon - a.lon) * mPerDegLon, (b.lat - a.lat) * mPerDegLat);
    for (let d = 0; d < len; d += 6.5, t += 5000) {
      const f = d / len;
      const k = pts.length;
      const wobble = 3 * Math.sin(k * 0.7);
      pts.push({ lon: a.lon + (b.lon - a.lon) * f + wobble / mPerDegLon, lat: a.lat + (b.lat - a.lat) * f + (wobble * 0.5) / mPerDegLat, t });
    }
  }
  const body = pts.map((p) => `<trkpt lat="${p.lat.toFixed(7)}" lon="${p.lon.toFixed(7)}"><time>${new Date(p.t).toISOString()}</time></trkpt>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="xuncha e2e" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>walk</name><trkseg>\n${body}\n</trkseg></trk></gpx>\n`;
}

async function draw(page, testid) {
  await page.getByTestId(testid).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = await page.getByTestId(testid).boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 20, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 20 + i * ((box.width - 40) / 12), y + (i % 2 ? -30 : 30), { steps: 3 });
  await page.mouse.up();
}

/** After a form with photos is saved: either all photos were stored, or the UI says which were not. */
async function photoOutcome(page, what) {
  const result = page.getByTestId('photo-result');
  const form = page.getByTestId('finding-form');
  await Promise.race([result.waitFor({ timeout: 15_000 }), form.waitFor({ state: 'detached', timeout: 15_000 })]).catch(() => {});
  if (await result.isVisible().catch(() => false)) {
    const text = await result.innerText();
    const saved = !/未能保存|not saved/.test(text);
    if (!saved) notes.push(`${what}: photo not stored — ${text.replace(/\s+/g, ' ')}`);
    return saved;
  }
  return true;
}

async function run(width, height, server, relay, first) {
  const tag = `${width}x${height}`;
  const tmp = mkdtempSync(join(tmpdir(), 'xuncha-e2e-'));
  const data = join(tmp, 'device');
  const bridge = await startBridge(data);
  const { child, url } = bridge;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  const external = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
  });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Console errors too (a CSP violation shows only there); a 4xx from the API is expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
  let n = 0;
  // What a phone shows: the viewport, scrolled through the screen in parts (a full-page
  // capture would paint the fixed bars in the middle of the page).
  const shot = async (name) => {
    n++;
    await page.waitForTimeout(150);
    const [total, vh] = await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
    const last = Math.max(0, total - vh);
    for (let part = 0, y = 0; part < 6; part++, y += vh - 140) {
      const top = Math.min(y, last);
      await page.evaluate((t) => window.scrollTo(0, t), top);
      await page.waitForTimeout(80);
      const suffix = part ? `-${String.fromCharCode(97 + part)}` : '';
      await page.screenshot({ path: join(SHOTS, `${tag}-${String(n).padStart(2, '0')}-${name}${suffix}.png`) });
      if (top >= last) break;
    }
  };
  const overflow = async (name) => {
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(`${tag} ${name}: nothing wider than the screen`, wide <= 0, `${wide}px too wide`);
  };

  try {
    // -- the bridge is closed to other web pages: none of their tries changes the device
    const attack = JSON.stringify({ action: 'set_user', args: { user: '01a21543-1a7f-7465-b664-7eda48767cbd', unit: '01a21543-1a7f-7465-b664-7eda48767cbe' } });
    const foreign = await startForeignPage(url, attack);
    const other = await context.newPage();
    try {
      await other.goto(foreign.url);
      await other.waitForFunction(() => document.title === 'done', null, { timeout: 30_000 });
    } finally {
      await other.close();
      foreign.close();
    }
    check(`${tag} a page of another origin cannot make the bridge act`, (await core(bridge, 'device_info')).user_id == null);

    // -- a new device: sign in to the server from Settings, which fetches the unit's reference data
    await page.goto(bridge.open);
    await page.getByTestId('nav-settings').waitFor();
    const dropped = await page.waitForFunction(() => !location.search.includes('token='), null, { timeout: 10_000 }).then(() => true, () => false);
    check(`${tag} the app took the bridge's secret and dropped it from the address bar`, dropped, page.url());
    const bare = await page.evaluate(async () => (await fetch('api', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"action":"home"}' })).status);
    check(`${tag} the bridge refuses an API call without its secret`, bare === 403, `HTTP ${bare}`);
    await page.getByTestId('nav-settings').click();
    // No server behind the address first (a closed loopback port): 网络不通, in plain words.
    await page.getByTestId('server-url').fill('http://127.0.0.1:9');
    await page.getByTestId('server-url').dispatchEvent('change');
    await page.getByTestId('login').fill('grid-01');
    await page.getByTestId('password').fill('x');
    await page.getByTestId('enrol').click();
    await page.locator('[data-testid=server] [role=alert]').filter({ hasText: '网络不通' }).waitFor({ timeout: 60_000 });
    check(`${tag} an unreachable server is reported as 网络不通`, true);
    // The device reaches the server through the relay (a network that can turn slow).
    await page.getByTestId('server-url').fill(relay.url);
    await page.getByTestId('server-url').dispatchEvent('change');
    await page.getByTestId('password').fill('wrong-password');
    await page.getByTestId('enrol').click();
    await page.locator('[data-testid=server] [role=alert]').filter({ hasText: '服务器不认这个账号' }).waitFor({ timeout: 30_000 });
    check(`${tag} a wrong password is refused in plain words`, (await page.locator('[data-testid=server] [role=alert]').innerText()).includes('登录名或密码不对'));
    await shot('settings-sign-in');
    await overflow('settings sign-in');
    await page.getByTestId('password').fill(server.passwords['grid-01']);
    await page.getByTestId('enrol').click();
    await page.getByTestId('account-user').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=server] [role=status]').filter({ hasText: '取回' }).waitFor({ timeout: 60_000 });
    check(`${tag} Settings shows the server and the account the device belongs to`, (await page.getByTestId('account-user').innerText()).includes('grid-01') && (await page.getByTestId('account-server').innerText()) === relay.url);
    await shot('settings-enrolled');
    await overflow('settings enrolled');
    const reaches = await core(bridge, 'list_reaches');
    const reach = reaches.find((r) => r.name === '幸福渠');
    check(`${tag} the device pulled the demo unit's reaches, sites and checklist`, !!reach && (await core(bridge, 'list_sites', { kind: null })).length > 5 && (await core(bridge, 'list_checklists')).length === 1);
    writeFileSync(join(tmp, 'walk.gpx'), walkAlong(reach.line, Date.UTC(2026, 5, 1, 1)));
    await page.getByText('回放 GPX 轨迹').click();
    await page.getByTestId('gpx-file').setInputFiles(join(tmp, 'walk.gpx'));
    await page.getByTestId('replay-speed').selectOption('60');
    await page.getByTestId('gpx-name').filter({ hasText: 'walk.gpx' }).waitFor();
    await shot('settings');
    await page.getByTestId('nav-home').click();
    await page.getByTestId('who').waitFor();
    check(`${tag} home shows the enrolled user`, (await page.getByTestId('who').innerText()).includes('网格员 周强'));
    await shot('home');
    await overflow('home');

    // -- river patrol
    await page.getByTestId('nav-home').click();
    await page.getByTestId('go-river').click();
    await page.getByTestId('start-patrol').waitFor();
    await page.getByText('幸福渠').click();
    await shot('river-choose-reach');
    await page.getByTestId('start-patrol').click();
    await page.getByTestId('patrol-stats').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=points]')?.textContent) >= 40, null, { timeout: 60_000 });
    await shot('river-live');
    await overflow('river live');
    await page.getByTestId('report-problem').click();
    await page.getByTestId('finding-category').selectOption('dumping');
    await page.getByTestId('finding-note').fill('河岸堆放建筑垃圾约 10 立方米');
    // The app is closed mid-form (a reload): the typed finding and every track point survive.
    const pointsBeforeClose = Number(await page.getByTestId('points').innerText());
    await page.waitForTimeout(300); // let the draft's write land, as a real close would after typing
    await page.reload();
    await page.getByTestId('patrol-stats').waitFor();
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid=points]')?.textContent) >= b, pointsBeforeClose, { timeout: 30_000 });
    check(`${tag} the reopened patrol resumed its track (${pointsBeforeClose} points before the close)`, true);
    await page.getByTestId('report-problem').click();
    check(`${tag} the half-filled finding came back as a draft`, (await page.getByTestId('finding-note').inputValue()) === '河岸堆放建筑垃圾约 10 立方米' && (await page.getByTestId('finding-category').inputValue()) === 'dumping');
    await page.getByTestId('finding-photos-camera').setInputFiles(PHOTO);
    await shot('river-report-problem');
    await page.getByTestId('finding-save').click();
    const riverPhoto = await photoOutcome(page, 'river finding');
    check(`${tag} the river finding's photo was stored by the core`, riverPhoto);
    await shot('river-finding-saved');
    if (await page.getByTestId('finding-form').isVisible().catch(() => false)) await page.getByRole('button', { name: '继续' }).click();
    await page.getByTestId('patrol-findings').waitFor();
    // Leaving the patrol screen does not stop the track; coming back finds it and its finding.
    const before = Number(await page.getByTestId('points').innerText());
    await page.getByTestId('nav-records').click();
    await page.getByTestId('records').waitFor();
    await shot('records-during-patrol');
    await page.getByTestId('recording').click();
    await page.getByTestId('patrol-findings').filter({ hasText: '河岸堆放建筑垃圾' }).waitFor();
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid=points]')?.textContent) > b + 5, before, { timeout: 60_000 });
    check(`${tag} the track went on while another screen was open`, true);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=points]')?.textContent) >= 120, null, { timeout: 60_000 });
    await page.getByTestId('end-patrol').click();
    await page.getByTestId('end-notes').fill('巡查正常');
    await page.getByTestId('confirm-end').click();
    await page.getByTestId('patrol-summary').getByTestId('flags').waitFor();
    await shot('river-summary');
    await overflow('river summary');
    await page.getByTestId('open-record').click();
    await page.getByTestId('timeline').waitFor();
    await page.getByTestId('finding-photos').getByTestId('thumb-img').waitFor({ timeout: 15_000 });
    const thumbOk = await page.getByTestId('finding-photos').getByTestId('thumb-img').evaluate((img) => img.complete && img.naturalWidth > 0);
    check(`${tag} the finding's photo thumbnail is read back from the device and shown`, thumbOk);
    await shot('record-detail-river');
    await overflow('record detail');

    // -- safety inspection
    await page.getByTestId('nav-home').click();
    await page.getByTestId('go-inspection').click();
    await page.getByTestId('insp-site-nearby').click();
    const siteName = (await page.locator('.picker label span').filter({ hasText: /^企业\d+$/ }).first().innerText()).trim();
    await page.getByText(siteName, { exact: true }).first().click();
    await shot('inspection-choose-site');
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
    await page.getByTestId('finding-photos-gallery').setInputFiles(join(FIX, 'photos/gps/DSCN0012.jpg'));
    await page.getByTestId('finding-save').click();
    await photoOutcome(page, 'hazard');
    if (await page.getByTestId('finding-form').isVisible().catch(() => false)) await page.getByRole('button', { name: '继续' }).click();
    await page.getByTestId('hazards').waitFor();
    await shot('inspection-checklist');
    await overflow('checklist');
    await page.getByTestId('preview-record').click();
    await page.getByTestId('record-content').waitFor();
    check(`${tag} record preview is drawn from the checklist`, (await page.getByTestId('record-content').inputValue()).includes('安全出口'));
    await page.getByTestId('record-deadline').fill('2030-12-31');
    await shot('inspection-record-preview');
    await page.getByTestId('issue-record').click();
    await page.getByTestId('record-number').filter({ hasText: /DEMO-01-\d{4}-/ }).waitFor();
    const number = await page.getByTestId('record-number').innerText();
    check(`${tag} on-site record got its number`, /DEMO-01-\d{4}-[0-9A-F]{4}-\d{4}/.test(number), number);
    await draw(page, 'sig-inspector');
    await page.getByTestId('confirm-inspector').click();
    await page.getByTestId('signed-inspector').waitFor();
    await page.getByTestId('name-party').fill('王厂长');
    await draw(page, 'sig-party');
    await page.getByTestId('confirm-party').click();
    await page.getByTestId('signed-party').waitFor();
    await shot('inspection-signed');
    await overflow('signatures');
    await page.getByTestId('close-inspection').click();
    await page.getByTestId('record-doc').waitFor();

    // -- the hazard now waits for rectification by the deadline: rectify it from Home
    await page.getByTestId('nav-home').click();
    await page.getByTestId('to-rectify').getByText('二楼安全出口堆放纸箱').click();
    await page.getByTestId('record-findings').getByText('整改', { exact: true }).click();
    await page.getByTestId('rectify-form').locator('textarea').fill('纸箱已清走，通道畅通');
    await shot('rectify');
    await overflow('rectify');
    await page.getByTestId('rectify-form').getByText('提交整改').click();
    await page.getByTestId('record-findings').getByText('已整改').waitFor();
    await shot('record-detail-inspection');

    // -- fishing-ban patrol
    await page.getByTestId('nav-home').click();
    await page.getByTestId('go-fishing').click();
    await page.getByTestId('fish-area').fill('府河汉阳段沿岸及鹦鹉洲市场');
    await shot('fishing-start');
    await page.getByTestId('start-fishing').click();
    await page.getByTestId('patrol-stats').waitFor();
    // The core stops taking track points for a while (as if the shell were busy or gone): the
    // points wait on the device, the trouble is shown, and none is lost when it answers again.
    await page.route('**/api', (route) =>
      route.request().postData()?.includes('"append_track_points"') ? route.abort('connectionrefused') : route.continue(),
    );
    await page.locator('[data-testid=unsent]').and(page.locator('[data-n="45"], [data-n="46"], [data-n="47"], [data-n="48"], [data-n="49"], [data-n="50"]')).first().waitFor({ timeout: 60_000 }).catch(() => {});
    const held = Number(await page.getByTestId('unsent').getAttribute('data-n').catch(() => '0'));
    check(`${tag} track points wait on the device while the core cannot take them`, held >= 40, `${held} waiting`);
    await shot('fishing-points-waiting');
    await page.unroute('**/api');
    await page.getByTestId('tab-check').click();
    await page.getByTestId('business-check').getByText(/^餐馆\d+$/).first().click();
    await page.getByTestId('business-check').getByText('发现问题', { exact: true }).click();
    await page.getByTestId('check-notes').fill('发现疑似长江野生鱼 3 条');
    await page.getByTestId('save-check').click();
    await page.getByTestId('fish-counts').filter({ hasText: /1 家|1 businesses/ }).waitFor();
    await shot('fishing-business-check');
    await overflow('business check');
    await page.getByTestId('report-problem').click();
    await page.getByTestId('finding-category').selectOption('selling_river_fish');
    await page.getByTestId('finding-note').fill('老王水产销售长江野生鱼');
    await page.getByTestId('finding-save').click();
    await page.getByTestId('patrol-findings').waitFor();
    await page.getByTestId('tab-seizure').click();
    await page.getByTestId('gear').fill('地笼网');
    await page.getByTestId('gear-qty').fill('2');
    await page.getByTestId('gear-photos-camera').setInputFiles(join(FIX, 'photos/gps/DSCN0021.jpg'));
    await page.getByTestId('save-seizure').click();
    await page.getByTestId('fish-counts').filter({ hasText: /收缴 1 次|1 seizures/ }).waitFor();
    await shot('fishing-seizure');
    await page.getByTestId('tab-letter').click();
    await page.getByTestId('letter').getByText('渔具店1', { exact: true }).click();
    await page.getByTestId('letter-signer').fill('张老板');
    await draw(page, 'sig-letter');
    await shot('fishing-letter');
    await overflow('letter');
    await page.getByTestId('save-letter').click();
    await page.getByTestId('fish-counts').filter({ hasText: /承诺书 1 份|1 letters/ }).waitFor();
    check(`${tag} the commitment letter was signed on screen`, true);
    await page.getByTestId('tab-publicity').click();
    for (let i = 0; i < 2; i++) await page.getByTestId('pub-banners-plus').click();
    for (let i = 0; i < 5; i++) await page.getByTestId('pub-leaflets-plus').click();
    await shot('fishing-publicity');
    await page.getByTestId('save-publicity').click();
    await page.getByText(/累计 2|total 2/).waitFor();
    await page.getByTestId('end-patrol').click();
    const fishPointsShown = Number(await page.getByTestId('points').innerText());
    await page.getByTestId('confirm-end').click();
    await page.getByTestId('patrol-summary').getByTestId('flags').waitFor();
    await shot('fishing-summary');

    // -- records, sync, English
    await page.getByTestId('nav-records').click();
    await page.getByTestId('record-inspection').waitFor();
    await shot('records');
    await overflow('records');
    await page.getByTestId('nav-sync').click();
    await page.getByTestId('pending').waitFor();
    const waitingBefore = Number(await page.getByTestId('outbox-count').innerText());
    check(`${tag} sync counts the events waiting`, waitingBefore > 20, `${waitingBefore}`);
    await shot('sync-before');
    // A slow network: the sync is watched step by step while it runs.
    relay.slow = true;
    await page.getByTestId('sync-now').click();
    await page.getByTestId('sync-busy').waitFor({ timeout: 5_000 });
    check(`${tag} a running sync says so and cannot be started twice`, await page.getByTestId('sync-now').isDisabled());
    await page.getByTestId('sync-progress-line').filter({ hasText: /照片和签名 [1-9]\d* \/ \d+ 个/ }).waitFor({ timeout: 60_000 });
    const watched = await page.getByTestId('sync-busy').innerText();
    const fraction = Number(await page.getByTestId('sync-progress').getAttribute('data-fraction'));
    check(`${tag} the running sync shows its step, records and photo bytes`, /正在上传照片和签名/.test(watched) && new RegExp(`记录事件 ${waitingBefore} / ${waitingBefore} 条`).test(watched) && fraction > 0 && fraction < 1, `${watched.replace(/\s+/g, ' ')} (${fraction})`);
    await shot('sync-progress');
    await overflow('sync progress');
    // Leaving the screen does not lose the run: back on it, the progress (or the report) is there.
    await page.getByTestId('nav-records').click();
    await page.getByTestId('records').waitFor();
    await page.getByTestId('nav-sync').click();
    await page.locator('[data-testid=sync-progress-line], [data-testid=sync-report]').first().waitFor({ timeout: 10_000 });
    check(`${tag} the running sync is still followed after leaving the Sync screen and coming back`, true);
    relay.slow = false;
    await page.getByTestId('sync-report').waitFor({ timeout: 120_000 });
    const report1 = await page.getByTestId('sync-report').innerText();
    check(`${tag} the sync report says what went up and that originals wait`, report1.includes(`已上传 ${waitingBefore} 条事件`) && /张原图留在本机/.test(report1), report1.replace(/\s+/g, ' '));
    await shot('sync-report');
    await overflow('sync report');
    // The originals on the slow network: stopped part-way, then finished by the next sync.
    // (The same fixture photos are already on the server after the first screen size's run,
    // so there the originals are only found there, too fast to stop.)
    await page.getByTestId('originals-now').check();
    if (first) {
      relay.slow = true;
      await page.getByTestId('sync-now').click();
      await page.getByTestId('sync-progress-line').filter({ hasText: /照片和签名 [1-9]\d* \/ \d+ 个/ }).waitFor({ timeout: 60_000 });
      await page.getByTestId('sync-cancel').click();
      await page.getByTestId('sync-status').filter({ hasText: '同步已停止' }).waitFor({ timeout: 60_000 });
      const afterCancel = await page.getByTestId('pending').innerText();
      check(`${tag} a stopped sync says so and leaves the rest waiting on the device`, (await page.getByTestId('sync-status').getAttribute('data-code')) === 'cancelled' && /原图/.test(afterCancel), afterCancel);
      await shot('sync-stopped');
      relay.slow = false;
      await page.getByTestId('originals-now').check();
    }
    await page.getByTestId('sync-now').click();
    await page.getByTestId('sync-report').filter({ hasText: '没有需要上传的事件' }).waitFor({ timeout: 120_000 });
    const report3 = await page.getByTestId('sync-report').innerText();
    check(`${tag} the last sync finishes the originals`, (first ? /已上传 \d+ 个照片文件/ : /照片文件/).test(report3), report3.replace(/\s+/g, ' '));
    check(`${tag} nothing waits after the last sync`, (await page.getByTestId('pending').innerText()).includes('全部记录和照片都已上传'), await page.getByTestId('pending').innerText());
    await shot('sync-done');
    await page.getByTestId('nav-settings').click();
    await page.getByText('English', { exact: true }).click();
    await page.getByTestId('nav-home').click();
    await page.getByTestId('go-river').filter({ hasText: 'River patrol' }).waitFor();
    await shot('home-english');
    await page.getByTestId('nav-settings').click();
    await page.getByText('中文', { exact: true }).click();

    // Tablet width: the same screens must use the room without breaking.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByTestId('nav-home').click();
    await page.getByTestId('who').waitFor();
    await shot('tablet-home');
    await overflow('tablet home');
    await page.getByTestId('nav-records').click();
    await page.getByTestId('record-inspection').click();
    await page.getByTestId('timeline').waitFor();
    await shot('tablet-record');

    check(`${tag} nothing was fetched from outside the bridge`, external.length === 0, external.slice(0, 3).join(' '));
    check(`${tag} no script errors`, pageErrors.length === 0, pageErrors.join(' | '));

    // -- the core holds the records
    await browser.close();
    child.kill('SIGTERM');
    const records = JSON.parse(cli(data, '--json', 'records', 'list')).data;
    const river = records.find((r) => r.kind === 'river_patrol');
    const insp = records.find((r) => r.kind === 'inspection');
    const fish = records.find((r) => r.kind === 'fishing_ban_patrol');
    check(`${tag} core: river patrol ended with its track and finding`, river?.status === 'ended' && river.point_count >= 120 && river.finding_count === 1, JSON.stringify(river && { s: river.status, p: river.point_count, f: river.finding_count }));
    const riverFindingSummary = JSON.parse(cli(data, '--json', 'records', 'show', river.id)).data.findings[0];
    check(`${tag} core: the river finding has its photo`, riverFindingSummary?.photo_count === 1, JSON.stringify(riverFindingSummary?.photo_count));
    check(`${tag} core: inspection with record issued and a hazard`, insp && insp.finding_count === 1 && insp.status === 'closed', JSON.stringify(insp && { s: insp.status, f: insp.finding_count }));
    const hazard = JSON.parse(cli(data, '--json', 'records', 'show', insp.id)).data.findings[0];
    check(`${tag} core: the hazard was assigned with the record's deadline and rectified`, hazard.status === 'rectified' && hazard.assignee === siteName && hazard.deadline > Date.UTC(2030, 11, 30), JSON.stringify({ s: hazard.status, a: hazard.assignee, d: hazard.deadline }));
    check(`${tag} core: every track point shown on the phone reached the core`, fish.point_count >= fishPointsShown, `${fish.point_count} stored, ${fishPointsShown} shown before ending`);
    const fishDetail = JSON.parse(cli(data, '--json', 'records', 'show', fish.id)).data.state.state;
    check(`${tag} core: fishing-ban patrol with check, seizure, violation, publicity`, fish.status === 'ended' && fish.finding_count === 1 && fishDetail.business_checks.length === 1 && fishDetail.business_checks[0].outcome === 'violation_found' && fishDetail.seizures[0]?.quantity === 2 && fishDetail.publicity.banners === 2 && fishDetail.publicity.leaflets === 5, JSON.stringify({ c: fishDetail.business_checks.length, s: fishDetail.seizures.length, p: fishDetail.publicity }));
    const get = await office(server, 'office1');
    const onServer = await get(`/api/v1/office/records/patrol/${river.id}`);
    check(`${tag} server: the river patrol with its whole track`, onServer.record.state.state.ended_at !== null && onServer.record.state.state.point_count === river.point_count && onServer.timeline.some((e) => e.kind === 'track_points_appended' || /track/i.test(e.kind)), `${onServer.record.state.state.point_count} points on the server, ${river.point_count} on the device`);
    const riverFinding = JSON.parse(cli(data, '--json', 'records', 'show', river.id)).data.findings[0];
    const findingOnServer = await get(`/api/v1/office/records/finding/${riverFinding.id}`);
    const photo = findingOnServer.record.state.state.photos[0];
    const fixture = readFileSync(PHOTO);
    check(`${tag} server: the finding's photo record is complete`, findingOnServer.complete && photo?.original === createHash('sha256').update(fixture).digest('hex'), JSON.stringify({ complete: findingOnServer.complete, missing: findingOnServer.missing_blobs }));
    const original = await get(`/api/v1/blobs/${photo.original}`);
    check(`${tag} server: the photo's original bytes are the fixture's`, original.equals(fixture), `${original.length} bytes`);
    const thumb = await get(`/api/v1/blobs/${photo.thumbnail}`);
    check(`${tag} server: the photo's thumbnail is there`, thumb.length > 1000 && thumb[0] === 0xff && thumb[1] === 0xd8);
    const inspOnServer = await get(`/api/v1/office/records/inspection/${insp.id}`);
    check(`${tag} server: the inspection closed with both signatures, complete`, (() => { const st = inspOnServer.record.state.state; return st.closed_at !== null && !!st.record?.signatures?.inspector && !!st.record?.signatures?.inspected_party && inspOnServer.complete; })(), JSON.stringify({ closed: inspOnServer.record.state.state.closed_at, signed: Object.keys(inspOnServer.record.state.state.record?.signatures ?? {}), c: inspOnServer.complete }));
    const fishOnServer = await get(`/api/v1/office/records/patrol/${fish.id}`);
    check(`${tag} server: the fishing-ban patrol with its signed commitment letter`, fishOnServer.record.state.state.letters.length === 1 && fishOnServer.complete);
    const verify = JSON.parse(cli(data, '--json', 'device', 'verify')).data;
    check(`${tag} core: the device's event chain verifies`, verify.events > 20, `${verify.events} events`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${tag} workflow stopped: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: join(SHOTS, `${tag}-failure.png`) }).catch(() => {});
    await browser.close().catch(() => {});
    child.kill('SIGTERM');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const serverDir = mkdtempSync(join(tmpdir(), 'xuncha-e2e-server-'));
const server = await startServer(serverDir);
const relay = await startRelay(server.url);
try {
  for (const [i, [w, h]] of [
    [360, 640],
    [390, 844],
  ].entries()) {
    await run(w, h, server, relay, i === 0);
  }
} finally {
  relay.close();
  server.child.kill('SIGTERM');
  rmSync(serverDir, { recursive: true, force: true });
}
for (const n of [...new Set(notes)]) console.log(`note: ${n}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
