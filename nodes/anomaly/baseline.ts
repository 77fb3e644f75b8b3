/**
 * What is normal for one variable at one time: a seasonal baseline
 *
 *     expected(t) = level + (1 − λ)·daily[time of day] + λ·weekly[time of week]
 *
 * - `daily` is the profile pooled over all days; `weekly` is the profile of this weekday.
 *   Both describe x − level and learn independently. λ weighs them by how well each has been
 *   predicting at this time of the week, λ = e²_pooled / (e²_pooled + e²_weekly), from
 *   exponentially weighted squared errors measured before each update. In the first week
 *   every day is predicted from the pooled profile; once Saturdays are known, Saturday is
 *   predicted from Saturdays; where all days look alike the pooled profile, with seven times
 *   the data, keeps its share. (An additive "daily + weekly correction" learns weekday
 *   differences an order of magnitude slower, because the pooled profile keeps absorbing them
 *   first; a blend by visit counts leaves a bias of a quarter of the weekday difference for weeks.)
 * - The spread is kept per time of day, pooled over all days: night traffic is both lower and
 *   quieter than rush hour, so one global spread would hide a night-time event. It is learnt
 *   from the residuals of the blended prediction, so it is the spread of what is actually
 *   predicted. Each weekday bin also keeps the spread of those residuals on its own day, and
 *   the two are blended with the same λ as the profiles: where a weekday's profile predicts, its
 *   own spread holds. Pooled alone, a city's 08:00 spread held the weekend mornings the blend was
 *   still learning (pedestrian counts of 700 on weekdays, 150–300 at weekends: a pooled spread of
 *   390 where a weekday's was about 40, so a public holiday's 55 passed as a 1.7σ dip). A
 *   weekday's spread rests on a few weeks, so it is shrunk towards the pooled one by
 *   `SCALE_PRIOR` weeks. (The spread of the weekday profile's own errors instead, from its
 *   second week, cost half the multivariate detections on generated data, 12 → 6 of 24: those
 *   errors also hold what the profile learnt wrong from a few weeks of noise, and the spreads
 *   grew where they should shrink.)
 * - The week is cut into bins of `binMinutes` (30 by default: with hourly bins the top of a
 *   rush-hour peak is missed by about 1σ every day, which inflates the rush-hour spread), and
 *   the prediction interpolates linearly between bin centres, so a smooth curve shows no steps.
 *
 * Every estimate is an exponentially weighted Huber M-estimate: an error is clipped at `clip`
 * scales before it moves anything, so one outlier moves the level by at most α·clip·scale,
 * and the scale is the clipped mean absolute residual times √(π/2), the MAD-style estimate that
 * equals σ for Gaussian noise. Warm-up starts from the median and the MAD of the first samples.
 * Rates are half-lives in time (not samples), so one configuration suits 1-second and 15-minute
 * data, and start as running means (rate 1/visits) so that a new bin learns from its first
 * visits instead of waiting weeks.
 *
 * A level shift that lasts is accepted rather than alarmed on forever: when the standardised
 * residual has stayed beyond `clip` on one side for `shiftAcceptHours`, the level jumps by the
 * median of the last residuals.
 */
import { decay, median } from './math';
import type { LocalTime } from './local-time';
import { dec, decArray, enc, encArray, record, StateError } from './state-codec';

export type Seasonality = 'none' | 'day' | 'week';

