/**
 * The console in a real browser (Debian's Chromium driven by playwright-core) against a real
 * Node-RED runtime in a child process, as a new operator would use it:
 *  - the operator logs in and sees a scenario alert appear live;
 *  - acknowledges it and comments;
 *  - a supervisor, in a second browser session, sees the ack and the comment arrive live;
 *  - the city manager cannot act;
 *  - the field view on a phone-size screen;
 *  - the firearm page with the square camera's last detection and its snapshot.
 * It also takes the README's screenshots: into docs/screenshots/ with `npm run screenshots`, else
 * into the test's temporary folder, so a test run leaves the checkout as it was. Every wait is a readiness bound
 * on a selector, never an assertion on speed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { freePort, logProblems, NodeRedProcess, PACKAGE_ROOT, request, runtimeSettings, settingsModule, tempDir } from '../support/node-red-process';

const CHROMIUM = process.env.IMPETUS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READY_MS = 90_000;
/** Bound for one UI step (a selector to appear); generous because CI machines are slow. */
const STEP_MS = 30_000;
const PASSWORD = 'browser-test-password';
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

const HEADLINE = 'Person with a rifle at the station entrance';

/** The exercise this test plays: a P1 firearm alert first, then two lower ones. */
const scenario = {
  name: 'Browser test exercise',
  outputs: ['alerts'],
  events: [
    { at: 'PT0S', output: 'alerts', payload: { tool: 'firearm', event: 'Firearm detected', headline: HEADLINE, description: 'Camera 12 sees a long gun carried openly towards the main hall.', instruction: 'Dispatch the nearest patrol. Keep the public away from the east doors.', severity: 'critical', urgency: 'Immediate', certainty: 'Observed', zone: 'station', areaDesc: 'Padova station, east entrance', location: { type: 'Point', coordinates: [11.8806, 45.4178] }, source: { ref: 'cam-12' }, data: { camera: 'cam-12', cameraName: 'Station east entrance', frame: { width: 1920, height: 1080 }, detections: [{ className: 'rifle', score: 0.94, box: [812, 300, 990, 720] }] } } },
    { at: 'PT0.2S', output: 'alerts', payload: { tool: 'bacteria', event: 'Airborne bacteria above threshold', headline: '6,100 CFU/m³ in the metro hall (threshold 5,000)', severity: 'high', urgency: 'Expected', certainty: 'Observed', zone: 'metro-hall', areaDesc: 'Metro hall, Padova station', location: { type: 'Point', coordinates: [11.8818, 45.4172] }, source: { ref: 'sampler-3' }, data: { cfuPerM3: 6100 } } },
    { at: 'PT0.4S', output: 'alerts', payload: { tool: 'anomaly', event: 'Urban anomaly', headline: 'Ticket gates idle at rush hour, Prato della Valle', severity: 'medium', urgency: 'Expected', certainty: 'Likely', zone: 'prato', areaDesc: 'Prato della Valle', location: { type: 'Point', coordinates: [11.8766, 45.3978] }, source: { ref: 'gates-2' } } },
  ],
};

