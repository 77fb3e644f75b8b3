/**
 * Console fan-out benchmark: `npm run bench:console-fanout [-- --quick | --clients N | --rate N | --seconds N]`.
 *
 * One process embeds a real Node-RED 4 runtime (RED.init on an HTTP server on 127.0.0.1) with
 * the IMPETUS console, and drives `impetus-alert → count` at a fixed rate (default 1,000 new
 * alerts/s, open loop: drafts go in on schedule whether or not the runtime keeps up). A second
 * process (console-fanout-clients.js) logs in N console users over HTTP and opens N WebSocket
 * clients (default 50) that record, per received `created` event, the delay from the moment the
 * draft entered the flow.
 *
 * Runs, side by side on the same runtime: 0 clients, N clients, 0 clients again (the baseline is
 * the mean of the two, so drift shows and is averaged). Each run reports persisted alerts/s and
 * the runtime's event-loop delay (perf_hooks); the N-client run adds p50/p99 delivery latency and
 * how many events each client got. Ratios: throughput and event-loop delay with N clients
 * against the baseline. Targets (printed, never asserted): p99 < 250 ms, throughput ratio ≥ 0.8.
 *
 * Everything is on 127.0.0.1 and bounded: fixed durations, bounded queues in the hub, a stall
 * guard. The exit code is non-zero only when the run itself breaks.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import express from 'express';
import { closePlatforms } from '../nodes/platform';
import type { ClientReport, ToClients } from './console-fanout-clients';
import { readFlags } from './cli';
import { nodeAreas, RED, runtimeSettings } from './embedded-red';

interface Options {
  clients: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Where the runtime's user directory and SQLite file go. */
  tmp: string;
}

/**
 * tmpfs by default: this benchmark measures fan-out, and on a shared machine other work's disk
 * traffic stalls SQLite's fsync (in the event loop) far more than the console ever could.
 * bench/alert-throughput measures the store on disk.
 */
