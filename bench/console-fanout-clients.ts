/**
 * The client side of bench/console-fanout: a separate process (so that the runtime's event loop
 * is measured alone) holding N console users, each logged in over HTTP and connected over
 * WebSocket like a browser. It records, for every `created` event, the delay since the draft
 * entered the flow (the alert's occurredAt; one machine, one clock) until the frame carrying it
 * arrived. Driven over IPC.
 */
import * as http from 'node:http';
import WebSocket from 'ws';

export type ToClients =
  | { cmd: 'connect'; base: string; username: string; password: string; clients: number }
  | { cmd: 'reset' }
  | { cmd: 'report'; expected: number; settleMs: number }
  | { cmd: 'close' };

export interface ClientReport {
  expected: number;
  received: number;
  minPerClient: number;
  latencies: number;
  p50: number;
  p99: number;
  max: number;
  resyncs: number;
  frames: number;
  megabytes: number;
  /** CPU this process used during the run, as a share of one core. */
  cpu: number;
}

const CREATED = '"type":"created"';
const OCCURRED = '"occurredAt":"';

/** Delivery delays in whole milliseconds; one bucket per ms up to a minute keeps memory flat. */
const MAX_MS = 60_000;
let histogram = new Uint32Array(MAX_MS + 1);
let sockets: WebSocket[] = [];
let perClient: number[] = [];
let resyncs = 0;
let frames = 0;
let bytes = 0;
let cpuAt = process.cpuUsage();
let cpuSince = Date.now();

function login(base: string, username: string, password: string): Promise<string> {
  const url = new URL(`${base}/api/login`);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0];
      if (res.statusCode !== 200 || !cookie) reject(new Error(`login answered ${res.statusCode}`));
      else resolve(cookie);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function open(base: string, cookie: string, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers: { Cookie: cookie }, perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const now = Date.now();
      frames += 1;
      bytes += data.length;
      const text = data.toString('utf8');
      if (text.startsWith('{"type":"resync"')) resyncs += 1;
      if (!text.startsWith('{"type":"batch"')) return;
      // This process shares the machine with the runtime it measures, so it reads only what it
      // needs: each created event's occurredAt, by scanning instead of JSON.parse. The sequence
      // "type":"created" cannot occur inside a JSON string (its quotes would be escaped).
      for (let i = text.indexOf(CREATED); i !== -1; i = text.indexOf(CREATED, i + 1)) {
        const at = text.indexOf(OCCURRED, i);
        if (at === -1) break;
        const start = at + OCCURRED.length;
        const occurredAt = Date.parse(text.slice(start, text.indexOf('"', start)));
        perClient[index] += 1;
        histogram[Math.min(MAX_MS, Math.max(0, now - occurredAt))] += 1;
      }
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function percentile(p: number, total: number): number {
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let ms = 0; ms <= MAX_MS; ms++) {
    seen += histogram[ms];
    if (seen >= rank) return ms;
  }
  return MAX_MS;
}

function reset(): void {
  histogram = new Uint32Array(MAX_MS + 1);
  perClient = perClient.map(() => 0);
  resyncs = 0;
  frames = 0;
  bytes = 0;
  cpuAt = process.cpuUsage();
  cpuSince = Date.now();
}

async function report(expected: number, settleMs: number): Promise<ClientReport> {
  const used = process.cpuUsage(cpuAt);
  const cpu = (used.user + used.system) / 1000 / (Date.now() - cpuSince);
  const until = Date.now() + settleMs;
  while (perClient.some((n) => n < expected) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const total = histogram.reduce((a, b) => a + b, 0);
  let max = 0;
  for (let ms = MAX_MS; ms >= 0; ms--) {
    if (histogram[ms]) {
      max = ms;
      break;
    }
  }
  return {
    expected,
    received: perClient.reduce((a, b) => a + b, 0),
    minPerClient: Math.min(...perClient),
    latencies: total,
    p50: percentile(50, total),
    p99: percentile(99, total),
    max,
    resyncs,
    frames,
    megabytes: bytes / 1e6,
    cpu,
  };
}

async function handle(msg: ToClients): Promise<unknown> {
  switch (msg.cmd) {
    case 'connect': {
      perClient = new Array(msg.clients).fill(0);
      // One login per client, as N operators would: N sessions, N cookies.
      const cookies = [];
      for (let i = 0; i < msg.clients; i++) cookies.push(await login(msg.base, msg.username, msg.password));
      sockets = await Promise.all(cookies.map((c, i) => open(msg.base, c, i)));
      return sockets.length;
    }
    case 'reset':
      reset();
      return true;
    case 'report':
      return report(msg.expected, msg.settleMs);
    case 'close':
      for (const ws of sockets) ws.close();
      sockets = [];
      return true;
  }
}

process.on('message', (msg: ToClients) => {
  handle(msg).then(
    (result) => process.send!({ result }),
    (err: Error) => process.send!({ error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