export interface BaselineOptions {
  seasonality: Seasonality;
  /** Width of a seasonal bin: 15, 20, 30 or 60 minutes. */
  binMinutes: number;
  levelHalfLifeHours: number;
  dailyHalfLifeDays: number;
  weeklyHalfLifeWeeks: number;
  /** Huber clip, in scales. */
  clip: number;
  /** Samples used for the median/MAD start. */
  warmupSamples: number;
  /** How long a one-sided excursion beyond `clip` lasts before it is taken as the new level; 0: never. */
  shiftAcceptHours: number;
  /** Lower bound of the scale, in the variable's unit (0: only the data's own resolution). */
  minScale: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Residuals remembered for the jump when a level shift is accepted. */
const SHIFT_MEMORY = 16;
/** √(π/2): the mean absolute deviation of a Gaussian is σ·√(2/π). */
const ABS_TO_SIGMA = 1.2533141373155003;
const MAD_TO_SIGMA = 1.4826;
/**
 * A never-visited weekly bin is assumed as good as the pooled profile: the blend starts at an
 * even weight and follows whichever predicts better. (Twice as bad, as before the weekdays kept
 * their own spreads, the blend reached their spreads later: 25.0 instead of 27.2 on the tuning
 * part of the real collection.)
 */
const UNSEEN_PENALTY = 1;
/** Cycles (weeks) after which an old error's weight in the blend has halved: the blend must
 * follow the weekly profile as it learns, not remember how bad it was in its first weeks. */
const BLEND_HALF_LIFE = 1;
/**
 * Pseudo-samples that keep a new bin's scale near the warm-up scale at first; for a weekday's
 * own spread, the weeks of the pooled spread it is shrunk towards.
 */
const SCALE_PRIOR = 4;

/**
 * One seasonal profile: a value, a spread and a visit weight per bin; the weekly profile also
 * keeps the squared errors of its own and of the pooled prediction, for the blend, and the
 * weeks each bin has seen.
 */
class Profile {
  readonly value: Float64Array;
  readonly scale: Float64Array;
  readonly visits: Float64Array;
  readonly errOwn: Float64Array;
  readonly errPooled: Float64Array;
  /** Bin widths of activity seen, i.e. cycles (weeks): a row stands for at most one (see `activeTime`). */
  readonly cycles: Float64Array;
  constructor(readonly bins: number, blended: boolean) {
    this.value = new Float64Array(bins);
    this.scale = new Float64Array(bins);
    this.visits = new Float64Array(bins);
    this.errOwn = new Float64Array(blended ? bins : 0);
    this.errPooled = new Float64Array(blended ? bins : 0);
    this.cycles = new Float64Array(blended ? bins : 0);
  }

  at(a: Float64Array, b0: number, b1: number, w1: number): number {
    return (1 - w1) * a[b0] + w1 * a[b1];
  }

  toJSON(): object {
    return { value: encArray(this.value), scale: encArray(this.scale), visits: encArray(this.visits), errOwn: encArray(this.errOwn), errPooled: encArray(this.errPooled), cycles: encArray(this.cycles) };
  }

  load(raw: unknown, what: string): void {
    const s = record(raw, what);
    this.value.set(decArray(s.value, this.bins, `${what}.value (binMinutes or seasonality changed?)`));
    // Saved before the weekdays kept their own spreads: they have seen no week of their own
    // yet, and the pooled spread stands in for them.
    const before = s.cycles === undefined;
    if (!(before && this.cycles.length)) this.scale.set(decArray(s.scale, this.scale.length, `${what}.scale`));
    this.visits.set(decArray(s.visits, this.bins, `${what}.visits`));
    this.errOwn.set(decArray(s.errOwn, this.errOwn.length, `${what}.errOwn`));
    this.errPooled.set(decArray(s.errPooled, this.errPooled.length, `${what}.errPooled`));
    if (!before) this.cycles.set(decArray(s.cycles, this.cycles.length, `${what}.cycles`));
  }
}

export class SeasonalBaseline {
  level = 0;
  scale = 0;
  readonly daily: Profile | undefined;
  readonly weekly: Profile | undefined;
  /** Samples seen (warm-up included). */
  n = 0;
  lastTs = NaN;
  typicalDt = NaN;
  private day = NaN;
  /** Smallest non-zero step between consecutive values: the sensor's resolution. */
  resolution = NaN;
  private lastX = NaN;
  private shiftZ = 0;
  private shiftSince = NaN;
  private readonly recent = new Float64Array(SHIFT_MEMORY).fill(NaN);
  private recentAt = 0;
  private warm: { ts: number[]; x: number[] } | undefined = { ts: [], x: [] };

  /** The prediction made by the last `step`, before that sample was learnt. */
  expected = NaN;
  expectedScale = NaN;

