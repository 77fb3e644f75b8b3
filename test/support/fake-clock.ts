import type { Clock } from '../../nodes/notify/delivery/clock';

/** Lets every promise chain that is ready run: a few turns of the event loop. */
export async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock for the delivery engine that only moves when the test moves it, so that schedules
 * (rate limits, retry_after, back-off) are asserted exactly and no test waits on the wall clock.
 */
export class FakeClock implements Clock {
  private t: number;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private nextId = 1;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(timer: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== timer);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await settle();
  }

  /** Advances timer by timer until `done()` holds; fails after `limitMs` of fake time. */
  async runUntil(done: () => boolean, limitMs = 3_600_000): Promise<void> {
    const end = this.t + limitMs;
    await settle();
    while (!done()) {
      const next = this.timers.sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next || next.at > end) throw new Error(`fake clock: condition not reached by t=${this.t} (${this.timers.length} timers)`);
      await this.advance(next.at - this.t);
    }
  }
}
