/**
 * Crash test against a real Node-RED runtime in a child process: alerts stream in over HTTP
 * (http in → impetus-alert → http response, so a 200 means "stored durably"), the runtime is
 * killed with SIGKILL mid-stream, restarted on the same user dir, and then:
 *  - every acknowledged alert is there, with its own source.ref, exactly once;
 *  - client retries of the unacknowledged drafts (at-least-once delivery) create or deduplicate,
 *    never duplicate, so the store ends with exactly one alert per distinct draft.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { freePort, getJson, ingestFlow, logProblems, NodeRedProcess, request, runtimeSettings, settingsModule, tempDir } from '../support/node-red-process';

const TOOL = 'crash';
/** Concurrent client loops. */
const CLIENTS = 8;
/** The runtime is killed once this many drafts are acknowledged. */
const KILL_AFTER = 400;
/** Upper bound on drafts sent, so that the test ends even if the kill never comes. */
const MAX_DRAFTS = 5000;
/** Readiness bound for a start: generous, it is never a speed assertion. */
const READY_MS = 90_000;

interface AlertPage {
  items: Alert[];
  total: number;
  limit: number;
  offset: number;
}

interface Draft {
  event: string;
  zone: string;
  severity: string;
  source: { ref: string };
}

interface Sent {
  ref: string;
  draft: Draft;
  /** The stored alert id, once a 200 came back. */
  id?: string;
  failure?: string;
}

function draft(n: number): Draft {
  return { event: 'Crash probe', zone: `zone-${n % 7}`, severity: 'low', source: { ref: `crash-${n}` } };
}

const flows = ingestFlow('crash test', TOOL);

async function allAlerts(port: number): Promise<Alert[]> {
  const alerts: Alert[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await getJson<AlertPage>(port, `/impetus/api/alerts?tool=${TOOL}&limit=1000&offset=${offset}`);
    alerts.push(...page.items);
    if (page.items.length === 0 || offset + page.items.length >= page.total) {
      assert.equal(alerts.length, page.total, 'paging returns every alert the total counts');
      return alerts;
    }
  }
}

/** Asserts that no source.ref and no fingerprint appears in more than one alert; returns alerts by ref. */
function byRefWithoutDuplicates(alerts: Alert[]): Map<string, Alert> {
  const refs = new Map<string, Alert>();
  const fingerprints = new Map<string, string>();
  const duplicates: string[] = [];
  for (const alert of alerts) {
    const ref = alert.source.ref ?? '';
    if (refs.has(ref)) duplicates.push(`source.ref ${ref}: ${refs.get(ref)!.id} and ${alert.id}`);
    if (fingerprints.has(alert.fingerprint)) duplicates.push(`fingerprint ${alert.fingerprint}: ${fingerprints.get(alert.fingerprint)} and ${alert.id}`);
    refs.set(ref, alert);
    fingerprints.set(alert.fingerprint, alert.id);
  }
  assert.deepEqual(duplicates, [], 'no draft is stored twice');
  return refs;
}

/** Runs `work` over `items` with `concurrency` loops. */
async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

