/**
 * Beats from a photoplethysmogram (PPG): Elgendi et al. (2013) "Systolic peak detection in
 * acceleration photoplethysmograms", the default of NeuroKit2's ppg_findpeaks. The band-pass is
 * fili's Butterworth cascade (MIT), run forward and backward so peaks are not shifted.
 */
import Fili from 'fili';

const filters = new Map<number, { high: unknown; low: unknown }>();

function coefficients(rate: number) {
  let f = filters.get(rate);
  if (!f) {
    const calc = new Fili.CalcCascades();
    f = {
      high: calc.highpass({ order: 2, characteristic: 'butterworth', Fs: rate, Fc: 0.5 }),
      low: calc.lowpass({ order: 2, characteristic: 'butterworth', Fs: rate, Fc: Math.min(8, rate / 2.5) }),
    };
    filters.set(rate, f);
  }
  return f;
}

function pass(coeffs: unknown, x: number[]): number[] {
  return new Fili.IirFilter(coeffs).multiStep(x) as number[];
}

/** Zero-phase band-pass 0.5–8 Hz. */
export function cleanPpg(values: ArrayLike<number>, rate: number): number[] {
  const { high, low } = coefficients(rate);
  let x = Array.from(values, (v) => (Number.isFinite(v) ? v : 0));
  x = pass(low, pass(high, x)).reverse();
  return pass(low, pass(high, x)).reverse();
}

function movingAverage(x: readonly number[], width: number): Float64Array {
  const out = new Float64Array(x.length);
  const half = width >> 1;
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < x.length; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(x.length - 1, i + half);
    while (hi < b) sum += x[++hi];
    while (lo < a) sum -= x[lo++];
    out[i] = sum / (hi - lo + 1);
  }
  return out;
}

/** Indexes of systolic peaks in a cleaned PPG. */
export function ppgPeaks(clean: readonly number[], rate: number): number[] {
  const squared = clean.map((v) => (v > 0 ? v * v : 0));
  const maPeak = movingAverage(squared, Math.round(0.111 * rate));
  const maBeat = movingAverage(squared, Math.round(0.667 * rate));
  const offset = 0.02 * (squared.reduce((a, b) => a + b, 0) / squared.length);
  const minWidth = Math.round(0.111 * rate);
  const minDelay = Math.round(0.3 * rate);
  const peaks: number[] = [];
  for (let i = 0; i < squared.length; ) {
    if (maPeak[i] <= maBeat[i] + offset) {
      i++;
      continue;
    }
    let j = i;
    while (j < squared.length && maPeak[j] > maBeat[j] + offset) j++;
    if (j - i >= minWidth) {
      let best = i;
      for (let k = i; k < j; k++) if (clean[k] > clean[best]) best = k;
      if (!peaks.length || best - peaks[peaks.length - 1] > minDelay) peaks.push(best);
    }
    i = j;
  }
  return peaks;
}

/** RR (inter-beat) intervals in ms from a raw PPG segment. */
export function ppgIntervals(values: ArrayLike<number>, rate: number): number[] {
  const peaks = ppgPeaks(cleanPpg(values, rate), rate);
  const rr: number[] = [];
  for (let i = 1; i < peaks.length; i++) rr.push(((peaks[i] - peaks[i - 1]) * 1000) / rate);
  return rr;
}
