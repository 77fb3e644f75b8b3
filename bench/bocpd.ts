/**
 * Bayesian online changepoint detection (Adams & MacKay, 2007), a published streaming detector
 * reimplemented as a peer for the quality bench. Per variable: the posterior over the run
 * length r (rows since the last change), with a constant hazard 1/`hazard` and a Gaussian of
 * unknown mean and variance per run (Normal-inverse-gamma conjugate prior, Student-t
 * predictive), truncated at `maxRun` run lengths. NAB ships the same model as its
 * "bayesChangePt" detector (hazard 1/250).
 *
 * The score of a row is the posterior mass on a change within the last `recent` rows,
 * P(r_t < recent | x_1..t): ≈ recent/hazard while a regime lasts, close to 1 just after a
 * change. With several variables the largest. The prior is set from the first `warmup` rows
 * (their mean and variance), which score 0.
 */
import { logGamma } from '../nodes/anomaly/math';

const LOG_PI = Math.log(Math.PI);

class RunLengthPosterior {
  private readonly logP: Float64Array;
  private readonly mu: Float64Array;
  private readonly kappa: Float64Array;
  private readonly beta: Float64Array;
  /** α and the Student-t constants depend on the run length only: computed once. */
  private readonly alpha: Float64Array;
  private readonly constant: Float64Array;
  private length = 0;
  private readonly next: { logP: Float64Array; mu: Float64Array; kappa: Float64Array; beta: Float64Array };

  constructor(private readonly maxRun: number, private readonly logH: number, private readonly log1mH: number, private readonly prior: { mu: number; kappa: number; alpha: number; beta: number }) {
    const n = maxRun + 1;
    this.logP = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.kappa = new Float64Array(n);
    this.beta = new Float64Array(n);
    this.alpha = new Float64Array(n);
    this.constant = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const a = prior.alpha + r / 2;
      this.alpha[r] = a;
      // log Γ(α + ½) − log Γ(α) − ½ log(2πα): the Student-t (ν = 2α) normalising constant without its scale.
      this.constant[r] = logGamma(a + 0.5) - logGamma(a) - 0.5 * (LOG_PI + Math.log(2 * a));
    }
    this.next = { logP: new Float64Array(n), mu: new Float64Array(n), kappa: new Float64Array(n), beta: new Float64Array(n) };
    this.logP[0] = 0;
    this.mu[0] = prior.mu;
    this.kappa[0] = prior.kappa;
    this.beta[0] = prior.beta;
    this.length = 1;
  }

  /** Learns x; returns P(r < recent) afterwards. */
  step(x: number, recent: number): number {
    const { logP, mu, kappa, beta, alpha, constant, next } = this;
    const n = this.length;
    let cp = -Infinity;
    for (let r = 0; r < n; r++) {
      const a = alpha[r];
      const scale2 = (beta[r] * (kappa[r] + 1)) / (a * kappa[r]);
      const d = x - mu[r];
      const logPred = constant[r] - 0.5 * Math.log(scale2) - (a + 0.5) * Math.log(1 + (d * d) / (2 * a * scale2));
      const joint = logP[r] + logPred;
      // Growth to r + 1, and the change mass gathered into r = 0.
      if (r + 1 <= this.maxRun) {
        next.logP[r + 1] = joint + this.log1mH;
        next.mu[r + 1] = (kappa[r] * mu[r] + x) / (kappa[r] + 1);
        next.kappa[r + 1] = kappa[r] + 1;
        next.beta[r + 1] = beta[r] + (kappa[r] * d * d) / (2 * (kappa[r] + 1));
      }
      const c = joint + this.logH;
      cp = cp > c ? cp + Math.log1p(Math.exp(c - cp)) : c + Math.log1p(Math.exp(cp - c));
    }
    next.logP[0] = cp;
    next.mu[0] = this.prior.mu;
    next.kappa[0] = this.prior.kappa;
    next.beta[0] = this.prior.beta;
    const m = Math.min(n + 1, this.maxRun + 1);
    let max = -Infinity;
    for (let r = 0; r < m; r++) if (next.logP[r] > max) max = next.logP[r];
    let total = 0;
    let young = 0;
    for (let r = 0; r < m; r++) {
      const p = Math.exp(next.logP[r] - max);
      total += p;
      if (r < recent) young += p;
    }
    const logTotal = max + Math.log(total);
    for (let r = 0; r < m; r++) {
      logP[r] = next.logP[r] - logTotal;
      mu[r] = next.mu[r];
      kappa[r] = next.kappa[r];
      beta[r] = next.beta[r];
    }
    this.length = m;
    return young / total;
  }
}

export interface BocpdOptions {
  hazard: number;
  maxRun: number;
  recent: number;
  warmup: number;
}

export const BOCPD_DEFAULTS: BocpdOptions = { hazard: 250, maxRun: 300, recent: 5, warmup: 24 };

export class Bocpd {
  private readonly posteriors: Array<RunLengthPosterior | undefined>;
  private readonly warm: number[][];

  constructor(readonly p: number, private readonly options: BocpdOptions = BOCPD_DEFAULTS) {
    this.posteriors = Array.from({ length: p }, () => undefined);
    this.warm = Array.from({ length: p }, () => []);
  }

  /** The row's score (the largest over its variables), then learns it. Missing values are skipped. */
  score(values: ArrayLike<number>): number {
    const o = this.options;
    let best = 0;
    for (let j = 0; j < this.p; j++) {
      const x = values[j];
      if (!Number.isFinite(x)) continue;
      const post = this.posteriors[j];
      if (!post) {
        const w = this.warm[j];
        w.push(x);
        if (w.length < o.warmup) continue;
        const mean = w.reduce((s, v) => s + v, 0) / w.length;
        const variance = w.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (w.length - 1);
        // κ = 1, α = 1: a weak prior whose predictive spread is about the warm-up's.
        this.posteriors[j] = new RunLengthPosterior(o.maxRun, -Math.log(o.hazard), Math.log1p(-1 / o.hazard), { mu: mean, kappa: 1, alpha: 1, beta: Math.max(variance, 1e-12 * Math.max(1, mean * mean)) });
        continue;
      }
      const s = post.step(x, o.recent);
      if (s > best) best = s;
    }
    return best;
  }
}
