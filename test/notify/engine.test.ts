import assert from 'node:assert/strict';
import type { DeliveryContext, Outcome, Transport } from '../../nodes/notify/delivery/engine';
import { DeliveryEngine } from '../../nodes/notify/delivery/engine';
import { DeliveryError } from '../../nodes/notify/delivery/errors';
import type { RateLimit } from '../../nodes/notify/delivery/token-bucket';
import { MemoryOutboxStore } from '../support/memory-outbox';
import type { OutboxEntry } from '../../nodes/platform';
import { FakeClock, settle } from '../support/fake-clock';

const CHANNEL = 'test:bot';
const MARGIN = 30;
const PER_CHAT: RateLimit = { limit: 1, windowMs: 1000 };
const PER_GROUP: RateLimit = { limit: 20, windowMs: 60_000 };

interface Sent {
  chat: string;
  key: string;
  at: number;
  payload: Record<string, unknown>;
  edit: boolean;
}

/**
 * A transport that does what the tests script: one request per delivery (two when the payload
 * asks for `steps`), recording when each request went out by the fake clock.
 */
class ScriptedTransport implements Transport {
  readonly sent: Sent[] = [];
  /** Failures to raise, per key, in order. */
  readonly failures = new Map<string, Error[]>();
  /** Deliveries that wait for the test to release them. */
  readonly gates = new Map<string, Promise<void>>();
  /** Fake-clock milliseconds each request of a key takes to be answered. */
  readonly latency = new Map<string, number>();

  constructor(private readonly clock: FakeClock) {}

  chatLimits(chat: string): RateLimit[] {
    return chat.startsWith('-') ? [PER_CHAT, PER_GROUP] : [PER_CHAT];
  }

  async deliver(entry: OutboxEntry, ctx: DeliveryContext): Promise<void> {
    const steps = (entry.payload.steps as number | undefined) ?? 1;
    const done = (ctx.ref?.data.done as number | undefined) ?? 0;
    if (done >= steps) {
      // Everything was sent before: this delivery is an edit of what the chat shows.
      await ctx.request(async () => this.sent.push({ chat: entry.chat, key: entry.key, at: this.clock.now(), payload: entry.payload, edit: true }));
      return;
    }
    for (let step = done; step < steps; step++) {
      await ctx.request(async () => {
        const gate = this.gates.get(entry.key);
        if (gate) await gate;
        const latency = this.latency.get(entry.key);
        if (latency) await new Promise<void>((resolve) => this.clock.setTimer(resolve, latency));
        const failure = this.failures.get(entry.key)?.shift();
        if (failure) throw failure;
        this.sent.push({ chat: entry.chat, key: entry.key, at: this.clock.now(), payload: entry.payload, edit: false });
      });
      await ctx.saveRef({ messageId: `${entry.key}-m`, data: { done: step + 1 } });
    }
  }
}

function setup(options: { global?: RateLimit; random?: () => number } = {}) {
  const clock = new FakeClock(1_000_000);
  const outbox = new MemoryOutboxStore();
  const transport = new ScriptedTransport(clock);
  const outcomes: Outcome[] = [];
  const make = () => {
    const engine = new DeliveryEngine({
      channel: CHANNEL,
      outbox,
      transport,
      globalLimit: options.global ?? { limit: 30, windowMs: 1000 },
      marginMs: MARGIN,
      clock,
      random: options.random ?? (() => 0.5),
    });
    engine.on('outcome', (o: Outcome) => outcomes.push(o));
    return engine;
  };
  return { clock, outbox, transport, outcomes, make, t0: clock.now() };
}

const enq = (engine: DeliveryEngine, chat: string, key: string, priority = 3, payload: Record<string, unknown> = {}) =>
  engine.enqueue({ channel: CHANNEL, chat, key, alertId: key, origin: 'n1', priority, payload: { key, ...payload } });

