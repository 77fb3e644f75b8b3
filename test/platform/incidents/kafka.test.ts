/**
 * Incidents across runtimes, as docs/deployment.md scales out: two platforms in one process, each
 * with its own Kafka bus client and consumer group on the real broker, sharing one MongoDB-wire
 * store (FerretDB). Each has its own console runtime (live hub) with a fake operator socket, so
 * what a console is pushed is checked on both sides.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert, AlertDraft, Incident } from '../../../nodes/platform';
import { Platform } from '../../../nodes/platform';
import type { LiveSocket } from '../../../nodes/platform/console/hub';
import { incidentFor } from '../../../nodes/platform/console/incident-view';
import { ConsoleRuntime } from '../../../nodes/platform/console/runtime';
import { resolveSettings } from '../../../nodes/platform/settings';
import { draft } from '../../support/incidents';
import { kafkaBrokers, mongoUrl, unique } from '../../support/services';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** What the platforms logged as errors and warnings (a failed grouping is logged, not thrown): shown when an assertion fails. */
const logged: string[] = [];
const kept = { info: () => undefined, warn: (m: string) => void logged.push(`warn: ${m}`), error: (m: string) => void logged.push(`error: ${m}`) };
interface Frame {
  type: string;
  events?: Array<{ type: string; alert: { id: string; incidentId?: string } }>;
  incidents?: Incident[];
}

/** An operator's console connection: the frames its hub sends, parsed. */
class OperatorSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  frames: Frame[] = [];
  send(data: Buffer): void {
    this.frames.push(JSON.parse(data.toString('utf8')) as Frame);
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  /** The incident id each alert had in the last event this console got about it. */
  incidentOfAlerts(): Map<string, string | undefined> {
    const seen = new Map<string, string | undefined>();
    for (const f of this.frames) for (const e of f.events ?? []) seen.set(e.alert.id, e.alert.incidentId);
    return seen;
  }
  incidents(): Incident[] {
    return this.frames.flatMap((f) => f.incidents ?? []);
  }
}


