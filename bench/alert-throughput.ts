/**
 * Alert throughput benchmark: `npm run bench:alert-throughput [-- --quick | --alerts N | ...]`.
 *
 * One process embeds a real Node-RED 4 runtime (RED.init on an HTTP server on 127.0.0.1,
 * flows deployed through RED.runtime.flows.setFlows) and drives, side by side:
 *
 *   feeder → impetus-alert (SQLite, synchronous=full) → sink
 *   feeder → core change node (set msg.payload.x)     → sink
 *
 * The feeder does what an inject node does, `node.receive(msg)` on the first node, keeping a
 * bounded window of messages in flight; the sink counts arrivals. It prints alerts/s, the
 * ratio against the change-node flow, the same for a dedup-heavy load (10 fingerprints), and
 * RSS/heap sampled over a long run of unique persisted alerts. In the same run, Prometheus
 * Alertmanager (bench/alertmanager-peer.ts) takes the same alerts, and a bare SQLite loop
 * (store-floor.ts) the same rows: ours ÷ each is printed for new and repeated alerts. See
 * bench/README.md.
 *
 * This is a benchmark, not a test: it asserts nothing about time and exits 0 on a missed
 * target. It exits non-zero only when the run itself breaks (an alert fails, the flow stalls).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { closePlatforms, resolveSettings, Validators } from '../nodes/platform';
import type { FlowNode } from './embedded-red';
import { readFlags } from './cli';
import { nodeAreas, RED, runtimeSettings, writeSinkNode } from './embedded-red';
import { profiled } from './profiler';
import type { Floor } from './store-floor';
import { repeatFloor, storeFloor } from './store-floor';
import type { Alertmanager, PeerRate } from './alertmanager-peer';
import { AM_BATCH, DEFAULT_ALERTMANAGER, DEFAULT_ALERTMANAGER_PORT, startAlertmanager, toAmAlert } from './alertmanager-peer';

// ---- options -------------------------------------------------------------------------------

/** The alert variants, one message per draft or `--batch` drafts to a message. */
const VARIANTS = ['unique', 'dedup', 'unique-batched', 'dedup-batched'] as const;
type Variant = (typeof VARIANTS)[number];

interface Options {
  quick: boolean;
  /** Measured messages per throughput variant. */
  alerts: number;
  /** Warm-up messages per variant before anything is measured. */
  warmup: number;
  /** Unique alerts persisted during the memory run; 0 skips it. */
  memory: number;
  /** Alerts between two memory samples. */
  sampleEvery: number;
  /** Share of the memory run treated as warm-up before the flatness figure is taken. */
  memoryWarmupShare: number;
  /** Messages in flight at once. */
  window: number;
  /** Where the temporary user directory and database go. */
  tmp: string;
  /** Keep the temporary directory (to inspect the database). */
  keep: boolean;
  /** Run only this alert variant (and the change baseline), no memory run: for profiling. */
  only?: Variant;
  /** The Alertmanager binary fed the same alerts in the same run; undefined skips it. */
  alertmanager?: string;
  alertmanagerPort: number;
  /** Group the alerts of every variant into incidents, as production does by default; off measures the alert path alone. */
  incidents: boolean;
  /** Unique alerts of the variant grouped into incidents, beside the same variant ungrouped; 0 skips it. */
  grouping: number;
  /** Drafts per message in the batched variants (an array in msg.payload); 0 skips them. */
  batch: number;
  /** With `only`: write a CPU profile of that variant's measured run (not of start-up or warm-up) here. */
  profile?: string;
}

const USAGE = `usage: node --expose-gc dist/bench/alert-throughput.js [options]
  --quick              smoke run: 20,000 alerts per variant, 100,000 for memory
  --alerts N           measured messages per throughput variant (default 200000; env BENCH_ALERTS)
  --warmup N           warm-up messages per variant (default 20000; env BENCH_WARMUP)
  --memory N           unique alerts in the memory run, 0 skips it (default 1000000; env BENCH_MEMORY)
  --sample-every N     alerts between memory samples (default memory/20; env BENCH_SAMPLE_EVERY)
  --window N           messages in flight (default 1000; env BENCH_WINDOW)
  --tmp DIR            parent of the temporary directory (default os.tmpdir(); env BENCH_TMP)
  --keep               keep the temporary directory and its database
  --only VARIANT       unique, dedup, unique-batched or dedup-batched: only that alert variant and
                       the baseline, no memory run (for --cpu-prof)
  --alertmanager PATH  the peer's binary (default ${DEFAULT_ALERTMANAGER}, built by
                       bench/alertmanager/setup.sh; 'none' skips it; env BENCH_ALERTMANAGER)
  --am-port N          its loopback port (default ${DEFAULT_ALERTMANAGER_PORT}; env BENCH_AM_PORT)
  --profile FILE       with --only: a CPU profile of the variant's measured run alone, for
                       bench/profile-summary.ts (dist/bench/profile-summary.js)
  --batch N            drafts per message in the batched variants (default 100; 0 skips them)
  --grouping N         unique alerts grouped into incidents (the default rules), measured beside the
                       ungrouped variant in the same run (default min(alerts, 20000); 0 skips it)
  --incidents          group the alerts of every variant as production does (default off: the alert
                       path alone, which is what Alertmanager's ingest is compared with)
`;

