import * as assert from 'node:assert/strict';
import {
  BATCH,
  MAX_EVENTS,
  MIN_LOOP_MS,
  Player,
  TimelineError,
  compileTimeline,
  parseDuration,
} from '../../nodes/scenario/timeline';
import type { Clock, PlayerSnapshot, ScheduledEvent, Timeline } from '../../nodes/scenario/timeline';

/** A manual clock: time moves only when the test says so, and due timers fire in order. */
class FakeClock implements Clock {
  time = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** The delay of the only pending timer, to check that one timer at a time is used. */
  nextDelay(): number | undefined {
    const next = [...this.timers.values()].sort((a, b) => a.at - b.at)[0];
    return next ? next.at - this.time : undefined;
  }

  /** Moves time and fires only the timers already due then, not ones they set: one event-loop turn. */
  turn(ms = 0): void {
    this.time += ms;
    const due = [...this.timers.entries()].filter(([, t]) => t.at <= this.time).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue;
      timer.fn();
    }
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
    }
    this.time = end;
  }
}

function timeline(events: Timeline['events'], extra: Partial<Timeline> = {}): Timeline {
  return { name: 'drill', outputs: ['alerts', 'sensors'], events, ...extra };
}

function harness(t: Timeline, options: { speed?: number; loop?: boolean } = {}) {
  const clock = new FakeClock();
  const sent: Array<{ event: ScheduledEvent; loop: number; time: number }> = [];
  const states: PlayerSnapshot[] = [];
  const player = new Player(
    compileTimeline(t, { loop: options.loop }),
    { emit: (event, loop) => sent.push({ event, loop, time: clock.now() }), change: (s) => states.push(s) },
    { clock, speed: options.speed },
  );
  return { clock, sent, states, player };
}

const three = timeline([
  { at: 1000, output: 'alerts', payload: 'a' },
  { at: 'PT2S', output: 'sensors', payload: 'b' },
  { at: 'PT3S', output: 'alerts', payload: 'c' },
]);

describe('timeline: parseDuration', () => {
  it('reads milliseconds and ISO 8601 durations', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('PT5S'), 5000);
    assert.equal(parseDuration('PT1M30S'), 90_000);
    assert.equal(parseDuration('PT0.5S'), 500);
    assert.equal(parseDuration('P1DT2H'), 26 * 3600_000);
    assert.equal(parseDuration('P1W'), 7 * 24 * 3600_000);
  });

  it('rejects what it cannot time, naming the path', () => {
    for (const bad of ['P1Y', 'P1M', 'PT', 'P', '5s', 'PT-1S', '']) {
      assert.throws(() => parseDuration(bad, '/events/0/at'), (err: Error) => err instanceof TimelineError && err.message.startsWith('/events/0/at '), bad);
    }
    assert.throws(() => parseDuration(-1), TimelineError);
    assert.throws(() => parseDuration(Number.NaN), TimelineError);
    assert.throws(() => parseDuration('P400D'), /one year/);
  });
});

