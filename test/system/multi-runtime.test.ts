/**
 * Two real Node-RED runtimes (separate user directories and ports) share Kafka and MongoDB:
 *  - runtime A (an edge site) files alert drafts that arrive on a Kafka topic (kafka-in →
 *    impetus-alert), runtime B (the console) acts on them;
 *  - an alert raised in A appears through B's API and B's lifecycle events (Kafka bus), and an
 *    acknowledgement made in B is visible through A's API and A's events;
 *  - A is SIGKILLed while drafts stream in and restarted: every draft ends up as exactly one
 *    alert (kafka-in re-delivers what was not committed; the store deduplicates a re-delivery).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert, KafkaClient, Producer } from '../../nodes/platform';
import { createKafkaClient, ensureTopic } from '../../nodes/platform';
import { kafkaBrokers, mongoUrl, unique } from '../support/services';
import { freePort, getJson, logProblems, NodeRedProcess, request, runtimeSettings, settingsModule, tempDir, waitFor } from '../support/node-red-process';

const TOOL = 'multi';
const STREAM = 600;
const READY_MS = 120_000;

interface AlertPage {
  items: Alert[];
  total: number;
}

function recorder(z: string): object[] {
  return [
    { id: `${z}-events`, type: 'impetus-alert-events', z, name: '', events: [], tools: TOOL, severities: [], priorities: [], states: [], statuses: [], wires: [[`${z}-record`]] },
    {
      id: `${z}-record`, type: 'function', z, name: 'record', outputs: 0,
      func: "const list = global.get('events') || []; list.push(msg.event.type + ':' + msg.payload.id); global.set('events', list); return null;",
      wires: [],
    },
    { id: `${z}-get`, type: 'http in', z, name: '', url: '/test/events', method: 'get', upload: false, swaggerDoc: '', wires: [[`${z}-list`]] },
    { id: `${z}-list`, type: 'function', z, name: 'list', outputs: 1, func: "msg.payload = global.get('events') || []; return msg;", wires: [[`${z}-res`]] },
    { id: `${z}-res`, type: 'http response', z, name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

describe('system: two runtimes sharing Kafka and MongoDB', function () {
  this.timeout(600_000);
  let brokers: string[] = [];
  let url = '';
  let dir = '';
  let client: KafkaClient;
  let producer: Producer;
  const runtimes: NodeRedProcess[] = [];
  let a: NodeRedProcess;
  let b: NodeRedProcess;
  const draftsTopic = unique('impetus.drafts');
  let settingsA = '';
  let database = '';
  let userA = '';

  function settings(instance: string, database: string, busTopic: string): string {
    const file = path.join(dir, `settings-${instance}.js`);
    const s = runtimeSettings('multi-runtime-test', {
      impetus: {
        instance,
        store: { type: 'mongodb', url, database },
        bus: { type: 'kafka', brokers, topic: busTopic, groupId: `${busTopic}-${instance}` },
        retention: { resolvedDays: 0 },
      },
    });
    fs.writeFileSync(file, settingsModule(s));
    return file;
  }

  async function start(name: string, userDir: string, settingsFile: string): Promise<NodeRedProcess> {
    const runtime = new NodeRedProcess({ userDir, port: await freePort(), settings: settingsFile, logFile: path.join(dir, `${name}-${runtimes.length}.log`) });
    runtimes.push(runtime);
    await runtime.waitForLog(/\[info\] Started flows/, READY_MS);
    await runtime.waitForHttp('/test/events', READY_MS);
    return runtime;
  }

  /** The runtime's alerts through its console API (as the system-test user; see request()). */
  async function alerts(runtime: NodeRedProcess): Promise<Alert[]> {
    const all: Alert[] = [];
    for (let offset = 0; ; offset += 1000) {
      const path = `/impetus/api/alerts?tool=${TOOL}&limit=1000&offset=${offset}`;
      const res = await request(runtime.options.port, 'GET', path, { headers: { Accept: 'application/json' } });
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
      const page = JSON.parse(res.text) as AlertPage;
      all.push(...page.items);
      if (page.items.length === 0 || all.length >= page.total) return all;
    }
  }

  async function alertById(runtime: NodeRedProcess, id: string): Promise<Alert> {
    const res = await request(runtime.options.port, 'GET', `/impetus/api/alerts/${id}`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text) as Alert;
  }

  const events = (runtime: NodeRedProcess) => getJson<string[]>(runtime.options.port, '/test/events');

  async function send(refs: string[]): Promise<void> {
    await producer.send({
      topic: draftsTopic,
      acks: -1,
      messages: refs.map((ref) => ({ key: ref, value: JSON.stringify({ event: 'Multi-runtime probe', zone: 'Z1', severity: 'high', source: { ref } }) })),
    });
  }

  before(async function () {
    brokers = kafkaBrokers(this);
    url = mongoUrl(this);
    dir = tempDir('impetus-multi-');
    database = unique('impetus_multi').replace(/-/g, '_');
    const busTopic = unique('impetus.lifecycle');
    client = createKafkaClient({ clientId: 'multi-runtime-test', brokers });
    await ensureTopic(client, draftsTopic, 3);
    producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    userA = path.join(dir, 'a');
    const userB = path.join(dir, 'b');
    fs.mkdirSync(userA);
    fs.mkdirSync(userB);
    fs.writeFileSync(path.join(userA, 'flows.json'), JSON.stringify([
      { id: 'ta', type: 'tab', label: 'edge site A' },
      { id: 'broker', type: 'impetus-kafka-broker', brokers: brokers.join(','), clientId: 'edge-a', saslMechanism: 'none' },
      { id: 'drafts', type: 'impetus-kafka-in', z: 'ta', broker: 'broker', topics: draftsTopic, groupId: unique('edge-a'), fromBeginning: true, decode: 'json', wires: [['alert']] },
      { id: 'alert', type: 'impetus-alert', z: 'ta', name: '', tool: TOOL, wires: [[]] },
      ...recorder('ta'),
    ], null, 2));
    fs.writeFileSync(path.join(userB, 'flows.json'), JSON.stringify([
      { id: 'tb', type: 'tab', label: 'console B' },
      { id: 'ack-in', type: 'http in', z: 'tb', name: '', url: '/test/ack', method: 'post', upload: false, swaggerDoc: '', wires: [['ack']] },
      { id: 'ack', type: 'impetus-alert-action', z: 'tb', name: '', action: 'acknowledge', actor: 'supervisor-b', wires: [['ack-res']] },
      { id: 'ack-res', type: 'http response', z: 'tb', name: '', statusCode: '', headers: {}, wires: [] },
      { id: 'ack-catch', type: 'catch', z: 'tb', name: '', scope: ['ack'], uncaught: false, wires: [['ack-fail']] },
      { id: 'ack-fail', type: 'http response', z: 'tb', name: '', statusCode: '500', headers: {}, wires: [] },
      ...recorder('tb'),
    ], null, 2));
    settingsA = settings('site-a', database, busTopic);
    [a, b] = await Promise.all([start('a', userA, settingsA), start('b', userB, settings('console-b', database, busTopic))]);
  });

  after(async function () {
    this.timeout(120_000);
    await producer?.disconnect().catch(() => undefined);
    for (const runtime of runtimes) await runtime.stop();
    for (const runtime of runtimes) {
      const problems = logProblems(runtime.log).filter((line) => !/ECONNRESET|socket hang up/.test(line));
      if (problems.length) console.log(`      ${runtime.options.logFile}: ${problems.slice(0, 5).join('\n      ')}`);
    }
    if (dir && process.env.IMPETUS_KEEP_TEST_DIRS !== '1') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows an alert raised in A through B, and an acknowledgement made in B through A', async function () {
    await send(['first']);
    let alert: Alert | undefined;
    await waitFor(async () => {
      alert = (await alerts(b)).find((x) => x.source.ref === 'first');
      return alert !== undefined;
    }, "A's alert in B's API", 60_000);
    assert.equal(alert!.source.instance, 'site-a', 'raised by runtime A');
    await waitFor(async () => (await events(b)).includes(`created:${alert!.id}`), "A's created event in B (Kafka bus)", 60_000);

    const res = await request(b.options.port, 'POST', '/test/ack', { body: { id: alert!.id } });
    assert.equal(res.status, 200, res.text);
    const viaA = await alertById(a, alert!.id);
    assert.equal(viaA.state, 'acknowledged');
    assert.equal(viaA.ack?.by, 'supervisor-b');
    await waitFor(async () => (await events(a)).includes(`acknowledged:${alert!.id}`), "B's acknowledged event in A", 60_000);
  });

  it('loses and duplicates nothing when A is SIGKILLed mid-stream and restarted', async function () {
    const refs = Array.from({ length: STREAM }, (_, i) => `stream-${i}`);
    let sent = 0;
    let killedAt = -1;
    // Stream in small batches; kill A once it has filed a good part of what was sent.
    while (sent < refs.length) {
      await send(refs.slice(sent, sent + 20));
      sent += 20;
      if (killedAt < 0) {
        const stored = (await alerts(b)).filter((x) => x.source.ref?.startsWith('stream-')).length;
        if (stored >= 150) {
          await a.kill('SIGKILL');
          killedAt = stored;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (killedAt < 0) {
      await waitFor(async () => (await alerts(b)).filter((x) => x.source.ref?.startsWith('stream-')).length >= 150, 'A filing the stream', 120_000);
      await a.kill('SIGKILL');
    }
    const beforeRestart = (await alerts(b)).filter((x) => x.source.ref?.startsWith('stream-')).length;
    assert.ok(beforeRestart < STREAM, `A was killed mid-stream (${beforeRestart} of ${STREAM} filed)`);

    a = await start('a', userA, settingsA);
    let all: Alert[] = [];
    await waitFor(async () => {
      all = (await alerts(b)).filter((x) => x.source.ref?.startsWith('stream-'));
      return all.length >= STREAM;
    }, 'every streamed draft filed after the restart', 180_000);
    // Give a late duplicate the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 2000));
    all = (await alerts(b)).filter((x) => x.source.ref?.startsWith('stream-'));
    const byRef = new Map<string, Alert[]>();
    for (const x of all) byRef.set(x.source.ref!, [...(byRef.get(x.source.ref!) ?? []), x]);
    assert.deepEqual(refs.filter((r) => !byRef.has(r)), [], 'no draft lost');
    assert.deepEqual([...byRef].filter(([, list]) => list.length > 1).map(([r]) => r), [], 'no draft filed as two alerts');
    assert.equal(all.length, STREAM);
    const redelivered = all.filter((x) => x.count > 1).length;
    console.log(`      killed with ${beforeRestart}/${STREAM} filed; after restart ${all.length} alerts, ${redelivered} re-delivered drafts merged by dedup`);
  });
});
