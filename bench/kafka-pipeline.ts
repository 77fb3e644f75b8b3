/**
 * Kafka pipeline benchmark: `npm run bench:kafka-pipeline [-- --messages N --rate R --seconds S] [--without-alert]`.
 *
 * Side by side in one run, against the same broker and with the same Kafka client module
 * (nodes/kafka/client.ts):
 *
 *   bare:     consumer → producer loop (eachBatch, acks=all idempotent send, offsets committed
 *             after the send): the most a relay on this client can do;
 *   pipeline: a real Node-RED 4 flow  impetus-kafka-in → impetus-alert (SQLite store,
 *             synchronous=full) → change (key = alert id) → impetus-kafka-out, with kafka-in's
 *             at-least-once tracking and kafka-out's acknowledged delivery.
 *
 * Throughput: N drafts are produced first; each variant drains them into its own output topic.
 * The clock runs from the first record consumed to the N-th output record acknowledged (read
 * from the topic's watermarks), so neither variant's consumer-group join is counted. Rounds
 * alternate bare and pipeline; the ratio is of the mean rates.
 *
 * Latency: drafts are produced at R per second for S seconds while each variant runs; the
 * latency of a record is the output record's timestamp minus the `sentAt` it carries. p50/p99.
 *
 * Each throughput line also gives the process CPU time per message (all threads) and the event
 * loop's utilisation over the run: near 1 means the variant is bound by this process's CPU, well
 * below 1 that it waits (on the broker, on a window). `--without-alert` wires kafka-in straight to
 * the change node, to tell the Kafka nodes' share from the alert node's.
 *
 * Needs IMPETUS_KAFKA_BROKERS (services/up.sh). A benchmark, not a test: it asserts nothing about
 * time and exits non-zero only when a run breaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { KafkaClient } from '../nodes/kafka/client';
import { createKafkaClient, ensureTopic } from '../nodes/kafka/client';
import { closePlatforms } from '../nodes/platform/platform';
import { nodeAreas, RED, runtimeSettings } from './embedded-red';
import { storeFloor } from './store-floor';

// The runtime's hook registry (the one RED.hooks is).
const hooks = (require('@node-red/util') as { hooks: { add(name: string, f: (event: unknown) => void): void; remove(name: string): void } }).hooks;

const args = process.argv.slice(2);
function opt(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const MESSAGES = opt('messages', 50000);
const ROUNDS = opt('rounds', 2);
const RATE = opt('rate', 500);
const SECONDS = opt('seconds', 6);
const WITHOUT_ALERT = args.includes('--without-alert');
const brokers = (process.env.IMPETUS_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('kafka-pipeline: set IMPETUS_KAFKA_BROKERS (services/up.sh starts a broker and writes .services/env)');
  process.exit(2);
}
const client: KafkaClient = createKafkaClient({ clientId: 'bench-kafka-pipeline', brokers });
const run = `${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function draft(n: number, sentAt: number): string {
  return JSON.stringify({ event: 'Bench probe', zone: `Z${n % 9}`, severity: 'medium', source: { ref: `bench-${run}-${n}` }, data: { n, sentAt } });
}

async function produce(topic: string, from: number, to: number, sentAt?: () => number): Promise<void> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = from; i < to; i += 1000) {
    const messages = [];
    for (let n = i; n < Math.min(to, i + 1000); n++) messages.push({ key: `k${n}`, value: draft(n, sentAt ? sentAt() : 0) });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

/** Produces RATE per second for SECONDS, in 20 ms slices, stamping each draft with its send time. */
async function paced(topic: string, offset: number): Promise<number> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = Math.round(RATE * SECONDS);
  const start = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE));
    if (due > sent) {
      const now = Date.now();
      const messages = [];
      for (let n = sent; n < due; n++) messages.push({ key: `k${offset + n}`, value: draft(offset + n, now) });
      await producer.send({ topic, acks: -1, messages });
      sent = due;
    }
    await sleep(20);
  }
  await producer.disconnect();
  return total;
}