describe('timeline: compileTimeline', () => {
  it('sorts by offset and keeps timeline order for ties', () => {
    const compiled = compileTimeline(
      timeline([
        { at: 'PT2S', output: 'alerts', payload: 1 },
        { at: 0, output: 'sensors', payload: 2 },
        { at: 2000, output: 'sensors', payload: 3 },
      ]),
    );
    assert.deepEqual(compiled.events.map((e) => [e.at, e.index, e.port]), [[0, 1, 1], [2000, 0, 0], [2000, 2, 1]]);
  });

  it('expands repeats into count occurrences, every apart', () => {
    const compiled = compileTimeline(timeline([{ at: 'PT1S', output: 'sensors', payload: 0, repeat: { every: 'PT10S', count: 3 } }]));
    assert.deepEqual(compiled.events.map((e) => [e.at, e.occurrence]), [[1000, 0], [11_000, 1], [21_000, 2]]);
  });

  it('maps outputs onto the configured ports by name', () => {
    const compiled = compileTimeline(three, { ports: ['sensors', 'alerts'] });
    assert.deepEqual(compiled.events.map((e) => e.port), [1, 0, 1]);
  });

  it('rejects an event sent to an output that is not configured, once, at compile time', () => {
    assert.throws(() => compileTimeline(three, { ports: ['alerts'] }), /\/events\/1\/output "sensors" is not one of the node's configured outputs \(alerts\)/);
    assert.throws(
      () => compileTimeline(timeline([{ at: 0, output: 'video', payload: 1 }])),
      /\/events\/0\/output "video" is not one of the scenario's outputs/,
    );
  });

  it('rejects zero repeat gaps and empty timelines', () => {
    assert.throws(() => compileTimeline(timeline([{ at: 0, output: 'alerts', payload: 1, repeat: { every: 0, count: 2 } }])), /\/events\/0\/repeat\/every must be more than zero/);
    assert.throws(() => compileTimeline(timeline([])), /\/events must list at least one event/);
  });

  it('caps the number of events, repeats included', () => {
    const t = timeline([
      { at: 0, output: 'alerts', payload: 1, repeat: { every: 1, count: MAX_EVENTS } },
      { at: 0, output: 'alerts', payload: 2 },
    ]);
    assert.throws(() => compileTimeline(t), new RegExp(`/events/1 takes the scenario past ${MAX_EVENTS} events`));
  });

  it('gives a looping pass a positive length', () => {
    assert.equal(compileTimeline(timeline([{ at: 0, output: 'alerts', payload: 1 }])).cycleMs, MIN_LOOP_MS);
    assert.equal(compileTimeline(three).cycleMs, 3000);
    assert.equal(compileTimeline(three, {}).loop, false);
    assert.equal(compileTimeline({ ...three, loop: true }).loop, true);
    assert.equal(compileTimeline({ ...three, loop: true }, { loop: false }).loop, false);
    assert.equal(compileTimeline({ ...three, duration: 'PT1M' }).cycleMs, 60_000);
  });
});

describe('timeline: Player', () => {
  it('sends each event when its offset comes, with one timer at a time', () => {
    const { clock, sent, player } = harness(three);
    player.start();
    assert.equal(clock.pending, 1);
    assert.equal(clock.nextDelay(), 1000);
    clock.advance(999);
    assert.equal(sent.length, 0);
    clock.advance(1);
    assert.deepEqual(sent.map((s) => [s.event.payload, s.time]), [['a', 1000]]);
    assert.equal(clock.pending, 1);
    clock.advance(5000);
    assert.deepEqual(sent.map((s) => [s.event.payload, s.time]), [['a', 1000], ['b', 2000], ['c', 3000]]);
    assert.equal(player.state, 'finished');
    assert.equal(clock.pending, 0);
  });

  it('scales waits by 1/speed', () => {
    const { clock, sent, player } = harness(three, { speed: 10 });
    player.start();
    clock.advance(100);
    assert.equal(sent.length, 1);
    clock.advance(200);
    assert.deepEqual(sent.map((s) => s.time), [100, 200, 300]);
  });

  it('keeps the remaining time across pause and resume', () => {
    const { clock, sent, player } = harness(three);
    player.start();
    clock.advance(1500);
    assert.equal(player.pause(), true);
    assert.equal(player.state, 'paused');
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(sent.length, 1);
    assert.equal(player.resume(), true);
    assert.equal(clock.nextDelay(), 500);
    clock.advance(500);
    assert.equal(sent.length, 2);
    assert.equal(sent[1].time, 62_000);
  });

  it('changes speed mid-run without losing the time already played', () => {
    const { clock, sent, player } = harness(three);
    player.start();
    clock.advance(1500);
    player.setSpeed(5);
    // 500 ms of scenario time were left before "b"; at ×5 that is 100 ms.
    assert.equal(clock.nextDelay(), 100);
    clock.advance(100);
    assert.equal(sent.length, 2);
    assert.equal(sent[1].time, 1600);
    player.pause();
    player.setSpeed(0.5);
    player.resume();
    assert.equal(clock.nextDelay(), 2000);
    assert.throws(() => player.setSpeed(0), RangeError);
    assert.throws(() => player.setSpeed(Number.POSITIVE_INFINITY), RangeError);
  });

  it('stops, and starts over after stop', () => {
    const { clock, sent, player, states } = harness(three);
    player.start();
    clock.advance(2000);
    assert.equal(player.stop(), true);
    assert.equal(clock.pending, 0);
    clock.advance(10_000);
    assert.equal(sent.length, 2);
    assert.equal(states.at(-1)?.state, 'stopped');
    assert.equal(player.resume(), false);
    assert.equal(player.start(), true);
    clock.advance(1000);
    assert.deepEqual(sent.map((s) => s.event.payload), ['a', 'b', 'a']);
  });

  it('restarts from the beginning while running', () => {
    const { clock, sent, player } = harness(three);
    player.start();
    clock.advance(2500);
    player.restart();
    assert.equal(clock.pending, 1);
    clock.advance(3000);
    assert.deepEqual(sent.map((s) => s.event.payload), ['a', 'b', 'a', 'b', 'c']);
  });

  it('ignores commands that do not apply', () => {
    const { player } = harness(three);
    assert.equal(player.pause(), false);
    assert.equal(player.resume(), false);
    assert.equal(player.stop(), false);
    assert.equal(player.start(), true);
    assert.equal(player.start(), false);
    player.pause();
    assert.equal(player.start(), true);
    assert.equal(player.state, 'running');
  });

  it('loops: a new pass starts a cycle after the previous one, counting passes', () => {
    const { clock, sent, player } = harness(three, { loop: true });
    player.start();
    clock.advance(9000);
    assert.deepEqual(
      sent.map((s) => [s.event.payload, s.loop, s.time]),
      [['a', 0, 1000], ['b', 0, 2000], ['c', 0, 3000], ['a', 1, 4000], ['b', 1, 5000], ['c', 1, 6000], ['a', 2, 7000], ['b', 2, 8000], ['c', 2, 9000]],
    );
    assert.equal(player.state, 'running');
    assert.equal(clock.pending, 1);
  });

  it('does not spin on a loop whose events all sit at offset 0', () => {
    const { clock, sent, player } = harness(timeline([{ at: 0, output: 'alerts', payload: 'x' }], { loop: true }), { speed: 1000 });
    player.start();
    clock.advance(0);
    assert.equal(sent.length, 1);
    clock.advance(10);
    // MIN_LOOP_MS of scenario time per pass at ×1000: one pass per millisecond.
    assert.equal(sent.length, 1 + 10 * (1000 / MIN_LOOP_MS));
  });

  it('sends simultaneous events in slices so the event loop can breathe', () => {
    const { clock, sent, player } = harness(timeline([{ at: 0, output: 'alerts', payload: 1, repeat: { every: 1, count: BATCH * 2 + 1 } }]), { speed: 10_000 });
    player.start();
    clock.turn();
    assert.equal(sent.length, 1);
    // Events 1 ms apart at ×10000: all the rest are due at the next 1 ms tick.
    clock.turn(1);
    assert.equal(sent.length, 1 + BATCH);
    assert.equal(clock.nextDelay(), 0);
    clock.turn();
    assert.equal(sent.length, 1 + BATCH * 2);
    assert.equal(player.state, 'finished');
  });

  it('waits in steps past the 24.8-day setTimeout limit instead of firing at once', () => {
    const thirtyDays = 30 * 24 * 3600_000;
    const { clock, sent, player } = harness(timeline([{ at: 'P30D', output: 'alerts', payload: 'late' }]));
    player.start();
    assert.equal(clock.nextDelay(), 2 ** 31 - 1);
    clock.advance(2 ** 31 - 1);
    assert.equal(sent.length, 0);
    clock.advance(thirtyDays - (2 ** 31 - 1));
    assert.equal(sent.length, 1);
  });

  it('tolerates a hook that pauses or stops from inside an emission', () => {
    const clock = new FakeClock();
    const sent: unknown[] = [];
    const player: Player = new Player(
      compileTimeline(timeline([
        { at: 0, output: 'alerts', payload: 1 },
        { at: 0, output: 'alerts', payload: 2 },
      ])),
      {
        emit: (event) => {
          sent.push(event.payload);
          if (event.payload === 1) player.pause();
        },
      },
      { clock },
    );
    player.start();
    clock.advance(0);
    assert.deepEqual(sent, [1]);
    assert.equal(clock.pending, 0);
    player.resume();
    clock.advance(0);
    assert.deepEqual(sent, [1, 2]);
  });

  it('dispose clears the timer and stays silent', () => {
    const { clock, sent, player, states } = harness(three);
    player.start();
    const before = states.length;
    player.dispose();
    assert.equal(clock.pending, 0);
    clock.advance(10_000);
    assert.equal(sent.length, 0);
    assert.equal(states.length, before);
  });

  it('reports progress in snapshots', () => {
    const { clock, player, states } = harness(three, { speed: 10, loop: true });
    player.start();
    clock.advance(200);
    assert.deepEqual(states.at(-1), { state: 'running', position: 2, total: 3, loop: 0, speed: 10 });
    clock.advance(200);
    assert.deepEqual(states.at(-1), { state: 'running', position: 1, total: 3, loop: 1, speed: 10 });
  });
});
