import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Alert } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { openSessions } from '../../nodes/vision/model-registry';
import { LiveTestClient, ROLES, expectedVisible, packagedViews } from '../support/console';
import { allNodes, api, currentRed, helper, httpNode, load, nextMessage, node, useRuntime, waitFor, type TestNode } from '../support/nodered';
import { FIXTURES, frame } from '../support/frames';

const TAB = { id: 't', type: 'tab' };
const model = (file: string) => ({ id: 'm', type: 'impetus-onnx-model', file: path.join(FIXTURES, file), threads: 1 });
const detector = (extra: object = {}) => ({ id: 'd', z: 't', type: 'impetus-firearm-detector', model: 'm', confirm: 'k-of-n', window: 3, minHits: 2, threshold: 0.5, cooldown: 60, wires: [['alert'], ['dets']], ...extra });
const sinks = [
  { id: 'alert', z: 't', type: 'impetus-alert', wires: [['stored']] },
  { id: 'stored', z: 't', type: 'helper' },
  { id: 'dets', z: 't', type: 'helper' },
  { id: 'catcher', z: 't', type: 'catch', scope: ['d'], uncaught: false, wires: [['caught']] },
  { id: 'caught', z: 't', type: 'helper' },
];
const camera = { id: 'cam-square', name: 'Square north', position: [11.8768, 45.4064], areaDesc: 'Piazza dei Signori', zone: 'square' };