function parseOptions(argv: string[]): Options {
  const flags = readFlags(argv, USAGE, ['quick', 'keep', 'incidents'], ['alerts', 'warmup', 'memory', 'sample-every', 'window', 'tmp', 'only', 'alertmanager', 'am-port', 'batch', 'grouping', 'profile']);

  const quick = flags.get('quick') === true || process.env.BENCH_QUICK === '1';
  const count = (name: string, env: string, fallback: number, min = 1): number => {
    const raw = flags.get(name) ?? process.env[env];
    if (raw === undefined) return fallback;
    const value = Number(String(raw).replace(/_/g, ''));
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${String(raw)}`);
    return value;
  };
  const only = flags.get('only');
  if (only !== undefined && !VARIANTS.includes(only as Variant)) throw new Error(`--only must be one of ${VARIANTS.join(', ')}, got ${String(only)}`);
  const profile = flags.get('profile') === undefined ? undefined : String(flags.get('profile'));
  if (profile !== undefined && only === undefined) throw new Error('--profile needs --only: it profiles one variant');
  const alerts = count('alerts', 'BENCH_ALERTS', quick ? 20_000 : 200_000);
  const memory = only ? 0 : count('memory', 'BENCH_MEMORY', quick ? 100_000 : 1_000_000, 0);
  const sampleEvery = count('sample-every', 'BENCH_SAMPLE_EVERY', Math.max(1, Math.round(memory / 20)));
  const tmp = String(flags.get('tmp') ?? process.env.BENCH_TMP ?? os.tmpdir());
  const am = String(flags.get('alertmanager') ?? process.env.BENCH_ALERTMANAGER ?? DEFAULT_ALERTMANAGER);
  return {
    alertmanager: am === 'none' || (am === DEFAULT_ALERTMANAGER && !fs.existsSync(am)) ? undefined : am,
    alertmanagerPort: count('am-port', 'BENCH_AM_PORT', DEFAULT_ALERTMANAGER_PORT),
    quick,
    alerts,
    warmup: count('warmup', 'BENCH_WARMUP', quick ? 2_000 : 20_000, 0),
    memory,
    sampleEvery,
    memoryWarmupShare: 0.2,
    window: count('window', 'BENCH_WINDOW', 1_000),
    tmp,
    keep: flags.get('keep') === true,
    only: only as Variant | undefined,
    incidents: flags.get('incidents') === true,
    profile,
    grouping: profile !== undefined || (only !== undefined && only !== 'unique') ? 0 : count('grouping', 'BENCH_GROUPING', Math.min(alerts, 20_000), 0),
    batch: count('batch', 'BENCH_BATCH', 100, 0),
  };
}

// ---- the embedded runtime ---------------------------------------------------------------------

/** How the sink and catch nodes, loaded by Node-RED from a file, reach this process's counters. */
interface Probe {
  arrive(): void;
  fail(message: string): void;
}
const PROBE = Symbol.for('impetus.bench.probe');
const probeHolder = globalThis as unknown as Record<symbol, Probe | undefined>;

/**
 * The sink is a plain Node-RED node module, written to a directory in `nodesDir` so that the
 * runtime loads and wires it like any installed node.
 */
/** What the sink does with a message: count an arrival, or a failure from the Catch node. */
const SINK_ON_MESSAGE = `function (probe, role, msg) {
  if (role === 'error') probe.fail((msg.error && msg.error.message) || 'unknown error');
  else probe.arrive();
}`;

const TOOL = 'anomaly';

/** Two tabs of the same shape; the dedup variant reuses the impetus-alert tab with other drafts. */
function benchFlows(): object[] {
  const tab = (id: string, label: string, first: object) => [
    { id, type: 'tab', label, disabled: false, info: '' },
    { ...first, z: id, x: 300, y: 80, wires: [[`${id}-sink`]] },
    { id: `${id}-sink`, type: 'bench-sink', z: id, name: 'sink', role: 'arrive', x: 500, y: 80, wires: [] },
    { id: `${id}-catch`, type: 'catch', z: id, name: '', scope: null, uncaught: false, x: 300, y: 140, wires: [[`${id}-errors`]] },
    { id: `${id}-errors`, type: 'bench-sink', z: id, name: 'errors', role: 'error', x: 500, y: 140, wires: [] },
  ];
  return [
    ...tab('tab-change', 'change baseline', {
      id: 'bench-change',
      type: 'change',
      name: 'set payload.x',
      rules: [{ t: 'set', p: 'payload.x', pt: 'msg', to: '1', tot: 'num' }],
      action: '',
      property: '',
      from: '',
      to: '',
      reg: false,
    }),
    // Sets the grouping rules between variants: a rule no bench alert is in turns grouping off.
    { id: 'tab-rules', type: 'tab', label: 'grouping rules', disabled: false, info: '' },
    { id: 'bench-rules', type: 'impetus-incident-rules', z: 'tab-rules', name: '', rules: '', x: 300, y: 80, wires: [[]] },
    ...tab('tab-impetus', 'impetus-alert', {
      id: 'bench-alert',
      type: 'impetus-alert',
      name: '',
      tool: TOOL,
      event: '',
      category: '',
      severity: '',
      urgency: '',
      certainty: '',
      status: '',
      fingerprintKeys: '',
    }),
  ];
}

interface Runtime {
  server: http.Server;
  dir: string;
  dbFile: string;
  change: FlowNode;
  alert: FlowNode;
  rules: FlowNode;
}

async function startRuntime(options: Options): Promise<Runtime> {
  const dir = fs.mkdtempSync(path.join(options.tmp, 'impetus-bench-'));
  const sinkDir = writeSinkNode(dir, 'bench-sink', 'bench sink', 'impetus.bench.probe', SINK_ON_MESSAGE);
  const dbFile = path.join(dir, 'alerts.db');

  const app = express();
  const server = http.createServer(app);
  RED.init(
    server,
    runtimeSettings(dir, [...nodeAreas('alert'), sinkDir], {
      httpAdminRoot: '/admin',
      httpNodeRoot: '/',
      disableEditor: true,
      // As in production (settings.ts): durable commits, one fsync per group commit.
      impetus: {
        store: { type: 'sqlite', file: dbFile, synchronous: 'full' },
        bus: { type: 'memory' },
        // Enabled: the rules node decides which variants are grouped. Inhibition only with
        // --incidents: its cost grows with the open alerts (docs/alert-storms.md, what remains)
        // and is not grouping's.
        incidents: { enabled: true, ...(options.incidents ? {} : { inhibit: [] }) },
      },
    }),
  );
  app.use('/admin', RED.httpAdmin);
  app.use('/', RED.httpNode);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  await RED.start();
  await RED.runtime.flows.setFlows({ flows: { flows: benchFlows() }, deploymentType: 'full' });
  const find = async (id: string): Promise<FlowNode> => {
    for (let i = 0; i < 500; i++) {
      const node = RED.nodes.getNode(id);
      if (node) return node;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`node ${id} did not start; is the build complete (npm run build)?`);
  };
  return { server, dir, dbFile, change: await find('bench-change'), alert: await find('bench-alert'), rules: await find('bench-rules') };
}

/** No bench alert (tool anomaly) is in this rule: the hooks run, nothing is grouped. */
const NO_GROUPING = [{ id: 'bench-none', tools: ['cti'], windowMinutes: 1, distanceMeters: 0 }];

/** Gives the runtime these grouping rules (through the impetus-incident-rules node) before the next variant. */
async function setRules(rt: Runtime, rules: readonly object[]): Promise<void> {
  rt.rules.receive({ payload: rules });
  // The node applies them in its input handler, a few ticks later.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

async function stopRuntime(rt: Runtime | undefined, keep: boolean): Promise<void> {
  if (!rt) return;
  try {
    await RED.stop();
    await closePlatforms();
    await new Promise<void>((resolve) => rt.server.close(() => resolve()));
  } finally {
    if (keep) console.log(`kept ${rt.dir}`);
    else fs.rmSync(rt.dir, { recursive: true, force: true });
  }
}

function nodeRedVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

// ---- the feeder ----------------------------------------------------------------------------------

type MakeMsg = (i: number) => object;

/** How long without a single arrival before the run is declared stuck (a hang guard, not a timing check). */
const STALL_MS = 120_000;

/**
 * Sends `count` messages into `target`, never more than `window` in flight, and resolves with
 * the elapsed milliseconds once the sink has seen all of them.
 */
function drive(target: FlowNode, count: number, make: MakeMsg, window: number, offset = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let arrived = 0;
    let lastArrived = 0;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      probeHolder[PROBE] = undefined;
      if (err) reject(err);
      else resolve(performance.now() - start);
    };
    const pump = () => {
      while (sent - arrived < window && sent < count) {
        const msg = make(offset + sent);
        sent += 1;
        target.receive(msg);
      }
    };
    probeHolder[PROBE] = {
      arrive() {
        arrived += 1;
        if (arrived >= count) finish();
        else pump();
      },
      fail(message) {
        finish(new Error(`a message failed in the flow: ${message}`));
      },
    };
    const watchdog = setInterval(() => {
      if (arrived === lastArrived) finish(new Error(`no message arrived for ${STALL_MS / 1000} s (${arrived}/${count} arrived)`));
      lastArrived = arrived;
    }, STALL_MS);
    const start = performance.now();
    try {
      pump();
    } catch (err) {
      finish(err as Error);
    }
  });
}

// ---- drafts -------------------------------------------------------------------------------------

const EVENTS = ['Traffic anomaly', 'Noise anomaly', 'Air quality anomaly', 'Crowd anomaly'];

/** A realistic urban-anomaly draft; `ref` decides the fingerprint (tool, event, zone, source.ref). */
function draft(i: number, ref: string): Record<string, unknown> {
  const zone = `zone-${i % 16}`;
  return {
    event: EVENTS[i % EVENTS.length],
    zone,
    areaDesc: `District ${i % 16}`,
    severity: 'medium',
    urgency: 'Expected',
    certainty: 'Likely',
    description: 'Multivariate anomaly on city sensors; top contributors pm10, no2, traffic flow.',
    location: { type: 'Point', coordinates: [10.7 + (i % 100) / 1000, 59.9 + (i % 37) / 1000] },
    source: { ref },
    data: { score: 0.9 + (i % 10) / 100, contributors: [{ variable: 'pm10', weight: 0.42 }, { variable: 'no2', weight: 0.31 }] },
  };
}

const uniqueMsgs = (tag: string): MakeMsg => (i) => ({ payload: draft(i, `${tag}-${i}`) });
const DEDUP_FINGERPRINTS = 10;
/** Ten fingerprints: each draft repeats one of ten sensors in one zone. */
const dedupMsgs = (tag: string): MakeMsg => (i) => {
  const d = draft(0, `${tag}-sensor-${i % DEDUP_FINGERPRINTS}`);
  d.data = { score: 0.9 + (i % 10) / 100, seq: i };
  return { payload: d };
};
/** The change node's input: the same drafts, so both flows carry the same messages. */
const changeMsgs = (tag: string): MakeMsg => (i) => ({ payload: draft(i, `${tag}-${i}`) });

// ---- measuring -------------------------------------------------------------------------------------

interface Rate {
  count: number;
  ms: number;
  perSecond: number;
  /** Process CPU time (all threads) per message: steadier than wall time on a busy machine. */
  cpuMicros: number;
}

async function measure(label: string, target: FlowNode, count: number, make: MakeMsg, options: Options): Promise<Rate> {
  gc();
  const cpu = process.cpuUsage();
  const ms = await drive(target, count, make, options.window);
  const used = process.cpuUsage(cpu);
  const rate = { count, ms, perSecond: (count / ms) * 1000, cpuMicros: (used.user + used.system) / count };
  console.log(
    `  ${label.padEnd(30)} ${fmt(count).padStart(9)} msgs in ${(ms / 1000).toFixed(2).padStart(7)} s = ${fmt(rate.perSecond).padStart(8)} /s` +
      `  (${rate.cpuMicros.toFixed(1).padStart(6)} µs CPU/msg)`,
  );
  return rate;
}

/**
 * The same drafts, `size` to a message (an array in msg.payload), with about `window` drafts in
 * flight; the rate and CPU are per alert.
 */
async function measureBatched(label: string, target: FlowNode, count: number, size: number, make: MakeMsg, options: Options): Promise<Rate> {
  const batched: MakeMsg = (i) => ({ payload: Array.from({ length: size }, (_, k) => (make(i * size + k) as { payload: unknown }).payload) });
  const messages = Math.max(1, Math.round(count / size));
  gc();
  const cpu = process.cpuUsage();
  const ms = await drive(target, messages, batched, Math.max(1, Math.round(options.window / size)));
  const used = process.cpuUsage(cpu);
  const alerts = messages * size;
  const rate = { count: alerts, ms, perSecond: (alerts / ms) * 1000, cpuMicros: (used.user + used.system) / alerts };
  console.log(
    `  ${label.padEnd(30)} ${fmt(alerts).padStart(9)} alerts in ${(ms / 1000).toFixed(2).padStart(7)} s = ${fmt(rate.perSecond).padStart(8)} /s` +
      `  (${rate.cpuMicros.toFixed(1).padStart(6)} µs CPU/alert)`,
  );
  return rate;
}

// ---- the peer --------------------------------------------------------------------------------------

interface PeerRun {
  version: string;
  unique: PeerRate;
  repeated: PeerRate;
}

/** Alertmanager fed the same drafts, unique then over 10 fingerprints, after its own warm-up. */
async function measurePeer(dir: string, options: Options): Promise<PeerRun | undefined> {
  if (!options.alertmanager) {
    console.log(`  ${'Alertmanager'.padEnd(30)} skipped (build it with bench/alertmanager/setup.sh)`);
    return undefined;
  }
  const am: Alertmanager = await startAlertmanager(options.alertmanager, dir, options.alertmanagerPort);
  try {
    const startsAt = new Date().toISOString();
    const as = (make: MakeMsg) => (i: number) => toAmAlert((make(i) as { payload: Record<string, unknown> }).payload, TOOL, startsAt);
    if (options.warmup > 0) await am.feed(options.warmup, as(uniqueMsgs('amw')));
    const report = (label: string, r: PeerRate) =>
      console.log(
        `  ${label.padEnd(30)} ${fmt(r.count).padStart(9)} msgs in ${(r.ms / 1000).toFixed(2).padStart(7)} s = ${fmt(r.perSecond).padStart(8)} /s` +
          `  (${r.cpuMicros.toFixed(1).padStart(6)} µs CPU/msg, its process)`,
      );
    const unique = await am.feed(options.alerts, as(uniqueMsgs('amu')));
    report(`Alertmanager ${am.version}, unique`, unique);
    const repeated = await am.feed(options.alerts, as(dedupMsgs('amd')));
    report(`Alertmanager, repeated (10 fp)`, repeated);
    return { version: am.version, unique, repeated };
  } finally {
    await am.stop();
  }
}

interface Sample {
  alerts: number;
  rss: number;
  heapUsed: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

function sample(alerts: number): Sample {
  gc();
  const m = process.memoryUsage();
  return { alerts, rss: m.rss, heapUsed: m.heapUsed };
}

const MB = 1024 * 1024;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / MB).toFixed(1)} MB`;
const pct = (part: number, whole: number) => `${part >= 0 ? '+' : ''}${((part / whole) * 100).toFixed(1)}%`;

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

// ---- targets -------------------------------------------------------------------------------------------

const TARGET_RATE = 10_000;
/** Share of the bare SQLite floor our durable ingest must exceed, new and repeated alerts alike. */
const TARGET_FLOOR_SHARE = 0.5;
/** Memory is "flat" when RSS and heapUsed each grow less than this share of their post-warm-up value... */
const FLAT_MAX_SHARE = 0.1;
/** ...and less than this many bytes, over the measured part of the memory run. */
const FLAT_MAX_BYTES = 64 * MB;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const runs = (variant: Variant) => (options.only === undefined || options.only === variant) && (options.batch > 0 || !variant.endsWith('-batched'));
  if (!(globalThis as { gc?: unknown }).gc) console.warn('warning: run with node --expose-gc for meaningful memory samples');
  const cpus = os.cpus();
  console.log('IMPETUS alert throughput benchmark');
  console.log(`  node ${process.version}, Node-RED ${nodeRedVersion()}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${os.platform()} ${os.release()}`);
  console.log(`  ${options.quick ? 'quick' : 'full'} run: ${fmt(options.alerts)} msgs per variant after ${fmt(options.warmup)} warm-up, ` +
    `memory over ${fmt(options.memory)} alerts, window ${fmt(options.window)} in flight`);

  let rt: Runtime | undefined;
  const onSignal = () => {
    if (rt && !options.keep) fs.rmSync(rt.dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    rt = await startRuntime(options);
    console.log(`  store: ${rt.dbFile} (SQLite, synchronous=full); incident grouping ${options.incidents ? 'on' : 'off (--incidents turns it on)'}` +
      `${options.grouping ? `, and on for ${fmt(options.grouping)} unique alerts beside them` : ''}`);
    const groupingRules = resolveSettings(undefined, rt.dir).incidents.rules;
    if (!options.incidents) await setRules(rt, NO_GROUPING);

    // Warm-up: JIT, the SQLite file and its caches, Node-RED's routing.
    console.log('\nwarm-up');
    if (options.warmup > 0) {
      await measure('change node', rt.change, options.warmup, changeMsgs('wc'), options);
      if (runs('unique')) await measure('impetus-alert, unique', rt.alert, options.warmup, uniqueMsgs('wu'), options);
      if (runs('dedup')) await measure('impetus-alert, dedup (10 fp)', rt.alert, options.warmup, dedupMsgs('wd'), options);
      // Only when a batched variant is all that runs: otherwise the single ones have warmed the path.
      if (options.only === 'unique-batched') await measureBatched('impetus-alert, unique, batched', rt.alert, options.warmup, options.batch, uniqueMsgs('wub'), options);
      if (options.only === 'dedup-batched') await measureBatched('impetus-alert, dedup, batched', rt.alert, options.warmup, options.batch, dedupMsgs('wdb'), options);
    }

    // The baseline runs before and after the alert runs, so that drift shows and is averaged.
    console.log('\nthroughput');
    const change1 = await measure('change node (before)', rt.change, options.alerts, changeMsgs('c1'), options);
    // With --profile, --only leaves one of the four: its measured run is what is profiled.
    const profile = <T>(work: () => Promise<T>) => (options.profile ? profiled(options.profile, work) : work());
    const unique = !runs('unique') ? undefined : await profile(() => measure('impetus-alert, unique', rt!.alert, options.alerts, uniqueMsgs('u'), options));
    // Before the dedup run, so that the last rows written are the unique run's.
    const floor = unique ? await storeFloor(rt.dbFile, rt.dir, options.alerts, options.window) : undefined;
    const floorLine = (label: string, f: Floor) =>
      console.log(`  ${label.padEnd(30)} ${fmt(f.alerts).padStart(9)} rows at ${fmt(f.perSecond).padStart(8)} /s  (${f.cpuMicros.toFixed(1).padStart(6)} µs CPU/alert)`);
    // The same floors with the schema check and serialisation every alert needs, so the run
    // itself shows what durability plus validation cost at the least, beside Alertmanager.
    const validators = new Validators();
    const floorChecked = unique ? await storeFloor(rt.dbFile, rt.dir, options.alerts, options.window, validators) : undefined;
    if (floor && floorChecked) {
      floorLine('SQLite floor (bare inserts)', floor);
      floorLine('  + schema check and JSON', floorChecked);
    }
    const dedup = !runs('dedup') ? undefined : await profile(() => measure('impetus-alert, dedup (10 fp)', rt!.alert, options.alerts, dedupMsgs('d'), options));
    const floorRepeat = dedup ? await repeatFloor(rt.dbFile, rt.dir, DEDUP_FINGERPRINTS, options.alerts, options.window) : undefined;
    const floorRepeatChecked = dedup ? await repeatFloor(rt.dbFile, rt.dir, DEDUP_FINGERPRINTS, options.alerts, options.window, validators) : undefined;
    if (floorRepeat && floorRepeatChecked) {
      floorLine('repeat floor (bare updates)', floorRepeat);
      floorLine('  + schema check', floorRepeatChecked);
    }
    const batchLabel = (what: string) => `impetus-alert, ${what}, ${options.batch}/msg`;
    const uniqueBatched = runs('unique-batched') ? await profile(() => measureBatched(batchLabel('unique'), rt!.alert, options.alerts, options.batch, uniqueMsgs('ub'), options)) : undefined;
    const dedupBatched = runs('dedup-batched') ? await profile(() => measureBatched(batchLabel('dedup'), rt!.alert, options.alerts, options.batch, dedupMsgs('db'), options)) : undefined;
    // The same unique drafts grouped into incidents, beside the ungrouped variant above.
    let grouped: Rate | undefined;
    let ungrouped: Rate | undefined;
    if (options.grouping > 0 && !options.incidents) {
      ungrouped = await measure('impetus-alert, unique, ungrouped', rt.alert, options.grouping, uniqueMsgs('gu'), options);
      await setRules(rt, groupingRules);
      grouped = await measure('impetus-alert, unique, grouped', rt.alert, options.grouping, uniqueMsgs('gg'), options);
      await setRules(rt, NO_GROUPING);
    }
    const peer = await measurePeer(rt.dir, options);
    const change2 = await measure('change node (after)', rt.change, options.alerts, changeMsgs('c2'), options);
    const changeRate = (change1.perSecond + change2.perSecond) / 2;

    // Memory: a long run of unique persisted alerts, sampled between equal slices.
    const samples: Sample[] = [];
    let memoryRate = 0;
    if (options.memory > 0) {
      console.log(`\nmemory (RSS and heapUsed after gc, every ${fmt(options.sampleEvery)} alerts)`);
      console.log(`  ${'alerts'.padStart(10)} ${'rss'.padStart(10)} ${'heapUsed'.padStart(10)} ${'alerts/s'.padStart(9)} ${'db+wal'.padStart(10)}`);
      const print = (s: Sample, rate?: number) =>
        console.log(`  ${fmt(s.alerts).padStart(10)} ${mb(s.rss).padStart(10)} ${mb(s.heapUsed).padStart(10)} ${(rate === undefined ? '' : fmt(rate)).padStart(9)} ${mb(fileSize(rt!.dbFile) + fileSize(`${rt!.dbFile}-wal`)).padStart(10)}`);
      const first = sample(0);
      samples.push(first);
      print(first);
      let done = 0;
      let totalMs = 0;
      const make = uniqueMsgs('m');
      while (done < options.memory) {
        const slice = Math.min(options.sampleEvery, options.memory - done);
        const ms = await drive(rt.alert, slice, make, options.window, done);
        done += slice;
        totalMs += ms;
        const s = sample(done);
        samples.push(s);
        print(s, (slice / ms) * 1000);
      }
      memoryRate = (options.memory / totalMs) * 1000;
    }

    // ---- summary ----
    const lines: string[] = [];
    const verdicts: boolean[] = [];
    const target = (ok: boolean, text: string) => {
      verdicts.push(ok);
      lines.push(`  [${ok ? 'PASS' : 'FAIL'}] ${text}`);
    };
    const rate = (r: Rate | undefined) => (r ? fmt(r.perSecond) : 'not run');
    const ratio = (r: Rate | undefined) => (r ? (r.perSecond / changeRate).toFixed(3) : 'n/a');
    if (unique) {
      target(unique.perSecond >= TARGET_RATE, `persisted alerts/s >= ${fmt(TARGET_RATE)}: ${fmt(unique.perSecond)}`);
    } else {
      lines.push('  [SKIP] persisted alerts/s (unique variant not run)');
    }
    // The goal of issue 21: durable ingest at least Alertmanager's in-memory one, above half the floor.
    // Batched intake (an array of drafts in one message) is durable ingest too, so it is held to the same goal.
    const batched = `, ${options.batch}/msg`;
    const variants: [string, Rate | undefined, PeerRate | undefined][] = [
      ['new', unique, peer?.unique],
      ['repeated', dedup, peer?.repeated],
      [`new${batched}`, uniqueBatched, peer?.unique],
      [`repeated${batched}`, dedupBatched, peer?.repeated],
    ];
    for (const [name, ours, theirs] of variants) {
      if (!ours) continue;
      if (theirs) target(ours.perSecond >= theirs.perSecond, `${name} alerts: ours/Alertmanager >= 1: ${(ours.perSecond / theirs.perSecond).toFixed(2)}`);
      else lines.push(`  [SKIP] ${name} alerts: ours/Alertmanager (Alertmanager not run)`);
      if (floor) target(ours.perSecond > TARGET_FLOOR_SHARE * floor.perSecond, `${name} alerts: ours/SQLite floor > ${TARGET_FLOOR_SHARE}: ${(ours.perSecond / floor.perSecond).toFixed(2)}`);
    }

    console.log('\n==================== alert throughput: summary ====================');
    console.log(`mode                       ${options.quick ? 'quick' : 'full'}; ${fmt(options.alerts)} msgs per variant, window ${fmt(options.window)}, ${cpus.length} CPUs`);
    const cpu = (r: Rate | undefined) => (r ? `${r.cpuMicros.toFixed(1)} µs CPU/msg` : '');
    console.log(`persisted alerts/s         ${rate(unique)}  (impetus-alert, unique fingerprints, SQLite synchronous=full; ${cpu(unique)})`);
    console.log(`change-node msgs/s         ${fmt(changeRate)}  (mean of ${fmt(change1.perSecond)} before, ${fmt(change2.perSecond)} after; ${cpu(change1)}, ${cpu(change2)})`);
    console.log(`ratio impetus/change       ${ratio(unique)}`);
    if (floor) {
      console.log(`SQLite floor alerts/s      ${fmt(floor.perSecond)}  (the unique run's rows and audit entries re-inserted by a bare better-sqlite3 loop, ${fmt(floor.group)} per transaction, synchronous=full; ${floor.cpuMicros.toFixed(1)} µs CPU/alert)`);
      console.log(`ratio ceiling floor/change ${(floor.perSecond / changeRate).toFixed(3)}  (no alert path on this store can reach a higher ratio)`);
      // The alert flow also pays the delivery the change flow's whole cost stands for (less the
      // change node's own property write, a small part of it).
      const withDelivery = 1 / (1 / changeRate + 1 / floor.perSecond) / changeRate;
      console.log(`  with the flow's delivery ${withDelivery.toFixed(3)}  (floor and the change flow's time per message added)`);
    }
    if (grouped && ungrouped) {
      console.log(`incident grouping          off ${rate(ungrouped)} (${cpu(ungrouped)}); on ${rate(grouped)} (${cpu(grouped)}); on costs ${(grouped.cpuMicros / ungrouped.cpuMicros).toFixed(2)}× the CPU of off  (${fmt(grouped.count)} unique alerts each, 16 zones, the default grouping rules, no inhibition rules)`);
    }
    console.log(`dedup alerts/s             ${rate(dedup)}  (10 fingerprints: count += 1, lastSeen, occurrences compacted; ${cpu(dedup)})`);
    console.log(`ratio dedup/change         ${ratio(dedup)}`);
    if (peer) {
      const both = (r: PeerRate) => `${fmt(r.perSecond)}  (${r.cpuMicros.toFixed(1)} µs CPU/alert)`;
      console.log(`Alertmanager ${peer.version.padEnd(14)}new ${both(peer.unique)}; repeated ${both(peer.repeated)}  (v2 API, batches of ${fmt(AM_BATCH)}, in memory)`);
    }
    const ratioTo = (ours: Rate | undefined, theirs: { perSecond: number } | undefined) => (ours && theirs ? (ours.perSecond / theirs.perSecond).toFixed(2) : 'n/a');
    // On a busy machine wall-clock rates follow the share of the cores each process got; CPU per
    // alert does not, so the same ratios are printed from it (their µs ÷ ours).
    const byCpu = (ours: Rate | undefined, theirs: { cpuMicros: number } | undefined) => (ours && theirs ? (theirs.cpuMicros / ours.cpuMicros).toFixed(2) : 'n/a');
    const sameByCpu = (newer: Rate | undefined, repeated: Rate | undefined) =>
      `  the same by CPU/alert    Alertmanager: new ${byCpu(newer, peer?.unique)}, repeated ${byCpu(repeated, peer?.repeated)}; floor: new ${byCpu(newer, floor)}, repeated ${byCpu(repeated, floor)}`;
    console.log(`ratio ours/Alertmanager    new ${ratioTo(unique, peer?.unique)}, repeated ${ratioTo(dedup, peer?.repeated)}`);
    console.log(`ratio ours/SQLite floor    new ${ratioTo(unique, floor)}, repeated ${ratioTo(dedup, floor)}  (the floor is bare inserts of new alerts)`);
    console.log(sameByCpu(unique, dedup));
    if (uniqueBatched || dedupBatched) {
      const per = (r: Rate | undefined) => (r ? `${fmt(r.perSecond)}  (${r.cpuMicros.toFixed(1)} µs CPU/alert)` : 'not run');
      console.log(`batched, ${options.batch} per msg     new ${per(uniqueBatched)}; repeated ${per(dedupBatched)}`);
      console.log(`  ratio ours/Alertmanager  new ${ratioTo(uniqueBatched, peer?.unique)}, repeated ${ratioTo(dedupBatched, peer?.repeated)}; ours/floor new ${ratioTo(uniqueBatched, floor)}, repeated ${ratioTo(dedupBatched, floor)}`);
      console.log(sameByCpu(uniqueBatched, dedupBatched));
    }
    if (floor && floorChecked && floorRepeat && floorRepeatChecked) {
      const us = (f: { cpuMicros: number }) => `${f.cpuMicros.toFixed(1)} µs`;
      /** CPU µs each variant of ours spends above a floor, "one a message / batched". */
      const spentAbove = (least: Floor, ours: (Rate | undefined)[]) => ours.filter((r): r is Rate => !!r).map((r) => (r.cpuMicros - least.cpuMicros).toFixed(1)).join(' / ');
      console.log(`floor with the guarantees  new ${us(floorChecked)} CPU/alert (bare ${us(floor)}); repeated ${us(floorRepeatChecked)} (bare ${us(floorRepeat)})  (durable rows, each document checked against its schemas and serialised)`);
      if (peer) {
        // What parity with Alertmanager leaves for all the rest of an alert path, beside what ours spends on it.
        const why = (name: string, least: Floor, theirs: PeerRate, ours: (Rate | undefined)[]) => {
          const spent = spentAbove(least, ours);
          if (least.cpuMicros >= theirs.cpuMicros) {
            return `${name}: out of reach while durable and validated: the floor with the guarantees alone costs ${us(least)}, Alertmanager's whole in-memory ingest ${us(theirs)} (${(least.cpuMicros / theirs.cpuMicros).toFixed(2)}×); ours spends ${spent} µs above that floor (one a message / batched)`;
          }
          return `${name}: Alertmanager's ${us(theirs)} leaves ${(theirs.cpuMicros - least.cpuMicros).toFixed(1)} µs above the floor with the guarantees (${us(least)}) for the rest (draft, fingerprint, dedup, audit, events, delivery); ours spends ${spent} µs on it (one a message / batched)`;
        };
        console.log(`why (by CPU/alert)         ${why('new', floorChecked, peer.unique, [unique, uniqueBatched])}`);
        console.log(`                           ${why('repeated', floorRepeatChecked, peer.repeated, [dedup, dedupBatched])}`);
      }
      // The other half of the goal, "above half the floor" (bare inserts of new alerts), as a CPU
      // budget: twice the bare insert, less the floor with the guarantees, is what is left for
      // everything else an alert path does.
      const budget = 2 * floor.cpuMicros;
      const half = (name: string, least: Floor, ours: (Rate | undefined)[]) => {
        const spent = spentAbove(least, ours);
        return `${name}: allows ${budget.toFixed(1)} µs; the floor with the guarantees takes ${us(least)}, leaving ${(budget - least.cpuMicros).toFixed(1)} µs for the rest (ours spends ${spent} µs on it, one a message / batched)`;
      };
      console.log(`half the floor (by CPU)    ${half('new', floorChecked, [unique, uniqueBatched])}`);
      console.log(`                           ${half('repeated', floorRepeatChecked, [dedup, dedupBatched])}`);
    }
    if (samples.length >= 2) {
      const warmIndex = Math.min(samples.length - 2, Math.max(0, Math.round((samples.length - 1) * options.memoryWarmupShare)));
      const base = samples[warmIndex];
      const end = samples[samples.length - 1];
      const measured = samples.slice(warmIndex);
      const rssValues = measured.map((s) => s.rss);
      const range = Math.max(...rssValues) - Math.min(...rssValues);
      // RSS moves by tens of MB between two samples as the allocator returns and takes back
      // pages, so both ends of the growth figure are means of up to three samples.
      const k = Math.max(1, Math.min(3, Math.floor(measured.length / 2)));
      const mean = (list: Sample[], pick: (s: Sample) => number) => list.reduce((sum, s) => sum + pick(s), 0) / list.length;
      const head = measured.slice(0, k);
      const tail = measured.slice(-k);
      const baseRss = mean(head, (s) => s.rss);
      const growth = mean(tail, (s) => s.rss) - baseRss;
      const heapGrowth = mean(tail, (s) => s.heapUsed) - mean(head, (s) => s.heapUsed);
      const span = end.alerts - base.alerts;
      const ends = k > 1 ? ` (means of ${k} samples at each end)` : '';
      console.log(`memory run                 ${fmt(options.memory)} unique alerts at ${fmt(memoryRate)} alerts/s; warm-up = first ${fmt(base.alerts)}`);
      console.log(`RSS start/warm/end         ${mb(samples[0].rss)} / ${mb(base.rss)} / ${mb(end.rss)}`);
      console.log(`RSS growth after warm-up   ${signedMb(growth)} (${pct(growth, baseRss)}) over ${fmt(span)} alerts${ends}; max-min ${mb(range)}`);
      console.log(`heapUsed warm/end          ${mb(base.heapUsed)} / ${mb(end.heapUsed)} (growth ${signedMb(heapGrowth)}, ${pct(heapGrowth, mean(head, (s) => s.heapUsed))})`);
      // RSS alone can hide a leak (the allocator gives pages back while the heap grows), so the
      // heap after gc must stay flat by the same measure.
      const baseHeap = mean(head, (s) => s.heapUsed);
      const flat = (delta: number, base: number) => delta < FLAT_MAX_SHARE * base && delta < FLAT_MAX_BYTES;
      target(
        flat(growth, baseRss) && flat(heapGrowth, baseHeap),
        `memory flat after warm-up (RSS and heapUsed growth over the last ${fmt(span)} alerts each < ${FLAT_MAX_SHARE * 100}% and < ${FLAT_MAX_BYTES / MB} MB): ` +
          `RSS ${signedMb(growth)} (${pct(growth, baseRss)}), heap ${signedMb(heapGrowth)} (${pct(heapGrowth, baseHeap)})`,
      );
    } else {
      lines.push('  [SKIP] memory flat after warm-up (memory run disabled)');
    }
    console.log('targets');
    for (const line of lines) console.log(line);
    console.log(`overall                    ${verdicts.every(Boolean) ? 'PASS' : 'FAIL'}`);
    console.log('===================================================================');
  } finally {
    await stopRuntime(rt, options.keep);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