function testFlow(): object[] {
  // The demo's console tab puts charts, status, a table and map layers on the tool pages.
  const demo = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as Array<{ id: string; z?: string }>;
  const consolePages = demo.filter((n) => n.id === 'demo-console' || n.z === 'demo-console');
  // The demo's square camera and detector, started by the last test (POST /test/camera) so that
  // its alert leaves the earlier tests' counts alone.
  const camera = demo.filter((n) => ['demo-cam', 'demo-model', 'demo-firearm', 'demo-firearm-alert'].includes(n.id)).map((n) => ({
    ...n,
    ...(n.z ? { z: 'bt' } : {}),
    ...(n.id === 'demo-cam' ? { autostart: false, fps: 10 } : {}),
    ...(n.id === 'demo-firearm-alert' ? { wires: [[]] } : {}),
  }));
  return [
    { id: 'bt', type: 'tab', label: 'browser test' },
    { id: 'bt-in', type: 'http in', z: 'bt', name: '', url: '/test/scenario', method: 'post', upload: false, swaggerDoc: '', x: 100, y: 60, wires: [['bt-prep', 'bt-ok']] },
    { id: 'bt-ok', type: 'http response', z: 'bt', name: '', statusCode: '204', headers: {}, x: 300, y: 120, wires: [] },
    { id: 'bt-prep', type: 'change', z: 'bt', name: '', rules: [{ t: 'move', p: 'payload', pt: 'msg', to: 'scenario', tot: 'msg' }], x: 300, y: 60, wires: [['bt-scenario']] },
    // The node's own timeline is never played (no autostart): the test sends the exercise in msg.scenario.
    { id: 'bt-scenario', type: 'impetus-scenario', z: 'bt', name: '', source: 'inline', timeline: JSON.stringify(scenario), file: '', outputNames: ['alerts'], speed: 1, loop: '', autostart: false, outputs: 1, x: 480, y: 60, wires: [['bt-alert']] },
    { id: 'bt-alert', type: 'impetus-alert', z: 'bt', name: '', tool: '', x: 660, y: 60, wires: [[]] },
    { id: 'bt-cam-in', type: 'http in', z: 'bt', name: '', url: '/test/camera', method: 'post', upload: false, swaggerDoc: '', x: 100, y: 180, wires: [['bt-cam-start', 'bt-ok']] },
    { id: 'bt-cam-start', type: 'change', z: 'bt', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'start', tot: 'str' }], x: 300, y: 180, wires: [['demo-cam']] },
    ...camera,
    ...consolePages,
  ];
}

function browserSettings(userDir: string): string {
  const hash = bcrypt.hashSync(PASSWORD, 4);
  const users = Object.fromEntries([
    ['olga', 'operator', 'Olga Berg'], ['sven', 'supervisor', 'Sven Dahl'], ['marco', 'manager', 'Marco Bianchi'], ['fatima', 'field', 'Fatima Conte'],
  ].map(([username, role, name]) => [username, { role, name, passwordHash: hash }]));
  return settingsModule(runtimeSettings('browser-test', {
    userDir,
    impetus: { instance: 'browser-test', users, map: { sites: path.join(PACKAGE_ROOT, 'flows', 'demo-sites.geojson') } },
  }));
}

