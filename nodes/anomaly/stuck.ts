/**
 * A stuck sensor repeats one value while the world moves on. Residual-based scores miss it
 * when the value it sticks at is plausible, so it gets its own statistic: the surprise of the
 * current run of identical values, Σ −ln p(repeat | hour of day), where p is learnt per hour
 * of day (a traffic counter reading 0 all night is normal; reading 412 for an hour at noon is
 * not). The statistic is in nats, like the multivariate surprise, so both can share one
 * extreme-value threshold.
 */
import type { LocalTime } from './local-time';
import { dec, decArray, enc, encArray, record } from './state-codec';

const P_MIN = 1e-3;
const P_MAX = 0.999;
/** Slowest learning rate, as a fraction per visit of the hour bin. */
const RATE_FLOOR = 0.002;
/** A run this surprising (1 in 1000) is not learnt from: a stuck sensor must not teach that sticking is normal. */
const LEARN_LIMIT = Math.log(1000);

export class StuckDetector {
  lastValue = NaN;
  run = 0;
  surprise = 0;
  readonly pRepeat: Float64Array;
  readonly visits: Float64Array;

  constructor(private readonly clock: LocalTime, readonly seasonal: boolean) {
    const bins = seasonal ? 24 : 1;
    // An uninformed start: repeats are as likely as not until the data says otherwise.
    this.pRepeat = new Float64Array(bins).fill(0.5);
    this.visits = new Float64Array(bins);
  }

  /** Learns `x` at `ts` and returns the surprise of the run it ends or extends (0 when it changed). */
  step(ts: number, x: number): number {
    const bin = this.seasonal ? Math.floor(this.clock.hourOfWeek(ts)) % 24 : 0;
    const repeat = x === this.lastValue;
    const p = this.pRepeat[bin];
    if (repeat) {
      this.run += 1;
      this.surprise += -Math.log(p < P_MIN ? P_MIN : p > P_MAX ? P_MAX : p);
    } else {
      this.run = 1;
      this.surprise = 0;
      this.lastValue = x;
    }
    if (this.surprise < LEARN_LIMIT) {
      const rate = Math.max(1 / (this.visits[bin] + 2), RATE_FLOOR);
      this.pRepeat[bin] += rate * ((repeat ? 1 : 0) - p);
      this.visits[bin] += 1;
    }
    return this.surprise;
  }

  toJSON(): object {
    return { lastValue: enc(this.lastValue), run: this.run, surprise: enc(this.surprise), pRepeat: encArray(this.pRepeat), visits: encArray(this.visits) };
  }

  static fromJSON(raw: unknown, clock: LocalTime, seasonal: boolean, what = 'stuck'): StuckDetector {
    const s = record(raw, what);
    const d = new StuckDetector(clock, seasonal);
    d.lastValue = dec(s.lastValue, `${what}.lastValue`);
    d.run = dec(s.run, `${what}.run`);
    d.surprise = dec(s.surprise, `${what}.surprise`);
    d.pRepeat.set(decArray(s.pRepeat, d.pRepeat.length, `${what}.pRepeat`));
    d.visits.set(decArray(s.visits, d.visits.length, `${what}.visits`));
    return d;
  }
}
