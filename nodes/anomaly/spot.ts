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
 * **Declustering** (runs declustering, Coles 2001, §5.3.2): the values are serially dependent
 * (a lasting excursion of the series gives tens of consecutive high surprises), so exceedances
 * of t less than `DECLUSTER_GAP` values apart form one cluster, which gives one peak, its
 * maximum, and counts once in nt. The threshold is then the level that *clusters* (what starts
 * an alarm episode) exceed with probability q per value. Counting every value of a lasting,
 * sub-threshold excursion as a peak fattened the fitted tail with each excursion, and the
 * threshold rose two- to tenfold over ten weeks of data with anomalies in it.
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
/**
 * Peaks below which the tail's shape is not estimated: the exponential tail (γ = 0, what −ln p
 * of a calibrated model follows) is fitted instead. The shape's standard error is about
 * (1 + γ)/√peaks, 0.1 at a hundred; from a few declustered peaks it swung from −1 to 1.4 with
 * each new one, and the threshold with it.
 */
const MIN_SHAPE_PEAKS = 100;

/** Maximum likelihood of the exponential tail with right-censored excesses: σ = Σy / uncensored. */
function exponentialFit(e: { y: Float64Array; censored: Uint8Array; n: number }): GpdFit {
  let sum = 0;
  let exact = 0;
  for (let i = 0; i < e.n; i++) {
    sum += e.y[i];
    if (!e.censored[i]) exact += 1;
  }
  return { gamma: 0, sigma: Math.max(sum / Math.max(1, exact), 1e-12) };
}