describe('console in the browser (Chromium)', function () {
  this.timeout(300_000);
  let dir = '';
  let runtime: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let base = '';
  let screenshots = '';
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.IMPETUS_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing (apt-get install chromium); CI requires the browser tests`);
      console.warn(`      skipped: ${CHROMIUM} not installed (apt-get install chromium)`);
      this.skip();
    }
    dir = tempDir('impetus-browser-');
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(testFlow(), null, 2));
    const settings = path.join(dir, 'settings.js');
    fs.writeFileSync(settings, browserSettings(userDir));
    const port = await freePort();
    runtime = new NodeRedProcess({ userDir, port, settings, logFile: path.join(dir, 'node-red.log') });
    await runtime.waitForLog(/\[info\] Started flows/, READY_MS);
    await runtime.waitForHttp('/impetus/api/alerts', READY_MS);
    base = `http://127.0.0.1:${port}/impetus/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    screenshots = process.env.IMPETUS_SCREENSHOTS ? path.resolve(process.env.IMPETUS_SCREENSHOTS) : path.join(dir, 'screenshots');
    fs.mkdirSync(screenshots, { recursive: true });
  });

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (runtime) {
      await runtime.stop();
      assert.deepEqual(logProblems(runtime.log), [], 'the runtime logged no errors');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    // Content-Security-Policy violations and script errors show up here. Only a refused login
    // may answer 401 (the session probe before login answers 200).
    const unexpected = pageErrors.splice(0).filter((e) => !/status of 401.*\/api\/login\b/.test(e));
    assert.deepEqual(unexpected, [], 'no errors in the browser console');
  });

  async function open(viewport = DESKTOP, extra: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    const context = await browser!.newContext({ viewport, ...extra });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    return page;
  }

  async function login(page: Page, username: string, password = PASSWORD): Promise<void> {
    await page.goto(base);
    await page.fill('#login-user', username);
    await page.fill('#login-password', password);
    await page.click('form.login-card button[type=submit]');
  }

  /** Marks the document, to prove later that an update arrived without a reload. */
  async function mark(page: Page): Promise<void> {
    await page.evaluate(() => Object.assign(window, { impetusNoReload: true }));
  }

  async function stillSameDocument(page: Page): Promise<boolean> {
    return page.evaluate(() => (window as unknown as { impetusNoReload?: boolean }).impetusNoReload === true);
  }

  const row = (page: Page, text: string) => page.locator('.alert-row', { hasText: text });

  /** A picture for the README: the top of the page, without the passing toasts. */
  async function picture(page: Page, file: string, height?: number): Promise<void> {
    const size = page.viewportSize()!;
    if (height) await page.setViewportSize({ width: size.width, height });
    await page.evaluate(() => {
      document.querySelectorAll('.toast').forEach((t) => t.remove());
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: path.join(screenshots, file) });
    if (height) await page.setViewportSize(size);
  }

  let operator: Page;
  let supervisor: Page;

  it('refuses a wrong password with a clear message', async () => {
    const page = await open();
    await login(page, 'olga', 'not-the-password');
    await page.locator('.form-error', { hasText: 'wrong user name or password' }).waitFor();
    await page.context().close();
  });

  it('operator: logs in and sees a scenario alert appear live, with the P1 cue', async () => {
    operator = await open();
    await login(operator, 'olga');
    await operator.locator('.live-badge.live').waitFor();
    await operator.locator('.tile').first().waitFor();
    assert.equal(await row(operator, HEADLINE).count(), 0, 'nothing before the exercise starts');
    await mark(operator);
    const started = await request(Number(new URL(base).port), 'POST', '/test/scenario', { body: scenario });
    assert.equal(started.status, 204);
    await row(operator, HEADLINE).waitFor();
    assert.ok(await stillSameDocument(operator), 'the alert arrived over the live connection, without a reload');
    await operator.locator('.p1-banner', { hasText: HEADLINE }).waitFor();
    await operator.locator('.tile.state-alerting[data-tool="firearm"]').waitFor();
    // Sorted by priority: the P1 first, however the three arrived.
    await row(operator, 'Ticket gates').waitFor();
    const order = await operator.locator('.alert-row .prio').allTextContents();
    assert.deepEqual(order, [...order].sort(), `queue order ${order}`);
    // The tiles follow within their update interval.
    for (const tool of ['firearm', 'bacteria', 'anomaly']) await operator.locator(`.tile.state-alerting[data-tool="${tool}"]`).waitFor();
    await picture(operator, 'main.png');
  });

  it('supervisor: a second session opens the same alert', async () => {
    supervisor = await open();
    await login(supervisor, 'sven');
    await row(supervisor, HEADLINE).click();
    await supervisor.locator('.detail-head h1', { hasText: HEADLINE }).waitFor();
    await supervisor.locator('.detail-head .state.open').waitFor();
    await mark(supervisor);
  });

  it('operator: acknowledges and comments; the supervisor sees both arrive live', async () => {
    await operator.locator('.p1-banner button', { hasText: 'Open' }).click();
    await operator.locator('.detail-head h1', { hasText: HEADLINE }).waitFor();
    await operator.locator('section.actions button', { hasText: 'Acknowledge' }).click();
    await operator.locator('.detail-head .state.acknowledged').waitFor();
    await operator.fill('form.comment-form textarea', 'Patrol 7 on the way, ETA 3 minutes.');
    await operator.click('form.comment-form button[type=submit]');
    await operator.locator('.comments li', { hasText: 'Patrol 7 on the way' }).waitFor();

    await supervisor.locator('.detail-head .state.acknowledged').waitFor();
    await supervisor.locator('.comments li', { hasText: 'Patrol 7 on the way, ETA 3 minutes.' }).waitFor();
    await supervisor.locator('.history li', { hasText: 'olga' }).first().waitFor();
    assert.ok(await stillSameDocument(supervisor), 'the supervisor saw the change without reloading');
    assert.match(await supervisor.locator('.comments li').first().textContent() ?? '', /olga/);
    await picture(operator, 'alert-detail.png', 1000);
  });

  it('manager: sees the picture but cannot act, in the page or through the API', async () => {
    const manager = await open();
    await login(manager, 'marco');
    await row(manager, 'metro hall').waitFor();
    assert.equal(await manager.locator('.alert-row button').count(), 0, 'no action buttons in the queue');
    await manager.locator('.read-only', { hasText: 'Read-only view' }).waitFor();
    await row(manager, HEADLINE).click();
    await manager.locator('.detail-head h1', { hasText: HEADLINE }).waitFor();
    await manager.locator('section.actions .read-only').waitFor();
    assert.equal(await manager.locator('section.actions button, form.comment-form').count(), 0, 'no action controls on the detail page');
    // Even a hand-made request with the session's own CSRF token is refused by the server.
    const status = await manager.evaluate(async () => {
      const session = await (await fetch('api/session')).json();
      const id = location.pathname.split('/').pop();
      const res = await fetch(`api/alerts/${id}/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf }, body: JSON.stringify({ action: 'comment', text: 'manager was here' }) });
      return { status: res.status, body: await res.json() };
    });
    assert.equal(status.status, 403);
    assert.match(status.body.error, /manager role may not comment/);
    // That refusal is the one error this test provoked on purpose.
    const provoked = pageErrors.findIndex((e) => /status of 403/.test(e));
    assert.ok(provoked >= 0, 'the browser saw the 403');
    pageErrors.splice(provoked, 1);
  });

  it('operator: the map shows the geolocated open alerts, coloured by priority', async () => {
    await operator.click('nav.main-nav a[data-rel="map"]');
    await operator.locator('.map-legend').waitFor();
    // Markers are canvas drawings: the map states how many it drew, and the legend counts by priority.
    await operator.locator('.map-page[data-markers="3"]').waitFor();
    await operator.locator('.map-legend', { hasText: 'P1 Critical: 1' }).waitFor();
    await operator.locator('.map-legend', { hasText: 'P2 High: 1' }).waitFor();
    await operator.locator('.map-legend', { hasText: 'P3 Medium: 1' }).waitFor();
    await picture(operator, 'map.png');
  });

  it('operator: a tool page generated from the dashboard nodes, live', async () => {
    await operator.click('nav.tool-nav a[data-rel="pages/evacuation"]');
    await operator.locator('section.panel.status .state-badge.ok').waitFor();
    await operator.locator('.panel-map[data-features="5"]').waitFor();
    await operator.locator('section.panel.chart canvas').waitFor();
    // Let the simulated series gather a few points before the picture.
    await operator.waitForFunction(() => {
      const chart = (window as unknown as { Chart: { instances: Record<string, { data: { datasets: Array<{ data: unknown[] }> } }> } }).Chart;
      return Object.values(chart.instances).some((c) => c.data.datasets.some((d) => d.data.length >= 3));
    }, undefined, { timeout: 60_000 });
    await picture(operator, 'tool-page.png');
    await operator.click('nav.tool-nav a[data-rel="pages/firearm"]');
    await operator.locator('section.panel.table td', { hasText: 'cam-12' }).waitFor();
  });

  it('field: works on a phone-size screen and can acknowledge with a tap', async () => {
    const field = await open(PHONE, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await login(field, 'fatima');
    await row(field, 'metro hall').waitFor();
    assert.equal(await row(field, 'Ticket gates').count(), 1, 'a P3 anomaly is in the field view');
    const overflow = await field.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
    const ack = row(field, 'metro hall').locator('button', { hasText: 'Acknowledge' });
    const box = await ack.boundingBox();
    assert.ok(box && box.height >= 44, 'a target large enough for a thumb');
    await ack.tap();
    await row(field, 'metro hall').locator('.state.acknowledged').waitFor();
    await picture(field, 'field-phone.png');
  });

  it('operator: the firearm page shows the last detection per camera with its snapshot, which opens the alert', async () => {
    const started = await request(Number(new URL(base).port), 'POST', '/test/camera', { body: {} });
    assert.equal(started.status, 204);
    await operator.click('nav.tool-nav a[data-rel="pages/firearm"]');
    const snapshot = operator.locator('section.panel.table tr', { hasText: 'cam-square-n' }).locator('td.image img');
    await snapshot.waitFor({ timeout: 60_000 });
    assert.match(await snapshot.getAttribute('src') ?? '', /^api\/alerts\/[^/]+\/media\/sha256%3A[0-9a-f]{64}$/);
    // Loaded through the media route with the operator's session: a decoded image, not a broken one.
    await snapshot.evaluate((img: HTMLImageElement) => img.decode());
    assert.ok(await snapshot.evaluate((img: HTMLImageElement) => img.naturalWidth > 0));
    await snapshot.click();
    await operator.locator('.detail-head h1').waitFor();
    await operator.locator('.images img').waitFor();
  });
});