async function watermark(topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** When the variant under test consumed its first record (set by each variant). */
let firstConsumed = 0;

/** msgs/s from the first record consumed to the `target`-th output record acknowledged. */
async function rateOf(topic: string, target: number, limitMs = 600_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const n = await watermark(topic);
    if (n >= target) return (target * 1000) / (performance.now() - firstConsumed);
    if (Date.now() > deadline) throw new Error(`${topic}: only ${n} of ${target} records after ${limitMs} ms`);
    await sleep(10);
  }
}

/** Reads every output record and returns its latency (record timestamp − data.sentAt), for records with a sentAt. */
async function latencies(topic: string, count: number): Promise<number[]> {
  const consumer = client.consumer({ groupId: `bench-reader-${run}-${topic}`, maxWaitTimeInMs: 100 });
  const values: number[] = [];
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        seen++;
        const doc = JSON.parse(m.value!.toString()) as { sentAt?: number; data?: { sentAt?: number } };
        const sentAt = doc.data?.sentAt ?? doc.sentAt ?? 0;
        if (sentAt > 0) values.push(Number(m.timestamp) - sentAt);
      }
    },
  });
  while (seen < count) await sleep(50);
  await consumer.disconnect();
  return values;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The bare relay: consume, send the batch (acks=all, idempotent), then let the offsets be committed. */
