/**
 * A stuck sensor repeats one value while the world moves on. Residual-based scores miss it
 * when the value it sticks at is plausible, so it gets its own statistic: the surprise of the
 * current run of identical values, Σ −ln p(repeat | time), in nats like the multivariate
 * surprise, so both share one extreme-value threshold.
 *
 * p is learnt per hour of day and, with weekly seasonality, per hour of the week, and the
 * larger is used: a traffic counter reading 0 all night is normal, and so is a run of zeros
 * on Sunday at 06:00 even though weekdays are busy by then; reading 412 for an hour at noon is
 * not. Taking the larger keeps a young weekly estimate (which starts at "as likely as not")
 * from calling a normal run stuck.
 */
import type { LocalTime } from './local-time';
import { dec, decArray, enc, encArray, record } from './state-codec';

const P_MIN = 1e-3;
const P_MAX = 0.999;
/** Slowest learning rate, as a fraction per visit of the hour bin. */
const RATE_FLOOR = 0.002;
/** A run this surprising (1 in 1000) is not learnt from: a stuck sensor must not teach that sticking is normal. */
const LEARN_LIMIT = Math.log(1000);

/** Repeat probabilities for a set of bins, learnt as running then exponential means. */
class RepeatRate {
  readonly p: Float64Array;
  readonly visits: Float64Array;
  constructor(bins: number) {
    // An uninformed start: repeats are as likely as not until the data says otherwise.
    this.p = new Float64Array(bins).fill(0.5);
    this.visits = new Float64Array(bins);
  }

  learn(bin: number, repeat: boolean): void {
    const rate = Math.max(1 / (this.visits[bin] + 2), RATE_FLOOR);
    this.p[bin] += rate * ((repeat ? 1 : 0) - this.p[bin]);
    this.visits[bin] += 1;
  }

  toJSON(): object {
    return { p: encArray(this.p), visits: encArray(this.visits) };
  }

  load(raw: unknown, what: string): void {
    const s = record(raw, what);
    this.p.set(decArray(s.p, this.p.length, `${what}.p`));
    this.visits.set(decArray(s.visits, this.visits.length, `${what}.visits`));
  }
}

export class StuckDetector {
  lastValue = NaN;
  run = 0;
  surprise = 0;
  /**
   * Times the value has changed. A series that has never varied (a closed valve, a spare
   * sensor) is flat by nature, not stuck: flat is normal until the series has been seen to vary.
   */
  changes = 0;
  private readonly daily: RepeatRate;
  private readonly weekly: RepeatRate | undefined;

  /** `bins`: 1 (no seasonality), 24 (by hour of day) or 168 (by hour of day and of week). */
  constructor(private readonly clock: LocalTime, readonly bins: 1 | 24 | 168) {
    this.daily = new RepeatRate(bins === 1 ? 1 : 24);
    if (bins === 168) this.weekly = new RepeatRate(168);
  }

  /** Learns `x` at `ts` and returns the surprise of the run it ends or extends (0 when it changed). */
  step(ts: number, x: number): number {
    const how = this.bins === 1 ? 0 : Math.floor(this.clock.hourOfWeek(ts));
    const hour = how % 24;
    const repeat = x === this.lastValue;
    let p = this.daily.p[this.bins === 1 ? 0 : hour];
    if (this.weekly && this.weekly.p[how] > p) p = this.weekly.p[how];
    if (repeat) {
      this.run += 1;
      this.surprise += -Math.log(p < P_MIN ? P_MIN : p > P_MAX ? P_MAX : p);
    } else {
      if (Number.isFinite(this.lastValue)) this.changes += 1;
      this.run = 1;
      this.surprise = 0;
      this.lastValue = x;
    }
    if (this.surprise < LEARN_LIMIT || this.changes === 0) {
      this.daily.learn(this.bins === 1 ? 0 : hour, repeat);
      this.weekly?.learn(how, repeat);
    }
    return this.changes > 0 ? this.surprise : 0;
  }

  toJSON(): object {
    return { lastValue: enc(this.lastValue), run: this.run, surprise: enc(this.surprise), changes: this.changes, daily: this.daily.toJSON(), weekly: this.weekly?.toJSON() ?? null };
  }

  static fromJSON(raw: unknown, clock: LocalTime, bins: 1 | 24 | 168, what = 'stuck'): StuckDetector {
    const s = record(raw, what);
    const d = new StuckDetector(clock, bins);
    d.lastValue = dec(s.lastValue, `${what}.lastValue`);
    d.run = dec(s.run, `${what}.run`);
    d.surprise = dec(s.surprise, `${what}.surprise`);
    // Saved before `changes` was kept: a series with a run shorter than its rows has varied.
    d.changes = s.changes === undefined ? 1 : dec(s.changes, `${what}.changes`);
    d.daily.load(s.daily, `${what}.daily`);
    if (d.weekly) d.weekly.load(s.weekly, `${what}.weekly`);
    return d;
  }
}