/** Values at or below t that end a cluster of exceedances. */
const DECLUSTER_GAP = 3;
/** `heldBack` values: nothing held back, or an alarm held back once calibrated (else its batch index). */
const NONE_HELD = -1;
const HELD_PAST_CALIBRATION = -2;

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
  /** Alarms learnt as censored peaks since calibration. */
  private alarmsLearnt = 0;
  /** Values since the last exceedance of t (≥ DECLUSTER_GAP: no cluster open). */
  private sinceExceedance = DECLUSTER_GAP;
  /** The open cluster's highest excess, and whether it was an alarm (censored). */
  private clusterMax = 0;
  private clusterCensored = false;
  gamma = NaN;
  sigma = NaN;
  /** The tail fit's threshold; `threshold` eases from the calibration's to it (see `ease`). */
  fitted = NaN;
  private calibrationThreshold: number;
  /** Alarms among the calibration values. */
  private initCensored = 0;
  /** The last value stepped was an alarm beyond what chance explains, not learnt (see `learnIsolated`). */
  private heldBack = NONE_HELD;
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
    this.heldBack = NONE_HELD;
    if (this.init) {
      // An alarm is kept as "at least the threshold" (censored), so an anomaly in the batch
      // cannot set the tail and dropping it does not thin the tail either.
      this.init.push(alarm ? this.threshold : x);
      if (alarm) {
        if (this.pastChance(this.initCensored, this.init.length)) this.heldBack = this.init.length - 1;
        this.initCensored += 1;
      }
      if (this.init.length >= this.options.initSamples) this.calibrate();
      else if (this.init.length % INTERIM_EVERY === 0) this.interim();
      return alarm;
    }
    this.n += 1;
    if (this.n < 2 * this.options.initSamples) this.ease();
    if (x > this.t) {
      // Alarms are learnt (censored) only as many as chance explains at rate q (the Poisson
      // mean plus one deviation): on normal data every alarm is a value of the tail, and leaving
      // them out thins it (with no slack the iid tests flagged up to 1.8 times the target);
      // beyond that they are anomalies, and learning them raised the threshold until real
      // anomalies, when more frequent than q, were no longer flagged.
      if (alarm) {
        if (this.pastChance(this.alarmsLearnt, this.n)) {
          this.heldBack = HELD_PAST_CALIBRATION;
          return alarm;
        }
        this.alarmsLearnt += 1;
      }
      this.exceed(alarm ? this.threshold - this.t : x - this.t, alarm);
    } else if (this.sinceExceedance < DECLUSTER_GAP && ++this.sinceExceedance === DECLUSTER_GAP) {
      this.closeCluster();
      // A refit costs O(peaks) and was most of the detector's time when done every 1 % of new
      // peaks; with many peaks, 5 % new ones barely move the estimate.
      this.sinceFit += 1;
      if (this.sinceFit >= Math.max(1, Math.floor(this.peakCount / 20))) this.fit();
    }
    return alarm;
  }

  /** `alarms` earlier alarms among `values` are already more than chance explains at rate q (its Poisson mean plus one deviation). */
  private pastChance(alarms: number, values: number): boolean {
    const chance = this.options.q * values;
    return alarms >= chance + Math.sqrt(chance);
  }

  /**
   * The alarm of the last learning step stood alone: the caller saw no other in the rows after
   * it. An alarm beyond what chance explains at rate q was not learnt (it may start a lasting
   * anomaly); one that stands alone, that often, is the stream's ordinary behaviour (a CPU's
   * short bursts on 1 % of rows), and is learnt with its value, so the threshold rises to where
   * such bursts are as rare as q. Unlearnt, they kept alarming at their own rate, tens of times q
   * on the generated CPU loads. An alarm within chance was already learnt (censored): nothing more.
   */
  learnIsolated(x: number): void {
    const at = this.heldBack;
    this.heldBack = NONE_HELD;
    if (this.init) {
      if (at >= 0 && at < this.init.length) {
        this.init[at] = x;
        this.initCensored -= 1;
      }
      return;
    }
    if (at !== HELD_PAST_CALIBRATION || !(x > this.t)) return;
    this.nt += 1;
    this.addPeak(x - this.t, false);
    this.fit();
  }

  /**
   * An excess over t joins the open cluster (or opens one). The cluster becomes a peak only
   * when it closes: while it lasts, its own growth (a stuck run's surprise climbs row by row)
   * must not move the threshold it is judged against.
   */
  private exceed(y: number, censored: boolean): void {
    if (this.sinceExceedance >= DECLUSTER_GAP || y > this.clusterMax) {
      this.clusterMax = y;
      this.clusterCensored = censored;
    }
    this.sinceExceedance = 0;
  }

  private closeCluster(): void {
    this.nt += 1;
    this.addPeak(this.clusterMax, this.clusterCensored);
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
    const exact = above - this.initCensored;
    if (!above || exact < 1) return;
    // Posterior predictive of an exponential tail whose rate is known only from `exact` excesses
    // (a Gamma posterior): P(Y > y) = (1 + y / Σ)^−k, a Lomax. Its quantile is stricter than
    // the plug-in σ̂·ln(1/p) by as much as the few excesses leave the scale uncertain, and meets it
    // as they grow.
    const p = (this.options.q * values.length) / above;
    const estimate = t + sum * (Math.pow(1 / p, 1 / exact) - 1);
    this.threshold = Math.max(-Math.log(this.options.q), estimate);
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
      if (v > this.t) this.exceed(v - this.t, false);
      else if (this.sinceExceedance < DECLUSTER_GAP && ++this.sinceExceedance === DECLUSTER_GAP) this.closeCluster();
    }
    this.fit();
  }

  private fit(): void {
    this.sinceFit = 0;
    const excesses = { y: this.peaks, censored: this.censored, n: this.peakCount };
    let fit: GpdFit;
    if (this.peakCount < MIN_SHAPE_PEAKS) fit = exponentialFit(excesses);
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
      sinceExceedance: this.sinceExceedance,
      clusterMax: this.clusterMax,
      clusterCensored: this.clusterCensored,
      alarmsLearnt: this.alarmsLearnt,
      gamma: enc(this.gamma),
      sigma: enc(this.sigma),
      fitted: enc(this.fitted),
      calibrationThreshold: enc(this.calibrationThreshold),
      initCensored: this.initCensored,
      heldBack: this.heldBack,
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
    // Saved before declustering: no cluster open.
    spot.sinceExceedance = s.sinceExceedance === undefined ? DECLUSTER_GAP : dec(s.sinceExceedance, `${what}.sinceExceedance`);
    if (s.clusterMax !== undefined) spot.clusterMax = dec(s.clusterMax, `${what}.clusterMax`);
    spot.clusterCensored = s.clusterCensored === true;
    spot.alarmsLearnt = s.alarmsLearnt === undefined ? 0 : dec(s.alarmsLearnt, `${what}.alarmsLearnt`);
    spot.gamma = dec(s.gamma, `${what}.gamma`);
    spot.sigma = dec(s.sigma, `${what}.sigma`);
    spot.threshold = dec(s.threshold, `${what}.threshold`);
    // Saved before the easing: its threshold was the fit.
    spot.fitted = s.fitted === undefined ? (spot.init ? NaN : spot.threshold) : dec(s.fitted, `${what}.fitted`);
    spot.calibrationThreshold = s.calibrationThreshold === undefined ? options.prior : dec(s.calibrationThreshold, `${what}.calibrationThreshold`);
    spot.initCensored = s.initCensored === undefined ? 0 : dec(s.initCensored, `${what}.initCensored`);
    spot.heldBack = s.heldBack === undefined ? NONE_HELD : dec(s.heldBack, `${what}.heldBack`);
    return spot;
  }
}
