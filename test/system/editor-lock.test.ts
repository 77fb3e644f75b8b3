/**
 * The Node-RED editor as `npm start` serves it (settings.ts, built): locked by default. A real
 * runtime in a child process, spoken to over HTTP as the editor, a script and another site would.
 * The browser half (a cross-site form, the admin in the editor) is test/browser/editor-lock.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childEnv, editorToken, logProblems, RED_JS, request, START_SETTINGS, startLocked, SYSTEM_TEST_USER, tempDir } from '../support/node-red-process';
import type { NodeRedProcess } from '../support/node-red-process';

const READY_MS = 90_000;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Runs node-red with the npm start settings and `env` until it exits by itself; its code and output. */
function startAlone(userDir: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RED_JS, '--settings', START_SETTINGS, '--userDir', userDir, '--port', '0'], { cwd: userDir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    // A runtime that did start would keep running: the test's timeout reports it, and this ends it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('system: the editor is locked by default (npm start settings)', function () {
  this.timeout(180_000);
  let dir = '';
  let runtime: NodeRedProcess | undefined;
  let port = 0;
  let token = '';

  before(async () => {
    dir = tempDir('impetus-editor-lock-');
    ({ runtime, port } = await startLocked(dir, READY_MS));
  });

  after(async () => {
    if (runtime) {
      await runtime.stop();
      assert.deepEqual(logProblems(runtime.log), [], 'the runtime logged no errors');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on a non-loopback host with the editor open, and says why', async () => {
    const userDir = path.join(dir, 'open');
    fs.mkdirSync(userDir);
    const { code, output } = await startAlone(userDir, { HOST: '0.0.0.0', IMPETUS_EDITOR_AUTH: 'off' });
    assert.equal(code, 1, output);
    assert.match(output, /refusing to start: the Node-RED editor would be open to the network without authentication \(uiHost 0\.0\.0\.0\)/);
  });

  it('answers the admin API only with a login, and only a console admin logs in', async () => {
    assert.equal((await request(port, 'GET', '/flows')).status, 401);
    assert.equal((await request(port, 'GET', '/settings')).status, 401);
    // The demo's admin (public password) and the test runtime's admin user (added with -D) log in …
    assert.ok(await editorToken(port, 'admin', 'demo-admin'), 'the demo admin logs in to the editor');
    token = (await editorToken(port, SYSTEM_TEST_USER.username, SYSTEM_TEST_USER.password))!;
    assert.ok(token, 'a console admin added with -D logs in to the editor');
    // … other roles, wrong passwords and unknown names do not.
    assert.equal(await editorToken(port, 'operator', 'demo-operator'), undefined, 'an operator is no editor user');
    assert.equal(await editorToken(port, 'manager', 'demo-manager'), undefined);
    assert.equal(await editorToken(port, 'admin', 'guess'), undefined);
    const flows = await request(port, 'GET', '/flows', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(flows.status, 200);
    assert.equal(flows.headers['access-control-allow-origin'], undefined, 'no admin reply carries Access-Control-Allow-Origin');
  });

  it('takes JSON from its own origin, and refuses forms, plain text and other origins on admin routes', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const flow = { label: 'added by the test', nodes: [] };
    const own = await request(port, 'POST', '/flow', { body: flow, headers: { ...auth, Origin: `http://127.0.0.1:${port}` } });
    assert.equal(own.status, 200, own.text);
    for (const [type, text] of [[FORM['Content-Type'], 'label=form&nodes[0][type]=comment'], ['text/plain', JSON.stringify(flow)], ['multipart/form-data; boundary=x', '--x--']]) {
      const res = await request(port, 'POST', '/flow', { text, headers: { ...auth, 'Content-Type': type } });
      assert.equal(res.status, 415, `${type}: ${res.text}`);
      assert.match(res.text, /application\/json/);
    }
    const foreign: Array<Record<string, string>> = [{ Origin: 'http://evil.example' }, { Origin: 'null' }, { Origin: `http://127.0.0.1:${port + 1}` }, { Referer: 'http://evil.example/page' }, { 'Sec-Fetch-Site': 'same-site' }];
    for (const headers of foreign) {
      const res = await request(port, 'POST', '/flow', { body: flow, headers: { ...auth, ...headers } });
      assert.equal(res.status, 403, `${JSON.stringify(headers)}: ${res.text}`);
      assert.match(res.text, /cross-origin/);
    }
    const labels = (JSON.parse((await request(port, 'GET', '/flows', { headers: auth })).text) as Array<{ type: string; label?: string }>).filter((n) => n.type === 'tab').map((n) => n.label);
    assert.deepEqual(labels.sort(), ['added by the test', 'locked']);
    // The editor's own forms still work where it sends them: logging out revokes the token.
    const spare = (await editorToken(port, SYSTEM_TEST_USER.username, SYSTEM_TEST_USER.password))!;
    const out = await request(port, 'POST', '/auth/revoke', { text: new URLSearchParams({ token: spare }).toString(), headers: { Authorization: `Bearer ${spare}`, ...FORM, Origin: `http://127.0.0.1:${port}` } });
    assert.equal(out.status, 200, out.text);
    assert.equal((await request(port, 'GET', '/flows', { headers: { Authorization: `Bearer ${spare}` } })).status, 401);
  });

  it('keeps the console same-origin: no form login, no Access-Control-Allow-Origin', async () => {
    const { username, password } = SYSTEM_TEST_USER;
    const form = await request(port, 'POST', '/impetus/api/login', { text: `username=${username}&password=${password}`, headers: FORM });
    assert.equal(form.status, 415, form.text);
    const plain = await request(port, 'POST', '/impetus/api/login', { text: JSON.stringify({ username, password }), headers: { 'Content-Type': 'text/plain' } });
    assert.equal(plain.status, 415, plain.text);
    const json = await request(port, 'POST', '/impetus/api/login', { body: { username, password } });
    assert.equal(json.status, 200, json.text);
    assert.equal(json.headers['access-control-allow-origin'], undefined);
    const session = await request(port, 'GET', '/impetus/api/session');
    assert.equal(session.status, 200);
    assert.equal(session.headers['access-control-allow-origin'], undefined, 'console API replies are same-origin only');
    assert.equal((await request(port, 'GET', '/impetus/')).headers['access-control-allow-origin'], undefined);
  });
});
