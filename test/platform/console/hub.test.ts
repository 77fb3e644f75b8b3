/**
 * The live hub with fake sockets: per-role frames, bounded queues, resync on overflow, a stalled
 * client cut off, and replay from the ring. No timers are waited on: flush() and the clock are
 * driven by the test.
 */
import assert from 'node:assert/strict';
import { AlertIndex } from '../../../nodes/platform/console/alert-index';
import { LiveHub } from '../../../nodes/platform/console/hub';
import type { LiveSocket } from '../../../nodes/platform/console/hub';
import { PanelRegistry } from '../../../nodes/platform/console/panels';
import type { Session } from '../../../nodes/platform/console/sessions';
import type { Role } from '../../../nodes/platform/console/settings';
import type { Alert, LifecycleEvent } from '../../../nodes/platform/model/types';
import { packagedViews } from '../../support/console';

class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  terminated = false;
  send(data: Buffer, options: { binary: false }): void {
    assert.equal(options.binary, false, 'frames go out as text');
    this.sent.push(data.toString('utf8'));
  }
  close(code?: number): void {
    this.closedWith = code;
  }
  terminate(): void {
    this.terminated = true;
  }
  messages(): Array<{ type: string; events?: Array<{ alert: { id: string } }>; seq?: number }> {
    return this.sent.map((s) => JSON.parse(s));
  }
}

function event(n: number, tool = 'firearm'): LifecycleEvent {
  const at = new Date(1_700_000_000_000 + n).toISOString();
  const alert = {
    id: `a${n}`, tool, source: {}, event: 'e', headline: `h${n}`, category: 'Security', severity: 'critical', urgency: 'Immediate', certainty: 'Observed',
    priority: 'P1', status: 'Actual', occurredAt: at, resources: [], state: 'open', comments: [], history: [], count: 1, firstSeen: at, lastSeen: at, fingerprint: `f${n}`, version: 1,
  } as Alert;
  return { id: `e${n}`, type: 'created', alertId: alert.id, at, alert, origin: 'test' };
}

function session(role: Role): Session {
  return { id: `sid-${role}-${Math.random()}`, user: { username: role, name: role, role }, csrf: 'x', createdAt: 0, lastSeen: 0 };
}