  /** Bins per day, and the bin width in ms. */
  private readonly perDay: number;
  private readonly binMs: number;
  /** Weeks a weekday's spread rests on at most: the effective count of its forgetting, (2 − a)/a for a rate a per week. */
  private readonly weekdayScaleWeeks: number;
  // Where the current instant falls: between week bins j0 and j1, weight w1 on j1; λ of the blend.
  private j0 = 0;
  private j1 = 0;
  private w1 = 0;
  private lambda = 0;

  constructor(readonly options: BaselineOptions, private readonly clock: LocalTime) {
    if (![15, 20, 30, 60].includes(options.binMinutes)) throw new RangeError(`binMinutes must be 15, 20, 30 or 60, got ${options.binMinutes}`);
    this.perDay = 1440 / options.binMinutes;
    this.binMs = options.binMinutes * MINUTE;
    const perWeek = 1 - Math.pow(0.5, 2 / options.weeklyHalfLifeWeeks);
    this.weekdayScaleWeeks = (2 - perWeek) / perWeek;
    if (options.seasonality !== 'none') this.daily = new Profile(this.perDay, false);
    if (options.seasonality === 'week') this.weekly = new Profile(7 * this.perDay, true);
  }

  get isWarm(): boolean {
    return this.warm === undefined;
  }

  /**
   * Predicts `x` at `ts` from what came before, then learns it. Returns the standardised
   * residual (x − expected) / scale, or NaN while warming up. `expected` and `expectedScale`
   * hold the prediction afterwards.
   */
  step(ts: number, x: number): number {
    if (this.warm) {
      this.expected = NaN;
      this.expectedScale = NaN;
      this.warm.ts.push(ts);
      this.warm.x.push(x);
      if (this.warm.x.length >= this.options.warmupSamples) this.finishWarmup();
      return NaN;
    }
    this.predict(ts);
    const z = (x - this.expected) / this.expectedScale;
    this.learn(ts, x, z);
    return z;
  }

  /** The expected value and scale at `ts`, without learning anything. */
  predict(ts: number): void {
    let expected = this.level;
    let scale = this.scale;
    const d = this.daily;
    if (d) {
      this.locate(ts);
      const h0 = this.j0 % this.perDay;
      const h1 = this.j1 % this.perDay;
      const w1 = this.w1;
      let profile = d.at(d.value, h0, h1, w1);
      scale = d.at(d.scale, h0, h1, w1);
      const w = this.weekly;
      if (w) {
        const l = this.lambda;
        profile = (1 - l) * profile + l * w.at(w.value, this.j0, this.j1, w1);
        const own = (1 - w1) * this.weekdayScale(this.j0, d.scale[h0]) + w1 * this.weekdayScale(this.j1, d.scale[h1]);
        scale = (1 - l) * scale + l * own;
      }
      expected += profile;
    }
    this.expected = expected;
    this.expectedScale = Math.max(scale, this.floorScale(expected));
  }

  /** A weekday bin's own spread, shrunk towards the pooled one by SCALE_PRIOR weeks. */
  private weekdayScale(bin: number, pooled: number): number {
    const w = this.weekly!;
    const weeks = Math.min(w.cycles[bin], this.weekdayScaleWeeks);
    return (weeks * w.scale[bin] + SCALE_PRIOR * pooled) / (weeks + SCALE_PRIOR);
  }

  /** The least spread at this expected value: `minScale`, half the data's resolution, a relative epsilon. */
  floorScale(expected: number): number {
    const res = Number.isFinite(this.resolution) ? this.resolution / 2 : 0;
    return Math.max(this.options.minScale, res, 1e-9 * Math.max(1, Math.abs(expected)));
  }

  private locate(ts: number): void {
    // Bin centres sit at b + 0.5; u runs over the week's bins so weekly and daily bins share weights.
    const bins = 7 * this.perDay;
    let u = (this.clock.hourOfWeek(ts) * 60) / this.options.binMinutes - 0.5;
    if (u < 0) u += bins;
    const j0 = Math.floor(u);
    this.j0 = j0;
    this.j1 = j0 === bins - 1 ? 0 : j0 + 1;
    this.w1 = u - j0;
    if (this.weekly) {
      const own = this.weekly.at(this.weekly.errOwn, j0, this.j1, this.w1);
      const pooled = this.weekly.at(this.weekly.errPooled, j0, this.j1, this.w1);
      this.lambda = own + pooled > 0 ? pooled / (own + pooled) : 0;
    }
  }

