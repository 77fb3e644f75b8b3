/**
 * Login, sessions, CSRF and back-off over HTTP, as a browser would use them, plus the 401 on
 * every data route without a session.
 */
import assert from 'node:assert/strict';
import { alertNodes, currentRed, httpNode, load, useRuntime } from '../../support/nodered';
import { PASSWORD, consoleSettings, runtime } from '../../support/console';

const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];

const DATA_ROUTES: Array<[string, string]> = [
  ['get', '/impetus/api/session'],
  ['get', '/impetus/api/alerts'],
  ['get', '/impetus/api/alerts/x'],
  ['get', '/impetus/api/alerts/x/history'],
  ['get', '/impetus/api/alerts/x/cap.xml'],
  ['get', '/impetus/api/alerts/x/fiware.json'],
  ['get', '/impetus/api/alerts/x/media/sha256:00'],
  ['post', '/impetus/api/alerts/x/actions'],
  ['get', '/impetus/api/silences'],
  ['get', '/impetus/api/summary'],
  ['get', '/impetus/api/map/sites'],
  ['get', '/impetus/api/pages'],
  ['get', '/impetus/api/pages/firearm'],
  ['post', '/impetus/api/panels/x/actions'],
  ['get', '/impetus/api/own-panels'],
  ['post', '/impetus/api/panels/x/requests/preview'],
  ['post', '/impetus/api/logout'],
];

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'] as string[] | undefined;
  assert.ok(set?.length, 'a Set-Cookie header');
  return set[0];
}

