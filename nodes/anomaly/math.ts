/**
 * Numerical helpers for the anomaly detector: tail probabilities in log space (an anomaly's
 * p-value underflows a double long before it stops being interesting), small dense linear
 * algebra on row-major Float64Arrays, and order statistics for the warm-up.
 */

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(a) for a > 0 (Lanczos, g = 7; about 15 significant digits). */
export function logGamma(a: number): number {
  if (a < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * a))) - logGamma(1 - a);
  const x = a - 1;
  let sum = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i + 1);
  const t = x + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ln Q(a, x), the log of the regularised upper incomplete gamma function, accurate far into
 * the tail: the series for P when x < a + 1, otherwise Lentz's continued fraction for Q itself,
 * which never forms 1 - P and so never loses the tail to cancellation.
 */
export function logGammaQ(a: number, x: number): number {
  if (!(x > 0)) return 0;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    const p = Math.exp(lnPrefix) * sum;
    return Math.log1p(-Math.min(p, 1 - 1e-16));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return lnPrefix + Math.log(h);
}

/** -ln P(X ≥ d2) for X ~ χ²(k): the surprise, in nats, of a squared Mahalanobis distance. */
export function chi2Surprise(d2: number, k: number): number {
  if (!(d2 > 0) || k < 1) return 0;
  return -logGammaQ(k / 2, d2 / 2);
}

/** Quantile of the standard normal (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Median of the first n entries (n ≥ 1); sorts a copy, for warm-up buffers only. */
export function median(values: ArrayLike<number>, n = values.length): number {
  const sorted = Float64Array.from({ length: n }, (_, i) => values[i]).sort();
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The empirical p-quantile (linear interpolation between order statistics). */
export function quantile(values: ArrayLike<number>, p: number, n = values.length): number {
  const sorted = Float64Array.from({ length: n }, (_, i) => values[i]).sort();
  const pos = p * (n - 1);
  const i = Math.floor(pos);
  return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

/**
 * In-place Cholesky factorisation of the symmetric positive-definite p×p matrix `a`
 * (row-major); the lower triangle becomes L with A = L·Lᵀ. Returns false when `a` is not
 * positive definite (the caller adds more shrinkage and tries again).
 */
export function cholesky(a: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    let diag = a[j * p + j];
    for (let k = 0; k < j; k++) diag -= a[j * p + k] * a[j * p + k];
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= a[i * p + k] * a[j * p + k];
      a[i * p + j] = s / ljj;
    }
  }
  return true;
}

/** The inverse of A from its Cholesky factor L (lower triangle of `l`), written into `out`. */
export function inverseFromCholesky(l: Float64Array, p: number, out: Float64Array): void {
  const col = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    // Solve L·y = e_c, then Lᵀ·x = y; x is column c of the inverse.
    for (let i = 0; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * p + k] * col[k];
      col[i] = s / l[i * p + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < p; k++) s -= l[k * p + i] * col[k];
      col[i] = s / l[i * p + i];
    }
    for (let r = 0; r < p; r++) out[r * p + c] = col[r];
  }
}

/** Solves the small SPD system M·x = b (M given as a full row-major m×m array), in place in b. */
export function solveSpd(m: Float64Array, size: number, b: Float64Array): boolean {
  if (!cholesky(m, size)) return false;
  for (let i = 0; i < size; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= m[i * size + k] * b[k];
    b[i] = s / m[i * size + i];
  }
  for (let i = size - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < size; k++) s -= m[k * size + i] * b[k];
    b[i] = s / m[i * size + i];
  }
  return true;
}

/** α for an exponential average with the given half-life, after a step of `dt` (same unit). */
export function decay(dt: number, halfLife: number): number {
  return halfLife > 0 ? 1 - Math.exp((-Math.LN2 * dt) / halfLife) : 1;
}
