/**
 * SPOT (Streaming Peaks-Over-Threshold, Siffer et al., KDD 2017): the alarm threshold for a
 * stream is the level it exceeds with a chosen probability q, estimated from extreme-value
 * theory rather than hand-tuned. Excesses over a high initial threshold t (the `level`
 * quantile of a calibration batch) follow a generalised Pareto distribution; its fit gives
 * the q-quantile z_q. Values above z_q are alarms and are not learnt; values between t and
 * z_q are new peaks and refine the fit.
 *
 * DSPOT removes drift with a moving average first; here the stream is already drift-free (it
 * is the surprise of residuals from the seasonal baseline), so plain SPOT is what applies.
 *
 * Memory is bounded: the last `maxPeaks` excesses are kept in a ring; the exceedance rate
 * nt/n uses all-time counts. Before calibration the threshold is `prior` (the caller's
 * model-based guess), so the detector can alarm while it calibrates.
 */
import { fitGrimshaw, fitMoments, gpdQuantile } from './gpd';
import type { GpdFit } from './gpd';
import { quantile } from './math';
import { dec, decArray, enc, record, StateError } from './state-codec';

export interface SpotOptions {
  /** Target probability that a normal value is flagged. */
  q: number;
  /** Quantile of the calibration batch used as the initial threshold t (e.g. 0.98). */
  level: number;
  /** Values gathered before the first fit. */
  initSamples: number;
  maxPeaks: number;
  fit: 'grimshaw' | 'moments';
  /** Threshold used until the first fit. */
  prior: number;
}

/** Calibration values between two interim thresholds, and the fewest for one. */
const INTERIM_EVERY = 10;
const INTERIM_MIN = 30;

export class Spot {
  private init: number[] | undefined = [];
  t = NaN;
  n = 0;
  nt = 0;
  private peaks: Float64Array;
  private censored: Uint8Array;
  private peakCount = 0;
  private head = 0;
  private sinceFit = 0;
  gamma = NaN;
  sigma = NaN;
  /** The tail fit's threshold; `threshold` eases from the calibration's to it (see `ease`). */
  fitted = NaN;
  private calibrationThreshold: number;
  /** Alarms among the calibration values. */
  private initCensored = 0;
  threshold: number;

  constructor(readonly options: SpotOptions) {
    if (!(options.q > 0 && options.q < 1 - options.level)) {
      throw new RangeError(`the false-alarm rate ${options.q} must be above 0 and below ${1 - options.level} (1 − the initial quantile level)`);
    }
    this.peaks = new Float64Array(options.maxPeaks);
    this.censored = new Uint8Array(options.maxPeaks);
    this.threshold = options.prior;
    this.calibrationThreshold = options.prior;
  }

  get calibrated(): boolean {
    return this.init === undefined;
  }

  /** Values gathered for the first fit so far (`initSamples` once calibrated). */
  get calibrationSeen(): number {
    return this.init ? this.init.length : this.options.initSamples;
  }

  /** True when `x` is above the threshold; `learn = false` decides without learning. */
  step(x: number, learn = true): boolean {
    const alarm = x > this.threshold;
    if (!learn) return alarm;
    if (this.init) {
      // An alarm is kept as "at least the threshold" (censored), so an anomaly in the batch
      // cannot set the tail and dropping it does not thin the tail either.
      this.init.push(alarm ? this.threshold : x);
      if (alarm) this.initCensored += 1;
      if (this.init.length >= this.options.initSamples) this.calibrate();
      else if (this.init.length % INTERIM_EVERY === 0) this.interim();
      return alarm;
    }
    this.n += 1;
    if (this.n < 2 * this.options.initSamples) this.ease();
    if (x > this.t) {
      this.nt += 1;
      this.addPeak(alarm ? this.threshold - this.t : x - this.t, alarm);
      // A refit costs O(peaks) and was most of the detector's time when done every 1 % of new
      // peaks; with many peaks, 5 % new ones barely move the estimate.
      this.sinceFit += 1;
      if (this.sinceFit >= Math.max(1, Math.floor(this.peakCount / 20))) this.fit();
    }
    return alarm;
  }

  private addPeak(y: number, censored: boolean): void {
    this.peaks[this.head] = y;
    this.censored[this.head] = censored ? 1 : 0;
    this.head = (this.head + 1) % this.peaks.length;
    if (this.peakCount < this.peaks.length) this.peakCount += 1;
  }

  /**
   * The threshold while calibrating, from the values seen so far: an exponential tail over
   * their 90 % quantile (what −ln p of a calibrated model follows exactly, and a fair first
   * guess for a heavier one, where the fixed Gaussian prior released a false alarm every few
   * hundred rows of real data), plus a margin of ln 10 tail scales that shrinks to nothing as
   * the batch fills. Never below the Gaussian level −ln q.
   */
  private interim(): void {
    const values = this.init!;
    if (values.length < INTERIM_MIN) return;
    const t = quantile(values, 0.9);
    let sum = 0;
    let above = 0;
    for (const v of values) {
      if (v > t) {
        sum += v - t;
        above += 1;
      }
    }
    if (!above) return;
    const scale = sum / Math.max(1, above - this.initCensored);
    const estimate = t + scale * Math.log(above / values.length / this.options.q);
    const margin = scale * Math.LN10 * Math.max(0, 1 - values.length / this.options.initSamples);
    this.threshold = Math.max(-Math.log(this.options.q), estimate) + margin;
  }