describe('delivery engine', function () {
  it('spaces the requests of one chat by its limit, no closer and no further', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    for (let i = 0; i < 5; i++) await enq(engine, '100', `a${i}`);
    await clock.runUntil(() => transport.sent.length === 5);
    assert.deepEqual(transport.sent.map((s) => s.at - t0), [0, 1, 2, 3, 4].map((i) => i * (1000 + MARGIN)));
    assert.deepEqual(transport.sent.map((s) => s.key), ['a0', 'a1', 'a2', 'a3', 'a4'], 'FIFO within the chat');
    await engine.stop();
  });

  it('holds every chat together under the global limit', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    for (let i = 0; i < 45; i++) await enq(engine, String(1000 + i), `k${i}`);
    await clock.runUntil(() => transport.sent.length === 45);
    const times = transport.sent.map((s) => s.at - t0);
    assert.equal(times.filter((t) => t === 0).length, 30, 'a full bucket at once');
    assert.ok(times.slice(30).every((t) => t === 1000 + MARGIN), 'the rest as soon as tokens return');
    // The oldest entries go first.
    assert.deepEqual(transport.sent.slice(0, 30).map((s) => s.key), Array.from({ length: 30 }, (_, i) => `k${i}`));
    await engine.stop();
  });

  it('applies the per-group limit (20 a minute) on top of the per-chat one', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    for (let i = 0; i < 22; i++) await enq(engine, '-100200', `g${i}`);
    await clock.runUntil(() => transport.sent.length === 22);
    const times = transport.sent.map((s) => s.at - t0);
    assert.deepEqual(times.slice(0, 20), Array.from({ length: 20 }, (_, i) => i * (1000 + MARGIN)));
    assert.equal(times[20], 60_000 + MARGIN, 'the 21st waits for the first token of the minute to return');
    assert.equal(times[21], 1000 + MARGIN + 60_000 + MARGIN);
    await engine.stop();
  });

  it('lets a P1 jump the queue of its chat (and not overtake what is already on the wire)', async () => {
    const { clock, transport, make } = setup();
    const engine = make();
    await engine.start();
    await enq(engine, '100', 'p3-a');
    await enq(engine, '100', 'p3-b');
    await enq(engine, '100', 'p3-c');
    await enq(engine, '100', 'p1', 1);
    await clock.runUntil(() => transport.sent.length === 4);
    assert.deepEqual(transport.sent.map((s) => s.key), ['p3-a', 'p1', 'p3-b', 'p3-c']);
    await engine.stop();
  });

  it('gives a P1 the global bucket before older P3s of other chats', async () => {
    const { clock, transport, make } = setup({ global: { limit: 2, windowMs: 1000 } });
    const engine = make();
    await engine.start();
    for (let i = 0; i < 6; i++) await enq(engine, String(200 + i), `p3-${i}`);
    await enq(engine, '999', 'p1', 1);
    await clock.runUntil(() => transport.sent.length === 7);
    assert.deepEqual(transport.sent.slice(0, 3).map((s) => s.key), ['p3-0', 'p3-1', 'p1']);
    await engine.stop();
  });

  it('waits exactly retry_after after a 429, without counting it as a failed attempt', async () => {
    const { clock, transport, outcomes, make, t0 } = setup();
    const engine = make();
    await engine.start();
    transport.failures.set('a', [new DeliveryError('rate-limited', 'Too Many Requests: retry after 7', { status: 429, retryAfterMs: 7000 })]);
    await enq(engine, '100', 'a');
    await enq(engine, '100', 'b');
    await enq(engine, '200', 'other');
    await clock.runUntil(() => transport.sent.length === 3);
    const at = Object.fromEntries(transport.sent.map((s) => [s.key, s.at - t0]));
    assert.equal(at.other, 0, 'other chats are not held back');
    assert.equal(at.a, 7000, 'the chat resumes exactly after retry_after');
    assert.equal(at.b, 7000 + 1000 + MARGIN, 'and keeps its order');
    const limited = outcomes.filter((o) => o.type === 'rate-limited');
    assert.equal(limited.length, 1);
    assert.equal(engine.stats().retries, 0);
    assert.equal(engine.stats().rateLimited, 1);
    await engine.stop();
  });

  it('retries 5xx and network failures with exponential back-off, holding the chat in order', async () => {
    const { clock, transport, outcomes, make, t0 } = setup({ random: () => 0.5 });
    const engine = make();
    await engine.start();
    const err = () => new DeliveryError('transient', '502 Bad Gateway', { status: 502 });
    transport.failures.set('a', [err(), err(), new Error('socket hang up')]);
    await enq(engine, '100', 'a');
    await enq(engine, '100', 'b');
    await clock.runUntil(() => transport.sent.length === 2);
    const delays = outcomes.filter((o) => o.type === 'retry').map((o) => (o as { delayMs: number }).delayMs);
    // equal jitter at random 0.5: 3/4 of 1 s, 2 s, 4 s
    assert.deepEqual(delays, [750, 1500, 3000]);
    assert.deepEqual(transport.sent.map((s) => s.key), ['a', 'b']);
    assert.ok(transport.sent[0].at - t0 >= 750 + 1500 + 3000, 'not before the back-off ran out');
    assert.equal(engine.stats().retries, 3);
    await engine.stop();
  });

  it('sets 400/403 aside as failed, reports it, and goes on with the chat', async () => {
    const { clock, transport, outcomes, outbox, make } = setup();
    const engine = make();
    await engine.start();
    transport.failures.set('bad', [new DeliveryError('permanent', 'Forbidden: bot was blocked by the user', { status: 403 })]);
    await enq(engine, '100', 'bad');
    await enq(engine, '100', 'good');
    await clock.runUntil(() => transport.sent.length === 1);
    assert.deepEqual(transport.sent.map((s) => s.key), ['good']);
    const failed = outcomes.filter((o) => o.type === 'failed');
    assert.equal(failed.length, 1);
    assert.match((failed[0] as { error: Error }).error.message, /blocked/);
    assert.equal((await outbox.failed(CHANNEL))[0].key, 'bad');
    assert.deepEqual(await outbox.pending(CHANNEL), []);
    await engine.stop();
  });

  it('pauses the whole channel when the account is refused, losing nothing', async () => {
    const { clock, transport, outcomes, outbox, make, t0 } = setup({ random: () => 0 });
    const engine = make();
    await engine.start();
    transport.failures.set('a', [new DeliveryError('account', 'Unauthorized (check the bot token)', { status: 401 })]);
    await enq(engine, '100', 'a');
    await enq(engine, '200', 'b');
    await clock.runUntil(() => transport.sent.length === 2);
    assert.equal(outcomes.filter((o) => o.type === 'account').length, 1);
    // b had been granted its permit with a; a retries once both the pause (random 0: half of
    // 1 s) and its chat's token (spent on the refused request) allow it.
    assert.equal(transport.sent.find((s) => s.key === 'a')!.at - t0, 1000 + MARGIN);
    assert.deepEqual(await outbox.failed(CHANNEL), []);
    await engine.stop();
  });

  it('coalesces repeats into the queued entry, and into an edit when one arrives during the delivery', async () => {
    const { clock, transport, make } = setup();
    const engine = make();
    await engine.start();
    let release!: () => void;
    transport.gates.set('x', new Promise((resolve) => (release = resolve)));
    await enq(engine, '100', 'x', 3, { n: 1 });
    await settle();
    // In flight now; two repeats arrive.
    const r2 = await enq(engine, '100', 'x', 3, { n: 2 });
    const r3 = await enq(engine, '100', 'x', 3, { n: 3 });
    assert.equal(r2.coalesced, true);
    assert.equal(r3.coalesced, true);
    transport.gates.delete('x');
    release();
    await clock.runUntil(() => transport.sent.length === 2 && engine.stats().pending === 0);
    assert.deepEqual(transport.sent.map((s) => [s.payload.n, s.edit]), [[1, false], [3, true]], 'one send, then one edit with the newest');
    await engine.stop();
  });

  it('resumes after a restart where it stopped: nothing lost, nothing sent twice', async () => {
    const { clock, transport, outbox, make } = setup();
    const first = make();
    await first.start();
    for (let i = 0; i < 6; i++) await enq(first, String(100 + (i % 2)), `r${i}`, 3, { steps: 2 });
    // The first step of two entries goes out; their second steps wait for the chats' tokens when
    // the engine stops: half-delivered entries.
    await clock.advance(500);
    const before = transport.sent.length;
    assert.ok(before > 0 && before < 12, `some but not all requests out (${before})`);
    await first.stop();
    assert.ok((await outbox.pending(CHANNEL)).length > 0);
    const second = make();
    await second.start();
    await clock.runUntil(() => transport.sent.length === 12);
    await clock.advance(5000);
    assert.equal(transport.sent.length, 12, 'two requests per entry, none repeated');
    const steps = new Map<string, number>();
    for (const s of transport.sent) steps.set(s.key, (steps.get(s.key) ?? 0) + 1);
    assert.deepEqual([...steps.values()], [2, 2, 2, 2, 2, 2]);
    assert.deepEqual(await outbox.pending(CHANNEL), []);
    await second.stop();
  });

  it('carries the rate windows over a restart, so the first requests after it are not too early', async () => {
    const { clock, transport, outbox, make, t0 } = setup({ global: { limit: 3, windowMs: 1000 } });
    const first = make();
    await first.start();
    for (const chat of ['100', '101', '102', '103']) await enq(first, chat, `w${chat}`);
    await clock.advance(100);
    assert.equal(transport.sent.length, 3, 'the global bucket let three out');
    await first.stop();
    await outbox.enqueue({ channel: CHANNEL, chat: '100', key: 'after', alertId: 'after', priority: 3, payload: { key: 'after' } }, clock.now());
    const second = make();
    await second.start();
    await clock.runUntil(() => transport.sent.length === 5);
    const at = Object.fromEntries(transport.sent.map((s) => [s.key, s.at - t0]));
    assert.equal(at.w103, 1000 + MARGIN, 'the global window the first run spent still held after the restart');
    assert.equal(at.after, 1000 + MARGIN, "and chat 100's own window");
    await second.stop();
  });

  it('counts a request against the limits from its answer, so a slow answer cannot squeeze the next one', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    transport.latency.set('slow', 400);
    await enq(engine, '100', 'slow');
    await enq(engine, '100', 'next');
    await clock.runUntil(() => transport.sent.length === 2);
    // 'slow' was sent at 0 (recorded after its 400 ms answer), 'next' one window after that answer.
    assert.deepEqual(transport.sent.map((s) => [s.key, s.at - t0]), [['slow', 400], ['next', 400 + 1000 + MARGIN]]);
    await engine.stop();
  });

  it('retries at once after a restart, except where the service asked for a wait (429)', async () => {
    const { clock, transport, make, t0 } = setup({ random: () => 1 });
    const first = make();
    await first.start();
    transport.failures.set('backoff', [new DeliveryError('transient', '502', { status: 502 })]);
    transport.failures.set('asked', [new DeliveryError('rate-limited', '429', { status: 429, retryAfterMs: 30_000 })]);
    await enq(first, '100', 'backoff');
    await enq(first, '200', 'asked');
    await clock.advance(10);
    await first.stop();
    const second = make();
    await second.start();
    await clock.runUntil(() => transport.sent.length === 2);
    const at = Object.fromEntries(transport.sent.map((s) => [s.key, s.at - t0]));
    assert.ok(at.backoff < 1100, `the back-off (1 s) did not outlive the restart beyond the chat's window (${at.backoff})`);
    assert.equal(at.asked, 30_000, 'the 429 wait did');
    await second.stop();
  });

  it('stops promptly: waiting requests never go out, the one on the wire gets its grace', async () => {
    const { clock, transport, make } = setup();
    const engine = make();
    await engine.start();
    let release!: () => void;
    transport.gates.set('wire', new Promise((resolve) => (release = resolve)));
    await enq(engine, '100', 'wire');
    await enq(engine, '100', 'queued');
    await settle();
    const stopped = engine.stop(10_000);
    release();
    await stopped;
    assert.deepEqual(transport.sent.map((s) => s.key), ['wire']);
    await assert.rejects(enq(engine, '100', 'late'), /stopped/);
    assert.equal(clock.pendingTimers, 0, 'no timer left behind');
  });
  it('holds a grouped card until its hold without holding up the chat; a coalesce can bring the hold forward, never push it back', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    await engine.enqueue({ channel: CHANNEL, chat: '100', key: 'inc:1', alertId: 'inc-1', origin: 'n1', priority: 3, payload: { v: 1 } }, { holdUntil: t0 + 30_000 });
    await enq(engine, '100', 'alert-a');
    await clock.runUntil(() => transport.sent.length === 1);
    assert.deepEqual(transport.sent.map((s) => [s.key, s.at - t0]), [['alert-a', 0]], 'the card behind the held one goes at once');
    // A later member: the same card, no longer hold (it must not push the wait back).
    await clock.advance(10_000);
    await engine.enqueue({ channel: CHANNEL, chat: '100', key: 'inc:1', alertId: 'inc-1', origin: 'n1', priority: 3, payload: { v: 2 } }, { holdUntil: t0 + 90_000 });
    await clock.runUntil(() => transport.sent.length === 2);
    assert.deepEqual(transport.sent.map((s) => [s.key, s.at - t0, s.payload.v]), [['alert-a', 0, undefined], ['inc:1', 30_000, 2]], 'sent once, at the end of the first hold, with the newest payload');
    // A held edit brought forward by a P1 member (a hold of now).
    await engine.enqueue({ channel: CHANNEL, chat: '100', key: 'inc:1', alertId: 'inc-1', origin: 'n1', priority: 3, payload: { v: 3 } }, { holdUntil: clock.now() + 60_000 });
    const p1At = clock.now() + 5_000;
    await clock.advance(5_000);
    await engine.enqueue({ channel: CHANNEL, chat: '100', key: 'inc:1', alertId: 'inc-1', origin: 'n1', priority: 1, payload: { v: 4 } }, { holdUntil: clock.now() });
    await clock.runUntil(() => transport.sent.length === 3);
    assert.equal(transport.sent[2].at, p1At, 'the P1 member does not wait');
    assert.equal(transport.sent[2].payload.v, 4);
    assert.equal(transport.sent[2].edit, true);
    await engine.stop();
  });

  it('a change coalesced into the card on the wire is the next delivery, and waits for the hold asked for it', async () => {
    const { clock, transport, make, t0 } = setup();
    const engine = make();
    await engine.start();
    let release!: () => void;
    transport.gates.set('inc:1', new Promise((resolve) => (release = resolve)));
    const card = { channel: CHANNEL, chat: '100', key: 'inc:1', alertId: 'inc-1', origin: 'n1', priority: 1 };
    const { entry } = await engine.enqueue({ ...card, payload: { v: 1 } }, { holdUntil: t0 });
    await settle();
    assert.equal(engine.isSending(entry), true, 'the first card is on the wire');
    // A member arrives while it is sent: the notifier asks for the group interval.
    await engine.enqueue({ ...card, priority: 3, payload: { v: 2 } }, { holdUntil: t0 + 60_000 });
    transport.gates.delete('inc:1');
    release();
    await clock.runUntil(() => transport.sent.length === 2);
    assert.deepEqual(transport.sent.map((s) => [s.at - t0, s.payload.v]), [[0, 1], [60_000, 2]], 'the edit waits for the interval, not for the end of the first send');
    await engine.stop();
  });
});
