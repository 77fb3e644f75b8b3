import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';
import type { Consumer, KafkaClient } from '../../nodes/platform';
import { createKafkaClient, ensureTopic } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { platformFor } from '../../nodes/platform';
import { allNodes, currentRed, helper, kafkaNodes, load, node, useRuntime, waitFor } from '../support/nodered';
import { committedOffsets } from '../support/kafka';
import { kafkaBrokers, kafkaSaslBrokers, unique } from '../support/services';

interface Held {
  msg: Record<string, unknown>;
  done: (err?: Error) => void;
}

/** A node that keeps each message until the test finishes it, as a slow flow would. */
const held: Held[] = [];
function holdNode(RED: NodeAPI): void {
  RED.nodes.registerType('test-hold', function (this: never, config: object) {
    RED.nodes.createNode(this as never, config as never);
    (this as unknown as { on: (e: string, f: (msg: Record<string, unknown>, send: unknown, done: Held['done']) => void) => void }).on('input', (msg, _send, done) => {
      held.push({ msg, done });
    });
  } as never);
}

/** Passes each message on and calls done() at once, as most nodes do (impetus-alert, change). */
function passNode(RED: NodeAPI): void {
  RED.nodes.registerType('test-pass', function (this: never, config: object) {
    RED.nodes.createNode(this as never, config as never);
    (this as unknown as { on: (e: string, f: (msg: object, send: (m: object) => void, done: () => void) => void) => void }).on('input', (msg, send, done) => {
      send(msg);
      done();
    });
  } as never);
}

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const linkNodes = require('@node-red/nodes/core/common/60-link.js');