function defaultTmp(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

const USAGE = `usage: node dist/bench/console-fanout.js [options]
  --quick        10 s runs, 3 s warm-up
  --clients N    WebSocket clients in the loaded run (default 50; env BENCH_CLIENTS)
  --rate N       new alerts per second (default 1000; env BENCH_RATE)
  --seconds N    length of each measured run (default 30; env BENCH_SECONDS)
  --tmp DIR      where the runtime's files go (default /dev/shm when writable, else the temp dir; env BENCH_TMP)
`;

function parseOptions(argv: string[]): Options {
  const flags = readFlags(argv, USAGE, ['quick'], ['clients', 'rate', 'seconds', 'tmp']);
  const quick = flags.get('quick') === true || process.env.BENCH_QUICK === '1';
  const int = (name: string, env: string, fallback: number, min: number, max: number) => {
    const raw = flags.get(name) ?? process.env[env];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  return {
    clients: int('clients', 'BENCH_CLIENTS', 50, 1, 500),
    rate: int('rate', 'BENCH_RATE', 1000, 1, 20_000),
    seconds: int('seconds', 'BENCH_SECONDS', quick ? 10 : 30, 1, 600),
    warmupSeconds: quick ? 3 : 5,
    tmp: String(flags.get('tmp') ?? process.env.BENCH_TMP ?? defaultTmp()),
  };
}

// ---- the embedded runtime ------------------------------------------------------------------

/**
 * What the flow's counting function node calls, through functionGlobalContext: persisted alerts
 * per run, told apart by their source.ref prefix, so a backlog left by one run never counts for
 * the next.
 */
const probe = {
  persisted: new Map<string, number>(),
  arrive(ref: string): void {
    const run = ref.slice(0, ref.lastIndexOf('-'));
    this.persisted.set(run, (this.persisted.get(run) ?? 0) + 1);
  },
};
const persistedOf = (run: string) => probe.persisted.get(run) ?? 0;

const USER = 'bench';
const PASSWORD = 'bench-password';

const flows = [
  { id: 'tab', type: 'tab', label: 'console fan-out' },
  // A tool key without a payload schema: this measures fan-out, not a tool's data validation.
  { id: 'alert', type: 'impetus-alert', z: 'tab', name: '', tool: 'bench', x: 200, y: 80, wires: [['count']] },
  // Counts each alert once it is stored (impetus-alert outputs only after the write is durable).
  { id: 'count', type: 'function', z: 'tab', name: 'count', func: "global.get('benchProbe').arrive(msg.payload.source.ref);\nreturn null;", outputs: 1, x: 400, y: 80, wires: [[]] },
];

async function startRuntime(dir: string): Promise<{ server: http.Server; base: string }> {
  const app = express();
  const server = http.createServer(app);
  RED.init(
    server,
    runtimeSettings(dir, nodeAreas('alert'), {
      httpAdminRoot: false,
      httpNodeRoot: '/',
      functionGlobalContext: { benchProbe: probe },
      impetus: {
        // As in production: durable commits. No escalation: this measures fan-out, not the escalation timer.
        store: { type: 'sqlite', file: path.join(dir, 'alerts.db'), synchronous: 'full' },
        escalation: { policy: {} },
        users: { [USER]: { role: 'supervisor', passwordHash: bcrypt.hashSync(PASSWORD, 4) } },
      },
    }),
  );
  app.use('/', RED.httpNode);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  await RED.start();
  await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: 'full' });
  // Flows start asynchronously after setFlows resolves; a bounded wait for the node to exist.
  for (let i = 0; i < 500 && !RED.nodes.getNode('alert'); i++) await new Promise((r) => setTimeout(r, 10));
  const { port } = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}/impetus` };
}

// ---- load ------------------------------------------------------------------------------------

let serial = 0;

function draft(run: string) {
  const n = serial++;
  return {
    tool: 'bench',
    event: 'Bench detection',
    headline: `Bench sighting ${n}`,
    severity: 'high',
    urgency: 'Immediate',
    certainty: 'Likely',
    zone: `zone-${n % 20}`,
    areaDesc: `Bench area ${n % 20}`,
    location: { type: 'Point', coordinates: [11.87 + (n % 100) / 10_000, 45.40 + (n % 37) / 10_000] },
    source: { ref: `${run}-${n}` },
    // The clients measure delivery from this instant, when the draft enters the flow.
    occurredAt: new Date().toISOString(),
    data: { score: 0.9, camera: `cam-${n % 40}` },
  };
}

/** The histogram samples the whole timer period; the delay is what comes on top of it. */
const LAG_RESOLUTION_MS = 10;
const beyond = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);

interface RunResult {
  label: string;
  clients: number;
  sent: number;
  persisted: number;
  seconds: number;
  /** Event-loop delay beyond the sampling period, in ms. */
  lag: { mean: number; p99: number; max: number };
  /** Event-loop utilisation: the share of the run the loop was busy. */
  elu: number;
  cpuMs: number;
  report?: ClientReport;
}

/** Open loop: every 10 ms, as many drafts as the schedule says should have gone in by now. */
async function run(label: string, clients: number, opts: Options, seconds: number, children?: ClientsHandle): Promise<RunResult> {
  const target = RED.nodes.getNode('alert');
  if (!target) throw new Error('the impetus-alert node did not start; run npm run build first');
  if (children) await children.call({ cmd: 'reset' });
  const lag: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const start = Date.now();
  let sent = 0;
  const runTag = `${label}-${start}`;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - start;
      const due = Math.min(Math.floor((elapsed / 1000) * opts.rate), opts.rate * seconds);
      while (sent < due) {
        target.receive({ payload: draft(runTag) });
        sent += 1;
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  const elapsedSeconds = (Date.now() - start) / 1000;
  lag.disable();
  const busy = performance.eventLoopUtilization(elu).utilization;
  const persisted = persistedOf(runTag);
  const cpuUsed = process.cpuUsage(cpu);
  // Everything in flight lands before the next run starts (bounded; a hang guard, not a measurement).
  const drainUntil = Date.now() + 120_000;
  while (persistedOf(runTag) < sent && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  if (persistedOf(runTag) < sent) throw new Error(`${label}: only ${persistedOf(runTag)} of ${sent} alerts were stored within 2 minutes`);
  const report = children ? ((await children.call({ cmd: 'report', expected: sent, settleMs: 5000 })) as ClientReport) : undefined;
  return {
    label,
    clients,
    sent,
    persisted,
    seconds: elapsedSeconds,
    lag: { mean: beyond(lag.mean), p99: beyond(lag.percentile(99)), max: beyond(lag.max) },
    elu: busy,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
    report,
  };
}

// ---- the client process ---------------------------------------------------------------------

interface ClientsHandle {
  child: ChildProcess;
  call(msg: ToClients): Promise<unknown>;
}

function startClients(): ClientsHandle {
  const child = fork(path.join(__dirname, 'console-fanout-clients.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (msg: { error?: string; result?: unknown }) => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if (msg.error) p.reject(new Error(`clients: ${msg.error}`));
    else p.resolve(msg.result);
  });
  child.on('exit', (code) => pending?.reject(new Error(`the client process exited (${code})`)));
  return {
    child,
    call: (msg) => new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(msg);
    }),
  };
}

// ---- report ---------------------------------------------------------------------------------

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

function line(r: RunResult): string {
  return `${r.label.padEnd(18)} ${String(r.clients).padStart(3)} clients  ${f1(r.persisted / r.seconds).padStart(7)} alerts/s persisted  (${r.persisted}/${r.sent})  `
    + `event-loop delay mean ${f2(r.lag.mean)} ms, p99 ${f2(r.lag.p99)} ms, max ${f1(r.lag.max)} ms  loop busy ${f1(r.elu * 100)} %  CPU ${f1(r.cpuMs / 1000 / r.seconds * 100)} %`;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(opts.tmp, 'impetus-fanout-'));
  let server: http.Server | undefined;
  let clients: ClientsHandle | undefined;
  try {
    // Other work on the machine shows in every figure below; the load average says how much there was.
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`console fan-out: ${opts.clients} WebSocket clients, ${opts.rate} new alerts/s, ${opts.seconds} s per run; node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}); load average ${load()}; store in ${opts.tmp}`);
    const rt = await startRuntime(dir);
    server = rt.server;
    clients = startClients();
    await run('warm-up', 0, opts, opts.warmupSeconds);
    const before = await run('baseline (before)', 0, opts, opts.seconds);
    console.log(line(before));
    await clients.call({ cmd: 'connect', base: rt.base, username: USER, password: PASSWORD, clients: opts.clients });
    const loaded = await run('with clients', opts.clients, opts, opts.seconds, clients);
    console.log(line(loaded));
    await clients.call({ cmd: 'close' });
    const after = await run('baseline (after)', 0, opts, opts.seconds);
    console.log(line(after));

    const baseThroughput = (before.persisted / before.seconds + after.persisted / after.seconds) / 2;
    const baseLagP99 = (before.lag.p99 + after.lag.p99) / 2;
    const baseLagMean = (before.lag.mean + after.lag.mean) / 2;
    const throughputRatio = loaded.persisted / loaded.seconds / baseThroughput;
    const r = loaded.report!;
    console.log('');
    console.log(`delivery latency (draft into the flow → frame at a client), ${r.latencies} events: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`);
    console.log(`delivered: ${r.received} of ${r.expected * opts.clients} expected events (${f2((r.received / (r.expected * opts.clients)) * 100)} %), min per client ${r.minPerClient}, resyncs ${r.resyncs}, frames ${r.frames}, ${f1(r.megabytes)} MB received; the client process used ${f1(r.cpu * 100)} % of a core`);
    console.log(`throughput ratio (with ${opts.clients} clients / without): ${f2(throughputRatio)}   target ≥ 0.8: ${throughputRatio >= 0.8 ? 'met' : 'MISSED'}`);
    const baseElu = (before.elu + after.elu) / 2;
    console.log(`event-loop delay with / without clients: p99 ${f2(loaded.lag.p99)} / ${f2(baseLagP99)} ms (ratio ${f2(loaded.lag.p99 / baseLagP99)}), mean ${f2(loaded.lag.mean)} / ${f2(baseLagMean)} ms`);
    console.log(`event-loop utilisation with / without clients: ${f1(loaded.elu * 100)} % / ${f1(baseElu * 100)} % (ratio ${f2(loaded.elu / baseElu)})`);
    console.log(`p99 delivery latency ${r.p99} ms   target < 250 ms: ${r.p99 < 250 ? 'met' : 'MISSED'}`);
    console.log(`load average at the end: ${load()}`);
  } finally {
    clients?.child.kill();
    await RED.stop().catch(() => undefined);
    await closePlatforms();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
