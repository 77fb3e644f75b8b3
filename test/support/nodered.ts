import * as fs from 'node:fs';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import supertest from 'supertest';
import { tempDir } from './util';
import type { ImpetusSettings, Role } from '../../nodes/platform';
import { closePlatforms, consoleOf, platformFor } from '../../nodes/platform';

helper.init(require.resolve('node-red'));

export { tempDir, waitFor } from './util';

export { helper };

let red: NodeAPI | undefined;

/** Not a node: records the RED API the helper hands to node modules, to reach httpNode and the platform. */
function captureRed(RED: NodeAPI): void {
  red = RED;
}

/** The API routes live on httpNode, which the helper does not serve: requests go straight to its app. */
export function httpNode(): supertest.Agent {
  if (!red) throw new Error('load a flow first');
  return supertest.agent(red.httpNode as never);
}

/**
 * Every console route needs a session. Tests get one the documented in-process way
 * (ConsoleRuntime.openSession: trusted code, no password), as `role` (admin sees everything) and
 * `username` (for what is addressed to one user: personal panels);
 * the agent sends its cookie and CSRF token with every request. Login over HTTP is tested in
 * test/console/auth.test.ts.
 */
export function api(role: Role = 'admin', username = `test-${role}`): supertest.Agent {
  if (!red) throw new Error('load a flow first');
  const runtime = consoleOf(platformFor(red));
  const session = runtime.openSession({ username, name: `Test ${role}`, role });
  const cookie = `${runtime.platform.settings.console.session.cookieName}=${session.id}`;
  return supertest.agent(red.httpNode as never).set('Cookie', cookie).set('X-CSRF-Token', session.csrf);
}

export function currentRed(): NodeAPI {
  if (!red) throw new Error('load a flow first');
  return red;
}

export const alertNodes = [
  captureRed,
  require('../../nodes/alert/impetus-alert'),
  require('../../nodes/alert/impetus-alert-events'),
  require('../../nodes/alert/impetus-alert-action'),
  require('../../nodes/alert/impetus-silence'),
  require('../../nodes/alert/impetus-incident-rules'),
  require('../../nodes/alert/impetus-fiware'),
];

/** What tests do with a loaded node; the published typings of the helper are too narrow for it. */
export interface TestNode {
  id: string;
  receive(msg: object): void;
  on(event: string, listener: (...args: never[]) => void): void;
  once(event: string, listener: (...args: never[]) => void): void;
}

export function node(id: string): TestNode {
  const found = helper.getNode(id);
  if (!found) throw new Error(`no node ${id} in the loaded flow`);
  return found as unknown as TestNode;
}

export async function load(modules: unknown[], flow: object[]): Promise<void> {
  await helper.load(modules as never, flow as never);
}

/** The Kafka broker config node and kafka in/out. */
export const kafkaNodes = [
  require('../../nodes/kafka/impetus-kafka-broker'),
  require('../../nodes/kafka/impetus-kafka-in'),
  require('../../nodes/kafka/impetus-kafka-out'),
];

/** The console's dashboard nodes. */
export const uiNodes = ['impetus-ui-chart', 'impetus-ui-status', 'impetus-ui-table', 'impetus-ui-map-layer', 'impetus-ui-graph'].map((type) => require(`../../nodes/ui/${type}`));

/** Cameras, the ONNX model config node and the detectors. */
export const visionNodes = [
  require('../../nodes/camera/impetus-camera-in'),
  require('../../nodes/vision/impetus-onnx-model'),
  require('../../nodes/vision/impetus-object-detector'),
  require('../../nodes/vision/impetus-firearm-detector'),
];

/** City sensors, the Urban Anomaly Detector and the Bacteria Detector. */
export const sensorNodes = ['sensors/impetus-sensor-in', 'anomaly/impetus-anomaly', 'bacteria/impetus-bacteria', 'evacuation/impetus-evacuation'].map((file) => require(`../../nodes/${file}`));

/** Social Media Detection: the project config node and the analysis. */
export const socialNodes = ['impetus-social-project', 'impetus-social-analyse', 'impetus-social-rss', 'impetus-social-replay', 'impetus-social-json', 'impetus-social-mastodon-server', 'impetus-social-mastodon'].map((type) => require(`../../nodes/social/${type}`));

/** Cyber Threat Intelligence: the match against the asset register and the feed. */
export const ctiNodes = ['impetus-cti-match', 'impetus-cti-feed', 'impetus-cti-taxii-server', 'impetus-cti-taxii'].map((type) => require(`../../nodes/cti/${type}`));

/** Cyber Threat Detection & Response: scan reports, Suricata EVE and the correlation with its attack graph. */
export const ctdrNodes = ['impetus-ctdr-scan', 'impetus-ctdr-eve', 'impetus-ctdr'].map((type) => require(`../../nodes/ctdr/${type}`));

/** Workload Monitoring: bio-signal replay and the workload estimate. */
export const workloadNodes = ['impetus-biosignal-replay', 'impetus-workload'].map((type) => require(`../../nodes/workload/${type}`));

/** Every node module of the package, for flows that mix them (examples, the demo). */
export const allNodes = [
  ...alertNodes,
  ...sensorNodes,
  ...uiNodes,
  require('../../nodes/scenario/impetus-scenario'),
  ...kafkaNodes,
  ...visionNodes,
  require('../../nodes/notify/impetus-telegram'),
  require('../../nodes/notify/impetus-telegram-notify'),
  require('../../nodes/notify/impetus-rocketchat'),
  require('../../nodes/notify/impetus-rocketchat-notify'),
  ...socialNodes,
  ...ctiNodes,
  ...ctdrNodes,
  ...workloadNodes,
  ...['common/20-inject', 'common/21-debug', 'common/25-catch', 'common/60-link', 'common/90-comment', 'function/15-change', 'function/10-function', 'function/10-switch', 'function/89-delay', 'function/89-trigger', 'network/21-httpin', 'network/21-httprequest', 'sequence/17-split']
    .map((file) => require(`@node-red/nodes/core/${file}.js`)),
];

/**
 * Starts the helper's server around each test with a fresh platform on its own SQLite file.
 * Returns a getter for the current test's directory.
 */
export function useRuntime(impetus: () => ImpetusSettings = () => ({})): () => string {
  let dir = '';
  beforeEach(function (done) {
    dir = tempDir();
    const own = impetus();
    (helper.settings as (s: object) => void)({ userDir: dir, impetus: { ...own, store: { file: path.join(dir, 'alerts.db'), ...own.store } } });
    helper.startServer(done);
  });
  afterEach(async function () {
    await helper.unload();
    await closePlatforms();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Resolves with the next message a helper node receives. */
export function nextMessage<T = Record<string, unknown>>(target: TestNode): Promise<T> {
  return new Promise((resolve) => target.once('input', resolve));
}

/** Resolves with the first error a node reports through done(err) / node.error. */
export function nextError(target: TestNode): Promise<string> {
  return new Promise((resolve) => target.once('call:error', (call: { args: unknown[] }) => resolve(String(call.args[0]))));
}

/** Every message a helper node receives from now on. */
export function collect<T = Record<string, unknown>>(id: string): T[] {
  const seen: T[] = [];
  node(id).on('input', (m: T) => seen.push(m));
  return seen;
}

/** The messages the runtime has logged so far (node.warn, node.error, node.log). */
export function logLines(): string[] {
  const spy = helper.log() as unknown as { args: Array<[{ msg?: unknown }]> } | undefined;
  return (spy?.args ?? []).map((a) => String(a[0]?.msg ?? ''));
}