  private learn(ts: number, x: number, z: number): void {
    const o = this.options;
    const dt = this.stepDt(ts);
    this.n += 1;
    if (x !== this.lastX && Number.isFinite(this.lastX)) {
      const step = Math.abs(x - this.lastX);
      if (!(step >= this.resolution)) this.resolution = step;
    }
    this.lastX = x;
    const r = x - this.expected;
    const bound = o.clip * this.expectedScale;
    const absR = r < 0 ? -r : r;
    const absC = absR < bound ? absR : bound;
    const deviation = x - this.level;

    const aLevel = Math.max(decay(dt, o.levelHalfLifeHours * HOUR), 1 / this.n);
    this.level += aLevel * (r > bound ? bound : r < -bound ? -bound : r);
    this.scale += aLevel * (ABS_TO_SIGMA * absC - this.scale);
    if (this.daily) {
      const pooled = this.daily.at(this.daily.value, this.j0 % this.perDay, this.j1 % this.perDay, this.w1);
      if (this.weekly) this.learnBlend(this.weekly, deviation, pooled, bound, dt);
      this.learnProfile(this.daily, this.j0 % this.perDay, this.j1 % this.perDay, deviation, absC, bound, dt, o.dailyHalfLifeDays);
      if (this.weekly) this.learnProfile(this.weekly, this.j0, this.j1, deviation, absC, bound, dt, o.weeklyHalfLifeWeeks);
      this.housekeeping(ts);
    }
    this.acceptShift(ts, dt, z, r);
  }

  /** Moves a profile's two bins towards the deviation from the level, and their spread (if kept) towards |r|. */
  private learnProfile(p: Profile, b0: number, b1: number, deviation: number, absC: number, bound: number, dt: number, halfLifeCycles: number): void {
    const w1 = this.w1;
    const w0 = 1 - w1;
    const e = deviation - p.at(p.value, b0, b1, w1);
    const c = e > bound ? bound : e < -bound ? -bound : e;
    const target = ABS_TO_SIGMA * absC;
    const a0 = this.binRate(p.visits[b0], w0, dt, halfLifeCycles, 0);
    const a1 = this.binRate(p.visits[b1], w1, dt, halfLifeCycles, 0);
    p.value[b0] += a0 * c;
    p.value[b1] += a1 * c;
    p.visits[b0] += w0;
    p.visits[b1] += w1;
    // The spread forgets twice as fast as the profile: warm-up residuals, taken before the
    // profile was known, overstate it.
    if (p.cycles.length) {
      this.learnWeekdayScale(p, b0, w0, target, dt, halfLifeCycles / 2);
      this.learnWeekdayScale(p, b1, w1, target, dt, halfLifeCycles / 2);
      return;
    }
    const s0 = this.binRate(p.visits[b0], w0, dt, halfLifeCycles / 2, SCALE_PRIOR);
    const s1 = this.binRate(p.visits[b1], w1, dt, halfLifeCycles / 2, SCALE_PRIOR);
    p.scale[b0] += s0 * (target - p.scale[b0]);
    p.scale[b1] += s1 * (target - p.scale[b1]);
  }

  /**
   * A weekday bin's spread: a running mean of the residuals on its own day over the weeks it has
   * seen (`weekdayScale` shrinks it towards the pooled one), forgetting like the pooled spread.
   * Weeks rather than rows: a bin's rows of one day share that day's noise.
   */
  private learnWeekdayScale(p: Profile, bin: number, w: number, target: number, dt: number, halfLifeCycles: number): void {
    const active = this.activeTime(dt, w);
    const cycles = active / this.binMs;
    if (!(cycles > 0)) return;
    p.scale[bin] += this.rate(active, halfLifeCycles, cycles / (p.cycles[bin] + cycles)) * (target - p.scale[bin]);
    p.cycles[bin] += cycles;
  }

