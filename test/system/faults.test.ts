/**
 * Fault tests against real servers that are stopped and restarted mid-stream. Each suite runs
 * a private instance (test/support/private-services.ts), so the shared services stay up.
 *  - Kafka: kafka-out keeps what it is given during the outage and delivers all of it after
 *    the restart (count and content checked on the topic); kafka-in resumes from its committed
 *    offsets: nothing re-delivered that was finished, nothing skipped.
 *  - Database: the alert node reports the outage (red status, done(err) to Catch); every alert it
 *    accepted (output after a durable write) is there exactly once after the restart, and the
 *    drafts refused during the outage are stored once when sent again.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { NodeAPI } from 'node-red';
import type { Alert, KafkaClient } from '../../nodes/platform';
import { createKafkaClient, ensureTopic } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { alertNodes, currentRed, helper, kafkaNodes, load, node, tempDir, useRuntime, waitFor } from '../support/nodered';
import { committedOffsets } from '../support/kafka';
import type { PrivateService } from '../support/private-services';
import { privateFerretDb, privateKafka } from '../support/private-services';
import { kafkaBrokers, mongoUrl, unique } from '../support/services';

const received: { n: number; offset: string }[] = [];
function recordNode(RED: NodeAPI): void {
  RED.nodes.registerType('test-record', function (this: never, config: object) {
    RED.nodes.createNode(this as never, config as never);
    (this as unknown as { on: (e: string, f: (msg: { payload: { n: number }; offset: string }, send: unknown, done: () => void) => void) => void })
      .on('input', (msg, _send, done) => {
        received.push({ n: msg.payload.n, offset: msg.offset });
        done();
      });
  } as never);
}

function tally(values: number[]): { missing: number[]; duplicated: number[] } {
  const seen = new Map<number, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  const max = Math.max(-1, ...values);
  return {
    missing: Array.from({ length: max + 1 }, (_, i) => i).filter((i) => !seen.has(i)),
    duplicated: [...seen].filter(([, c]) => c > 1).map(([v]) => v),
  };
}

describe('fault: the Kafka broker stops and restarts mid-stream', function () {
  this.timeout(600_000);
  let dir = '';
  let kafka: PrivateService;
  let client: KafkaClient;

  before(async function () {
    kafkaBrokers(this); // the suite needs Kafka's jars and Java, as the shared service does
    dir = tempDir('impetus-kafka-fault-');
    kafka = await privateKafka(dir);
    await kafka.start();
    client = createKafkaClient({ clientId: 'fault-test', brokers: [kafka.address], retry: { retries: 30, maxRetryTime: 2000 } });
  });
  after(async function () {
    await kafka?.stop().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  useRuntime();
  afterEach(() => received.splice(0));

  const broker = () => ({ id: 'broker', type: 'impetus-kafka-broker', brokers: kafka.address, clientId: 'fault-node', saslMechanism: 'none' });

  async function recordsOn(topic: string): Promise<number> {
    const admin = client.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function readAll(topic: string, count: number): Promise<number[]> {
    const consumer = client.consumer({ groupId: unique('fault-reader'), maxWaitTimeInMs: 100 });
    const values: number[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(JSON.parse(message.value!.toString()).n) });
      await waitFor(() => values.length >= count, `${count} records read back`, 60_000);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await consumer.disconnect();
    }
    return values;
  }

  it('kafka-out buffers during the outage and delivers every message afterwards', async function () {
    const topic = unique('fault-out');
    await ensureTopic(client, topic, 3);
    await load(kafkaNodes, [broker(), { id: 'out', type: 'impetus-kafka-out', broker: 'broker', topic, maxBuffered: 10000, lingerMs: 2 }]);
    const out = node('out') as unknown as { receive(m: object): void; on(e: string, f: (c: { args: unknown[] }) => void): void };
    const errors: string[] = [];
    const statuses: { fill?: string; text?: string }[] = [];
    out.on('call:error', (c) => errors.push(String(c.args[0])));
    out.on('call:status', (c) => statuses.push(c.args[0] as { fill?: string; text?: string }));

    for (let n = 0; n < 100; n++) out.receive({ payload: { n }, key: `k${n % 7}` });
    await waitFor(async () => (await recordsOn(topic)) === 100, 'the first 100 on the topic', 60_000);

    await kafka.stop();
    for (let n = 100; n < 300; n++) out.receive({ payload: { n }, key: `k${n % 7}` });
    await waitFor(() => statuses.some((s) => s.fill === 'red'), 'the node showing the outage', 60_000);
    await kafka.start();

    await waitFor(async () => (await recordsOn(topic).catch(() => 0)) >= 300, 'all 300 on the topic after the restart', 180_000);
    const values = await readAll(topic, 300);
    const { missing, duplicated } = tally(values);
    assert.deepEqual(missing, [], 'nothing lost');
    assert.deepEqual(duplicated, [], 'nothing written twice (idempotent producer)');
    assert.equal(values.length, 300);
    assert.equal(await recordsOn(topic), 300);
    assert.deepEqual(errors, [], 'no message was refused: the buffer had room');
    await waitFor(() => statuses.at(-1)?.fill === 'green', 'the status back to green', 30_000);
  });

  it('kafka-in resumes from its committed offsets after the broker restarts and after a redeploy', async function () {
    const topic = unique('fault-in');
    const groupId = unique('fault-group');
    await ensureTopic(client, topic, 3);
    const flow = [broker(), { id: 'in', type: 'impetus-kafka-in', broker: 'broker', topics: topic, groupId, fromBeginning: true, wires: [['rec']] }, { id: 'rec', type: 'test-record' }];
    const produce = async (from: number, to: number) => {
      const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: to - from }, (_, i) => ({ key: `k${(from + i) % 5}`, value: JSON.stringify({ n: from + i }) })) });
      await producer.disconnect();
    };
    const committed = () => committedOffsets(client, groupId, topic);
    await load([...kafkaNodes, recordNode], flow);
    await produce(0, 100);
    await waitFor(() => received.length >= 100, '100 records through the flow', 60_000);
    await waitFor(async () => (await committed()) === 100, '100 offsets committed', 30_000);

    await kafka.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await kafka.start();
    await produce(100, 200);
    await waitFor(() => received.length >= 200, 'the next 100 after the broker restart', 180_000);
    await waitFor(async () => (await committed()) === 200, '200 offsets committed', 60_000);

    // A redeploy (new consumer, same group) starts where the group stopped.
    await helper.unload();
    await produce(200, 250);
    await load([...kafkaNodes, recordNode], flow);
    await waitFor(() => received.length >= 250, 'the 50 produced while the flow was stopped', 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const { missing, duplicated } = tally(received.map((r) => r.n));
    assert.deepEqual(missing, [], 'nothing skipped');
    assert.deepEqual(duplicated, [], 'nothing finished and committed was delivered again');
    assert.equal(received.length, 250);
  });
});

describe('fault: the database server stops and restarts mid-stream', function () {
  this.timeout(600_000);
  let dir = '';
  let db: PrivateService;
  const database = 'impetus_faults';

  before(async function () {
    mongoUrl(this); // the suite needs FerretDB's binary, as the shared service does
    dir = tempDir('impetus-db-fault-');
    db = await privateFerretDb(dir);
    await db.start();
  });
  after(async function () {
    await db?.stop().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  useRuntime(() => ({ store: { type: 'mongodb', url: db.address, database, serverSelectionTimeoutMs: 2000 } }));

  it('reports the outage on the alert node, and keeps every accepted alert exactly once', async function () {
    await load(alertNodes, [{ id: 'alert', type: 'impetus-alert', tool: 'dbfault', wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const alert = node('alert') as unknown as { receive(m: object): void; on(e: string, f: (c: { args: unknown[] }) => void): void };
    const out = node('out');
    const accepted: Alert[] = [];
    const errors: string[] = [];
    const statuses: { fill?: string; text?: string }[] = [];
    out.on('input', ((msg: { payload: Alert }) => accepted.push(msg.payload)) as never);
    alert.on('call:error', (c) => errors.push(String(c.args[0])));
    alert.on('call:status', (c) => statuses.push(c.args[0] as { fill?: string; text?: string }));
    const draft = (n: number) => ({ payload: { event: 'DB fault probe', zone: 'Z1', severity: 'medium', source: { ref: `db-${n}` } } });

    await platformFor(currentRed()).ready;
    for (let n = 0; n < 100; n++) alert.receive(draft(n));
    await waitFor(() => accepted.length === 100, '100 alerts accepted', 60_000);

    await db.stop();
    for (let n = 100; n < 150; n++) alert.receive(draft(n));
    await waitFor(() => errors.length + accepted.length >= 150, 'every draft sent during the outage answered', 120_000);
    const refused = Array.from({ length: 50 }, (_, i) => 100 + i).filter((n) => !accepted.some((a) => a.source.ref === `db-${n}`));
    assert.equal(errors.length, refused.length, 'each draft not accepted got done(err)');
    assert.ok(refused.length > 0, 'the outage was noticed');
    assert.ok(statuses.some((s) => s.fill === 'red'), 'the node turned red');
    console.log(`      during the outage: ${refused.length} of 50 refused, e.g. "${errors[0].slice(0, 100)}"`);

    await db.start();
    // A client retries what was refused and goes on.
    for (const n of refused) alert.receive(draft(n));
    for (let n = 150; n < 200; n++) alert.receive(draft(n));
    await waitFor(() => accepted.length >= 200, 'the retried and new drafts accepted after the restart', 120_000);

    const store = platformFor(currentRed()).store;
    const page = await store.query({ tool: 'dbfault', limit: 1000 });
    const refs = page.items.map((a) => a.source.ref!);
    assert.equal(page.total, 200);
    assert.equal(new Set(refs).size, 200, 'no draft stored twice');
    for (const a of accepted) assert.ok(refs.includes(a.source.ref!), `accepted alert ${a.source.ref} is stored`);
    assert.ok(page.items.every((a) => a.count === 1), 'no occurrence recorded twice');
    await waitFor(() => statuses.at(-1)?.fill === 'green', 'the status back to green', 30_000);
  });
});
