/**
 * Fitting a generalised Pareto distribution (shape γ, scale σ) to excesses over a high
 * threshold: the Peaks-Over-Threshold step of SPOT (Siffer et al., KDD 2017).
 *
 * Some excesses are right-censored: SPOT does not learn the values of its own alarms (an
 * anomaly must not teach the tail), but dropping them altogether truncates the tail, which
 * lowers the fitted γ, which lowers the threshold, which truncates more: on plain iid data
 * the false-alarm rate then creeps to several times the target. Keeping an alarm as "exceeded
 * c" (c being the threshold it crossed) is unbiased on normal data and still ignores how far
 * an anomaly went.
 *
 * Maximum likelihood follows Grimshaw (Technometrics 1993): with τ = γ/σ the likelihood
 * equation for γ has a closed form, γ(τ) = (A + B) / n_u with A = Σ ln(1 + τ·y) over the n_u
 * exact excesses and B = Σ ln(1 + τ·c) over the censored ones, which leaves a one-dimensional
 * profile likelihood
 *
 *     ℓ(τ) = −n_u·ln(γ(τ)/τ) − A(τ) − n_u.
 *
 * Without censoring its stationary points are the roots of Grimshaw's equation; with
 * censoring they have no bracket formula, so ℓ is maximised by a grid over τ·ȳ followed by a
 * golden-section search. γ is kept above −1, where the likelihood is bounded.
 *
 * The method of moments is the cheap alternative; censored excesses enter it through their
 * conditional moments under the previous iterate (a few EM steps).
 */

export interface GpdFit {
  gamma: number;
  sigma: number;
}

/** Excesses `y[0..n)`, where `censored[i]` = 1 means "exceeded y[i]", not "was y[i]". */
export interface Excesses {
  y: ArrayLike<number>;
  censored?: ArrayLike<number>;
  n: number;
}

const NEGATIVE_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999];
const POSITIVE_GRID = Array.from({ length: 29 }, (_, k) => Math.pow(10, -3 + k * 0.25));
const GOLDEN_STEPS = 40;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

interface Summary {
  nu: number;
  sumExact: number;
  sumAll: number;
  max: number;
}

function summarise(e: Excesses): Summary {
  let nu = 0;
  let sumExact = 0;
  let sumAll = 0;
  let max = 0;
  for (let i = 0; i < e.n; i++) {
    const y = e.y[i];
    sumAll += y;
    if (!e.censored?.[i]) {
      nu += 1;
      sumExact += y;
    }
    if (y > max) max = y;
  }
  return { nu, sumExact, sumAll, max };
}

/** Profile log-likelihood at τ, with the γ it implies; −∞ outside the admissible region. */
function profile(e: Excesses, s: Summary, tau: number): { ll: number; gamma: number; sigma: number } {
  if (tau === 0) {
    const sigma = s.sumAll / s.nu;
    return { ll: -s.nu * Math.log(sigma) - s.nu, gamma: 0, sigma };
  }
  let a = 0;
  let b = 0;
  for (let i = 0; i < e.n; i++) {
    const v = 1 + tau * e.y[i];
    if (!(v > 0)) return { ll: -Infinity, gamma: NaN, sigma: NaN };
    if (e.censored?.[i]) b += Math.log(v);
    else a += Math.log(v);
  }
  const gamma = (a + b) / s.nu;
  const sigma = gamma / tau;
  if (!(gamma > -1) || !(sigma > 0)) return { ll: -Infinity, gamma, sigma };
  return { ll: -s.nu * Math.log(sigma) - a - s.nu, gamma, sigma };
}

