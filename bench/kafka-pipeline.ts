/**
 * Kafka pipeline benchmark: `npm run bench:kafka-pipeline [-- --messages N --rounds K --rate R --seconds S]`.
 *
 * Side by side in one run, against the same broker and with the same Kafka client module
 * (nodes/platform/bus/kafka-client.ts), three variants:
 *
 *   bare:     consumer → producer loop (eachBatch, acks=all idempotent send, offsets committed
 *             after the send): the most a relay on this client can do;
 *   nodes:    a real Node-RED 4 flow  impetus-kafka-in → change → impetus-kafka-out: the Kafka
 *             nodes with kafka-in's at-least-once tracking and kafka-out's acknowledged delivery,
 *             and Node-RED's delivery between them, without the alert node;
 *   pipeline: the same flow with impetus-alert (SQLite store, synchronous=full) after kafka-in.
 *
 * Throughput: N drafts are produced first; each variant drains them into its own output topic.
 * The clock runs from the first record consumed to the N-th output record acknowledged (read
 * from the topic's watermarks), so neither variant's consumer-group join is counted. Each round
 * runs the three in turn; the ratios are of the mean rates.
 *
 * Latency: drafts are produced at R per second for S seconds while each variant runs; the
 * latency of a record is the output record's timestamp minus the `sentAt` it carries. p50/p99.
 *
 * Each throughput line also gives the CPU time per message of this process (all threads) and of
 * the broker (IMPETUS_KAFKA_PID, which services/up.sh exports), and the event loop's utilisation
 * over the run: near 1 means the variant is bound by this process's CPU.
 *
 * After the rounds, two ceilings on the pipeline's ratio, both from figures of this run:
 *   one loop: the nodes variant's time per record plus the SQLite floor per alert (the
 *             pipeline's last alerts re-inserted by a bare loop, bench/store-floor.ts), both on
 *             one event loop, as the store runs today;
 *   cores:    the machine's cores divided by the CPU each record needs however the work is
 *             spread over threads: the nodes variant's process CPU, the broker's CPU and the
 *             floor's CPU.
 *
 * Needs IMPETUS_KAFKA_BROKERS (services/up.sh). A benchmark, not a test: it asserts nothing about
 * time and exits non-zero only when a run breaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { KafkaClient } from '../nodes/platform';
import { createKafkaClient, ensureTopic } from '../nodes/platform';
import { closePlatforms } from '../nodes/platform';
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
const brokers = (process.env.IMPETUS_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('kafka-pipeline: set IMPETUS_KAFKA_BROKERS (services/up.sh starts a broker and writes .services/env)');
  process.exit(2);
}
/** The broker's pid, when IMPETUS_KAFKA_PID names a running Kafka (a stale pid is ignored, with a note). */
const brokerPid = ((pid: number) => {
  if (!pid) return undefined;
  const cmdline = fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (cmdline.includes('kafka')) return pid;
  console.log(`  (IMPETUS_KAFKA_PID ${pid} is not a running Kafka broker: its CPU is not measured)`);
  return undefined;
})(Number(process.env.IMPETUS_KAFKA_PID));
const client: KafkaClient = createKafkaClient({ clientId: 'bench-kafka-pipeline', brokers });
const run = `${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds the broker process has used so far (utime + stime), or undefined without its pid. */
function brokerCpuSeconds(): number | undefined {
  if (!brokerPid) return undefined;
  // The command name in field 2 may hold spaces; the fields after its closing parenthesis do not.
  const fields = fs.readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

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

async function flow(input: string, output: string, withAlert: boolean): Promise<() => Promise<void>> {
  // The clock starts when the node after kafka-in receives the first record, as the bare loop's does at its first batch.
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
        { id: 'bench-in', type: 'impetus-kafka-in', z: 'bench-tab', broker: 'bench-broker', topics: input, groupId: `bench-pipeline-${run}-${input}`, fromBeginning: true, decode: 'json', maxInFlight: 2000, wires: [[withAlert ? 'bench-alert' : 'bench-key']] },
        ...(withAlert ? [{ id: 'bench-alert', type: 'impetus-alert', z: 'bench-tab', tool: 'bench', wires: [['bench-key']] }] : []),
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
  /** NaN when the broker's pid is not known. */
  brokerCpuUsPerMsg: number;
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
  const brokerCpu = brokerCpuSeconds();
  const loop = performance.eventLoopUtilization();
  const rate = await rateOf(tput[1], MESSAGES);
  const used = process.cpuUsage(cpu);
  const brokerUsed = brokerCpu === undefined ? NaN : brokerCpuSeconds()! - brokerCpu;
  const elu = performance.eventLoopUtilization(loop).utilization;
  await stop();

  const stopLat = await start(lat[0], lat[1]);
  await sleep(3000); // let the consumer join before the paced load starts
  const total = await paced(lat[0], MESSAGES);
  await rateOf(lat[1], total);
  await stopLat();
  const lats = await latencies(lat[1], total);
  return { rate, cpuUsPerMsg: (used.user + used.system) / MESSAGES, brokerCpuUsPerMsg: (brokerUsed * 1e6) / MESSAGES, elu, p50: percentile(lats, 50), p99: percentile(lats, 99) };
}

const VARIANTS = [
  { label: 'bare consumer→producer', start: bare },
  { label: 'kafka-in→change→kafka-out', start: (input: string, output: string) => flow(input, output, false) },
  { label: 'kafka-in→alert→kafka-out', start: (input: string, output: string) => flow(input, output, true) },
] as const;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const micros = (seconds: number) => `${(seconds * 1e6).toFixed(1)} µs`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-bench-kafka-'));
  try {
    await startRed(dir);
    console.log(`kafka-pipeline: ${MESSAGES} messages per throughput run, latency at ${RATE}/s for ${SECONDS} s; brokers ${brokers.join(',')}`);
    if (!process.env.IMPETUS_KAFKA_PID) console.log('  (IMPETUS_KAFKA_PID not set: the broker\'s CPU is not measured and counts as zero in the cores ceiling)');
    // Rounds run the variants in turn, so that a burst of load from elsewhere on the machine hits each.
    const results: Result[][] = VARIANTS.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, variant] of VARIANTS.entries()) {
        const r = await measure(`v${i}r${round}`, variant.start);
        const broker = Number.isNaN(r.brokerCpuUsPerMsg) ? '' : `  broker ${r.brokerCpuUsPerMsg.toFixed(1)} µs`;
        console.log(`  ${variant.label.padEnd(27)}${r.rate.toFixed(0).padStart(8)} msgs/s  ${r.cpuUsPerMsg.toFixed(1).padStart(6)} µs CPU/msg${broker}  loop ${r.elu.toFixed(2)}   latency p50 ${r.p50} ms  p99 ${r.p99} ms`);
        results[i].push(r);
      }
    }
    const [bares, nodes, pipes] = results;
    const rate = (rs: Result[]) => mean(rs.map((r) => r.rate));
    const ratio = rate(pipes) / rate(bares);
    console.log(`  ratio pipeline/bare (mean of ${ROUNDS} rounds)  ${ratio.toFixed(2)}  (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    console.log(`  ratio nodes/bare                ${(rate(nodes) / rate(bares)).toFixed(2)}  (the same flow without impetus-alert)`);
    // What impetus-alert adds to each record, and what the target leaves it: at 0.5 the pipeline
    // may take twice the bare relay's time per record, of which the nodes variant already takes its own.
    console.log(`  impetus-alert in the flow       ${micros(1 / rate(pipes) - 1 / rate(nodes))} per alert; the target leaves it ${micros(2 / rate(bares) - 1 / rate(nodes))}`);
    const floor = await storeFloor(path.join(dir, 'alerts.db'), dir, MESSAGES);
    console.log(`  SQLite floor               ${floor.perSecond.toFixed(0).padStart(8)} alerts/s  ${floor.cpuMicros.toFixed(1).padStart(6)} µs CPU/alert  (the pipeline's last ${floor.alerts} alerts re-inserted by a bare loop)`);
    const serial = 1 / (1 / rate(nodes) + 1 / floor.perSecond);
    console.log(`  ratio ceiling, one loop         ${(serial / rate(bares)).toFixed(2)}  (the nodes variant plus the floor per alert, ${micros(1 / rate(nodes))} + ${micros(1 / floor.perSecond)})`);
    const cores = os.cpus().length;
    const brokerCpu = brokerPid ? mean(nodes.map((r) => r.brokerCpuUsPerMsg)) : 0;
    const perRecord = mean(nodes.map((r) => r.cpuUsPerMsg)) + brokerCpu + floor.cpuMicros;
    const byCores = (cores * 1e6) / perRecord;
    console.log(`  ratio ceiling, ${cores} cores         ${(byCores / rate(bares)).toFixed(2)}  (${cores} cores over the CPU per record, ${mean(nodes.map((r) => r.cpuUsPerMsg)).toFixed(1)} process + ${brokerCpu.toFixed(1)} broker + ${floor.cpuMicros.toFixed(1)} floor µs)`);
    console.log(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min; ${cores} CPUs)`);
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