describe('live hub', function () {
  let now = 0;
  let hub: LiveHub;
  const views = packagedViews();

  beforeEach(() => {
    now = 0;
    hub = new LiveHub({ index: new AlertIndex(), panels: new PanelRegistry(), viewFor: (user) => views.get(user.role)!, alive: () => true }, {
      flushMs: 1_000_000, summaryMs: 1_000_000, maxQueueFrames: 3, maxQueueBytes: 1e9, highWaterBytes: 100, stallMs: 5000, pingMs: 1e9, clock: () => now,
    });
  });
  afterEach(() => hub.close());

  it('sends one frame per flush per role, with only what the role may see', () => {
    const op = new FakeSocket();
    const cy = new FakeSocket();
    hub.connect(op, session('operator'));
    hub.connect(cy, session('cyber'));
    hub.publish(event(1, 'firearm'));
    hub.publish(event(2, 'cti'));
    hub.publish(event(3, 'firearm'));
    hub.flush();
    const opBatches = op.messages().filter((m) => m.type === 'batch');
    const cyBatches = cy.messages().filter((m) => m.type === 'batch');
    assert.equal(opBatches.length, 1);
    assert.deepEqual(opBatches[0].events!.map((e) => e.alert.id), ['a1', 'a3']);
    assert.deepEqual(cyBatches[0].events!.map((e) => e.alert.id), ['a2']);
    assert.equal(opBatches[0].seq, 3);
  });

  it('holds frames while the socket is full, then drops them for one resync when the queue overflows', () => {
    const slow = new FakeSocket();
    const client = hub.connect(slow, session('operator'));
    slow.bufferedAmount = 1000; // above the high-water mark: nothing more is written
    const before = slow.sent.length;
    for (let i = 1; i <= 3; i += 1) {
      hub.publish(event(i));
      hub.flush();
    }
    assert.equal(slow.sent.length, before, 'nothing written to a full socket');
    assert.equal(client.queue.length, 3);
    hub.publish(event(4));
    hub.flush();
    assert.equal(client.queue.length, 0, 'the queue is dropped, not grown');
    assert.equal(client.resync, true);
    slow.bufferedAmount = 0;
    hub.publish(event(5));
    hub.flush();
    const after = slow.messages().slice(before);
    assert.equal(after[0].type, 'resync', 'the resync comes first, standing for what was dropped');
    assert.equal(after[0].seq, 5);
    assert.equal(client.stats.resyncs, 1);
  });

  it('folds an alert\'s repeats within one flush into one event with its newest state, keeping the order of its other events', () => {
    const client = new FakeSocket();
    hub.connect(client, session('operator'));
    const created = event(1);
    const repeat = (count: number, extra: Partial<LifecycleEvent> = {}): LifecycleEvent => ({
      ...created, id: `r${count}`, type: 'updated', alert: { ...created.alert, count, version: count }, details: { count }, ...extra,
    });
    hub.publish(created);
    for (let count = 2; count <= 50; count += 1) hub.publish(repeat(count));
    hub.publish(repeat(51, { type: 'acknowledged', actor: 'olga' }));
    for (let count = 52; count <= 60; count += 1) hub.publish(repeat(count));
    // Another runtime's older repeat, late on the bus, does not take the newer one's place.
    hub.publish(repeat(55));
    hub.publish(event(2));
    hub.flush();
    const batch = client.messages().filter((m) => m.type === 'batch').pop() as unknown as { events: Array<{ seq: number; type: string; alert: { id: string; count: number }; details?: { count: number } }> };
    assert.deepEqual(batch.events.map((e) => [e.type, e.alert.id, e.alert.count]), [
      ['created', 'a1', 1], ['updated', 'a1', 50], ['acknowledged', 'a1', 51], ['updated', 'a1', 60], ['created', 'a2', 1],
    ]);
    assert.deepEqual(batch.events.map((e) => e.seq), [1, 2, 3, 4, 5], 'one number per event sent');
    assert.equal(batch.events[3].details?.count, 60);
    // The next flush starts afresh; a reconnecting client replays the folded events.
    hub.publish(repeat(61));
    hub.flush();
    const late = new FakeSocket();
    hub.connect(late, session('operator'), { epoch: (client.messages()[0] as unknown as { epoch: string }).epoch, seq: 3 });
    const replay = late.messages().find((m) => m.type === 'batch') as unknown as { events: Array<{ seq: number; alert: { count: number } }> };
    assert.deepEqual(replay.events.map((e) => [e.seq, e.alert.count]), [[4, 60], [5, 1], [6, 61]]);
  });

  it('a fast client is not held back by a slow one', () => {
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.connect(slow, session('operator'));
    hub.connect(fast, session('operator'));
    slow.bufferedAmount = 1000;
    for (let i = 1; i <= 10; i += 1) {
      hub.publish(event(i));
      hub.flush();
    }
    assert.equal(fast.messages().filter((m) => m.type === 'batch').length, 10);
  });

  it('disconnects a client that stays stalled', async () => {
    const stuck = new FakeSocket();
    hub.connect(stuck, session('operator'));
    stuck.bufferedAmount = 1000;
    hub.publish(event(1));
    hub.flush();
    now += 6000;
    (hub as unknown as { tick(): void }).tick();
    assert.equal(stuck.terminated, true);
    assert.equal(hub.connected, 0);
  });

  it('replays from the ring after `since`, filtered by role, and resyncs when the ring has moved on', () => {
    const small = new LiveHub({ index: new AlertIndex(), panels: new PanelRegistry(), viewFor: (user) => views.get(user.role)!, alive: () => true }, { ringSize: 4, flushMs: 1e6, summaryMs: 1e6, pingMs: 1e9 });
    try {
      for (let i = 1; i <= 6; i += 1) small.publish(event(i, i % 2 ? 'firearm' : 'cti'));
      small.flush();
      const ok = new FakeSocket();
      small.connect(ok, session('operator'), { epoch: small.epoch, seq: 3 });
      const replayed = ok.messages().filter((m) => m.type === 'batch').flatMap((m) => m.events!.map((e) => e.alert.id));
      assert.deepEqual(replayed, ['a5'], 'a4 and a6 are cti: not for the operator');
      const late = new FakeSocket();
      small.connect(late, session('operator'), { epoch: small.epoch, seq: 1 });
      assert.ok(late.messages().some((m) => m.type === 'resync'), 'seq 2 has left a ring of 4');
    } finally {
      small.close();
    }
  });
});