  /** Updates the squared errors of both predictions at this time of the week (before either learns). */
  private learnBlend(w: Profile, deviation: number, pooled: number, bound: number, dt: number): void {
    const cap = bound * bound;
    const ownError = deviation - w.at(w.value, this.j0, this.j1, this.w1);
    const pooledError = deviation - pooled;
    // Clipped like every other error, so one outlier does not swing the blend.
    const ePooled = Math.min(pooledError * pooledError, cap);
    const eOwn = Math.min(ownError * ownError, cap);
    for (const [bin, weight] of [[this.j0, 1 - this.w1], [this.j1, this.w1]] as const) {
      if (weight === 0) continue;
      const a = decay(this.activeTime(dt, weight), BLEND_HALF_LIFE * this.binMs);
      if (w.visits[bin] === 0) {
        // First visit: start from the pooled error (UNSEEN_PENALTY times it for the unseen bin).
        w.errPooled[bin] = ePooled;
        w.errOwn[bin] = UNSEEN_PENALTY * ePooled + 1e-300;
      } else {
        w.errPooled[bin] += a * (ePooled - w.errPooled[bin]);
        w.errOwn[bin] += a * (eOwn - w.errOwn[bin]);
      }
    }
  }

  /**
   * The learning rate of a bin for a sample that falls on it with weight w: the larger of its
   * time-based rate (a bin is active one bin width per cycle, so its half-life in active time
   * is one bin width per cycle of the configured half-life) and a running mean over its visits.
   */
  private binRate(visits: number, w: number, dt: number, halfLifeCycles: number, prior: number): number {
    if (w === 0) return 0;
    return this.rate(this.activeTime(dt, w), halfLifeCycles, w / (visits + w + prior));
  }

  /** The larger of the rate for `active` time of a bin's activity (half-life in cycles) and a running mean's `byCount`. */
  private rate(active: number, halfLifeCycles: number, byCount: number): number {
    const byTime = decay(active, halfLifeCycles * this.binMs);
    return byTime > byCount ? byTime : byCount;
  }

  /**
   * The time of a bin's activity that a sample with weight w on it stands for: its gap times w,
   * but never more than the bin's width. A bin is active one width per cycle, so with rows
   * further apart than a bin (daily prices, hourly counts) a row stands for the bin's whole
   * activity of that cycle, not for a day of it: without the cap a daily series' bin followed
   * the last row at a rate of 0.7 and its spread was yesterday's residual.
   */
  private activeTime(dt: number, w: number): number {
    const t = dt * w;
    return t < this.binMs ? t : this.binMs;
  }

  /** The time a sample stands for: its gap to the previous one, kept within 1/4…4 typical gaps. */
  private stepDt(ts: number): number {
    const raw = ts - this.lastTs;
    this.lastTs = ts;
    if (!(raw > 0)) return Number.isFinite(this.typicalDt) ? this.typicalDt : 0;
    if (!Number.isFinite(this.typicalDt)) this.typicalDt = raw;
    const dt = Math.min(Math.max(raw, this.typicalDt / 4), this.typicalDt * 4);
    this.typicalDt += 0.01 * (dt - this.typicalDt);
    return dt;
  }

  /**
   * Once a local day: keeps level and profiles identifiable by moving the pooled profile's
   * mean into the level (and out of both profiles). The prediction is unchanged.
   */
  private housekeeping(ts: number): void {
    const day = this.clock.dayNumber(ts);
    if (day === this.day) return;
    this.day = day;
    const d = this.daily!;
    let mean = 0;
    for (let h = 0; h < d.bins; h++) mean += d.value[h];
    mean /= d.bins;
    for (let h = 0; h < d.bins; h++) d.value[h] -= mean;
    if (this.weekly) for (let j = 0; j < this.weekly.bins; j++) this.weekly.value[j] -= mean;
    this.level += mean;
  }

