/**
 * Notification burst benchmark: `npm run bench:notify-burst [-- --alerts N --chats N]`.
 *
 * A real Node-RED 4 runtime embedded in this process (RED.init, flows through
 * RED.runtime.flows.setFlows) runs
 *
 *   feeder → impetus-alert (SQLite, synchronous=full) → impetus-telegram-notify → sink
 *
 * against the local Bot API server (test/support/fake-telegram) running in a child process
 * with Telegram's documented limits: 30 messages a second overall, 1 a second per chat. The
 * routing sends alert i to chat i mod C, so each of the C private chats gets N/C cards. 5 % of
 * the alerts are P1 and must overtake the P3 cards queued before them in their chat.
 *
 * Printed: the time from the first alert fed to the last card the server accepted, the
 * minimum the limits allow for the same messages (per chat: one a second, so (n−1) s for n
 * cards; overall: ⌈N/30⌉−1 s), their ratio (target ≥ 0.9), the 429s the server answered
 * (target 0) and the alerts that never reached their chat or reached it twice (target 0).
 * It asserts nothing about time; it exits non-zero only when the run itself breaks.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import { closePlatforms } from '../nodes/platform';
import { nodeAreas, RED, runtimeSettings, writeSinkNode } from './embedded-red';

interface Options {
  alerts: number;
  chats: number;
  p1Share: number;
  keep: boolean;
}

const USAGE = `usage: node dist/bench/notify-burst.js [--alerts N (1000)] [--chats N (20)] [--p1 SHARE (0.05)] [--keep]\n`;

function parseOptions(argv: string[]): Options {
  const o: Options = { alerts: Number(process.env.BENCH_ALERTS ?? 1000), chats: Number(process.env.BENCH_CHATS ?? 20), p1Share: 0.05, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === '--keep') o.keep = true;
    else if (arg === '--alerts') o.alerts = Number(argv[++i]);
    else if (arg === '--chats') o.chats = Number(argv[++i]);
    else if (arg === '--p1') o.p1Share = Number(argv[++i]);
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (!Number.isInteger(o.alerts) || o.alerts < 1 || !Number.isInteger(o.chats) || o.chats < 1) throw new Error(`--alerts and --chats must be positive integers\n${USAGE}`);
  return o;
}

const TOKEN = '777000777:AAE_burst-benchmark-token_0000000000';
const PER_CHAT_MS = 1000;
const GLOBAL_PER_SECOND = 30;

interface ServerStats {
  messages: Array<{ chat: string; text: string; at: number }>;
  tooMany: number;
  requests: number;
}

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(__dirname, 'notify-fake-server.js'), [TOKEN], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake server exited (${code})`)));
    child.on('message', (m: { type: string; url?: string }) => {
      if (m.type === 'ready') resolve({ child, url: m.url! });
    });
  });
}

function stats(child: ChildProcess): Promise<ServerStats> {
  return new Promise((resolve) => {
    const on = (m: { type: string } & ServerStats) => {
      if (m.type !== 'stats') return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type: 'stats' });
  });
}

/** The sink: counts delivery reports and failures coming out of the notifier. */
const PROBE = Symbol.for('impetus.bench.notify-probe');
interface Probe {
  delivered(): void;
  failed(message: string): void;
}
const SINK_ON_MESSAGE = `function (probe, role, msg) {
  if (role === 'error') probe.failed((msg.error && msg.error.message) || 'unknown error');
  else if (msg.topic === 'delivered') probe.delivered();
  else if (msg.topic === 'failed') probe.failed((msg.error && msg.error.message) || 'failed');
}`;

function flows(apiBase: string, chats: number): object[] {
  const rules = Array.from({ length: chats }, (_, i) => ({ zones: [`zone-${i}`], chats: [String(100000 + i)] }));
  return [
    { id: 'tab', type: 'tab', label: 'notify burst' },
    {
      id: 'bot',
      type: 'impetus-telegram',
      name: 'burst bot',
      apiBase,
      updates: 'none',
      chatUsers: '[]',
      allowedChats: '',
      consoleUrl: 'https://soc.example/impetus',
      timeZone: 'UTC',
      // Telegram's documented limits, which are also the node's defaults.
      globalPerSecond: 30,
      perChatPerSecond: 1,
      perGroupPerMinute: 20,
      pollTimeout: 30,
      requestTimeout: 30,
    },
    { id: 'alert', type: 'impetus-alert', z: 'tab', name: '', tool: 'burst', wires: [['notify']] },
    { id: 'notify', type: 'impetus-telegram-notify', z: 'tab', connection: 'bot', rules: JSON.stringify(rules), photo: false, location: false, video: false, wires: [['sink']] },
    { id: 'sink', type: 'notify-bench-sink', z: 'tab', role: 'arrive', wires: [] },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'notify-bench-sink', z: 'tab', role: 'error', wires: [] },
  ];
}