async function bare(input: string, output: string): Promise<() => Promise<void>> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = client.consumer({ groupId: `bench-bare-${run}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      firstConsumed ||= performance.now();
      const messages = batch.messages.map((m) => {
        const draftDoc = JSON.parse(m.value!.toString()) as { data: { n: number; sentAt: number } };
        return { key: m.key, value: JSON.stringify({ n: draftDoc.data.n, sentAt: draftDoc.data.sentAt }) };
      });
      await producer.send({ topic: output, acks: -1, messages });
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await heartbeat();
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

let server: http.Server | undefined;

/** A real Node-RED 4 runtime (not the test helper, whose spies on every node call would dominate the profile). */
async function startRed(dir: string): Promise<void> {
  server = http.createServer();
  RED.init(
    server,
    runtimeSettings(dir, nodeAreas('alert', 'kafka'), {
      disableEditor: true,
      httpAdminRoot: false,
      // As in production (settings.ts): durable commits, one fsync per group commit.
      impetus: { store: { type: 'sqlite', file: path.join(dir, 'alerts.db'), synchronous: 'full' }, bus: { type: 'memory' }, retention: { resolvedDays: 0 } },
    }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  await RED.start();
}

async function stopRed(): Promise<void> {
  await RED.stop();
  await closePlatforms();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
}

async function pipeline(input: string, output: string): Promise<() => Promise<void>> {
  // The clock starts when impetus-alert receives the first record, as the bare loop's does at its first batch.
  // One parameter: Node-RED treats a hook of any other arity as asynchronous (callback style).
  hooks.add('onReceive.benchKafkaPipeline', (_event: unknown) => {
    firstConsumed ||= performance.now();
  });
  await RED.runtime.flows.setFlows({
    deploymentType: 'full',
    flows: {
      flows: [
        { id: 'bench-tab', type: 'tab', label: 'kafka pipeline' },
        { id: 'bench-broker', type: 'impetus-kafka-broker', brokers: brokers.join(','), clientId: 'bench-pipeline', saslMechanism: 'none' },
        { id: 'bench-in', type: 'impetus-kafka-in', z: 'bench-tab', broker: 'bench-broker', topics: input, groupId: `bench-pipeline-${run}-${input}`, fromBeginning: true, decode: 'json', maxInFlight: 2000, wires: [[WITHOUT_ALERT ? 'bench-key' : 'bench-alert']] },
        { id: 'bench-alert', type: 'impetus-alert', z: 'bench-tab', tool: 'bench', wires: [['bench-key']] },
        { id: 'bench-key', type: 'change', z: 'bench-tab', rules: [{ t: 'set', p: 'key', pt: 'msg', to: 'alertId', tot: 'msg' }, { t: 'delete', p: 'topic', pt: 'msg' }], wires: [['bench-out']] },
        { id: 'bench-out', type: 'impetus-kafka-out', z: 'bench-tab', broker: 'bench-broker', topic: output, batchSize: 1000, lingerMs: 5, wires: [] },
      ],
    },
  });
  return async () => {
    hooks.remove('onReceive.benchKafkaPipeline');
    await RED.runtime.flows.setFlows({ deploymentType: 'full', flows: { flows: [] } });
  };
}

interface Result {
  rate: number;
  cpuUsPerMsg: number;
  elu: number;
  p50: number;
  p99: number;
}

async function measure(name: string, start: (input: string, output: string) => Promise<() => Promise<void>>): Promise<Result> {
  const tput = [`bench-${run}-${name}-in`, `bench-${run}-${name}-out`];
  const lat = [`bench-${run}-${name}-lat-in`, `bench-${run}-${name}-lat-out`];
  for (const t of [...tput, ...lat]) await ensureTopic(client, t, 3);
  await produce(tput[0], 0, MESSAGES);
  firstConsumed = 0;
  const stop = await start(tput[0], tput[1]);
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const rate = await rateOf(tput[1], MESSAGES);
  const used = process.cpuUsage(cpu);
  const elu = performance.eventLoopUtilization(loop).utilization;
  await stop();

  const stopLat = await start(lat[0], lat[1]);
  await sleep(3000); // let the consumer join before the paced load starts
  const total = await paced(lat[0], MESSAGES);
  await rateOf(lat[1], total);
  await stopLat();
  const lats = await latencies(lat[1], total);
  return { rate, cpuUsPerMsg: (used.user + used.system) / MESSAGES, elu, p50: percentile(lats, 50), p99: percentile(lats, 99) };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-bench-kafka-'));
  try {
    await startRed(dir);
    console.log(`kafka-pipeline: ${MESSAGES} messages per throughput run, latency at ${RATE}/s for ${SECONDS} s; brokers ${brokers.join(',')}`);
    // Alternating rounds, so that a burst of load from elsewhere on the machine hits both.
    const bares: Result[] = [];
    const pipes: Result[] = [];
    const show = (label: string, r: Result) =>
      console.log(`  ${label.padEnd(27)}${r.rate.toFixed(0).padStart(8)} msgs/s  ${r.cpuUsPerMsg.toFixed(1).padStart(6)} µs CPU/msg  loop ${r.elu.toFixed(2)}   latency p50 ${r.p50} ms  p99 ${r.p99} ms`);
    for (let round = 0; round < ROUNDS; round++) {
      const b = await measure(`bare${round}`, bare);
      show('bare consumer→producer', b);
      bares.push(b);
      const p = await measure(`pipeline${round}`, pipeline);
      show(WITHOUT_ALERT ? 'kafka-in→change→kafka-out' : 'kafka-in→alert→kafka-out', p);
      pipes.push(p);
    }
    const mean = (xs: { rate: number }[]) => xs.reduce((s, x) => s + x.rate, 0) / xs.length;
    const ratio = mean(pipes) / mean(bares);
    console.log(`  ratio pipeline/bare (mean of ${ROUNDS} rounds)  ${ratio.toFixed(2)}  (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    if (!WITHOUT_ALERT) {
      // The pipeline's event loop must do at least the relay's share of its own loop (the same
      // client decodes and produces each record) plus the store's floor for each alert, which
      // runs on that loop too: together they bound the pipeline's rate whatever the nodes do.
      const floor = await storeFloor(path.join(dir, 'alerts.db'), dir, MESSAGES);
      const relayLoopSeconds = bares.reduce((sum, b) => sum + b.elu / b.rate, 0) / bares.length;
      const ceiling = 1 / (relayLoopSeconds + 1 / floor.perSecond);
      console.log(`  SQLite floor               ${floor.perSecond.toFixed(0).padStart(8)} alerts/s  ${floor.cpuMicros.toFixed(1).padStart(6)} µs CPU/alert  (the pipeline's last ${floor.alerts} alerts re-inserted by a bare loop)`);
      console.log(`  ratio ceiling              ${(ceiling / mean(bares)).toFixed(2)}  (the relay's loop time per record plus the floor per alert, ${(relayLoopSeconds * 1e6).toFixed(1)} + ${(1e6 / floor.perSecond).toFixed(1)} µs)`);
    }
    console.log(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min; ${os.cpus().length} CPUs)`);
  } finally {
    await stopRed().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`kafka-pipeline failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