  private acceptShift(ts: number, dt: number, z: number, r: number): void {
    const hours = this.options.shiftAcceptHours;
    if (!(hours > 0)) return;
    this.recent[this.recentAt] = r;
    this.recentAt = (this.recentAt + 1) % SHIFT_MEMORY;
    // Clipped, so one wild value cannot hold the average up for hours by itself.
    const zc = z > 8 ? 8 : z < -8 ? -8 : z;
    // A fast average of the residual: a shift shows as a sustained mean, noise averages out.
    this.shiftZ += Math.max(decay(dt, (hours * HOUR) / 6), 0.05) * (zc - this.shiftZ);
    if (Math.abs(this.shiftZ) <= this.options.clip) {
      this.shiftSince = NaN;
      return;
    }
    if (!Number.isFinite(this.shiftSince)) this.shiftSince = ts;
    else if (ts - this.shiftSince >= hours * HOUR) {
      const known = Array.from(this.recent).filter((v) => !Number.isNaN(v));
      this.level += median(known);
      this.recent.fill(NaN);
      this.shiftZ = 0;
      this.shiftSince = NaN;
    }
  }

  /** The median/MAD start, then the buffered samples are learnt in order. */
  private finishWarmup(): void {
    const buffered = this.warm!;
    this.warm = undefined;
    const xs = buffered.x;
    const m = median(xs);
    const mad = MAD_TO_SIGMA * median(xs.map((x) => Math.abs(x - m)));
    const meanAbs = (ABS_TO_SIGMA * xs.reduce((s, x) => s + Math.abs(x - m), 0)) / xs.length;
    this.level = m;
    this.scale = mad > 0 ? mad : meanAbs;
    this.daily?.scale.fill(this.scale);
    this.n = 0;
    for (let i = 0; i < xs.length; i++) {
      this.predict(buffered.ts[i]);
      this.learn(buffered.ts[i], xs[i], (xs[i] - this.expected) / this.expectedScale);
    }
    this.expected = NaN;
    this.expectedScale = NaN;
  }

  toJSON(): object {
    return {
      level: enc(this.level),
      scale: enc(this.scale),
      daily: this.daily?.toJSON() ?? null,
      weekly: this.weekly?.toJSON() ?? null,
      n: this.n,
      lastTs: enc(this.lastTs),
      typicalDt: enc(this.typicalDt),
      day: enc(this.day),
      resolution: enc(this.resolution),
      lastX: enc(this.lastX),
      shiftZ: enc(this.shiftZ),
      shiftSince: enc(this.shiftSince),
      recent: encArray(this.recent),
      recentAt: this.recentAt,
      warm: this.warm ? { ts: this.warm.ts.slice(), x: this.warm.x.slice() } : null,
    };
  }

  static fromJSON(raw: unknown, options: BaselineOptions, clock: LocalTime, what = 'baseline'): SeasonalBaseline {
    const s = record(raw, what);
    const b = new SeasonalBaseline(options, clock);
    b.level = dec(s.level, `${what}.level`);
    b.scale = dec(s.scale, `${what}.scale`);
    for (const key of ['daily', 'weekly'] as const) {
      const profile = b[key];
      if (!profile !== (s[key] === null)) throw new StateError(`${what}.${key}: saved with another seasonality`);
      profile?.load(s[key], `${what}.${key}`);
    }
    b.n = dec(s.n, `${what}.n`);
    b.lastTs = dec(s.lastTs, `${what}.lastTs`);
    b.typicalDt = dec(s.typicalDt, `${what}.typicalDt`);
    b.day = dec(s.day, `${what}.day`);
    b.resolution = dec(s.resolution, `${what}.resolution`);
    b.lastX = dec(s.lastX, `${what}.lastX`);
    b.shiftZ = dec(s.shiftZ, `${what}.shiftZ`);
    b.shiftSince = dec(s.shiftSince, `${what}.shiftSince`);
    b.recent.set(decArray(s.recent, SHIFT_MEMORY, `${what}.recent`));
    b.recentAt = dec(s.recentAt, `${what}.recentAt`);
    if (s.warm === null) b.warm = undefined;
    else {
      const w = record(s.warm, `${what}.warm`);
      if (!Array.isArray(w.ts) || !Array.isArray(w.x) || w.ts.length !== w.x.length || w.x.length > options.warmupSamples) {
        throw new StateError(`${what}.warm must hold matching ts and x arrays`);
      }
      b.warm = { ts: w.ts.map((v, i) => dec(v, `${what}.warm.ts[${i}]`)), x: w.x.map((v, i) => dec(v, `${what}.warm.x[${i}]`)) };
    }
    return b;
  }
}