async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('incidents across two runtimes on Kafka and a shared store (real broker)', function () {
  this.timeout(90_000);
  let dir: string;
  let a: Platform;
  let b: Platform;
  let consoleA: ConsoleRuntime;
  let consoleB: ConsoleRuntime;
  let socketA: OperatorSocket;
  let socketB: OperatorSocket;
  let cyberB: OperatorSocket;

  beforeEach(async function () {
    logged.length = 0;
    const brokers = kafkaBrokers(this);
    const url = mongoUrl(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-incidents-kafka-'));
    const database = unique('incidents').replace(/-/g, '_');
    const topic = unique('impetus.incidents-test');
    const runtime = (instance: string) =>
      new Platform(resolveSettings({
        instance,
        store: { type: 'mongodb', url, database },
        bus: { type: 'kafka', brokers, topic, groupId: `${topic}-${instance}`, partitions: 3 },
        retention: { resolvedDays: 0 },
      }, path.join(dir, instance)), kept);
    a = runtime('a');
    b = runtime('b');
    await Promise.all([a.ready, b.ready]);
    consoleA = new ConsoleRuntime(a, quiet, { flushMs: 10 });
    consoleB = new ConsoleRuntime(b, quiet, { flushMs: 10 });
    await Promise.all([consoleA.ready, consoleB.ready]);
    socketA = new OperatorSocket();
    socketB = new OperatorSocket();
    // A session the console knows, or its hub would end the connection.
    const operator = { username: 'operator', name: 'operator', role: 'operator' } as const;
    consoleA.hub.connect(socketA, consoleA.sessions.create(operator));
    consoleB.hub.connect(socketB, consoleB.sessions.create(operator));
    // A role that sees none of a shooting's members (docs/roles.md).
    cyberB = new OperatorSocket();
    consoleB.hub.connect(cyberB, consoleB.sessions.create({ username: 'cyber', name: 'cyber', role: 'cyber' }));
  });

  afterEach(async () => {
    consoleA?.hub.close();
    consoleB?.hub.close();
    await Promise.all([a?.close(), b?.close()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes one incident of one event raised half on runtime A and half on B, seen alike from both consoles', async function () {
    const raise = async (p: Platform, tool: string, extra: Partial<AlertDraft> = {}): Promise<Alert> => (await p.alerts.raise(draft(tool, extra))).alert;
    // The first alerts at once on both runtimes: both compute the incident's key, one opens it.
    const first = await Promise.all([raise(a, 'firearm'), raise(b, 'anomaly')]);
    const rest = await Promise.all([
      raise(a, 'firearm', { source: { ref: 'cam-5' }, headline: 'Handgun on camera 5' }),
      raise(b, 'social'),
      raise(a, 'evacuation'),
      raise(b, 'workload'),
    ]);
    const alerts = [...first, ...rest];
    const ids = new Set(alerts.map((x) => x.incidentId));
    const seen = alerts.map((x) => `${x.tool}: ${x.incidentId ?? 'none'}${x.muted ? ' (muted)' : ''}`).join('; ');
    assert.equal(ids.size, 1, `one incident, not one per runtime: ${seen}; logged: ${logged.filter((m) => !/CreateTopics/.test(m)).join(' | ') || 'nothing'}`);
    const incidentId = alerts[0].incidentId!;
    assert.ok(incidentId);
    assert.equal((await a.incidents.query({})).total, 1);

    const [fromA, fromB] = await Promise.all([a.incidents.get(incidentId), b.incidents.get(incidentId)]);
    assert.equal(fromA!.members.length, 6);
    assert.deepEqual([...fromA!.tools].sort(), ['anomaly', 'evacuation', 'firearm', 'social', 'workload']);
    assert.equal(fromA!.priority, 'P1');
    // What each console's incident route shows an operator.
    assert.deepEqual(incidentFor(consoleA.viewOf('operator'), fromA), incidentFor(consoleB.viewOf('operator'), fromB));

    // Each console is pushed every member's event, its own runtime's and the other's, naming the incident.
    const visible = alerts.filter((x) => incidentFor(consoleA.viewOf('operator'), fromA)!.members.some((m) => m.alertId === x.id));
    assert.ok(visible.length > 0, 'the operator sees members');
    for (const [name, socket] of [['A', socketA], ['B', socketB]] as const) {
      await until(`console ${name} has every member's event`, () => visible.every((x) => socket.incidentOfAlerts().get(x.id) === incidentId));
    }
  });

  it('makes one incident of a storm raised on both runtimes at once, every alert naming it and no write given up', async function () {
    // Two dozen alerts of one shooting at once, alternating runtimes: both runtimes' grouping,
    // inhibition (the crowd, post and plan alerts are muted by the P1 incident) and member
    // updates all write the one incident and its alerts, and lose compare-and-sets to each other.
    const tools = ['firearm', 'anomaly', 'social', 'evacuation'];
    const drafts = Array.from({ length: 24 }, (_, i) => draft(tools[i % tools.length], { zone: "square", source: { ref: `${tools[i % tools.length]}-${i}` }, headline: `Shooting report ${i}` }));
    const alerts = await Promise.all(drafts.map(async (d, i) => (await (i % 2 ? b : a).alerts.raise(d)).alert));
    const failures = logged.filter((m) => !/CreateTopics/.test(m));
    const ids = new Set(alerts.map((x) => x.incidentId));
    assert.equal(ids.size, 1, `one incident: ${alerts.map((x) => `${x.tool}: ${x.incidentId ?? 'none'}`).join('; ')}; logged: ${failures.join(' | ') || 'nothing'}`);
    assert.ok(alerts[0].incidentId);
    assert.deepEqual(failures, [], 'no grouping, muting or member update given up');
    const incident = (await b.incidents.get(alerts[0].incidentId!))!;
    assert.deepEqual(incident.members.map((m) => m.alertId).sort(), alerts.map((x) => x.id).sort());
    // Every member's snapshot caught up with its alert (a mute included).
    let stale: string[] = [];
    await until('every member snapshot is current', async () => {
      const now = (await a.incidents.get(incident.id))!;
      const stored = await Promise.all(alerts.map((x) => a.store.get(x.id)));
      stale = stored.filter((x) => !x || x.incidentId !== incident.id || !now.members.some((m) => m.alertId === x.id && !!m.mutedBy === !!x.muted))
        .map((x) => `${x?.tool} ${x?.priority} muted ${JSON.stringify(x?.muted)} member ${JSON.stringify(now.members.find((m) => m.alertId === x?.id)?.mutedBy)}`);
      return stale.length === 0;
    }, 10_000).catch((err) => assert.fail(`${(err as Error).message}: ${stale.join('; ')}`));
  });

  it('pushes a tick, a comment, a move and an action made on runtime A to runtime B\'s consoles and listeners', async function () {
    const [cam, crowd] = await Promise.all([a.alerts.raise(draft('firearm')), b.alerts.raise(draft('anomaly'))]).then((r) => r.map((x) => x.alert));
    const incidentId = cam.incidentId!;
    assert.equal(crowd.incidentId, incidentId);
    // What B's chat cards are driven by (notifier.ts listens to onChange).
    const toldB: Incident[] = [];
    b.incidents.onChange((incident) => void (incident.id === incidentId && toldB.push(incident)));
    const pushedToB = (version: number) => socketB.incidents().find((i) => i.id === incidentId && i.version === version);
    const arrives = async (what: string, written: Incident, check: (seen: Incident) => boolean) => {
      await until(`B's console has the ${what}`, () => pushedToB(written.version) !== undefined);
      assert.ok(check(pushedToB(written.version)!), `B's console shows the ${what}`);
      await until(`B's listeners are told the ${what}`, () => toldB.some((i) => i.version === written.version));
      assert.ok(check(toldB.find((i) => i.version === written.version)!));
    };

    const ticked = await a.incidents.tick({ incidentId, step: 's2', done: true, by: 'ops-a' });
    await arrives('tick', ticked, (i) => i.playbook[1].done?.by === 'ops-a');

    const commented = (await a.incidents.act({ action: 'comment', incidentId, by: 'ops-a', text: 'patrol 7 on its way' })).incident;
    await arrives('comment', commented, (i) => i.comments.some((c) => c.text === 'patrol 7 on its way'));

    const moved = (await a.incidents.move({ alertId: crowd.id, by: 'ops-a', reason: 'a concert, unrelated' })).from!;
    await arrives('move out', moved, (i) => !i.members.some((m) => m.alertId === crowd.id));

    const acked = (await a.incidents.act({ action: 'acknowledge', incidentId, by: 'ops-a' })).incident;
    await arrives('acknowledgement', acked, (i) => i.state === 'acknowledged');

    // Versions reach B in order, each once, whatever raced on the bus.
    const versions = toldB.map((i) => i.version);
    assert.deepEqual(versions, [...new Set(versions)].sort((x, y) => x - y));
    // The same role rules as for B's own writes: a role that sees no member gets nothing.
    assert.equal(cyberB.incidents().filter((i) => i.id === incidentId).length, 0, 'the cyber role is pushed nothing of the shooting');
    // A's own writes are not told twice on A when its event comes back from the topic.
    const toldA: number[] = [];
    a.incidents.onChange((incident) => void (incident.id === incidentId && toldA.push(incident.version)));
    const again = await a.incidents.tick({ incidentId, step: 's3', done: true, by: 'ops-a' });
    await until('B has the last tick', () => toldB.some((i) => i.version === again.version));
    assert.deepEqual(toldA, [again.version]);
  });
});