/** Maximum-likelihood GPD fit (Grimshaw's profile in τ = γ/σ), censoring-aware. */
export function fitGrimshaw(e: Excesses): GpdFit {
  const s = summarise(e);
  if (s.nu < 2 || !(s.sumAll > 0)) return { gamma: 0, sigma: Math.max(s.nu ? s.sumAll / s.nu : 0, 1e-12) };
  const mean = s.sumAll / e.n;
  const taus = [0, ...NEGATIVE_GRID.map((v) => -v / s.max), ...POSITIVE_GRID.map((u) => u / mean)].sort((x, y) => x - y);
  let best = 0;
  let bestLl = -Infinity;
  taus.forEach((tau, i) => {
    const ll = profile(e, s, tau).ll;
    if (ll > bestLl) {
      bestLl = ll;
      best = i;
    }
  });
  // Golden-section search between the best grid point's neighbours.
  let lo = taus[Math.max(0, best - 1)];
  let hi = taus[Math.min(taus.length - 1, best + 1)];
  let x1 = hi - GOLDEN * (hi - lo);
  let x2 = lo + GOLDEN * (hi - lo);
  let f1 = profile(e, s, x1).ll;
  let f2 = profile(e, s, x2).ll;
  for (let k = 0; k < GOLDEN_STEPS; k++) {
    if (f1 >= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - GOLDEN * (hi - lo);
      f1 = profile(e, s, x1).ll;
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + GOLDEN * (hi - lo);
      f2 = profile(e, s, x2).ll;
    }
  }
  const candidates = [taus[best], x1, x2].map((tau) => profile(e, s, tau)).filter((p) => Number.isFinite(p.ll));
  candidates.sort((a, b) => b.ll - a.ll);
  const top = candidates[0];
  return top ? { gamma: top.gamma, sigma: top.sigma } : { gamma: 0, sigma: s.sumAll / s.nu };
}

/** Conditional first and second moments of a GPD excess known to exceed c. */
function tailMoments(fit: GpdFit, c: number): [number, number] {
  const g = Math.min(fit.gamma, 0.45);
  const scale = fit.sigma + g * c;
  const m = scale / (1 - g);
  const v = (scale * scale) / ((1 - g) * (1 - g) * (1 - 2 * g));
  return [c + m, (c + m) * (c + m) + v];
}

/** Method of moments: γ = ½(1 − m²/v), σ = ½·m·(m²/v + 1); censored excesses by EM. */
export function fitMoments(e: Excesses): GpdFit {
  let fit: GpdFit | undefined;
  for (let iter = 0; iter < 5; iter++) {
    let sum = 0;
    let sq = 0;
    let anyCensored = false;
    for (let i = 0; i < e.n; i++) {
      const y = e.y[i];
      if (e.censored?.[i] && fit) {
        const [m1, m2] = tailMoments(fit, y);
        sum += m1;
        sq += m2;
        anyCensored = true;
      } else {
        anyCensored ||= !!e.censored?.[i];
        sum += y;
        sq += y * y;
      }
    }
    const mean = sum / e.n;
    const variance = sq / e.n - mean * mean;
    fit = !(variance > 0) || !(mean > 0) ? { gamma: 0, sigma: mean > 0 ? mean : 1e-12 } : { gamma: 0.5 * (1 - (mean * mean) / variance), sigma: 0.5 * mean * ((mean * mean) / variance + 1) };
    if (!anyCensored) break;
  }
  return fit!;
}

export function gpdLogLikelihood(e: Excesses, fit: GpdFit): number {
  const { gamma, sigma } = fit;
  if (!(sigma > 0)) return -Infinity;
  let ll = 0;
  for (let i = 0; i < e.n; i++) {
    const y = e.y[i];
    const t = gamma === 0 ? y / sigma : Math.log(1 + (gamma * y) / sigma) / gamma;
    if (!Number.isFinite(t)) return -Infinity;
    ll += e.censored?.[i] ? -t : -Math.log(sigma) - (gamma === 0 ? t : (1 + gamma) * t);
  }
  return ll;
}

/**
 * The level exceeded with probability q overall, given threshold t exceeded nt times in n
 * observations and the excesses' GPD: z = t + σ/γ·((q·n/nt)^(−γ) − 1), or t − σ·ln(q·n/nt)
 * when γ = 0.
 */
export function gpdQuantile(fit: GpdFit, t: number, q: number, n: number, nt: number): number {
  const r = (q * n) / nt;
  if (!(r < 1)) return t;
  if (Math.abs(fit.gamma) < 1e-9) return t - fit.sigma * Math.log(r);
  return t + (fit.sigma / fit.gamma) * (Math.pow(r, -fit.gamma) - 1);
}