describe('firearm detector node', function () {
  useRuntime();

  it('confirms over two frames and raises one alert with the annotated snapshot, location and zone', async () => {
    await load(allNodes, [TAB, model('yolov8.onnx'), detector(), ...sinks]);
    const img = await frame();
    const stored = nextMessage<{ payload: Alert }>(node('stored'));
    const firstDets = nextMessage<{ payload: { detections: Array<{ className: string }> } }>(node('dets'));
    node('d').receive({ payload: img, camera, timestamp: Date.parse('2024-05-01T10:00:00Z') });
    // Knives are not reported by default: only the gun passes the class filter.
    assert.deepEqual((await firstDets).payload.detections.map((d) => d.className), ['gun']);
    node('d').receive({ payload: img, camera, timestamp: Date.parse('2024-05-01T10:00:00.5Z') });
    const alert = (await stored).payload;
    assert.equal(alert.tool, 'firearm');
    // The name the exercise, the examples and the chat cards use for the same event.
    assert.equal(alert.event, 'Firearm detected');
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.zone, 'square');
    assert.equal(alert.areaDesc, 'Piazza dei Signori');
    assert.deepEqual(alert.location, { type: 'Point', coordinates: camera.position });
    assert.equal(alert.source.ref, 'cam-square');
    const data = alert.data as { detections: Array<{ className: string; box: number[]; frames: number }> };
    assert.deepEqual(data.detections.map((d) => [d.className, d.box, d.frames]), [['gun', [32, 16, 48, 40], 2]]);
    const [res] = alert.resources;
    assert.equal(res.mimeType, 'image/jpeg');
    const media = await platformFor(currentRed()).store.getMedia(res.digest!);
    assert.ok(media, 'snapshot stored');
    assert.equal(media.data.length, res.size);
    // The boxes are drawn: the snapshot differs from the frame inside the box outline.
    const raw = await sharp(media.data).raw().toBuffer({ resolveWithObject: true });
    const red = (x: number, y: number) => raw.data[(y * raw.info.width + x) * raw.info.channels];
    // The frame is blue-grey (red channel 40): the box's left edge at x = 32 turns red.
    assert.ok(red(32, 30) > 120, `red box edge at the gun (red ${red(32, 30)})`);
    assert.ok(red(100, 50) < 80, `background untouched away from the box (red ${red(100, 50)})`);
    // Cooldown: the same gun keeps being seen, no second alert.
    node('d').receive({ payload: img, camera, timestamp: Date.now() });
    await nextMessage(node('dets'));
    const list = (await api().get('/impetus/api/alerts?limit=10').expect(200)).body.items as Alert[];
    assert.equal(list.length, 1);
    assert.equal(list[0].count, 1);
  });

  it('reports knives when asked and reads every layout', async () => {
    await load(allNodes, [TAB, model('end2end.onnx'), detector({ includeKnife: true, confirm: 'none' }), ...sinks]);
    const dets = nextMessage<{ payload: { detections: Array<{ className: string }> } }>(node('dets'));
    node('d').receive({ payload: await frame(), camera });
    assert.deepEqual((await dets).payload.detections.map((d) => d.className), ['gun', 'knife']);
  });

  it('turns a corrupt or oversized frame into an error for Catch nodes, and keeps working', async () => {
    await load(allNodes, [TAB, model('yolov5.onnx'), detector({ maxBytes: 5000, confirm: 'none' }), ...sinks]);
    const good = await frame();
    let caught = nextMessage<{ error: { message: string } }>(node('caught'));
    node('d').receive({ payload: good.subarray(0, good.length >> 1), camera });
    assert.match((await caught).error.message, /jpeg|corrupt|premature|input/i);
    caught = nextMessage(node('caught'));
    node('d').receive({ payload: Buffer.concat([good, Buffer.alloc(6000)]), camera });
    assert.match((await caught).error.message, /over the 5000-byte limit/);
    caught = nextMessage(node('caught'));
    node('d').receive({ payload: 'not a frame' });
    assert.match((await caught).error.message, /expected a frame/);
    const dets = nextMessage(node('dets'));
    node('d').receive({ payload: good, camera });
    await dets;
  });

  it('a model that fails to load shows in the status and fails each frame through done(err)', async () => {
    await load(allNodes, [TAB, { ...model('missing.onnx') }, detector(), ...sinks]);
    const d = helper.getNode('d') as unknown as TestNode & { status: { (s: object): void; args?: unknown } };
    const statuses: Array<{ fill?: string; text?: string }> = [];
    (d as unknown as { on: (e: string, f: (s: object) => void) => void }).on('call:status', ((call: { args: Array<{ fill?: string; text?: string }> }) => statuses.push(call.args[0])) as never);
    const caught = nextMessage<{ error: { message: string } }>(node('caught'));
    node('d').receive({ payload: await frame(), camera });
    assert.match((await caught).error.message, /cannot read model/);
    await waitFor(() => statuses.some((s) => s.fill === 'red'), 'a red status');
  });

  it('a frame in flight when the flow stops finishes on its session (the model node closes alongside)', async () => {
    await load(allNodes, [TAB, model('yolov8.onnx'), detector({ confirm: 'none' }), ...sinks]);
    const dets = nextMessage(node('dets'));
    node('d').receive({ payload: await frame(), camera });
    await dets;
    const errors: unknown[] = [];
    node('d').on('call:error', ((call: { args: unknown[] }) => errors.push(call.args[0])) as never);
    // A large frame keeps it in flight while the detector and the global model node close together,
    // as Node-RED stops them on a redeploy or shutdown (the helper's unload would hide the error).
    node('d').receive({ payload: await frame(4000, 3000), camera });
    await new Promise((r) => setImmediate(r));
    const close = (id: string) => (helper.getNode(id) as unknown as { close(removed: boolean): Promise<void> }).close(false);
    await Promise.all([close('d'), close('m')]);
    assert.deepEqual(errors.map(String), []);
    assert.equal(openSessions(), 0, 'released once the frame was done');
  });

  it('releases the shared session when the flow is stopped', async () => {
    await load(allNodes, [TAB, model('yolov8.onnx'), detector(), detector({ id: 'd2' }), ...sinks]);
    const dets = nextMessage(node('dets'));
    node('d').receive({ payload: await frame(), camera });
    await dets;
    assert.equal(openSessions(), 1, 'two detectors, one session');
    await helper.unload();
    assert.equal(openSessions(), 0);
  });
});

