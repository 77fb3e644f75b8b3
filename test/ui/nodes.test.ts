/**
 * The dashboard nodes: what they put on tool pages, who may see it (HTTP and WebSocket), bounded
 * history, row actions back into the flow, status tiles, and clear errors on bad input.
 */
import assert from 'node:assert/strict';
import type { AlertDraft } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { alertNodes, api, currentRed, helper, load as loadFlow, nextError, nextMessage, node, uiNodes, useRuntime, waitFor } from '../support/nodered';
import { LiveTestClient, consoleSettings, runtime } from '../support/console';

const catchAll = (ids: string[]) => [{ id: 'catch', type: 'catch', scope: ids, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper' }];
const modules = [...alertNodes, ...uiNodes, require('@node-red/nodes/core/common/25-catch.js')];

/** Everything on one tab: a Catch node scopes to the nodes of its own flow. */
function load(mods: unknown[], nodes: Array<Record<string, unknown>>): Promise<void> {
  return loadFlow(mods, [{ id: 'tab', type: 'tab', label: 'test' }, ...nodes.map((n, i) => ({ x: 100, y: 40 * (i + 1), ...n, z: 'tab' }))]);
}

interface PanelView { id: string; kind: string; data: Record<string, unknown>; options: Record<string, unknown> }
async function page(role: Parameters<typeof api>[0], name: string): Promise<PanelView[]> {
  return (await api(role).get(`/impetus/api/pages/${name}`).expect(200)).body.panels;
}

describe('dashboard nodes', function () {
  useRuntime(() => consoleSettings());

  describe('impetus-ui-chart', () => {
    const flow = [
      { id: 'chart', type: 'impetus-ui-chart', page: 'bacteria', title: 'CFU', roles: 'operator,field', maxPoints: 10, samples: 100, thresholds: '5000:threshold', wires: [] },
      { id: 'bars', type: 'impetus-ui-chart', page: 'anomaly', title: 'why', roles: 'operator', chartType: 'bar', wires: [] },
      ...catchAll(['chart', 'bars']),
    ];

    it('keeps a bounded history per series and shows it to the roles it names', async () => {
      await load(modules, flow);
      const chart = node('chart');
      for (let i = 0; i < 25; i += 1) chart.receive({ topic: 's1', payload: { x: 1000 + i, y: i, low: i - 1, high: i + 1 } });
      chart.receive({ topic: 's2', payload: 7, timestamp: '2026-01-01T00:00:00Z' });
      await waitFor(async () => ((await page('operator', 'bacteria'))[0].data.series as unknown[]).length === 2, 'two series');
      const [panel] = await page('operator', 'bacteria');
      const series = panel.data.series as Array<{ name: string; points: number[][] }>;
      const s1 = series.find((s) => s.name === 's1')!;
      assert.equal(s1.points.length, 10, 'maxPoints bounds the buffer');
      assert.deepEqual(s1.points[0], [1015, 15, 14, 16], 'the oldest points fell off');
      assert.deepEqual(series.find((s) => s.name === 's2')!.points, [[Date.parse('2026-01-01T00:00:00Z'), 7]]);
      assert.deepEqual(panel.options.thresholds, [{ value: 5000, label: 'threshold' }]);
      // field is named, but its view opens no bacteria page; intel, cyber and the manager are not named.
      for (const role of ['field', 'intel', 'cyber', 'manager'] as const) await api(role).get('/impetus/api/pages/bacteria').expect(404);
      const pages = (await api('operator').get('/impetus/api/pages').expect(200)).body as Array<{ page: string; title: string }>;
      assert.deepEqual(pages.map((p) => p.page).sort(), ['anomaly', 'bacteria']);
      assert.equal(pages.find((p) => p.page === 'bacteria')!.title, 'Bacteria Detector');
    });

    it('refuses bad points with a clear error and keeps the chart as it was', async () => {
      await load(modules, flow);
      const chart = node('chart');
      chart.receive({ topic: 's', payload: 1 });
      for (const [payload, error] of [['high', /must be a number/], [{ y: 'x' }, /needs a number y/], [{ y: 1, low: 0 }, /both low and high/], [NaN, /finite/], [[1, 'x'], /must be a number/]] as const) {
        const caught = nextMessage<{ error: { message: string } }>(node('caught'));
        chart.receive({ topic: 's', payload });
        assert.match((await caught).error.message, error);
      }
      const tooMany = nextMessage<{ error: { message: string } }>(node('caught'));
      for (let i = 0; i < 11; i += 1) chart.receive({ topic: `series-${i}`, payload: 1 });
      assert.match((await tooMany).error.message, /at most 10 series/);
      const [panel] = await page('operator', 'bacteria');
      assert.deepEqual((panel.data.series as Array<{ points: unknown[] }>)[0].points.length, 1);
    });

    it('draws a series as marks once a sample says so, in the page and in live updates', async () => {
      await load(modules, flow);
      const operator = await LiveTestClient.as('operator');
      node('chart').receive({ payload: [{ series: 'posts', x: 1000, y: 4 }, { series: 'posts', x: 2000, y: 40 }, { series: 'anomaly', x: 2000, y: 40, mark: true }] });
      await waitFor(async () => ((await page('operator', 'bacteria'))[0].data.series as unknown[]).length === 2, 'two series');
      const [panel] = await page('operator', 'bacteria');
      assert.deepEqual(panel.data.series, [{ name: 'posts', points: [[1000, 4], [2000, 40]] }, { name: 'anomaly', points: [[2000, 40]], mark: true }]);
      await waitFor(() => operator.messages.some((m) => m.panels?.some((p) => p.id === 'chart')), 'the chart update');
      const update = operator.messages.flatMap((m) => m.panels ?? []).find((p) => p.id === 'chart')!.update as { points: unknown[][]; marks?: string[] };
      assert.deepEqual(update.marks, ['anomaly'], 'the live update names the new marked series');
      node('chart').receive({ payload: { series: 'anomaly', x: 3000, y: 41, mark: true } });
      await waitFor(() => operator.messages.flatMap((m) => m.panels ?? []).filter((p) => p.id === 'chart').length === 2, 'the second update');
      const second = operator.messages.flatMap((m) => m.panels ?? []).filter((p) => p.id === 'chart')[1].update as { marks?: string[] };
      assert.equal(second.marks, undefined, 'named once');
      operator.close();
    });

    it('replaces bar sets and pushes chart updates live, only to roles that may see them', async () => {
      await load(modules, flow);
      const operator = await LiveTestClient.as('operator');
      const intel = await LiveTestClient.as('intel');
      node('bars').receive({ topic: 'ring-2', payload: { buses: 0.5, gates: 0.2 } });
      node('chart').receive({ topic: 's', payload: 42 });
      await waitFor(() => operator.messages.some((m) => m.panels?.some((p) => p.id === 'chart')), 'the chart update');
      await intel.sync();
      assert.ok(!intel.messages.some((m) => m.panels?.length), 'intel is not named by these panels');
      const bars = operator.messages.flatMap((m) => m.panels ?? []).find((p) => p.id === 'bars')!;
      assert.deepEqual(bars.update, { reset: { bars: [{ name: 'ring-2', values: { buses: 0.5, gates: 0.2 } }] } });
      const chartUpdate = operator.messages.flatMap((m) => m.panels ?? []).find((p) => p.id === 'chart')!;
      assert.equal((chartUpdate.update as { points: unknown[][] }).points[0][0], 's');
      operator.close();
      intel.close();
    });

    it('an empty bar set takes its series off the chart (an evacuation what-if discarded beside the live times)', async () => {
      await load(modules, flow);
      const bars = async () => ((await page('operator', 'anomaly')).find((p) => p.id === 'bars')?.data as { bars: Array<{ name: string }> }).bars;
      node('bars').receive({ topic: 'live', payload: { manin: 100 } });
      node('bars').receive({ topic: 'what-if', payload: { manin: 0 } });
      await waitFor(async () => (await bars()).length === 2, 'two series');
      node('bars').receive({ topic: 'what-if', payload: {} });
      await waitFor(async () => (await bars()).length === 1, 'the what-if series gone');
      assert.deepEqual(await bars(), [{ name: 'live', values: { manin: 100 } }]);
    });
  });

  describe('impetus-ui-status', () => {
    it('gives the tile one state, the health its page shows, with the open alerts beside it', async () => {
      await load(modules, [
        { id: 'st', type: 'impetus-ui-status', tool: 'anomaly', roles: 'operator', wires: [] },
        ...catchAll(['st']),
      ]);
      type Tile = { id: string; state: string; open: number; actualOpen: number };
      const tile = async () => ((await api('operator').get('/impetus/api/summary').expect(200)).body.tiles as Tile[]).find((t) => t.id === 'anomaly')!;
      const pageState = async () => ((await page('operator', 'anomaly')).find((p) => p.kind === 'status')!.data as { state: string } | null)?.state;
      assert.equal((await tile()).state, 'unknown', 'nothing has reported the health yet');
      const platform = platformFor(currentRed());
      const raised = (await platform.alerts.raise({ tool: 'anomaly', event: 'Urban anomaly', headline: 'ring-2 speeds', severity: 'critical', urgency: 'Immediate', certainty: 'Observed' } as AlertDraft)).alert;
      node('st').receive({ payload: { state: 'degraded', text: 'feed quiet' } });
      await waitFor(async () => (await tile()).state === 'degraded' && (await tile()).open === 1, 'a degraded tile with its open alert');
      // The tile does not let the open alert hide the page's DEGRADED (it said ALERTING before).
      assert.equal(await pageState(), 'degraded');
      assert.deepEqual([(await tile()).open, (await tile()).actualOpen], [1, 1]);
      await api('operator').post(`/impetus/api/alerts/${encodeURIComponent(raised.id)}/actions`).send({ action: 'acknowledge' }).expect(200);
      await waitFor(async () => (await tile()).open === 0, 'no open alert once acknowledged');
      assert.equal((await tile()).state, 'degraded', 'the health does not follow the alerts');
      node('st').receive({ payload: 'ok' });
      await platform.alerts.raise({ tool: 'anomaly', event: 'Urban anomaly', headline: 'ring-3 speeds', zone: 'ring-3', severity: 'critical', urgency: 'Immediate', certainty: 'Observed' } as AlertDraft);
      await waitFor(async () => (await tile()).state === 'ok' && (await tile()).open === 1, 'ok with an open alert');
      assert.equal(await pageState(), 'ok');
    });

    it('carries work under way (done of total) to its page, and takes it off with the next message without it', async () => {
      await load(modules, [{ id: 'st', type: 'impetus-ui-status', tool: 'evacuation', roles: 'operator', wires: [] }, ...catchAll(['st'])]);
      const health = async () => (await page('operator', 'evacuation')).find((p) => p.kind === 'status')!.data as { text?: string; progress?: { done: number; total: number } } | null;
      node('st').receive({ topic: 'evacuation/progress', payload: { state: 'ok', text: 'pre-simulating ▰▰▰▱▱▱▱▱▱▱ 12/40', done: 12, total: 40 } });
      await waitFor(async () => (await health())?.progress?.done === 12, 'the progress on the page');
      assert.deepEqual((await health())?.progress, { done: 12, total: 40 });
      node('st').receive({ payload: { state: 'ok', text: '40 scenarios ready' } });
      await waitFor(async () => (await health())?.text === '40 scenarios ready', 'the library ready');
      assert.equal((await health())?.progress, undefined);
      const caught = nextMessage<{ error: { message: string } }>(node('caught'));
      node('st').receive({ payload: { state: 'ok', done: 41, total: 40 } });
      assert.match((await caught).error.message, /done and total must be whole numbers with 0 ≤ done ≤ total/);
    });

    it('feeds the tool tile: degraded with its reason, and degraded when the source goes quiet', async () => {
      await load(modules, [
        { id: 'st', type: 'impetus-ui-status', tool: 'bacteria', roles: 'operator', silentAfter: 1, wires: [] },
        ...catchAll(['st']),
      ]);
      const tile = async (role: 'operator' | 'manager') => ((await api(role).get('/impetus/api/summary').expect(200)).body.tiles as Array<{ id: string; state: string; health?: { state: string; text?: string } }>).find((t) => t.id === 'bacteria');
      node('st').receive({ payload: { state: 'degraded', text: 'sampler 3 not answering' } });
      await waitFor(async () => (await tile('operator'))?.state === 'degraded', 'a degraded tile');
      assert.equal((await tile('operator'))!.health!.text, 'sampler 3 not answering');
      assert.equal((await tile('manager'))!.health, undefined, 'the manager is not named by this status node');
      node('st').receive({ payload: 'ok' });
      await waitFor(async () => (await tile('operator'))?.state === 'ok', 'back to ok');
      // No message for longer than silentAfter: the source counts as quiet.
      await waitFor(async () => (await tile('operator'))?.health?.text === 'no data for 1 s', 'the silence to be noticed', 5000);
      assert.equal((await tile('operator'))!.state, 'degraded');
      const caught = nextMessage<{ error: { message: string } }>(node('caught'));
      node('st').receive({ payload: 'purple' });
      assert.match((await caught).error.message, /must be ok, degraded/);
    });
  });

  describe('impetus-ui-table', () => {
    const flow = [
      { id: 'table', type: 'impetus-ui-table', page: 'firearm', title: 'detections', roles: 'operator,supervisor,manager,field', columns: 'camera:Camera\nscore:Score', key: 'camera', actions: 'dispatch:Dispatch patrol', actionRoles: 'operator', maxRows: 3, wires: [['pressed']] },
      { id: 'pressed', type: 'helper' },
      ...catchAll(['table']),
    ];

    it('keeps rows by key, bounded, and sends a row action with who pressed it', async () => {
      await load(modules, flow);
      const table = node('table');
      table.receive({ payload: [{ camera: 'cam-1', score: 0.5 }, { camera: 'cam-2', score: 0.6 }] });
      table.receive({ payload: { camera: 'cam-1', score: 0.9 } });
      table.receive({ payload: { camera: 'cam-3', score: 0.7 } });
      table.receive({ payload: { camera: 'cam-4', score: 0.8 } });
      table.receive({ topic: 'remove', payload: 'cam-3' });
      await waitFor(async () => ((await page('operator', 'firearm'))[0].data.rows as unknown[]).length === 2, 'two rows');
      const rows = (await page('operator', 'firearm'))[0].data.rows as Array<{ camera: string; score: number }>;
      assert.deepEqual(rows, [{ camera: 'cam-1', score: 0.9 }, { camera: 'cam-4', score: 0.8 }], 'cam-2 fell off (maxRows 3), cam-3 was removed');

      const pressed = nextMessage<{ topic: string; action: string; key: string; payload: unknown; user: { username: string; role: string } }>(node('pressed'));
      await api('operator').post('/impetus/api/panels/table/actions').send({ action: 'dispatch', key: 'cam-4' }).expect(204);
      const msg = await pressed;
      assert.equal(msg.action, 'dispatch');
      assert.equal(msg.key, 'cam-4');
      assert.deepEqual(msg.payload, { camera: 'cam-4', score: 0.8 });
      assert.deepEqual(msg.user, { username: 'test-operator', name: 'Test operator', role: 'operator' });
    });

    it('refuses row actions from roles that may not press them, and bad requests', async () => {
      await load(modules, flow);
      node('table').receive({ payload: { camera: 'cam-1', score: 1 } });
      await waitFor(async () => ((await page('operator', 'firearm'))[0].data.rows as unknown[]).length === 1, 'a row');
      const post = (role: Parameters<typeof api>[0], body: object) => api(role).post('/impetus/api/panels/table/actions').send(body);
      // The manager's view is read-only; the supervisor sees the table but is not among its actionRoles.
      assert.match((await post('manager', { action: 'dispatch', key: 'cam-1' }).expect(403)).body.error, /may not act/);
      assert.match((await post('supervisor', { action: 'dispatch', key: 'cam-1' }).expect(403)).body.error, /may not act/);
      // field is named but its view opens no firearm page; intel and cyber are not named: for them the table does not exist.
      for (const role of ['field', 'intel', 'cyber'] as const) await post(role, { action: 'dispatch', key: 'cam-1' }).expect(404);
      assert.match((await post('operator', { action: 'launch', key: 'cam-1' }).expect(400)).body.error, /action must be one of dispatch/);
      await post('operator', { action: 'dispatch', key: 'cam-9' }).expect(404);
      await post('operator', { action: 'dispatch' }).expect(400);
      // A row that names the actions it offers now (a patrol already sent) offers no other.
      node('table').receive({ payload: { camera: 'cam-2', score: 1, actions: [] } });
      await waitFor(async () => ((await page('operator', 'firearm'))[0].data.rows as unknown[]).length === 2, 'two rows');
      assert.match((await post('operator', { action: 'dispatch', key: 'cam-2' }).expect(409)).body.error, /row cam-2 does not offer dispatch now/);
    });

    it('refuses rows without their key, leaving the table as it was', async () => {
      await load(modules, flow);
      node('table').receive({ payload: [{ camera: 'cam-1' }] });
      const caught = nextMessage<{ error: { message: string } }>(node('caught'));
      node('table').receive({ payload: [{ camera: 'cam-2' }, { score: 1 }] });
      assert.match((await caught).error.message, /needs a string or number "camera"/);
      const rows = (await page('operator', 'firearm'))[0].data.rows as Array<{ camera: string }>;
      assert.deepEqual(rows.map((r) => r.camera), ['cam-1']);
    });
  });

  describe('impetus-ui-table filters', () => {
    it('sends the filterable columns with their kind, and refuses filters that name no column or no kind', async () => {
      await load(modules, [
        { id: 'cti', type: 'impetus-ui-table', page: 'cti', title: 'matches', roles: 'cyber', columns: 'asset:Asset\ntlp:TLP\nactors:Actors\nconfidence:Confidence\nioc:Indicator:indicator', key: 'asset', filters: 'tlp\nactors:text\nconfidence:Range', wires: [[]] },
        { id: 'no-column', type: 'impetus-ui-table', page: 'x', roles: 'cyber', columns: 'a:A', filters: 'b:select', wires: [[]] },
        { id: 'no-kind', type: 'impetus-ui-table', page: 'x', roles: 'cyber', columns: 'a:A', filters: 'a:between', wires: [[]] },
        { id: 'image', type: 'impetus-ui-table', page: 'x', roles: 'cyber', columns: 'a:A\nshot:Shot:image', filters: 'shot:select', wires: [[]] },
        ...catchAll(['no-column', 'no-kind', 'image']),
      ]);
      node('cti').receive({ payload: { asset: 'portal', tlp: 'amber', actors: 'APT28', confidence: 80 } });
      await waitFor(async () => ((await page('cyber', 'cti'))[0].data.rows as unknown[]).length === 1, 'a row');
      const [panel] = await page('cyber', 'cti');
      assert.deepEqual((panel.options.columns as unknown[]).at(-1), { field: 'ioc', label: 'Indicator', type: 'indicator' }, 'an indicator column, linked to its sightings in the console');
      assert.deepEqual(panel.options.filters, [{ field: 'tlp', kind: 'select' }, { field: 'actors', kind: 'text' }, { field: 'confidence', kind: 'range' }]);
      const errors: string[] = [];
      for (const id of ['no-column', 'no-kind', 'image']) {
        const error = nextError(node(id));
        node(id).receive({ payload: { a: 1 } });
        errors.push(await error);
      }
      assert.match(errors[0], /filters: "b" is not one of the table's columns \(a\)/);
      assert.match(errors[1], /filters: "a:between": the kind must be select, text, range/);
      assert.match(errors[2], /"shot" is an image column; it cannot be filtered/);
    });
  });

  describe('impetus-ui-table per user', () => {
    const flow = [
      { id: 'mine', type: 'impetus-ui-table', page: 'firearm', title: 'My shift', roles: 'operator,field', personal: true, key: 'task', columns: 'task:Task\nstate:State', actions: 'done:Done', actionRoles: 'operator', maxRows: 2, wires: [['pressed']] },
      { id: 'pressed', type: 'helper' },
      ...catchAll(['mine']),
    ];
    const own = async (role: Parameters<typeof api>[0], username: string) => ((await api(role, username).get('/impetus/api/own-panels').expect(200)).body as PanelView[]).map((p) => p.data.rows);

    it('keeps rows per msg.user and gives each user only theirs; a press acts on the presser\'s own rows', async () => {
      await load(modules, flow);
      node('mine').receive({ user: 'ana', payload: { task: 't1', state: 'open' } });
      node('mine').receive({ user: { username: 'ben' }, payload: [{ task: 't2', state: 'open' }] });
      node('mine').receive({ user: 'ana', payload: { task: 't3', state: 'open' } });
      await waitFor(async () => (await own('operator', 'ben')).length === 1, 'ben\'s rows');
      assert.deepEqual(await own('operator', 'ana'), [[{ task: 't1', state: 'open' }, { task: 't3', state: 'open' }]]);
      assert.deepEqual(await own('field', 'ben'), [[{ task: 't2', state: 'open' }]], 'a named role of the node');
      assert.deepEqual(await own('supervisor', 'ana'), [], 'a role the node does not name');
      assert.deepEqual(await own('admin', 'ana'), [], 'admin too');
      assert.ok(!(await page('operator', 'firearm').catch(() => [])).some((p) => p.id === 'mine'), 'not on the shared page');
      const pressed = nextMessage<{ key: string; payload: unknown; user: { username: string } }>(node('pressed'));
      await api('operator', 'ben').post('/impetus/api/panels/mine/actions').send({ action: 'done', key: 't1' }).expect(404);
      await api('operator', 'ana').post('/impetus/api/panels/mine/actions').send({ action: 'done', key: 't1' }).expect(204);
      const msg = await pressed;
      assert.deepEqual([msg.key, msg.payload, msg.user.username], ['t1', { task: 't1', state: 'open' }, 'ana']);
      await api('field', 'ben').post('/impetus/api/panels/mine/actions').send({ action: 'done', key: 't2' }).expect(403);
    });

    it('refuses a message without a valid msg.user, changing nobody\'s rows', async () => {
      await load(modules, flow);
      for (const user of [undefined, '', 'no spaces', { name: 'x' }]) {
        const caught = nextMessage<{ error: { message: string } }>(node('caught'));
        node('mine').receive({ user, payload: { task: 't9' } });
        assert.match((await caught).error.message, /needs msg\.user: a console user name/);
      }
    });
  });

  describe('impetus-ui-table image column', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const flow = [
      { id: 'shots', type: 'impetus-ui-table', page: 'firearm', title: 'snapshots', roles: 'operator', columns: 'camera:Camera\nsnapshot:Snapshot:image\nother::image\nseen:Seen:time', key: 'camera', wires: [[]] },
      ...catchAll(['shots']),
    ];

    it('sends the column types (image, time) and the media references, never the media', async () => {
      await load(modules, flow);
      const ref = { alertId: 'a-1', digest, description: 'Annotated frame' };
      node('shots').receive({ payload: [{ camera: 'cam-1', snapshot: ref }, { camera: 'cam-2' }] });
      await waitFor(async () => ((await page('operator', 'firearm'))[0].data.rows as unknown[]).length === 2, 'two rows');
      const [panel] = await page('operator', 'firearm');
      assert.deepEqual(panel.options.columns, [
        { field: 'camera', label: 'Camera' },
        { field: 'snapshot', label: 'Snapshot', type: 'image' },
        { field: 'other', label: 'other', type: 'image' },
        { field: 'seen', label: 'Seen', type: 'time' },
      ]);
      assert.deepEqual(panel.data.rows, [{ camera: 'cam-1', snapshot: ref }, { camera: 'cam-2' }], 'a row without a snapshot is fine');
    });

    it('refuses an image cell that is not a media reference, leaving the table as it was', async () => {
      await load(modules, flow);
      node('shots').receive({ payload: { camera: 'cam-1', snapshot: { alertId: 'a-1', digest } } });
      for (const bad of ['data:image/jpeg;base64,/9j/4AAQ', 'https://elsewhere.example/x.jpg', { alertId: 'a-1', digest: 'sha256:nothex' }, { digest }, { alertId: 'a-1', digest, description: 7 }]) {
        const caught = nextMessage<{ error: { message: string } }>(node('caught'));
        node('shots').receive({ payload: [{ camera: 'cam-2' }, { camera: 'cam-3', snapshot: bad }] });
        assert.match((await caught).error.message, /"snapshot" is an image column: its cells must be \{alertId, digest\}/, JSON.stringify(bad));
      }
      const rows = (await page('operator', 'firearm'))[0].data.rows as Array<{ camera: string }>;
      assert.deepEqual(rows.map((r) => r.camera), ['cam-1']);
    });
  });

  describe('impetus-ui-map-layer', () => {
    it('replaces its GeoJSON layer and refuses what is not GeoJSON', async () => {
      await load(modules, [{ id: 'layer', type: 'impetus-ui-map-layer', page: 'evacuation', title: 'routes', roles: 'field', color: '#34d399', wires: [] }, ...catchAll(['layer'])]);
      const feature = { type: 'Feature', properties: { name: 'A' }, geometry: { type: 'LineString', coordinates: [[11.87, 45.4], [11.88, 45.41]] } };
      node('layer').receive({ payload: feature });
      await waitFor(async () => ((await page('field', 'evacuation'))[0].data.features as unknown[]).length === 1, 'one feature');
      const caught = nextMessage<{ error: { message: string } }>(node('caught'));
      node('layer').receive({ payload: { type: 'Feature', geometry: { type: 'Circle', coordinates: [] } } });
      assert.match((await caught).error.message, /unknown type/);
      assert.equal(((await page('field', 'evacuation'))[0].data.features as unknown[]).length, 1);
      await api('operator').get('/impetus/api/pages/evacuation').expect(404);
    });

    it('a feature that offers actions sends the press with who pressed it; other roles, features and actions are refused', async () => {
      await load(modules, [
        { id: 'exits', type: 'impetus-ui-map-layer', page: 'evacuation', title: 'exits', roles: 'operator,supervisor,field,manager', actions: 'close:Block\nopen:Unblock', actionRoles: 'operator,supervisor', wires: [['pressed']] },
        { id: 'pressed', type: 'helper' },
        ...catchAll(['exits']),
      ]);
      const point = (id: string, actions?: string[]) => ({ type: 'Feature', properties: { id, name: id, ...(actions ? { actions } : {}) }, geometry: { type: 'Point', coordinates: [11.876, 45.407] } });
      node('exits').receive({ payload: { type: 'FeatureCollection', features: [point('exit-manin', ['close']), point('fountain')] } });
      await waitFor(async () => ((await page('operator', 'evacuation'))[0].data.features as unknown[]).length === 2, 'two features');
      assert.deepEqual((await page('operator', 'evacuation'))[0].options.actions, [{ name: 'close', label: 'Block' }, { name: 'open', label: 'Unblock' }]);
      const pressed = nextMessage<{ topic: string; action: string; key: string; payload: { id: string }; user: { username: string; role: string } }>(node('pressed'));
      await api('supervisor').post('/impetus/api/panels/exits/actions').send({ action: 'close', key: 'exit-manin' }).expect(204);
      const msg = await pressed;
      assert.deepEqual({ topic: msg.topic, action: msg.action, key: msg.key, id: msg.payload.id, user: msg.user.username }, { topic: 'close', action: 'close', key: 'exit-manin', id: 'exit-manin', user: 'test-supervisor' });
      const post = (role: Parameters<typeof api>[0], body: object) => api(role).post('/impetus/api/panels/exits/actions').send(body);
      // field sees the layer but may not act; the manager's view is read-only; intel is not named.
      for (const role of ['field', 'manager'] as const) assert.match((await post(role, { action: 'close', key: 'exit-manin' }).expect(403)).body.error, /may not act on this panel/);
      await post('intel', { action: 'close', key: 'exit-manin' }).expect(404);
      // A feature without actions, or one not on the layer, cannot be acted on; nor an action the layer does not offer.
      await post('operator', { action: 'close', key: 'fountain' }).expect(404);
      await post('operator', { action: 'close', key: 'exit-sauro' }).expect(404);
      await post('operator', { action: 'demolish', key: 'exit-manin' }).expect(400);
      // The layer offers Unblock, but this feature names Block only.
      assert.match((await post('operator', { action: 'open', key: 'exit-manin' }).expect(409)).body.error, /does not offer open now/);
    });

    it('a layer without actions has none to press', async () => {
      await load(modules, [{ id: 'plain', type: 'impetus-ui-map-layer', page: 'evacuation', title: 'plain', roles: 'operator', wires: [[]] }, ...catchAll(['plain'])]);
      node('plain').receive({ payload: { type: 'Feature', properties: { id: 'x', actions: ['close'] }, geometry: { type: 'Point', coordinates: [11.876, 45.407] } } });
      await waitFor(async () => ((await page('operator', 'evacuation'))[0].data.features as unknown[]).length === 1, 'one feature');
      assert.match((await api('operator').post('/impetus/api/panels/plain/actions').send({ action: 'close', key: 'x' }).expect(400)).body.error, /no row actions/);
    });
  });

  describe('impetus-ui-graph', () => {
    const flow = [
      { id: 'graph', type: 'impetus-ui-graph', page: 'ctdr', title: 'attack graph', roles: 'cyber,supervisor,manager', tlp: 'amber', kinds: 'entry:Entry:#4cc2ff\ncrown:Crown jewel:#e0a030', maxNodes: 4, wires: [] },
      ...catchAll(['graph']),
    ];
    const attack = {
      nodes: [{ id: 'internet', kind: 'entry' }, { id: 'portal' }, { id: 'app' }, { id: 'scada', label: 'Traffic SCADA', kind: 'crown' }],
      edges: [{ from: 'internet', to: 'portal', label: 'CVE-2021-41773' }, { from: 'portal', to: 'app', label: 'CVE-2021-44228', mark: 'cut' }, { from: 'app', to: 'scada', label: 'hacl' }],
    };

    it('lays the graph out in layers and sends it, live and on the page, only to roles named and cleared for it', async () => {
      await load(modules, flow);
      const cyber = await LiveTestClient.as('cyber');
      const operator = await LiveTestClient.as('operator');
      node('graph').receive({ payload: attack });
      await waitFor(() => cyber.messages.some((m) => m.panels?.some((p) => p.id === 'graph')), 'the graph update');
      const [panel] = await page('cyber', 'ctdr');
      const data = panel.data as { nodes: Array<{ id: string; label: string; x: number; y: number; width: number }>; edges: Array<{ from: string; to: string; mark?: string; points: number[][]; labelAt?: number[] }>; width: number };
      assert.equal(panel.kind, 'graph');
      assert.deepEqual(panel.options.kinds, [{ name: 'entry', label: 'Entry', color: '#4cc2ff' }, { name: 'crown', label: 'Crown jewel', color: '#e0a030' }]);
      const x = Object.fromEntries(data.nodes.map((n) => [n.id, n.x]));
      assert.ok(x.internet < x.portal && x.portal < x.app && x.app < x.scada, `one layer per step, left to right: ${JSON.stringify(x)}`);
      const turned = (panel.data as { turned: { nodes: Array<{ id: string; y: number }> } }).turned;
      const y = Object.fromEntries(turned.nodes.map((n) => [n.id, n.y]));
      assert.ok(y.internet < y.portal && y.portal < y.app && y.app < y.scada, `and turned, top to bottom, for narrow screens: ${JSON.stringify(y)}`);
      assert.equal(data.nodes.find((n) => n.id === 'scada')!.label, 'Traffic SCADA');
      assert.equal(data.nodes.find((n) => n.id === 'app')!.label, 'app', 'the id when there is no label');
      const cut = data.edges.filter((e) => e.mark === 'cut');
      assert.deepEqual(cut.map((e) => `${e.from}->${e.to}`), ['portal->app']);
      assert.ok(cut[0].points.length >= 2 && cut[0].labelAt, 'the edge is a polyline with its label placed');
      assert.ok(data.width > 0);
      // The operator is not named (and the ctdr page is not in the operator's view); the manager is named
      // but cleared only for amber by default, which the panel is: the manager sees it.
      await operator.sync();
      assert.ok(!operator.messages.some((m) => m.panels?.length), 'nothing sent to the operator');
      await api('operator').get('/impetus/api/pages/ctdr').expect(404);
      assert.equal((await page('manager', 'ctdr')).length, 1);
      cyber.close();
      operator.close();
    });

    it('keeps a graph from a role not cleared for its TLP marking', async () => {
      await load(modules, [{ ...flow[0], tlp: 'red' }, ...catchAll(['graph'])]);
      node('graph').receive({ payload: attack });
      await waitFor(async () => (await page('cyber', 'ctdr')).length === 1, 'the cyber role (cleared for red) sees it');
      // The supervisor is cleared for amber+strict, the manager for amber: the page has nothing for them.
      await api('supervisor').get('/impetus/api/pages/ctdr').expect(404);
      await api('manager').get('/impetus/api/pages/ctdr').expect(404);
    });

    it('refuses a bad graph whole with a clear error, leaving the drawing as it was, and clears on topic clear', async () => {
      await load(modules, flow);
      node('graph').receive({ payload: attack });
      await waitFor(async () => ((await page('cyber', 'ctdr'))[0].data as { nodes?: unknown[] } | null)?.nodes?.length === 4, 'four nodes');
      const bad: Array<[unknown, RegExp]> = [
        [{ nodes: [{ id: 'a' }], edges: [{ from: 'a', to: 'b' }] }, /edges\[0\]: there is no node "b"/],
        [{ nodes: [{ id: 'a' }, { id: 'a' }] }, /id "a" is there twice/],
        [{ nodes: [1, 2, 3, 4, 5].map((i) => ({ id: `n${i}` })) }, /at most 4 nodes/],
        [{ nodes: [{ id: 'a', label: 'x'.repeat(81) }] }, /label must be at most 80/],
        [{ nodes: [{ id: 'a', mark: { cut: true } }] }, /mark must be text/],
        ['not a graph', /msg.payload must be \{ nodes/],
      ];
      for (const [payload, error] of bad) {
        const caught = nextMessage<{ error: { message: string } }>(node('caught'));
        node('graph').receive({ payload });
        assert.match((await caught).error.message, error);
      }
      assert.equal(((await page('cyber', 'ctdr'))[0].data as { nodes: unknown[] }).nodes.length, 4, 'the drawing as it was');
      node('graph').receive({ topic: 'clear' });
      await waitFor(async () => (await page('cyber', 'ctdr'))[0].data === null, 'cleared');
    });

    it('refuses a bad direction or kinds at deploy', async () => {
      await load(modules, [
        { id: 'dir', type: 'impetus-ui-graph', page: 'ctdr', roles: 'cyber', direction: 'RL', wires: [] },
        { id: 'kinds', type: 'impetus-ui-graph', page: 'ctdr', roles: 'cyber', kinds: 'host:Host:blue', wires: [] },
        ...catchAll(['dir', 'kinds']),
      ]);
      const errors: string[] = [];
      for (const id of ['dir', 'kinds']) {
        const error = nextError(node(id));
        node(id).receive({ payload: { nodes: [] } });
        errors.push(await error);
      }
      assert.match(errors[0], /direction must be LR or TB/);
      assert.match(errors[1], /must end in a colour #rrggbb/);
    });
  });

  it('reports a bad page or role at deploy and fails its messages with the reason', async () => {
    await load(modules, [
      { id: 'bad-page', type: 'impetus-ui-chart', page: 'Bad Page', roles: 'operator', wires: [] },
      { id: 'bad-role', type: 'impetus-ui-map-layer', page: 'x', roles: 'operator,janitor', wires: [] },
      { id: 'no-role', type: 'impetus-ui-table', page: 'x', roles: '', columns: 'a', wires: [[]] },
      ...catchAll(['bad-page', 'bad-role', 'no-role']),
    ]);
    const errors: string[] = [];
    for (const id of ['bad-page', 'bad-role', 'no-role']) {
      const error = nextError(node(id));
      node(id).receive({ payload: 1 });
      errors.push(await error);
    }
    assert.match(errors[0], /page must be lower-case/);
    assert.match(errors[1], /unknown role "janitor"/);
    assert.match(errors[2], /at least one role/);
    assert.equal(runtime().panels.all().length, 0, 'nothing half-registered');
    assert.ok(helper.getNode('bad-page'));
  });
});
