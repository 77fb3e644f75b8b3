/**
 * Workload data is for the supervisor only. The real flow (impetus-workload → impetus-alert, and
 * its team table on the supervisor's page) runs on the sample recording; then every other role
 * is refused every route to it: the alert list, the alert, its history, its CAP and FIWARE
 * exports, the summary tiles, the pages and panels, the WebSocket, and chat deliveries (which
 * check consoleOf(platform).mayView). The pause button on the table pauses the operator and the
 * pause is recorded as a supervisor-only alert naming who pressed it.
 *
 * The operators' own indicators (a personal table fed by the node's fifth output, op-2 → alice,
 * op-3 → bob, op-4 → a manager's user name): each operator gets their own row over HTTP and the
 * WebSocket and nobody else's; no other user, of any role, gets any; an operator pauses their own
 * monitoring from it, the supervisor is told, and only the operator lifts that pause.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { consoleOf, PACKAGE_ROOT, platformFor } from '../../nodes/platform';
import { edfChunks } from '../../nodes/workload/replay';
import { alertNodes, api, currentRed, helper, load, node, uiNodes, useRuntime, waitFor, workloadNodes } from '../support/nodered';
import { LiveTestClient, ROLES, consoleSettings } from '../support/console';
import type { Role } from '../support/console';

const flow = [
  { id: 'wl', type: 'impetus-workload', zone: 'soc', minDuration: 60, smoothing: 30, consoleUsers: 'op-2:alice\nop-3:bob\nop-4:mgr', wires: [['sink'], ['table'], [], [], ['mine']] },
  { id: 'mine', type: 'impetus-ui-table', page: 'workload', title: 'My workload', roles: ['operator'], personal: true, key: 'operator', columns: 'state:State\nindex:Index', actions: 'pause:Pause my monitoring\nresume:Resume', actionRoles: ['operator'], wires: [['wl']] },
  { id: 'sink', type: 'impetus-alert', tool: 'workload', wires: [[]] },
  { id: 'table', type: 'impetus-ui-table', page: 'workload', title: 'Team', roles: ['supervisor'], key: 'operator', columns: 'operator:Operator\nstate:State', actions: 'pause:Pause\nresume:Resume', actionRoles: ['supervisor'], wires: [['wl']] },
];

describe('workload privacy: the supervisor only', function () {
  this.timeout(120_000);
  useRuntime(() => consoleSettings());
  let alerts: Alert[];


  beforeEach(async () => {
    await load([...alertNodes, ...uiNodes, ...workloadNodes], flow);
    const wl = node('wl');
    const start = Date.now() - 300_000;
    for await (const chunk of edfChunks(path.join(PACKAGE_ROOT, 'flows/workload/operator-2.edf'), { operator: 'op-2', device: 'band-2', start })) {
      wl.receive({ payload: { ...chunk, battery: chunk.t0 > start + 200_000 ? 8 : 80 } });
    }
    // A few seconds of three more operators: bob's, one mapped to a manager's user name, one unmapped.
    for (const operator of ['op-3', 'op-4', 'op-5']) {
      let n = 0;
      for await (const chunk of edfChunks(path.join(PACKAGE_ROOT, 'flows/workload/operator-2.edf'), { operator, device: `band-${operator}`, start })) {
        wl.receive({ payload: chunk });
        if (++n === 3) break;
      }
    }
    const platform = platformFor(currentRed());
    await waitFor(async () => (alerts = (await platform.store.query({ tool: 'workload' })).items).length >= 2, 'workload alerts stored');
  });

  it('the supervisor sees the workload and sensor alerts and the team page', async () => {
    const events = alerts.map((a) => a.event).sort();
    assert.ok(events.includes('Operator workload high') && events.includes('Workload sensor battery low'), events.join(', '));
    const listed = (await api('supervisor').get('/impetus/api/alerts?tool=workload').expect(200)).body as { total: number };
    assert.equal(listed.total, alerts.length);
    const pages = (await api('supervisor').get('/impetus/api/pages').expect(200)).body as Array<{ page: string }>;
    assert.ok(pages.some((p) => p.page === 'workload'));
    const page = (await api('supervisor').get('/impetus/api/pages/workload').expect(200)).body as Array<{ data: { rows: Array<{ operator: string }> } }>;
    assert.equal(JSON.stringify(page).includes('op-2'), true);
  });

  for (const role of ROLES.filter((r) => r !== 'supervisor') as Role[]) {
    it(`${role}: no route reaches an operator's workload`, async () => {
      const agent = api(role);
      const listed = (await agent.get('/impetus/api/alerts?limit=1000&tool=workload').expect(200)).body as { items: Alert[]; total: number };
      assert.equal(listed.total, 0);
      const all = (await agent.get('/impetus/api/alerts?limit=1000').expect(200)).body as { items: Alert[] };
      assert.ok(!all.items.some((a) => a.tool === 'workload'));
      for (const a of alerts) {
        for (const route of ['', '/history', '/cap.xml', '/cap.json', '/fiware.json']) await agent.get(`/impetus/api/alerts/${a.id}${route}`).expect(404);
        await agent.post(`/impetus/api/alerts/${a.id}/actions`).send({ action: 'comment', text: 'x' }).expect((res) => assert.ok([403, 404].includes(res.status), `${res.status}`));
        assert.equal(consoleOf(platformFor(currentRed())).mayView({ username: `probe-${role}`, role }, a), false, 'no chat delivery to this role');
      }
      const summary = (await agent.get('/impetus/api/summary').expect(200)).body as { tiles: Array<{ id: string }> };
      assert.ok(!summary.tiles.some((t) => t.id === 'workload'));
      const pages = await agent.get('/impetus/api/pages');
      if (pages.status === 200) assert.ok(!(pages.body as Array<{ page: string }>).some((p) => p.page === 'workload'));
      const page = await agent.get('/impetus/api/pages/workload');
      assert.ok(page.status !== 200 || !JSON.stringify(page.body).includes('op-2'), `${role} page: ${page.status} ${JSON.stringify(page.body).slice(0, 200)}`);
      assert.deepEqual((await agent.get('/impetus/api/own-panels').expect(200)).body, [], 'no own indicator for a user nobody mapped');
      await agent.post('/impetus/api/panels/table/actions').send({ action: 'pause', key: 'op-2' }).expect((res) => assert.ok([403, 404].includes(res.status), `${res.status}`));
      const client = await LiveTestClient.as(role);
      node('wl').receive({ payload: { operator: 'op-2', device: 'band-2', battery: 5 } });
      await new Promise((r) => setTimeout(r, 1200));
      await client.sync();
      assert.ok(!client.events.some((e) => e.alert.tool === 'workload'));
      assert.ok(!JSON.stringify(client.messages).includes('op-2'), `${role} heard of op-2 on the WebSocket`);
      client.close();
    });
  }

  it('one click pauses an operator; the pause is audited, for the supervisor only', async () => {
    await api('supervisor').post('/impetus/api/panels/table/actions').send({ action: 'pause', key: 'op-2' }).expect(204);
    const platform = platformFor(currentRed());
    let paused: Alert | undefined;
    await waitFor(async () => Boolean((paused = (await platform.store.query({ tool: 'workload' })).items.find((a) => a.event === 'Operator monitoring paused'))), 'the pause stored');
    assert.equal((paused!.data as { paused: boolean }).paused, true);
    assert.match(paused!.headline!, /op-2: monitoring paused by /);
    await api('operator').get(`/impetus/api/alerts/${paused!.id}`).expect(404);
  });

  /** What a user's own panels hold: the operators of their rows. */
  async function ownOperators(role: Role, username: string): Promise<string[]> {
    const own = (await api(role, username).get('/impetus/api/own-panels').expect(200)).body as Array<{ id: string; data: { rows: Array<{ operator: string }> } }>;
    return own.flatMap((p) => p.data.rows.map((r) => r.operator));
  }

  it('own indicator: each operator sees their own state and nobody else\'s, over HTTP and the WebSocket; no other user any', async () => {
    await waitFor(async () => (await ownOperators('operator', 'bob')).length === 1, 'bob\'s row');
    assert.deepEqual(await ownOperators('operator', 'alice'), ['op-2']);
    assert.deepEqual(await ownOperators('operator', 'bob'), ['op-3']);
    assert.deepEqual(await ownOperators('operator', 'carol'), [], 'an operator nobody mapped');
    // op-4 is mapped to "mgr", but mgr logs in as a manager: the table is for operators only.
    // And every other role, even under an operator's user name, gets nothing.
    for (const role of ROLES.filter((r) => r !== 'operator') as Role[]) {
      for (const username of ['mgr', 'alice']) assert.deepEqual(await ownOperators(role, username), [], `${role} ${username}`);
    }
    const alicePage = (await api('operator', 'alice').get('/impetus/api/pages/workload').expect(404)).body as { error: string };
    assert.match(alicePage.error, /no page workload/, 'the team page stays the supervisor\'s');
    const clients = {
      alice: await LiveTestClient.as('operator', '', 'alice'),
      bob: await LiveTestClient.as('operator', '', 'bob'),
      carol: await LiveTestClient.as('operator', '', 'carol'),
      ...Object.fromEntries(await Promise.all((ROLES.filter((r) => r !== 'operator') as Role[]).map(async (role) => [role, await LiveTestClient.as(role, '', role === 'manager' ? 'mgr' : 'alice')]))),
    } as Record<string, LiveTestClient>;
    try {
      await new Promise((r) => setTimeout(r, 1100));
      node('wl').receive({ payload: { operator: 'op-2', device: 'band-2', battery: 70 } });
      const own = (c: LiveTestClient) => c.messages.flatMap((m) => (m.type === 'batch' ? (m.panels ?? []) : [])).filter((p) => p.id === 'mine');
      await waitFor(() => own(clients.alice).length > 0 && own(clients.bob).length > 0, 'the own rows on the WebSocket');
      for (const c of Object.values(clients)) await c.sync();
      assert.match(JSON.stringify(own(clients.alice)), /op-2/);
      assert.doesNotMatch(JSON.stringify(clients.alice.messages), /op-[345]/, 'alice hears of no one else');
      assert.match(JSON.stringify(own(clients.bob)), /op-3/);
      assert.doesNotMatch(JSON.stringify(clients.bob.messages), /op-[245]/, 'bob hears of no one else');
      for (const [who, c] of Object.entries(clients)) {
        if (who === 'alice' || who === 'bob') continue;
        assert.equal(own(c).length, 0, `${who} gets no own indicator`);
        if (who !== 'supervisor') assert.doesNotMatch(JSON.stringify(c.messages), /op-[2345]/, `${who} hears of no operator`);
      }
    } finally {
      for (const c of Object.values(clients)) c.close();
    }
    assert.ok(helper.log().args.some((a: unknown[]) => /op-5 has no console user/.test(JSON.stringify(a))), 'the unmapped operator is warned of');
  });

  it('own indicator: an operator pauses their own monitoring; the supervisor is told; only the operator resumes', async () => {
    await waitFor(async () => (await ownOperators('operator', 'alice')).length === 1, 'alice\'s row');
    const press = (role: Role, username: string, action: string, panel = 'mine') => api(role, username).post(`/impetus/api/panels/${panel}/actions`).send({ action, key: 'op-2' });
    await press('operator', 'bob', 'pause').expect(404);
    await press('operator', 'carol', 'pause').expect(404);
    for (const role of ROLES.filter((r) => r !== 'operator') as Role[]) await press(role, 'alice', 'pause').expect(404);
    await press('operator', 'alice', 'pause').expect(204);
    const platform = platformFor(currentRed());
    const find = async (event: string) => (await platform.store.query({ tool: 'workload' })).items.find((a) => a.event === event);
    let paused: Alert | undefined;
    await waitFor(async () => Boolean((paused = await find('Operator monitoring paused'))), 'the pause stored');
    assert.match(paused!.headline!, /op-2: monitoring paused by Test operator \(their own choice\)/);
    assert.deepEqual(paused!.data, { kind: 'monitoring', operator: 'op-2', paused: true, by: 'Test operator', self: true });
    const told = (await api('supervisor').get('/impetus/api/alerts?tool=workload&limit=100').expect(200)).body as { items: Alert[] };
    assert.ok(told.items.some((a) => a.id === paused!.id), 'the supervisor is told');
    await api('operator', 'alice').get(`/impetus/api/alerts/${paused!.id}`).expect(404);
    await waitFor(async () => JSON.stringify((await api('operator', 'alice').get('/impetus/api/own-panels')).body).includes('paused'), 'her indicator says paused');
    // The supervisor's team table offers no Resume on her row (the pause is hers to lift), and
    // the console refuses one pressed anyway, before it reaches the flow.
    const rowOf = async () => ((await api('supervisor').get('/impetus/api/pages/workload').expect(200)).body as { panels: Array<{ id: string; data: { rows: Array<{ operator: string; actions: string[] }> } }> })
      .panels.find((p) => p.id === 'table')!.data.rows.find((r) => r.operator === 'op-2')!;
    assert.deepEqual((await rowOf()).actions, []);
    assert.match((await press('supervisor', 'test-supervisor', 'resume', 'table').expect(409)).body.error, /row op-2 does not offer resume now/);
    assert.equal(await find('Operator monitoring resumed'), undefined);
    await press('operator', 'alice', 'resume').expect(204);
    await waitFor(async () => Boolean(await find('Operator monitoring resumed')), 'her resume stored');
  });
});
