/**
 * Restart with a full outbox, against a real Node-RED runtime in a child process and the local
 * Bot API server in this process. Two ways to stop with notifications still queued:
 *  - SIGKILL while Telegram is unreachable (every send answered 503): nothing has reached the
 *    server, the outbox holds everything; after the restart every alert reaches its chat once;
 *  - SIGTERM while the queue is draining under the real per-chat limit: requests on the wire
 *    finish and are recorded during the graceful stop; after the restart the rest follows, and
 *    the server has seen every notification exactly once.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { FakeTelegram } from '../support/fake-telegram';
import { freePort, logProblems, NodeRedProcess, PACKAGE_ROOT, request, tempDir, waitFor } from '../support/node-red-process';

const TOKEN = '424242424:AAE_restart-test-token_000000000000';
const READY_MS = 90_000;

function flows(apiBase: string, rules: unknown[]) {
  return [
    { id: 'tab', type: 'tab', label: 'notify restart' },
    {
      id: 'bot',
      type: 'impetus-telegram',
      name: 'restart bot',
      apiBase,
      updates: 'none',
      chatUsers: '[]',
      allowedChats: '',
      consoleUrl: '',
      timeZone: 'UTC',
      globalPerSecond: 30,
      perChatPerSecond: 1,
      perGroupPerMinute: 20,
      pollTimeout: 30,
      requestTimeout: 5,
    },
    { id: 'in', type: 'http in', z: 'tab', name: '', url: '/ingest', method: 'post', upload: false, swaggerDoc: '', wires: [['alert']] },
    { id: 'alert', type: 'impetus-alert', z: 'tab', name: '', tool: 'restart', wires: [['notify', 'ok']] },
    { id: 'notify', type: 'impetus-telegram-notify', z: 'tab', connection: 'bot', rules: JSON.stringify(rules), photo: true, location: true, video: false, wires: [[]] },
    { id: 'ok', type: 'http response', z: 'tab', name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

describe('system: notifications survive a restart with a full outbox', function () {
  this.timeout(300_000);
  let dir = '';
  let fake: FakeTelegram;
  const runtimes: NodeRedProcess[] = [];

  function setup(name: string, rules: unknown[]) {
    const base = path.join(dir, name);
    const userDir = path.join(base, 'user');
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows(fake.url, rules), null, 2));
    // credentialSecret false: the token sits in plain flows_cred.json, as a test fixture may.
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ bot: { token: TOKEN } }));
    const settingsFile = path.join(base, 'settings.js');
    const db = path.join(base, 'alerts.db');
    const settings = {
      uiHost: '127.0.0.1',
      flowFile: 'flows.json',
      credentialSecret: false,
      nodesDir: [PACKAGE_ROOT],
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { projects: { enabled: false }, tours: false },
      diagnostics: { enabled: false },
      telemetry: { enabled: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      impetus: { store: { file: db, synchronous: 'full' }, escalation: { tickSeconds: 3600 } },
    };
    fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    let run = 0;
    return {
      db,
      async start(): Promise<NodeRedProcess> {
        run++;
        const runtime = new NodeRedProcess({ userDir, port: await freePort(), settings: settingsFile, logFile: path.join(base, `node-red-${run}.log`) });
        runtimes.push(runtime);
        await runtime.waitForLog(/\[info\] Started flows/, READY_MS);
        await runtime.waitForHttp('/impetus/api/alerts', READY_MS);
        return runtime;
      },
    };
  }

  function pending(db: string): number {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (conn.prepare("SELECT count(*) AS n FROM notify_outbox WHERE state = 'pending'").get() as { n: number }).n;
    } finally {
      conn.close();
    }
  }

  async function ingest(runtime: NodeRedProcess, n: number, chats: number): Promise<string[]> {
    const refs: string[] = [];
    for (let i = 0; i < n; i++) {
      const ref = `probe-${i}`;
      const res = await request(runtime.options.port, 'POST', '/ingest', {
        body: { event: 'Restart probe', headline: `Restart probe ${ref}`, zone: `zone-${i % chats}`, severity: 'high', source: { ref } },
      });
      assert.equal(res.status, 200, res.text);
      refs.push(ref);
    }
    return refs;
  }

  /** Every probe's card, counted per headline: each must be exactly 1. */
  function countsByRef(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of fake.messages) {
      const ref = /Restart probe (probe-\d+)/.exec(m.text ?? '')?.[1];
      if (m.kind === 'text' && ref) counts.set(ref, (counts.get(ref) ?? 0) + 1);
    }
    return counts;
  }

  before(async function () {
    dir = tempDir('impetus-notify-restart-');
  });
  beforeEach(async function () {
    fake = await new FakeTelegram({ token: TOKEN }).start();
  });
  afterEach(async function () {
    for (const r of runtimes.splice(0)) await r.stop();
    await fake.stop();
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL while Telegram is down: after the restart every alert is delivered exactly once', async function () {
    const N = 40;
    const chats = ['1001', '1002', '1003', '1004'];
    // Telegram answers 503 to every send until the restart.
    fake.inject({ method: 'sendMessage', times: 1_000_000, fault: { kind: 'status', status: 503 } });
    // Every alert goes to one chat, by zone.
    const env = setup('kill', chats.map((chat, i) => ({ zones: [`zone-${i}`], chats: [chat] })));
    const first = await env.start();
    const refs = await ingest(first, N, chats.length);
    await waitFor(() => pending(env.db) === N, `${N} notifications in the outbox`, 30_000);
    await waitFor(() => fake.requests.some((r) => r.status === 503), 'failed attempts against the server', 30_000);
    await first.kill('SIGKILL');
    assert.equal(fake.messages.length, 0, 'nothing was delivered before the kill');

    fake.faults.clear();
    const second = await env.start();
    await waitFor(() => countsByRef().size === N, 'every notification after the restart', 120_000);
    // Let anything that would come twice come.
    await new Promise((r) => setTimeout(r, 3000));
    const counts = countsByRef();
    assert.deepEqual([...counts.values()].filter((c) => c !== 1), [], 'no notification twice');
    assert.deepEqual(refs.filter((r) => !counts.has(r)), [], 'no notification lost');
    assert.equal(fake.total429, 0, 'the backlog drained within the limits');
    await waitFor(() => pending(env.db) === 0, 'an empty outbox', 30_000);
    assert.deepEqual(logProblems(second.log).filter((l) => !/impetus-telegram|notification/.test(l)), []);
  });

  it('SIGTERM while the queue drains under the per-chat limit: exactly once across the restart', async function () {
    const N = 15;
    const chats = ['2001', '2002', '2003'];
    const env = setup('term', [{ chats }]);
    const first = await env.start();
    // Three chats at one message a second: ten seconds of backlog.
    const refs: string[] = [];
    for (let i = 0; i < N; i++) {
      const ref = `probe-${i}`;
      const res = await request(first.options.port, 'POST', '/ingest', { body: { event: 'Restart probe', headline: `Restart probe ${ref}`, zone: `z${i}`, severity: 'high', source: { ref } } });
      assert.equal(res.status, 200, res.text);
      refs.push(ref);
    }
    await waitFor(() => fake.messages.length >= 6, 'the queue draining', 30_000);
    await first.stop();
    const deliveredBefore = fake.messages.length;
    const left = pending(env.db);
    assert.ok(left > 0, 'notifications still queued at the stop');
    assert.equal(deliveredBefore + left, N * chats.length, 'what was delivered and what is queued add up: nothing lost, nothing queued twice');
    await env.start();
    await waitFor(() => fake.messages.length >= N * chats.length, 'the rest after the restart', 120_000);
    await new Promise((r) => setTimeout(r, 3000));
    const perChat = new Map<string, Map<string, number>>();
    for (const m of fake.messages) {
      const ref = /Restart probe (probe-\d+)/.exec(m.text ?? '')![1];
      const counts = perChat.get(m.chat) ?? new Map<string, number>();
      counts.set(ref, (counts.get(ref) ?? 0) + 1);
      perChat.set(m.chat, counts);
    }
    for (const chat of chats) {
      const counts = perChat.get(chat)!;
      assert.deepEqual(refs.filter((r) => counts.get(r) !== 1), [], `chat ${chat}: every alert exactly once`);
    }
    assert.equal(fake.messages.length, N * chats.length);
    assert.equal(fake.total429, 0);
  });
});
