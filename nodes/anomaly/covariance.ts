/**
 * The multivariate part of the score: a squared Mahalanobis distance of the vector of
 * standardised residuals z (one per variable, from the seasonal baselines), under a robust,
 * exponentially weighted, shrunk covariance.
 *
 * - Robust: a row's weight in the update is min(1, c / d²), Huber's weight for a distance,
 *   so an anomaly barely moves the covariance it is measured against.
 * - Floored: each variance in Σ is at least MIN_VARIANCE, so a quantised series, whose z is
 *   mostly exactly zero, does not shrink its own spread towards nothing.
 * - Shrunk: Σ = (1 − α)·S + α·diag(S), with α = max(minShrinkage, p / (p + n_eff)): with few
 *   rows per dimension the off-diagonal terms are pulled towards zero (Ledoit–Wolf's idea, with
 *   the amount set by the effective sample size rather than estimated), so the precision matrix
 *   stays well-conditioned from the first rows.
 * - Cheap: the precision matrix is refreshed by Cholesky every p rows, so the cost per row is
 *   O(p²) amortised.
 *
 * Attribution is exact and leave-one-out: replacing z_i by its expectation given all the other
 * variables lowers d² by exactly (P·z)_i² / P_ii. A variable that breaks its usual relation
 * with the others gets the credit even when its own value looks ordinary.
 */
import { cholesky, inverseFromCholesky, solveSpd } from './math';
import { dec, decArray, record } from './state-codec';

export interface CovarianceOptions {
  /** Rows after which an old row's weight has halved. */
  halfLifeRows: number;
  minShrinkage: number;
}

/** Pseudo-rows of the identity the estimate starts from. */
const PRIOR_ROWS = 10;
/**
 * The least variance a variable's z keeps in Σ: its spread may be at most twice as narrow as its
 * predictor says. Without it, a quantised series collapses the estimate: with an integer reading
 * near-flat (round(50 + 0.3·N(0, 1))), nine rows in ten have z = 0 (the continuity correction) and
 * one in ten z = ±1; Huber's weight takes those as outliers, the weighted second moment has no
 * fixed point above zero while their share is under 1/(1 + cutoff) (16 % for one variable), and a
 * reading one step off, one row in ten, came to score as a 4-spread event (S about 0.06). On the
 * generated machine series that kind scored −125 (64.6 with the floor); at 0.15–0.35 the real
 * tuning part moved 27.5 → 27.5–29.1 and the city data not at all (their variances are near 1).
 */
const MIN_VARIANCE = 0.25;

export class RobustCovariance {
  p = 0;
  /** Exponentially weighted second moment of z (row-major p×p). */
  s = new Float64Array(0);
  precision = new Float64Array(0);
  rows = 0;
  private sinceRefresh = Infinity;
  private work = new Float64Array(0);
  /** P·z of the last `distance` call, and z with missing entries imputed. */
  pz = new Float64Array(0);
  full = new Float64Array(0);

  constructor(readonly options: CovarianceOptions) {}

  /** Adds a variable, uncorrelated with the others until the data says otherwise. */
  addDimension(): void {
    const p = this.p + 1;
    const s = new Float64Array(p * p);
    for (let i = 0; i < this.p; i++) for (let j = 0; j < this.p; j++) s[i * p + j] = this.s[i * this.p + j];
    s[p * p - 1] = 1;
    this.p = p;
    this.s = s;
    this.precision = new Float64Array(p * p);
    this.work = new Float64Array(p * p);
    this.pz = new Float64Array(p);
    this.full = new Float64Array(p);
    this.sinceRefresh = Infinity;
  }

  /**
   * d² of z, where `observed[i]` is 0 for a variable missing from this row (its z is ignored).
   * Missing entries are replaced by their expectation given the observed ones, which makes d²
   * exactly the observed sub-vector's distance under the observed sub-covariance (a Schur
   * complement identity), at the cost of one small solve. Leaves P·z in `pz`.
   */
  distance(z: Float64Array, observed: Uint8Array, missing: number): number {
    const p = this.p;
    if (this.sinceRefresh >= Math.max(1, p)) this.refresh();
    const P = this.precision;
    const full = this.full;
    for (let i = 0; i < p; i++) full[i] = observed[i] ? z[i] : 0;
    if (missing > 0 && missing < p) this.impute(observed, missing);
    let d2 = 0;
    for (let i = 0; i < p; i++) {
      let acc = 0;
      const row = i * p;
      for (let j = 0; j < p; j++) acc += P[row + j] * full[j];
      this.pz[i] = acc;
      d2 += acc * full[i];
    }
    return d2 > 0 ? d2 : 0;
  }