describe('system: SIGKILL of the runtime mid-stream', function () {
  this.timeout(300_000);

  let dir = '';
  let userDir = '';
  let settingsFile = '';
  const runtimes: NodeRedProcess[] = [];
  const agents: http.Agent[] = [];

  const sent: Sent[] = [];
  let inFlightAtKill = -1;
  let failuresBeforeKill: string[] = [];
  let storedAfterRestart: Map<string, Alert> | undefined;
  let current: NodeRedProcess | undefined;

  async function start(run: number): Promise<NodeRedProcess> {
    const runtime = new NodeRedProcess({ userDir, port: await freePort(), settings: settingsFile, logFile: path.join(dir, `node-red-${run}.log`) });
    runtimes.push(runtime);
    await runtime.waitForLog(/\[info\] Started flows/, READY_MS);
    await runtime.waitForHttp('/impetus/api/alerts', READY_MS);
    return runtime;
  }

  function agent(): http.Agent {
    const a = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    agents.push(a);
    return a;
  }

  before(function () {
    dir = tempDir('impetus-crash-');
    userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
    settingsFile = path.join(dir, 'settings.js');
    const settings = runtimeSettings('crash-test', { impetus: { store: { file: path.join(dir, 'alerts.db'), synchronous: 'full' } } });
    fs.writeFileSync(settingsFile, settingsModule(settings));
  });

  after(async function () {
    this.timeout(60_000);
    for (const a of agents) a.destroy();
    for (const runtime of runtimes) await runtime.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges hundreds of streamed alerts until SIGKILL lands mid-stream', async function () {
    current = await start(1);
    const runtime = current;
    const port = runtime.options.port;
    const client = agent();
    let acked = 0;
    let killed = false;
    let kill: Promise<void> | undefined;
    let pending = 0;
    let ackedAtKill = 0;

    const loop = async () => {
      while (!killed && sent.length < MAX_DRAFTS) {
        const n = sent.length;
        const entry: Sent = { ref: draft(n).source.ref, draft: draft(n) };
        sent.push(entry);
        pending += 1;
        try {
          const res = await request(port, 'POST', '/ingest', { body: entry.draft, agent: client });
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
          const alert = JSON.parse(res.text) as Alert;
          assert.equal(alert.source.ref, entry.ref, 'the response carries the alert of this draft');
          entry.id = alert.id;
          acked += 1;
        } catch (err) {
          entry.failure = (err as Error).message;
          if (!killed) failuresBeforeKill.push(`${entry.ref}: ${entry.failure}`);
        } finally {
          pending -= 1;
        }
        if (!killed && acked >= KILL_AFTER) {
          killed = true;
          inFlightAtKill = pending;
          ackedAtKill = acked;
          kill = runtime.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, loop));
    await kill;
    const exit = await runtime.exited;

    failuresBeforeKill = failuresBeforeKill.slice(0, 20);
    assert.deepEqual(failuresBeforeKill, [], 'no request fails before the kill');
    assert.ok(killed, `the runtime was killed before ${MAX_DRAFTS} drafts were sent`);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(acked >= KILL_AFTER);
    assert.ok(inFlightAtKill > 0, 'requests were in flight when the runtime was killed');
    assert.equal(sent.filter((s) => s.id === undefined).length, sent.length - acked);
    // Responses already on their way when the signal went out still count as acknowledged.
    console.log(`      sent ${sent.length} drafts; SIGKILL after ${ackedAtKill} acknowledgements with ${inFlightAtKill} requests in flight; ` +
      `${acked} acknowledged in all, ${sent.length - acked} unacknowledged`);
  });

  it('restarts with every acknowledged alert stored once and nothing duplicated', async function () {
    assert.ok(inFlightAtKill > 0, 'needs the killed stream of the previous test');
    current = await start(2);
    const port = current.options.port;
    const stored = byRefWithoutDuplicates(await allAlerts(port));
    const acknowledged = sent.filter((s) => s.id !== undefined);

    const missing: string[] = [];
    for (const s of acknowledged) {
      const alert = stored.get(s.ref);
      if (!alert || alert.id !== s.id) missing.push(`${s.ref} (acknowledged as ${s.id}, stored as ${alert?.id ?? 'nothing'})`);
      else assert.equal(alert.count, 1, `${s.ref} was sent once`);
    }
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acknowledged alerts lost in the crash`);

    // Each acknowledged alert also answers by id, with its own source.ref.
    const client = agent();
    await inParallel(acknowledged, CLIENTS, async (s) => {
      const res = await request(port, 'GET', `/impetus/api/alerts/${encodeURIComponent(s.id!)}`, { agent: client });
      assert.equal(res.status, 200, `GET alert ${s.id}`);
      assert.equal((JSON.parse(res.text) as Alert).source.ref, s.ref);
    });

    const sentRefs = new Set(sent.map((s) => s.ref));
    const strangers = [...stored.keys()].filter((ref) => !sentRefs.has(ref));
    assert.deepEqual(strangers, [], 'only drafts that were sent are stored');
    const committedUnacknowledged = sent.filter((s) => s.id === undefined && stored.has(s.ref)).length;
    console.log(`      after restart: ${stored.size} alerts stored, ${acknowledged.length - missing.length}/${acknowledged.length} acknowledged found, ${committedUnacknowledged} stored but unacknowledged, 0 duplicates`);
    storedAfterRestart = stored;
    assert.deepEqual(logProblems(current.log), [], 'the restart logs no errors');
  });

  it('takes client retries of the unacknowledged drafts without duplicating any', async function () {
    assert.ok(storedAfterRestart && current?.running, 'needs the restarted runtime of the previous test');
    const port = current.options.port;
    const storedBefore = storedAfterRestart;
    const retries = sent.filter((s) => s.id === undefined);
    assert.ok(retries.length > 0, 'the kill left unacknowledged drafts');
    const client = agent();
    let created = 0;
    let deduplicated = 0;
    await inParallel(retries, CLIENTS, async (s) => {
      const res = await request(port, 'POST', '/ingest', { body: s.draft, agent: client });
      assert.equal(res.status, 200, `retry of ${s.ref}: ${res.text.slice(0, 300)}`);
      const alert = JSON.parse(res.text) as Alert;
      assert.equal(alert.source.ref, s.ref);
      const earlier = storedBefore.get(s.ref);
      if (earlier) {
        assert.equal(alert.id, earlier.id, `the retry of ${s.ref} deduplicates into the alert stored before the crash`);
        assert.equal(alert.count, 2, `the retry of ${s.ref} counts as a second occurrence`);
        deduplicated += 1;
      } else {
        assert.equal(alert.count, 1, `the retry of ${s.ref} creates its alert`);
        created += 1;
      }
      s.id = alert.id;
    });

    const stored = byRefWithoutDuplicates(await allAlerts(port));
    assert.equal(stored.size, new Set(sent.map((s) => s.ref)).size, 'one alert per distinct draft sent');
    for (const s of sent) assert.equal(stored.get(s.ref)?.id, s.id, `${s.ref} is stored under the id its client was given`);
    console.log(`      retried ${retries.length} unacknowledged drafts: ${created} created, ${deduplicated} deduplicated (count 2); ${stored.size} alerts for ${sent.length} distinct drafts, 0 duplicates`);
    assert.deepEqual(logProblems(current.log), [], 'the restarted runtime logs no errors');
  });
});