describe('the demo square camera', function () {
  // The demo's camera starts 2 s after deploy (its replay inject), then the model loads.
  this.timeout(60_000);
  useRuntime();

  /** The camera part of the demo (its replay inject and one-minute trigger too), faster (the frames decide, not the clock), plus `more` of the demo's nodes. */
  async function loadDemo(more: string[] = []): Promise<void> {
    const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'flows', 'demo.json'), 'utf8')) as Array<Record<string, unknown>>;
    const ids = new Set(['demo-tab', 'demo-cam-replay', 'demo-cam-pass', 'demo-cam', 'demo-model', 'demo-firearm', 'demo-firearm-alert', 'demo-stored', ...more]);
    await load(allNodes, flow.filter((n) => ids.has(n.id as string)).map((n) => (n.id === 'demo-cam' ? { ...n, fps: 10 } : n)));
  }

  async function firstAlert(): Promise<Alert> {
    let alerts: Alert[] = [];
    await waitFor(async () => {
      alerts = (await api().get('/impetus/api/alerts?limit=10').expect(200)).body.items;
      return alerts.length > 0;
    }, 'a firearm alert from the square camera', 30000);
    return alerts[0];
  }

  it('replays the gunman frames and raises an Exercise firearm alert with the annotated snapshot', async () => {
    await loadDemo();
    const a = await firstAlert();
    assert.equal(a.tool, 'firearm');
    assert.equal(a.status, 'Exercise');
    assert.equal(a.source.ref, 'cam-square-n');
    assert.equal(a.zone, 'piazza-signori');
    assert.match(a.resources[0].digest!, /^sha256:[0-9a-f]{64}$/);
    const img = await api().get(`/impetus/api/alerts/${encodeURIComponent(a.id)}/media/${a.resources[0].digest}`).expect(200);
    assert.equal(img.headers['content-type'], 'image/jpeg');
  });

  it('puts the last detection per camera, with its snapshot, on the firearm page; the image only for roles that see firearm alerts', async () => {
    await loadDemo(['demo-console', 'dc-firearm-events', 'dc-firearm-row', 'dc-firearm-table']);
    const operator = await LiveTestClient.as('operator');
    const intel = await LiveTestClient.as('intel');
    const a = await firstAlert();
    type Row = { camera: string; snapshot?: { alertId: string; digest: string; description?: string }; zone: string; class: string; score: number; seen: string; place: string };
    let rows: Row[] = [];
    await waitFor(async () => {
      const panels = (await api('operator').get('/impetus/api/pages/firearm').expect(200)).body.panels as Array<{ id: string; data: { rows: Row[] } }>;
      rows = panels.find((p) => p.id === 'dc-firearm-table')!.data.rows;
      return rows.length > 0;
    }, 'the row on the firearm page');
    const [res] = a.resources;
    const best = (a.data as { detections: Array<{ className: string; score: number }> }).detections.reduce((x, y) => (y.score > x.score ? y : x));
    assert.deepEqual(rows, [{
      camera: 'cam-square-n', snapshot: { alertId: a.id, digest: res.digest!, description: res.description! }, place: a.areaDesc!, zone: 'piazza-signori',
      class: best.className, score: best.score, seen: a.lastSeen, count: 1, alertId: a.id,
    }] as unknown as Row[]);
    // The live stream carries the reference (not the image) to those who see the page, and nothing to the others.
    const live = (c: LiveTestClient) => c.messages.flatMap((m) => m.panels ?? []).filter((p) => p.id === 'dc-firearm-table');
    await waitFor(() => live(operator).some((p) => JSON.stringify(p.update).includes(res.digest!)), 'the row over the WebSocket');
    await intel.sync();
    assert.deepEqual(live(intel), []);
    assert.ok(!JSON.stringify(live(operator)).includes('base64'), 'no image data over the socket');
    operator.close();
    intel.close();

    const media = `/impetus/api/alerts/${encodeURIComponent(a.id)}/media/${encodeURIComponent(res.digest!)}`;
    for (const [role, view] of packagedViews()) {
      const response = await api(role).get(media);
      if (expectedVisible(view, a)) {
        assert.equal(response.status, 200, `${role} sees firearm alerts`);
        assert.equal(response.headers['content-type'], 'image/jpeg');
        assert.equal(response.body.length, res.size);
      } else assert.equal(response.status, 404, `${role} does not see firearm alerts: for it the image does not exist`);
    }
    assert.deepEqual(ROLES.filter((r) => expectedVisible(packagedViews().get(r)!, a)).sort(), ['admin', 'field', 'manager', 'operator', 'supervisor']);
    await httpNode().get(media).expect(401);
  });
});