describe('console login and sessions', function () {
  useRuntime(() => consoleSettings({ session: { loginBackoff: { freeAttempts: 3, baseSeconds: 60, maxSeconds: 600 } } }));
  beforeEach(() => load(alertNodes, flow));

  it('refuses every data route without a session, with a JSON 401', async () => {
    for (const [method, route] of DATA_ROUTES) {
      const res = await (httpNode() as unknown as Record<string, (r: string) => Promise<{ status: number; body: { error: string } }>>)[method](route);
      assert.equal(res.status, 401, `${method.toUpperCase()} ${route}`);
      assert.equal(res.body.error, 'login required');
    }
  });

  it('answers the console\'s session probe without a session with 200 {authenticated: false}, not a 401 a browser logs', async () => {
    const probe = await httpNode().get('/impetus/api/session?probe').expect(200);
    assert.deepEqual(probe.body, { authenticated: false });
    const agent = httpNode();
    await agent.post('/impetus/api/login').send({ username: 'operator', password: PASSWORD }).expect(200);
    const session = (await agent.get('/impetus/api/session?probe').expect(200)).body;
    assert.equal(session.user.role, 'operator', 'with a session the probe answers the session');
  });

  it('logs in: an HttpOnly, SameSite=Strict session cookie, the CSRF token and the role\'s view', async () => {
    const agent = httpNode();
    const res = await agent.post('/impetus/api/login').send({ username: 'operator', password: PASSWORD }).expect(200);
    const cookie = cookieOf(res);
    assert.match(cookie, /^impetus_session=[A-Za-z0-9_-]{40,};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/impetus/);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP: not Secure (the browser would drop it)');
    assert.equal(res.body.user.role, 'operator');
    assert.equal(res.body.view.role, 'operator');
    assert.match(res.body.csrf, /^[A-Za-z0-9_-]{40,}$/);
    assert.ok(!JSON.stringify(res.body).includes(cookie.split(';')[0].split('=')[1]), 'the session id is only in the cookie');

    const session = (await agent.get('/impetus/api/session').expect(200)).body;
    assert.equal(session.user.username, 'operator');
    assert.equal(session.live.path, '/impetus/ws');
    assert.ok(session.tools.every((t: { id: string }) => session.view.tools.includes(t.id)));
  });

  it('marks the cookie Secure when the console is configured for HTTPS', async () => {
    // Node-RED's `https` setting makes req.secure true; the explicit setting is the same switch.
    runtime().platform.settings.console.session.secure = true;
    const res = await httpNode().post('/impetus/api/login').send({ username: 'operator', password: PASSWORD }).expect(200);
    assert.match(cookieOf(res), /; Secure/);
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    const wrong = await httpNode().post('/impetus/api/login').send({ username: 'operator', password: 'nope' }).expect(401);
    const unknown = await httpNode().post('/impetus/api/login').send({ username: 'mallory', password: 'nope' }).expect(401);
    assert.equal(wrong.body.error, 'wrong user name or password');
    assert.equal(unknown.body.error, wrong.body.error);
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  it('answers bad login bodies with 400 and a reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /username must be/],
      [{ username: 'operator' }, /password must be/],
      [{ username: 42, password: 'x' }, /username must be/],
      [{ username: 'x'.repeat(65), password: 'x' }, /username must be/],
      [{ username: 'operator', password: 'x'.repeat(1025) }, /password must be/],
    ];
    for (const [body, error] of cases) {
      const res = await httpNode().post('/impetus/api/login').send(body as object).expect(400);
      assert.match(res.body.error, error);
    }
    const broken = await httpNode().post('/impetus/api/login').set('Content-Type', 'application/json').send('{"username": ').expect(400);
    assert.equal(broken.body.error, 'the body is not valid JSON');
  });

  it('takes the login as JSON only: a form or plain text (what another site can send) gets 415', async () => {
    for (const [type, body] of [['form', `username=operator&password=${encodeURIComponent(PASSWORD)}`], ['text/plain', JSON.stringify({ username: 'operator', password: PASSWORD })]]) {
      const res = await httpNode().post('/impetus/api/login').type(type).send(body).expect(415);
      assert.match(res.body.error, /application\/json/);
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  it('backs off after the 3rd failure of a user from an address (the 4th try waits), with Retry-After; not from elsewhere', async () => {
    // Addresses as a reverse proxy reports them (trust proxy: loopback), so the test can be several clients.
    (currentRed().httpNode as unknown as { set(name: string, value: unknown): void }).set('trust proxy', 'loopback');
    const from = (address: string) => httpNode().post('/impetus/api/login').set('X-Forwarded-For', address);
    for (let i = 0; i < 3; i += 1) await from('203.0.113.9').send({ username: 'operator', password: `guess ${i}` }).expect(401);
    const waiting = await from('203.0.113.9').send({ username: 'operator', password: PASSWORD }).expect(429);
    assert.match(waiting.body.error, /too many failed logins; try again in \d+ s/);
    assert.equal(waiting.headers['retry-after'], '60');
    // The real operator, anywhere else, is not locked out by the guesser …
    await from('198.51.100.7').send({ username: 'operator', password: PASSWORD }).expect(200);
    // … nor is another user behind the guesser's address (3 failures are far below its own limit).
    await from('203.0.113.9').send({ username: 'supervisor', password: PASSWORD }).expect(200);
    // That success cleared nothing of the operator's: the guesser still waits.
    await from('203.0.113.9').send({ username: 'operator', password: 'guess 4' }).expect(429);
  });

  it('requires the CSRF token on every state-changing request, and the same origin', async () => {
    const agent = httpNode();
    const login = await agent.post('/impetus/api/login').send({ username: 'supervisor', password: PASSWORD }).expect(200);
    const csrf = login.body.csrf as string;
    const without = await agent.post('/impetus/api/alerts/x/actions').send({ action: 'comment', text: 'hi' }).expect(403);
    assert.match(without.body.error, /CSRF/);
    await agent.post('/impetus/api/alerts/x/actions').set('X-CSRF-Token', 'forged').send({ action: 'comment', text: 'hi' }).expect(403);
    await agent.post('/impetus/api/logout').expect(403);
    const crossSite = await agent.post('/impetus/api/alerts/x/actions').set('X-CSRF-Token', csrf).set('Origin', 'https://evil.example').send({ action: 'comment' }).expect(403);
    assert.match(crossSite.body.error, /cross-origin/);
    await agent.post('/impetus/api/login').set('Origin', 'https://evil.example').send({ username: 'supervisor', password: PASSWORD }).expect(403);
    // With the token the request goes through to the route itself (an unknown alert here).
    await agent.post('/impetus/api/alerts/x/actions').set('X-CSRF-Token', csrf).send({ action: 'comment', text: 'hi' }).expect(404);
    const form = await agent.post('/impetus/api/alerts/x/actions').set('X-CSRF-Token', csrf).type('form').send('action=comment').expect(415);
    assert.match(form.body.error, /application\/json/);
  });

  it('logs out: the cookie is cleared and the session is gone', async () => {
    const agent = httpNode();
    const login = await agent.post('/impetus/api/login').send({ username: 'manager', password: PASSWORD }).expect(200);
    const out = await agent.post('/impetus/api/logout').set('X-CSRF-Token', login.body.csrf).expect(204);
    assert.match(cookieOf(out), /^impetus_session=; .*Max-Age=0/);
    // The old cookie value is dead even if a client keeps sending it.
    const old = cookieOf(login).split(';')[0];
    await httpNode().get('/impetus/api/session').set('Cookie', old).expect(401);
  });

  it('gives a new session id at each login (no fixation)', async () => {
    const agent = httpNode();
    const first = cookieOf(await agent.post('/impetus/api/login').send({ username: 'cyber', password: PASSWORD }).expect(200)).split(';')[0];
    const second = cookieOf(await agent.post('/impetus/api/login').set('Cookie', first).send({ username: 'cyber', password: PASSWORD }).expect(200)).split(';')[0];
    assert.notEqual(first, second);
    await httpNode().get('/impetus/api/session').set('Cookie', first).expect(401);
    await httpNode().get('/impetus/api/session').set('Cookie', second).expect(200);
  });

  it('ends idle sessions', async () => {
    const rt = runtime();
    const session = rt.openSession({ username: 'intel', name: 'intel', role: 'intel' });
    (session as { lastSeen: number }).lastSeen -= rt.platform.settings.console.session.idleMs + 1;
    await httpNode().get('/impetus/api/session').set('Cookie', `impetus_session=${session.id}`).expect(401);
  });

  it('serves the app shell and its assets without a session, with a strict CSP', async () => {
    const page = await httpNode().get('/impetus/').expect(200);
    assert.match(page.text, /<base href="\/impetus\/">/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    for (const route of ['/impetus/alerts/abc', '/impetus/incidents/inc-1', '/impetus/map', '/impetus/pages/firearm']) await httpNode().get(route).expect(200);
    await httpNode().get('/impetus/vendor/leaflet/leaflet.js').expect(200);
    await httpNode().get('/impetus/vendor/chart.js/chart.umd.js').expect(200);
    await httpNode().get('/impetus/vendor/leaflet.markercluster/leaflet.markercluster.js').expect(200);
    await httpNode().get('/impetus/vendor/leaflet.markercluster/MarkerCluster.css').expect(200);
    await httpNode().get('/impetus/app/main.js').expect(200);
    const escape = await httpNode().get('/impetus/app/%2e%2e/%2e%2e/package.json');
    assert.ok([403, 404].includes(escape.status), `no way out of the app directory (${escape.status})`);
    await httpNode().get('/impetus/api/nothing-here').expect(401);
  });
});
