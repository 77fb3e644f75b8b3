/**
 * The console served over HTTPS by a real Node-RED runtime (its `https` setting, a self-signed
 * certificate made by openssl for the test): the session cookie is Secure without any console
 * setting, because the request arrived over TLS; the same runtime's cookie has no other change.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { freePort, NodeRedProcess, PACKAGE_ROOT, SYSTEM_TEST_USER, tempDir, waitFor } from '../support/node-red-process';

const READY_MS = 90_000;

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function post(port: number, urlPath: string, body: unknown): Promise<{ status: number; cookie?: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      // The certificate is the test's own, made a moment ago: nothing to verify it against.
      { host: '127.0.0.1', port, method: 'POST', path: urlPath, rejectUnauthorized: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0] }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`POST ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

describe('system: the console over HTTPS', function () {
  this.timeout(180_000);
  let runtime: NodeRedProcess | undefined;
  let dir = '';

  before(function () {
    if (!hasOpenssl()) {
      if (process.env.CI) throw new Error('openssl is missing; CI needs it for the HTTPS console test');
      console.warn('      skipped: openssl not installed');
      this.skip();
    }
  });

  after(async () => {
    await runtime?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sets a Secure, HttpOnly, SameSite=Strict session cookie when the request came over TLS', async () => {
    dir = tempDir('impetus-https-');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    // The console comes with the platform, which the first of our nodes in a flow starts.
    const flows = [{ id: 't', type: 'tab', label: 'https' }, { id: 'sink', type: 'impetus-alert', z: 't', tool: 'firearm', wires: [[]] }];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
    const settings = path.join(dir, 'settings.js');
    fs.writeFileSync(
      settings,
      `const fs = require('fs');
module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  nodesDir: [${JSON.stringify(PACKAGE_ROOT)}],
  https: { key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) },
  credentialSecret: 'https-test',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  impetus: { instance: 'https-test' },
};
`,
    );
    const port = await freePort();
    runtime = new NodeRedProcess({ userDir, port, settings, logFile: path.join(dir, 'node-red.log') });
    await runtime.waitForLog(/\[info\] Server now running at https:/, READY_MS);
    let res: { status: number; cookie?: string } = { status: 0 };
    await waitFor(async () => {
      res = await post(port, '/impetus/api/login', { username: SYSTEM_TEST_USER.username, password: SYSTEM_TEST_USER.password }).catch(() => ({ status: 0 }));
      return res.status === 200;
    }, 'the console login over HTTPS', READY_MS);
    assert.ok(res.cookie, 'a session cookie');
    assert.match(res.cookie, /; Secure/);
    assert.match(res.cookie, /; HttpOnly/);
    assert.match(res.cookie, /; SameSite=Strict/);
  });
});
