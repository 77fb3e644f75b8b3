/**
 * Each role sees and does exactly what its view allows, and no alert leaks to a role whose view
 * excludes it: over every HTTP route and over the WebSocket. Expectations come from the view
 * files read as plain JSON, plus a few facts stated outright so that a view edit that breaks the
 * intent fails here too.
 */
import assert from 'node:assert/strict';
import type { Alert } from '../../../nodes/platform/model/types';
import { platformFor } from '../../../nodes/platform';
import { alertNodes, api, currentRed, load, useRuntime } from '../../support/nodered';
import type { Role } from '../../support/console';
import { ALL_TOOLS, LiveTestClient, ROLES, consoleSettings, expectedVisible, packagedViews, raiseFixture, toolData } from '../../support/console';

const views = packagedViews();
const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];

describe('console roles: what each role sees and does', function () {
  useRuntime(() => consoleSettings());
  let alerts: Alert[];

  beforeEach(async () => {
    await load(alertNodes, flow);
    alerts = await raiseFixture();
    assert.deepEqual(new Set(alerts.map((a) => a.priority)), new Set(['P1', 'P4']), 'the fixture spans P1 and P4');
  });

  it('states the intent of the packaged views', () => {
    const tools = (role: Role) => views.get(role)!.tools;
    assert.ok(['operator', 'manager', 'admin', 'field', 'cyber', 'intel'].every((r) => !expectedVisible(views.get(r as Role)!, { tool: 'workload', priority: 'P1', status: 'Actual', zone: 'soc' })), 'operator bio-signals only for supervisors');
    // The manager sees every tool but workload, so a tool installed later shows up in its view too.
    assert.deepEqual(tools('manager'), ['*', '!workload']);
    assert.ok(!tools('field').some((t) => t === 'cti' || t === 'ctdr' || t === 'social'), 'no cyber or social alerts on a responder\'s phone');
    assert.deepEqual([...tools('cyber')].sort(), ['ctdr', 'cti']);
    assert.deepEqual(views.get('manager')!.actions, [], 'the city manager is read-only');
    assert.deepEqual(views.get('field')!.filters?.priority, ['P1', 'P2', 'P3']);
    assert.ok(tools('admin').includes('*') && tools('supervisor').includes('*'));
  });

  it('shows the manager every tool but workload, a tool it has never heard of included', async () => {
    const listed = (await api('manager').get('/impetus/api/alerts?limit=1000').expect(200)).body as { items: Alert[] };
    const tools = new Set(listed.items.map((a) => a.tool));
    assert.ok(tools.has('plugin-tool'), 'a plug-in tool is in the manager\'s view');
    assert.ok(!tools.has('workload'), 'workload is not');
    // Asking for workload by name still selects nothing.
    assert.equal((await api('manager').get('/impetus/api/alerts?tool=workload').expect(200)).body.total, 0);
    const summary = (await api('manager').get('/impetus/api/summary').expect(200)).body as { tiles: Array<{ id: string }> };
    const tiles = summary.tiles.map((t) => t.id);
    assert.ok(tiles.includes('plugin-tool') && !tiles.includes('workload'), tiles.join(', '));
    const session = (await api('manager').get('/impetus/api/session').expect(200)).body as { tools: Array<{ id: string }> };
    assert.ok(!session.tools.some((t) => t.id === 'workload'));
  });

  it('serves an alert\'s own images to the roles that see the alert, and no other media', async () => {
    const platform = platformFor(currentRed());
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d4ea290000000049454e44ae426082', 'hex');
    const other = await platform.store.putMedia(Buffer.from('another tool\'s snapshot'), 'image/jpeg');
    const ref = await platform.store.putMedia(png, 'image/png');
    const { alert } = await platform.alerts.raise({ tool: 'firearm', event: 'Firearm detected', severity: 'critical', zone: 'media', data: toolData('firearm'), resources: [{ description: 'frame 1', mimeType: 'image/png', digest: ref.digest, size: ref.size }] });
    const res = await api('operator').get(`/impetus/api/alerts/${alert.id}/media/${ref.digest}`).expect(200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(res.body, png);
    // A stored digest that this alert does not reference: not reachable through it.
    await api('operator').get(`/impetus/api/alerts/${alert.id}/media/${other.digest}`).expect(404);
    await api('cyber').get(`/impetus/api/alerts/${alert.id}/media/${ref.digest}`).expect(404);
  });

  for (const role of ROLES) {
    it(`${role}: lists, reads and exports exactly the alerts its view allows`, async () => {
      const view = views.get(role)!;
      const visible = alerts.filter((a) => expectedVisible(view, a));
      const hidden = alerts.filter((a) => !expectedVisible(view, a));
      assert.ok(visible.length > 0, `${role} sees something`);
      if (role !== 'admin' && role !== 'supervisor') assert.ok(hidden.length > 0, `${role} is denied something`);
      const agent = api(role);

      const listed = (await agent.get('/impetus/api/alerts?limit=1000').expect(200)).body as { items: Alert[]; total: number };
      assert.deepEqual(listed.items.map((a) => a.id).sort(), visible.map((a) => a.id).sort());
      assert.equal(listed.total, visible.length);
      const slim = (await agent.get('/impetus/api/alerts?limit=1000&fields=summary').expect(200)).body as { items: Array<{ id: string; history?: unknown }> };
      assert.deepEqual(slim.items.map((a) => a.id).sort(), visible.map((a) => a.id).sort());
      assert.equal(slim.items[0].history, undefined, 'summary rows carry no history');

      // Asking for a hidden tool, zone or priority by name selects nothing rather than everything.
      for (const a of hidden) {
        const q = `tool=${a.tool}&zone=${encodeURIComponent(a.zone!)}&priority=${a.priority}&status=${a.status}`;
        assert.equal((await agent.get(`/impetus/api/alerts?${q}`).expect(200)).body.total, 0, `${role} must not find ${a.tool} ${a.priority}`);
      }
      for (const a of hidden) {
        for (const route of ['', '/history', '/cap.xml', '/cap.json', '/fiware.json', '/media/sha256:00']) {
          const res = await agent.get(`/impetus/api/alerts/${a.id}${route}`).expect(404);
          assert.match(res.body.error, /unknown alert/, `${role} GET ${route} of a hidden ${a.tool} alert`);
        }
        await agent.post(`/impetus/api/alerts/${a.id}/actions`).send({ action: 'comment', text: 'peek' }).expect(404);
      }
      for (const a of visible) {
        assert.equal((await agent.get(`/impetus/api/alerts/${a.id}`).expect(200)).body.id, a.id);
        assert.ok((await agent.get(`/impetus/api/alerts/${a.id}/history`).expect(200)).body.total >= 1);
        assert.equal(JSON.parse((await agent.get(`/impetus/api/alerts/${a.id}/fiware.json`).expect(200)).text).type, 'Alert');
      }
      const cap = await agent.get(`/impetus/api/alerts/${visible[0].id}/cap.xml`).expect(200);
      assert.match(String(cap.headers['content-disposition']), /attachment; filename="impetus-.*\.cap\.xml"/);
      assert.match(cap.text, /urn:oasis:names:tc:emergency:cap:1\.2/);

      const summary = (await agent.get('/impetus/api/summary').expect(200)).body as { tiles: Array<{ id: string; counts: Record<string, number> }> };
      const tileTools = summary.tiles.map((t) => t.id);
      for (const tool of ALL_TOOLS) {
        const mayShow = view.tools.includes(tool) || (view.tools.includes('*') && !view.tools.includes(`!${tool}`));
        assert.equal(tileTools.includes(tool), mayShow, `${role} tile for ${tool}`);
      }
      const counted = summary.tiles.reduce((n, t) => n + Object.values(t.counts).reduce((x, y) => x + y, 0), 0);
      assert.equal(counted, visible.length, `${role}: the tiles count exactly the visible alerts`);
    });

    it(`${role}: may take exactly the actions its view allows`, async () => {
      const view = views.get(role)!;
      const agent = api(role);
      const target = alerts.find((a) => expectedVisible(view, a))!;
      for (const action of ['comment', 'assign', 'acknowledge', 'resolve', 'reopen'] as const) {
        const body = { action, text: 'from the test', assignee: 'olga' };
        const res = await agent.post(`/impetus/api/alerts/${target.id}/actions`).send(body);
        if (view.actions.includes(action)) {
          assert.equal(res.status, 200, `${role} ${action}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.id, target.id);
        } else {
          assert.equal(res.status, 403, `${role} ${action} must be refused`);
          assert.match(res.body.error, new RegExp(`${role} role may not ${action}`));
        }
      }
      const history = (await agent.get(`/impetus/api/alerts/${target.id}/history`).expect(200)).body.entries as Array<{ action: string; by?: string }>;
      const mine = history.filter((e) => e.by === `test-${role}`).map((e) => e.action);
      const expected = (['comment', 'assign', 'acknowledge', 'resolve', 'reopen'] as const)
        .filter((a) => view.actions.includes(a))
        .map((a) => ({ comment: 'commented', assign: 'assigned', acknowledge: 'acknowledged', resolve: 'resolved', reopen: 'reopened' })[a]);
      assert.deepEqual(mine, expected, `${role}: the audit log holds exactly its allowed actions, under its user name`);
    });

    it(`${role}: acknowledges several alerts in one request only if its view allows, each audited on its own`, async () => {
      const view = views.get(role)!;
      const agent = api(role);
      const visible = alerts.filter((a) => expectedVisible(view, a)).slice(0, 2);
      const hidden = alerts.find((a) => !expectedVisible(view, a));
      const ids = [...visible.map((a) => a.id), ...(hidden ? [hidden.id] : []), 'no-such-alert'];
      const res = await agent.post('/impetus/api/alerts/actions').send({ action: 'acknowledge', ids });
      if (!view.actions.includes('acknowledge')) {
        assert.equal(res.status, 403, `${role} bulk acknowledge must be refused`);
        assert.match(res.body.error, new RegExp(`${role} role may not acknowledge`));
        for (const a of visible) assert.equal((await agent.get(`/impetus/api/alerts/${a.id}`).expect(200)).body.state, 'open', 'nothing was acknowledged');
        return;
      }
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const results = res.body.results as Array<{ id: string; status: number; alert?: Alert; error?: string }>;
      assert.deepEqual(results.map((r) => [r.id, r.status]), ids.map((id) => [id, visible.some((a) => a.id === id) ? 200 : 404]),
        'each visible alert acknowledged; a hidden one answers exactly like one that does not exist');
      for (const a of visible) {
        const history = (await agent.get(`/impetus/api/alerts/${a.id}/history`).expect(200)).body.entries as Array<{ action: string; by?: string }>;
        assert.deepEqual(history.filter((e) => e.by === `test-${role}`).map((e) => e.action), ['acknowledged'], `${a.id}: its own audit entry`);
      }
      // Again: each is already acknowledged, which each result says; nothing else changes.
      const again = (await agent.post('/impetus/api/alerts/actions').send({ action: 'acknowledge', ids: visible.map((a) => a.id) }).expect(200)).body.results as Array<{ status: number }>;
      assert.deepEqual(again.map((r) => r.status), visible.map(() => 409));
      for (const bad of [{ action: 'acknowledge' }, { action: 'acknowledge', ids: [] }, { action: 'acknowledge', ids: [7] }, { action: 'explode', ids: [visible[0].id] }]) {
        await agent.post('/impetus/api/alerts/actions').send(bad).expect(400);
      }
    });

    it(`${role}: lists whom to assign to only if its view may assign`, async () => {
      const view = views.get(role)!;
      const res = await api(role).get('/impetus/api/assignees');
      if (!view.actions.includes('assign')) {
        assert.equal(res.status, 403, `${role} may not list assignees`);
        return;
      }
      assert.equal(res.status, 200);
      const { users, teams } = res.body as { users: Array<{ username: string; name: string; role: Role }>; teams: Array<{ id: string; name: string }> };
      const shares = (other: Role) => views.get(other)!.tools.some((t) => t === '*' || view.tools.includes('*') || view.tools.includes(t));
      const expected = ROLES.filter((r) => views.get(r)!.actions.length > 0 && shares(r));
      assert.deepEqual(users.map((u) => u.username).sort(), [...expected].sort(), `${role}: the users who may act on its tools' alerts`);
      assert.ok(!users.some((u) => u.role === 'manager'), 'never a read-only user');
      assert.deepEqual(teams.map((t) => t.id).sort(), expected.map((r) => `team:${r}`).sort());
      assert.ok(teams.every((t) => t.name.length > 0));
    });

    it(`${role}: the WebSocket pushes exactly the alerts its view allows`, async () => {
      const view = views.get(role)!;
      const client = await LiveTestClient.as(role);
      // The control client: the supervisor sees every alert (the admin sees all but workload).
      const admin = await LiveTestClient.as('supervisor');
      const fresh = await raiseFixture();
      await client.sync();
      await admin.sync();
      const got = new Set(client.events.map((e) => e.alert.id));
      const want = new Set(fresh.filter((a) => expectedVisible(view, a)).map((a) => a.id));
      assert.deepEqual([...got].sort(), [...want].sort(), `${role} live events`);
      assert.equal(new Set(admin.events.map((e) => e.alert.id)).size, fresh.length, 'the supervisor control client got everything');
      for (const e of client.events) assert.ok(expectedVisible(view, e.alert as never), `${role} got ${e.alert.tool}`);
      // Lifecycle changes by someone else reach the role only for alerts it sees.
      const hiddenOne = fresh.find((a) => !expectedVisible(view, a));
      if (hiddenOne) {
        await api('supervisor').post(`/impetus/api/alerts/${hiddenOne.id}/actions`).send({ action: 'comment', text: 'secret' }).expect(200);
        await client.sync();
        assert.ok(!client.events.some((e) => e.alert.id === hiddenOne.id), `${role} must not hear of a comment on a hidden alert`);
      }
      const summary = [...client.messages].reverse().find((m) => m.type === 'summary');
      assert.ok(summary?.tiles?.every((t) => view.tools.includes('*') || view.tools.includes(t.id)), `${role} summary tiles`);
      client.close();
      admin.close();
    });
  }
});