  private impute(observed: Uint8Array, missing: number): void {
    const p = this.p;
    const P = this.precision;
    const idx: number[] = [];
    for (let i = 0; i < p; i++) if (!observed[i]) idx.push(i);
    const m = new Float64Array(missing * missing);
    const b = new Float64Array(missing);
    for (let a = 0; a < missing; a++) {
      const i = idx[a];
      let acc = 0;
      for (let j = 0; j < p; j++) if (observed[j]) acc += P[i * p + j] * this.full[j];
      b[a] = -acc;
      for (let c = 0; c < missing; c++) m[a * missing + c] = P[i * p + idx[c]];
    }
    if (!solveSpd(m, missing, b)) return;
    for (let a = 0; a < missing; a++) this.full[idx[a]] = b[a];
  }

  /** Leave-one-out contribution of variable i to the last distance: (P·z)_i² / P_ii. */
  contribution(i: number): number {
    const pii = this.precision[i * this.p + i];
    return pii > 0 ? (this.pz[i] * this.pz[i]) / pii : 0;
  }

  /** z_i minus its expectation given the others, in scales: (P·z)_i / P_ii. */
  conditionalResidual(i: number): number {
    const pii = this.precision[i * this.p + i];
    return pii > 0 ? this.pz[i] / pii : 0;
  }

  /** Learns the row last passed to `distance` (missing entries imputed), with Huber's weight for d². */
  update(d2: number): void {
    const p = this.p;
    const cutoff = p + 3 * Math.sqrt(2 * p);
    const weight = d2 > cutoff ? cutoff / d2 : 1;
    this.rows += 1;
    const byTime = 1 - Math.pow(0.5, 1 / this.options.halfLifeRows);
    const rate = weight * Math.max(byTime, 1 / (this.rows + PRIOR_ROWS));
    const s = this.s;
    const z = this.full;
    for (let i = 0; i < p; i++) {
      const zi = z[i];
      const row = i * p;
      for (let j = 0; j <= i; j++) {
        const v = s[row + j] + rate * (zi * z[j] - s[row + j]);
        s[row + j] = v;
        s[j * p + i] = v;
      }
    }
    this.sinceRefresh += 1;
  }

  /** Shrinks S and inverts it; falls back to the diagonal if it is not positive definite. */
  refresh(): void {
    const p = this.p;
    const nEff = Math.min(this.rows + PRIOR_ROWS, this.options.halfLifeRows / Math.LN2);
    const alpha = Math.max(this.options.minShrinkage, p / (p + nEff));
    const a = this.work;
    for (let attempt = 0; attempt < 2; attempt++) {
      const shrink = attempt === 0 ? alpha : 1;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          const v = this.s[i * p + j];
          a[i * p + j] = i === j ? Math.max(v, MIN_VARIANCE) : (1 - shrink) * v;
        }
      }
      if (cholesky(a, p)) {
        inverseFromCholesky(a, p, this.precision);
        break;
      }
    }
    this.sinceRefresh = 0;
  }

  toJSON(): object {
    // The precision matrix is saved too: it was built from S as it was at the last refresh, and
    // rebuilding it from today's S would change the next scores.
    return {
      p: this.p,
      s: Array.from(this.s),
      precision: Array.from(this.precision),
      rows: this.rows,
      sinceRefresh: Number.isFinite(this.sinceRefresh) ? this.sinceRefresh : null,
    };
  }

  static fromJSON(raw: unknown, options: CovarianceOptions, what = 'covariance'): RobustCovariance {
    const s = record(raw, what);
    const c = new RobustCovariance(options);
    const p = dec(s.p, `${what}.p`);
    for (let i = 0; i < p; i++) c.addDimension();
    c.s = decArray(s.s, p * p, `${what}.s`);
    c.precision = decArray(s.precision, p * p, `${what}.precision`);
    c.rows = dec(s.rows, `${what}.rows`);
    c.sinceRefresh = s.sinceRefresh === null ? Infinity : dec(s.sinceRefresh, `${what}.sinceRefresh`);
    return c;
  }
}
