/**
 * The locked editor in a real browser (Debian's Chromium driven by playwright-core), against a
 * real Node-RED runtime started with the npm start settings:
 *  - a page of another origin (another port of this host, as a malicious site or a local app would
 *    be) submits forms and scripts at the admin API and the console: nothing is deployed, nothing is
 *    readable;
 *  - the admin logs in to the editor with the console password and deploys a change.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { editorToken, logProblems, request, startLocked, SYSTEM_TEST_USER, tempDir, waitFor } from '../support/node-red-process';
import type { NodeRedProcess } from '../support/node-red-process';
import { CHROMIUM, skipWithoutChromium } from '../support/browser';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READY_MS = 90_000;
const STEP_MS = 30_000;

/** The flow the attack tries to add: harmless here, an inject → exec in the report that found it. */
const ATTACK_LABEL = 'added from another site';

/** The other site's page: forms (the classic CSRF) and scripts aimed at the runtime on `port`. */
function attackerPage(port: number): string {
  const red = `http://127.0.0.1:${port}`;
  const fields = { label: ATTACK_LABEL, 'nodes[0][id]': 'attack-comment', 'nodes[0][type]': 'comment', 'nodes[0][name]': 'pwned' };
  const inputs = Object.entries(fields).map(([k, v]) => `<input name="${k}" value="${v}">`).join('');
  return `<!doctype html><html><body>
<form id="form" method="POST" action="${red}/flow">${inputs}</form>
<form id="plain" method="POST" action="${red}/flow" enctype="text/plain"><input name='{"label":"${ATTACK_LABEL}","nodes":[],"x":"' value='"}'></form>
<form id="login" method="POST" action="${red}/impetus/api/login"><input name="username" value="${SYSTEM_TEST_USER.username}"><input name="password" value="${SYSTEM_TEST_USER.password}"></form>
<script>
  window.tryRead = async (url) => {
    try { return (await fetch(url, { credentials: 'include' })).status; } catch (e) { return 'blocked'; }
  };
  window.blindPost = (url, body, type) => fetch(url, { method: 'POST', mode: 'no-cors', body, headers: { 'Content-Type': type } }).then(() => 'sent', () => 'failed');
</script>
</body></html>`;
}

describe('the locked editor in the browser (Chromium)', function () {
  this.timeout(300_000);
  let dir = '';
  let runtime: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let attacker: http.Server | undefined;
  let port = 0;
  let attackerUrl = '';
  let token = '';

  before(async function () {
    skipWithoutChromium(this);
    dir = tempDir('impetus-browser-lock-');
    ({ runtime, port } = await startLocked(dir, READY_MS));
    token = (await editorToken(port, SYSTEM_TEST_USER.username, SYSTEM_TEST_USER.password))!;
    assert.ok(token);
    const page = attackerPage(port);
    attacker = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async function () {
    await browser?.close();
    if (attacker) await new Promise((resolve) => attacker!.close(resolve));
    if (runtime) {
      await runtime.stop();
      assert.deepEqual(logProblems(runtime.log), [], 'the runtime logged no errors');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function tabs(): Promise<string[]> {
    const res = await request(port, 'GET', '/flows', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.text);
    return (JSON.parse(res.text) as Array<{ type: string; label?: string }>).filter((n) => n.type === 'tab').map((n) => n.label!);
  }

  async function newPage(): Promise<Page> {
    const page = await (await browser!.newContext()).newPage();
    page.setDefaultTimeout(STEP_MS);
    return page;
  }

  it('a page of another origin can neither deploy nor read the admin API or the console', async () => {
    const page = await newPage();
    for (const form of ['form', 'plain', 'login']) {
      await page.goto(attackerUrl);
      const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), form)]);
      assert.ok([403, 415].includes(answer.status()), `${form} form: ${answer.status()} ${await answer.text()}`);
    }
    await page.goto(attackerUrl);
    const red = `http://127.0.0.1:${port}`;
    // Scripts: a blind POST goes out (no-cors) but is refused; nothing can be read back.
    const body = JSON.stringify({ label: ATTACK_LABEL, nodes: [] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      assert.equal(await page.evaluate(([url, b, t]) => (window as unknown as { blindPost(u: string, b: string, t: string): Promise<string> }).blindPost(url, b, t), [`${red}/flow`, body, type]), 'sent');
    }
    for (const route of ['/settings', '/flows', '/impetus/api/session', '/impetus/api/alerts']) {
      assert.equal(await page.evaluate((url) => (window as unknown as { tryRead(u: string): Promise<unknown> }).tryRead(url), `${red}${route}`), 'blocked', route);
    }
    assert.deepEqual(await tabs(), ['locked'], 'nothing was deployed');
    await page.context().close();
  });

  it('the admin logs in to the editor with the console password and deploys', async () => {
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'demo-admin');
    await page.click('#node-dialog-login-submit');
    await page.waitForSelector('#red-ui-header-button-deploy');
    await page.waitForFunction(() => (window as unknown as { RED?: { nodes?: { workspace(id: string): unknown } } }).RED?.nodes?.workspace('lock-tab') !== undefined);
    // What the admin does with the mouse: add a flow (tab), then deploy it.
    await page.evaluate(() => (window as unknown as { RED: { actions: { invoke(name: string): void } } }).RED.actions.invoke('core:add-flow'));
    await page.waitForSelector('#red-ui-header-button-deploy:not(.disabled)');
    await page.click('#red-ui-header-button-deploy');
    // The button greys out as the deploy starts; the runtime has the new flow once it is done.
    await waitFor(async () => (await tabs()).length === 2, 'the deployed flow on the runtime', STEP_MS, 100);
    assert.ok((await tabs()).includes('locked'));
    await page.context().close();
  });
});