function ms(n: number): string {
  return `${(n / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { child, url } = await startServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-notify-bench-'));
  const sinkDir = writeSinkNode(dir, 'notify-bench-sink', 'sink', 'impetus.bench.notify-probe', SINK_ON_MESSAGE);
  // The flow and its credential are files in the user directory before the start, as in a
  // deployment: a setFlows right after RED.start() can race the initial load, which resets the
  // credentials.
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows(url, options.chats)));
  fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify({ bot: { token: TOKEN } }));
  const app = express();
  const server = http.createServer(app);
  RED.init(
    server,
    runtimeSettings(dir, [...nodeAreas('alert', 'notify'), sinkDir], {
      httpAdminRoot: '/admin',
      httpNodeRoot: '/',
      disableEditor: true,
      impetus: { store: { type: 'sqlite', file: path.join(dir, 'alerts.db'), synchronous: 'full' }, bus: { type: 'memory' }, escalation: { tickSeconds: 3600 } },
    }),
  );
  app.use('/', RED.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  let exitCode = 0;
  try {
    await RED.start();
    let alertNode: { receive(msg: object): void } | null = null;
    for (let i = 0; i < 500 && !alertNode; i++) {
      alertNode = RED.nodes.getNode('alert');
      if (!alertNode) await new Promise((r) => setTimeout(r, 10));
    }
    if (!alertNode) throw new Error('the flow did not start; is the build complete (npm run build)?');
    // Let the notifier attach to its engine before the burst.
    await new Promise((r) => setTimeout(r, 500));

    let delivered = 0;
    const failures: string[] = [];
    (globalThis as unknown as Record<symbol, Probe>)[PROBE] = { delivered: () => delivered++, failed: (m) => failures.push(m) };

    // A fixed scatter (Knuth's multiplicative hash) rather than every n-th alert, which with
    // round-robin routing would put all P1s in one chat, where they would have nobody to overtake.
    const isP1 = (i: number) => ((Math.imul(i + 1, 2654435761) >>> 0) % 10_000) / 10_000 < options.p1Share;
    const started = Date.now();
    for (let i = 0; i < options.alerts; i++) {
      const p1 = isP1(i);
      alertNode.receive({
        payload: {
          event: p1 ? 'Firearm detected' : 'Crowd density high',
          headline: `Burst alert ${i}`,
          severity: p1 ? 'critical' : 'medium',
          urgency: p1 ? 'Immediate' : 'Expected',
          certainty: p1 ? 'Observed' : 'Likely',
          zone: `zone-${i % options.chats}`,
          source: { ref: `burst-${i}` },
        },
      });
    }
    const deadline = started + 30 * 60_000;
    let lastReport = started;
    while (delivered + failures.length < options.alerts && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        console.log(`  … ${delivered} delivered, ${failures.length} failed after ${ms(lastReport - started)}`);
      }
    }
    const s = await stats(child);

    // Per alert and chat, from what the server accepted.
    const seen = new Map<number, number>();
    const perChat = new Map<string, number[]>();
    let last = 0;
    for (const m of s.messages) {
      const n = Number(/Burst alert (\d+)/.exec(m.text)?.[1]);
      if (Number.isInteger(n)) seen.set(n, (seen.get(n) ?? 0) + 1);
      const times = perChat.get(m.chat) ?? [];
      times.push(m.at);
      perChat.set(m.chat, times);
      last = Math.max(last, m.at);
    }
    const lost = Array.from({ length: options.alerts }, (_, i) => i).filter((i) => !seen.has(i)).length;
    const duplicated = [...seen.values()].filter((c) => c > 1).length;
    const busiest = Math.max(...[...perChat.values()].map((t) => t.length));
    const minimum = Math.max((busiest - 1) * PER_CHAT_MS, (Math.ceil(s.messages.length / GLOBAL_PER_SECOND) - 1) * 1000);
    const took = last - started;
    const ratio = minimum / took;
    // P1 order: in each chat, did every P1 card arrive before the P3 cards that were queued before it but not yet sent?
    let overtook = 0;
    for (const m of s.messages) {
      const n = Number(/Burst alert (\d+)/.exec(m.text)?.[1]);
      if (!isP1(n)) continue;
      overtook += s.messages.filter((o) => o.chat === m.chat && o.at > m.at && Number(/Burst alert (\d+)/.exec(o.text)?.[1]) < n).length;
    }

    console.log('notify-burst: impetus-alert → impetus-telegram-notify → local Bot API server (separate process, documented limits enforced)');
    console.log(`  alerts ${options.alerts} to ${options.chats} chats (${busiest} cards in the busiest chat), ${Math.round(options.p1Share * 100)} % P1`);
    console.log(`  time           ${ms(took)} (first alert fed → last card accepted by the server)`);
    console.log(`  minimum        ${ms(minimum)} (1 msg/s per chat: (${busiest}−1) s; 30 msg/s overall: ${ms((Math.ceil(s.messages.length / GLOBAL_PER_SECOND) - 1) * 1000)})`);
    console.log(`  ratio          ${ratio.toFixed(3)} (minimum / time; target ≥ 0.9) ${ratio >= 0.9 ? 'OK' : 'MISSED'}`);
    console.log(`  429s           ${s.tooMany} (target 0) ${s.tooMany === 0 ? 'OK' : 'MISSED'}`);
    console.log(`  lost           ${lost} (target 0) ${lost === 0 ? 'OK' : 'MISSED'}; sent twice ${duplicated}; failed ${failures.length}${failures.length ? ` (${failures[0]})` : ''}`);
    console.log(`  P1 overtaking  ${overtook} cards of earlier, lower-priority alerts delivered after a later P1 of their chat (the queue jumps)`);
    console.log(`  requests       ${s.requests} to the server for ${s.messages.length} messages`);
    // Other work on the machine shows in the figure: every late timer is a late card.
    console.log(`  machine        ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min) at the end`);
    if (delivered + failures.length < options.alerts) {
      console.error(`notify-burst: only ${delivered} of ${options.alerts} deliveries reported before the deadline`);
      exitCode = 1;
    }
  } finally {
    await RED.stop().catch(() => undefined);
    await closePlatforms();
    server.closeAllConnections();
    server.close();
    child.send({ type: 'stop' });
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`  kept ${dir}`);
  }
  process.exit(exitCode);
}

main().catch((err) => {
  console.error(`notify-burst failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
