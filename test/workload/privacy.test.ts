/**
 * Workload data is for the supervisor only. The real flow (impetus-workload → impetus-alert, and
 * its team table on the supervisor's page) runs on the sample recording; then every other role
 * is refused every route to it: the alert list, the alert, its history, its CAP and FIWARE
 * exports, the summary tiles, the pages and panels, the WebSocket, and chat deliveries (which
 * check consoleOf(platform).mayView). The pause button on the table pauses the operator and the
 * pause is recorded as a supervisor-only alert naming who pressed it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { consoleOf, PACKAGE_ROOT, platformFor } from '../../nodes/platform';
import { edfChunks } from '../../nodes/workload/replay';
import { alertNodes, api, currentRed, load, node, uiNodes, useRuntime, waitFor, workloadNodes } from '../support/nodered';
import { LiveTestClient, ROLES, consoleSettings } from '../support/console';
import type { Role } from '../support/console';

const flow = [
  { id: 'wl', type: 'impetus-workload', zone: 'soc', minDuration: 60, smoothing: 30, wires: [['sink'], ['table'], [], []] },
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
});