describe('Kafka nodes (real broker)', function () {
  this.timeout(90000);
  let brokers: string[] = [];
  let client: KafkaClient;
  const consumers: Consumer[] = [];

  before(function () {
    brokers = kafkaBrokers(this);
    client = createKafkaClient({ clientId: 'kafka-node-tests', brokers });
  });
  useRuntime();
  afterEach(async () => {
    held.splice(0);
    for (const c of consumers.splice(0)) await c.disconnect().catch(() => undefined);
  });

  const broker = (id = 'broker', extra: object = {}) => ({ id, type: 'impetus-kafka-broker', brokers: brokers.join(','), clientId: 'impetus-test', saslMechanism: 'none', ...extra });

  async function produce(topic: string, values: (string | null)[], key?: string): Promise<void> {
    await ensureTopic(client, topic, 3);
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: key ?? null, value })) });
    await producer.disconnect();
  }

  /** Reads `count` records from `topic` from the beginning with a throw-away group. */
  async function consume(topic: string, count: number): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
    const c = client.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 100 });
    consumers.push(c);
    const got: { key: string | null; value: string; headers: Record<string, string> }[] = [];
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        got.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
      },
    });
    await waitFor(() => got.length >= count, `${count} records on ${topic}`, 60000);
    return got;
  }

  const committed = (groupId: string, topic: string) => committedOffsets(client, groupId, topic);

  /** Finishes a held message and waits until `offsets` records of the group are committed. */
  async function finish(h: Held, groupId: string, topic: string, offsets: number): Promise<void> {
    h.done();
    await waitFor(async () => (await committed(groupId, topic)) === offsets, `offset ${offsets} committed`, 30000);
  }

  /** Waits a while and checks that nothing of the group is committed. */
  async function nothingCommitted(groupId: string, topic: string, ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    assert.equal(await committed(groupId, topic), 0);
  }

  it('kafka-out publishes with key and headers, and calls done only once the broker has the record', async function () {
    const topic = unique('out');
    await ensureTopic(client, topic, 3);
    await load(kafkaNodes, [broker(), { id: 'out', type: 'impetus-kafka-out', broker: 'broker', topic, wires: [] }]);
    const out = node('out');
    const errors: string[] = [];
    out.on('call:error', ((call: { args: unknown[] }) => errors.push(String(call.args[0]))) as never);
    for (let i = 0; i < 50; i++) out.receive({ payload: { n: i }, key: `alert-${i % 5}`, headers: { source: 'test', n: i } });
    const got = await consume(topic, 50);
    assert.deepEqual(errors, []);
    assert.equal(got.length, 50);
    const values = got.map((r) => JSON.parse(r.value).n).sort((a, b) => a - b);
    assert.deepEqual(values, Array.from({ length: 50 }, (_, i) => i));
    for (const r of got) {
      assert.equal(r.key, `alert-${JSON.parse(r.value).n % 5}`);
      assert.equal(r.headers.source, 'test');
      assert.equal(r.headers.n, String(JSON.parse(r.value).n));
    }
    // Records of one key keep their order (one partition, idempotent producer).
    for (let k = 0; k < 5; k++) {
      const ns = got.filter((r) => r.key === `alert-${k}`).map((r) => JSON.parse(r.value).n);
      assert.deepEqual(ns, [...ns].sort((a, b) => a - b));
    }
  });

  it('kafka-in subscribed to a topic not created yet starts once the broker creates it, and logs no error', async function () {
    const topic = unique('later');
    await load([...kafkaNodes, passNode], [broker(), { id: 'in', type: 'impetus-kafka-in', broker: 'broker', topics: topic, groupId: unique('g'), fromBeginning: true, decode: 'string', wires: [['pass']] }, { id: 'pass', type: 'test-pass', wires: [] }]);
    const errors: string[] = [];
    node('in').on('call:error', ((call: { args: unknown[] }) => errors.push(String(call.args[0]))) as never);
    const got: string[] = [];
    node('pass').on('input', ((m: { payload: string }) => got.push(m.payload)) as never);
    const statuses: Array<{ fill?: string }> = [];
    node('in').on('call:status', ((call: { args: [{ fill?: string }] }) => statuses.push(call.args[0])) as never);
    // The first start finds no topic (the broker creates it on that first request).
    await waitFor(() => statuses.some((st) => st.fill === 'red'), 'the first start to fail on the missing topic', 30_000);
    await produce(topic, ['first']);
    await waitFor(() => got.length === 1, 'the record from the topic created after the start', 60_000);
    assert.deepEqual(got, ['first']);
    assert.deepEqual(errors, [], 'a start retried past a missing topic logs nothing');
  });

  it('kafka-in commits an offset only after the flow has called done()', async function () {
    const topic = unique('in');
    const groupId = unique('group');
    await produce(topic, ['{"n":1}', '{"n":2}', '{"n":3}'], 'same-key');
    await load([...kafkaNodes, holdNode], [
      broker(),
      { id: 'in', type: 'impetus-kafka-in', broker: 'broker', topics: topic, groupId, fromBeginning: true, decode: 'json', wires: [['hold']] },
      { id: 'hold', type: 'test-hold' },
    ]);
    await waitFor(() => held.length === 3, 'three held records', 60000);
    assert.deepEqual(held.map((h) => (h.msg.payload as { n: number }).n), [1, 2, 3]);
    assert.equal(held[0].msg.key, 'same-key');
    assert.deepEqual(held[0].msg._kafka, { topic, partition: held[0].msg.partition, offset: '0', attempt: 0 });
    // Nothing finished: nothing committed, even after a while.
    await nothingCommitted(groupId, topic, 1500);
    // Finishing the second alone cannot commit past the first.
    held[1].done();
    await nothingCommitted(groupId, topic, 1000);
    await finish(held[0], groupId, topic, 2);
    await finish(held[2], groupId, topic, 3);
  });

  it('kafka-in counts a message passed on before done() as in the flow until the next node is done with it', async function () {
    const topic = unique('chain');
    const groupId = unique('group');
    await produce(topic, ['{"n":1}', '{"n":2}'], 'same-key');
    // A link pair hands the message on with a direct receive(), not through the router. Link
    // nodes name each other in arrays, which the runtime reads as config-node references unless
    // the nodes sit on a tab (x, y).
    const at = { z: 'tab', x: 0, y: 0 };
    await load([...kafkaNodes, passNode, holdNode, linkNodes], [
      { id: 'tab', type: 'tab' },
      broker(),
      { id: 'in', type: 'impetus-kafka-in', ...at, broker: 'broker', topics: topic, groupId, fromBeginning: true, decode: 'json', wires: [['pass']] },
      { id: 'pass', type: 'test-pass', ...at, wires: [['link-out']] },
      { id: 'link-out', type: 'link out', ...at, mode: 'link', links: ['link-in'], wires: [] },
      { id: 'link-in', type: 'link in', ...at, links: ['link-out'], wires: [['hold']] },
      { id: 'hold', type: 'test-hold', ...at, wires: [] },
    ]);
    await waitFor(() => held.length === 2, 'two held records', 60000);
    // The first node finished long ago (its send is delivered on a later tick than its done()),
    // but the records are still in the flow.
    await nothingCommitted(groupId, topic, 1500);
    await finish(held[0], groupId, topic, 1);
    await finish(held[1], groupId, topic, 2);
  });

  it('kafka-in delivers a record again when the flow fails it, and commits after the retry succeeds', async function () {
    const topic = unique('retry');
    const groupId = unique('group');
    await produce(topic, ['{"n":1}']);
    await load([...kafkaNodes, holdNode], [
      broker(),
      { id: 'in', type: 'impetus-kafka-in', broker: 'broker', topics: topic, groupId, fromBeginning: true, decode: 'json', retries: 3, wires: [['hold']] },
      { id: 'hold', type: 'test-hold' },
    ]);
    await waitFor(() => held.length === 1, 'first delivery', 60000);
    held[0].done(new Error('store unreachable'));
    await waitFor(() => held.length === 2, 'second delivery', 30000);
    assert.equal((held[1].msg._kafka as { attempt: number }).attempt, 1);
    assert.deepEqual(held[1].msg.payload, { n: 1 });
    assert.equal(await committed(groupId, topic), 0);
    await finish(held[1], groupId, topic, 1);
  });

  it('kafka-in reports an undecodable or invalid record to Catch and moves past it', async function () {
    const topic = unique('bad');
    const groupId = unique('group');
    const good = { specversion: '1.0', id: 'e1', source: 'lpr-2', tool: 'lpr', type: 'Stolen plate', time: '2025-03-01T10:00:00Z' };
    await produce(topic, ['not json {', JSON.stringify({ ...good, severity: 'apocalyptic' }), JSON.stringify(good)]);
    await load([...kafkaNodes, holdNode, catchNode], [
      broker(),
      { id: 'in', type: 'impetus-kafka-in', broker: 'broker', topics: topic, groupId, fromBeginning: true, decode: 'json', schema: 'legacy-event', wires: [['hold']] },
      { id: 'hold', type: 'test-hold' },
      { id: 'catcher', type: 'catch', scope: ['in'], wires: [['caught']] },
      { id: 'caught', type: 'test-hold' },
    ]);
    await waitFor(() => held.length === 3, 'two errors caught and one record delivered', 60000);
    const errors = held.filter((h) => h.msg.error).map((h) => String((h.msg.error as { message: string }).message));
    assert.equal(errors.length, 2);
    assert.ok(errors.some((e) => /not JSON/.test(e)), errors.join('; '));
    assert.ok(errors.some((e) => /severity/.test(e)), errors.join('; '));
    const delivered = held.filter((h) => !h.msg.error);
    assert.deepEqual(delivered.map((h) => (h.msg.payload as { id: string }).id), ['e1']);
    delivered[0].done();
    for (const h of held.filter((x) => x.msg.error)) h.done();
    await waitFor(async () => (await committed(groupId, topic)) === 3, 'all three offsets committed', 30000);
  });

  it('kafka-out keeps each request under the broker size limit and fails alone a message that can never fit', async function () {
    const topic = unique('large');
    await ensureTopic(client, topic, 1);
    // 1,500 records of 1 kB on one partition: one request of them all would be refused.
    await load(kafkaNodes, [broker(), { id: 'out', type: 'impetus-kafka-out', broker: 'broker', topic, batchSize: 5000, lingerMs: 50, wires: [] }]);
    const out = node('out');
    const errors: string[] = [];
    out.on('call:error', ((call: { args: unknown[] }) => errors.push(String(call.args[0]))) as never);
    const filler = 'x'.repeat(1000);
    for (let i = 0; i < 1500; i++) {
      out.receive({ payload: { n: i, filler } });
      if (i === 700) out.receive({ payload: 'y'.repeat(1_200_000) });
    }
    const got = await consume(topic, 1500);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).n), Array.from({ length: 1500 }, (_, i) => i));
    await waitFor(() => errors.length > 0, 'the oversized message failed', 10000);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /too large \(1200040 bytes\)/);
  });

  it('kafka-out refuses with a clear error once its buffer is full while the broker is unreachable', async function () {
    await load(kafkaNodes, [
      { id: 'unreachable', type: 'impetus-kafka-broker', brokers: '127.0.0.1:1', clientId: 'impetus-test' },
      { id: 'out', type: 'impetus-kafka-out', broker: 'unreachable', topic: 'nowhere', maxBuffered: 3, lingerMs: 0 },
    ]);
    const out = node('out') as unknown as { receive(m: object): void; on(e: string, f: (...a: never[]) => void): void };
    const errors: string[] = [];
    out.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    const statuses: string[] = [];
    out.on('call:status', (call: { args: { text?: string }[] }) => statuses.push(String(call.args[0]?.text)));
    for (let i = 0; i < 5; i++) out.receive({ payload: `m${i}` });
    await waitFor(() => errors.filter((e) => /buffer full/.test(e)).length === 2, 'two refusals', 10000);
    assert.match(errors.find((e) => /buffer full/.test(e))!, /3 messages/);
    // The status names the outage (its text is translated; the helper shows the message key).
    await waitFor(() => statuses.some((s) => /full|buffering/.test(s)), 'status shows the outage', 20000);
  });

  for (const mechanism of ['plain', 'scram-sha-256'] as const) {
    it(`authenticates with SASL ${mechanism} using credentials`, async function () {
      const sasl = kafkaSaslBrokers(this);
      const topic = unique(`sasl-${mechanism}`);
      await ensureTopic(client, topic, 1);
      await helper.load(kafkaNodes as never, [
        { id: 'b', type: 'impetus-kafka-broker', brokers: sasl.join(','), clientId: 'sasl', saslMechanism: mechanism },
        { id: 'out', type: 'impetus-kafka-out', broker: 'b', topic },
      ] as never, { b: { username: 'impetus', password: 'impetus-secret' } } as never);
      node('out').receive({ payload: `via ${mechanism}` });
      const got = await consume(topic, 1);
      assert.equal(got[0].value, `via ${mechanism}`);
    });
  }

  it('the legacy-tool example flow turns a published event into a stored alert', async function () {
    const topic = unique('legacy.events');
    const flow = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'legacy-tool-events.json'), 'utf8')) as Record<string, unknown>[];
    for (const n of flow) {
      if (n.type === 'impetus-kafka-broker') n.brokers = brokers.join(',');
      if (n.type === 'impetus-kafka-in') Object.assign(n, { topics: topic, groupId: unique('legacy') });
    }
    const event = {
      specversion: '1.0', id: 'lpr-2-000123', source: 'lpr-gateway-2', tool: 'lpr', type: 'Stolen vehicle plate',
      time: '2025-03-01T10:00:00Z', ref: 'cam-17', severity: 'high', urgency: 'Immediate', certainty: 'Observed',
      zone: 'Z4', areaDesc: 'Ring road north', location: { type: 'Point', coordinates: [11.88, 45.41] }, data: { plate: 'AB123CD' },
    };
    await produce(topic, [JSON.stringify(event)]);
    await load(allNodes, flow);
    const store = platformFor(currentRed()).store;
    await waitFor(async () => (await store.query({ tool: 'lpr' })).total === 1, 'the legacy alert in the store', 60000);
    const [alert] = (await store.query({ tool: 'lpr' })).items;
    assert.equal(alert.event, 'Stolen vehicle plate');
    assert.equal(alert.priority, 'P1');
    assert.equal(alert.source.ref, 'cam-17');
    assert.equal(alert.zone, 'Z4');
    assert.deepEqual(alert.location, event.location);
    assert.deepEqual(alert.data, { legacyEventId: 'lpr-2-000123', legacySource: 'lpr-gateway-2', plate: 'AB123CD' });
  });
});