  private calibrate(): void {
    // The first half of the batch is dropped: it comes while the models behind the values are
    // still learning (a seasonal profile in its first days), and its transients fattened the
    // fitted tail for weeks. It has served the interim threshold.
    const values = this.init!.slice(this.init!.length >> 1);
    this.init = undefined;
    this.calibrationThreshold = this.threshold;
    this.n = values.length;
    this.t = quantile(values, this.options.level);
    for (const v of values) {
      if (v > this.t) {
        this.nt += 1;
        this.addPeak(v - this.t, false);
      }
    }
    this.fit();
  }

  private fit(): void {
    this.sinceFit = 0;
    const excesses = { y: this.peaks, censored: this.censored, n: this.peakCount };
    let fit: GpdFit;
    if (this.peakCount < 3) fit = { gamma: 0, sigma: Math.max(this.peakCount ? this.peaks[0] : 0, 1e-12) };
    else if (this.options.fit === 'moments') fit = fitMoments(excesses);
    else fit = fitGrimshaw(excesses);
    if (!Number.isFinite(fit.gamma) || !(fit.sigma > 0)) fit = fitMoments(excesses);
    this.gamma = fit.gamma;
    this.sigma = fit.sigma;
    // No excess yet: the calibration batch was flat; the threshold is just above it.
    this.fitted = this.nt > 0 ? gpdQuantile(fit, this.t, this.options.q, this.n, this.nt) : this.t + 1e-9;
    this.ease();
  }

  /**
   * A fitted threshold below the prior is reached gradually, over another `initSamples` values:
   * switching at once released, in one row, every moderately surprising value the prior had
   * held back, a burst of false alarms the moment calibration ended.
   */
  private ease(): void {
    const progress = (this.n - this.options.initSamples) / this.options.initSamples;
    const prior = this.calibrationThreshold;
    this.threshold = this.fitted < prior && progress < 1 ? prior + (this.fitted - prior) * Math.max(0, progress) : this.fitted;
  }

  toJSON(): object {
    const ring = Array.from(this.peaks.subarray(0, this.peakCount));
    return {
      censored: Array.from(this.censored.subarray(0, this.peakCount)),
      init: this.init ? this.init.map(enc) : null,
      t: enc(this.t),
      n: this.n,
      nt: this.nt,
      peaks: ring,
      head: this.head,
      sinceFit: this.sinceFit,
      gamma: enc(this.gamma),
      sigma: enc(this.sigma),
      fitted: enc(this.fitted),
      calibrationThreshold: enc(this.calibrationThreshold),
      initCensored: this.initCensored,
      threshold: enc(this.threshold),
    };
  }

  static fromJSON(raw: unknown, options: SpotOptions, what = 'spot'): Spot {
    const s = record(raw, what);
    const spot = new Spot(options);
    if (s.init === null) spot.init = undefined;
    else {
      if (!Array.isArray(s.init) || s.init.length >= options.initSamples) throw new StateError(`${what}.init must be a shorter array`);
      spot.init = s.init.map((v, i) => dec(v, `${what}.init[${i}]`));
    }
    spot.t = dec(s.t, `${what}.t`);
    spot.n = dec(s.n, `${what}.n`);
    spot.nt = dec(s.nt, `${what}.nt`);
    const peaks = Array.isArray(s.peaks) ? s.peaks : [];
    if (peaks.length > options.maxPeaks) throw new StateError(`${what}.peaks holds more than maxPeaks`);
    spot.peaks.set(decArray(peaks, peaks.length, `${what}.peaks`));
    spot.censored.set(decArray(s.censored, peaks.length, `${what}.censored`));
    spot.peakCount = peaks.length;
    spot.head = dec(s.head, `${what}.head`) % options.maxPeaks;
    spot.sinceFit = dec(s.sinceFit, `${what}.sinceFit`);
    spot.gamma = dec(s.gamma, `${what}.gamma`);
    spot.sigma = dec(s.sigma, `${what}.sigma`);
    spot.threshold = dec(s.threshold, `${what}.threshold`);
    // Saved before the easing: its threshold was the fit.
    spot.fitted = s.fitted === undefined ? (spot.init ? NaN : spot.threshold) : dec(s.fitted, `${what}.fitted`);
    spot.calibrationThreshold = s.calibrationThreshold === undefined ? options.prior : dec(s.calibrationThreshold, `${what}.calibrationThreshold`);
    spot.initCensored = s.initCensored === undefined ? 0 : dec(s.initCensored, `${what}.initCensored`);
    return spot;
  }
}
