/**
 * Heart-rate variability from RR (inter-beat) intervals in milliseconds: ectopic-beat and
 * artefact correction, then the time-domain measures and LF/HF, defined as in the Task Force
 * of the ESC/NASPE (1996) and computed as NeuroKit2 computes them (checked against it in
 * test/workload/reference.test.ts).
 */
import { bandPower, segmentFor, welch } from './spectrum';

export interface RrCorrection {
  rr: number[];
  /** Intervals replaced: ectopic beats, missed or extra detections, impossible values. */
  corrected: number;
}

const MIN_RR = 250;
const MAX_RR = 2200;
const TOLERANCE = 0.2;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * An interval more than 20 % from the median of its ten neighbours is an artefact: a premature
 * (ectopic) beat gives a short interval and a long compensatory one, a missed detection one
 * interval twice as long, an extra detection two short ones. A run of such intervals is
 * replaced by as many equal intervals as the local rhythm fits into its duration, which is what
 * Kubios' correction (moving, adding or removing beats; Lipponen & Tarvainen 2019) does to the
 * series, in a simpler form. The total duration is kept, so the series stays on the clock.
 */
export function correctRr(input: readonly number[]): RrCorrection {
  const rr = input.filter((v) => Number.isFinite(v) && v > 0);
  const ok = rr.map((v) => v >= MIN_RR && v <= MAX_RR);
  const bad = rr.map((v, i) => {
    if (!ok[i]) return true;
    const around: number[] = [];
    for (let j = Math.max(0, i - 5); j <= Math.min(rr.length - 1, i + 5); j++) if (j !== i && ok[j]) around.push(rr[j]);
    if (around.length < 4) return false;
    return Math.abs(v - median(around)) > TOLERANCE * median(around);
  });
  const out: number[] = [];
  let corrected = 0;
  for (let i = 0; i < rr.length; ) {
    if (!bad[i]) {
      out.push(rr[i++]);
      continue;
    }
    let j = i;
    let total = 0;
    while (j < rr.length && bad[j]) total += rr[j++];
    const neighbours = [...out.slice(-5), ...rr.slice(j, j + 5).filter((_, k) => !bad[j + k])];
    const reference = neighbours.length ? median(neighbours) : total / (j - i);
    const beats = Math.max(1, Math.round(total / reference));
    for (let k = 0; k < beats; k++) out.push(total / beats);
    corrected += j - i;
    i = j;
  }
  return { rr: out, corrected };
}

export interface HrvFeatures {
  meanHr: number;
  meanNn: number;
  sdnn: number;
  rmssd: number;
  pnn50: number;
  lf: number;
  hf: number;
  lfHf: number;
  beats: number;
  corrected: number;
}

export function timeDomain(rr: readonly number[]): Pick<HrvFeatures, 'meanNn' | 'meanHr' | 'sdnn' | 'rmssd' | 'pnn50'> {
  const n = rr.length;
  const meanNn = rr.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of rr) ss += (v - meanNn) ** 2;
  let sd = 0;
  let over50 = 0;
  for (let i = 1; i < n; i++) {
    const d = rr[i] - rr[i - 1];
    sd += d * d;
    if (Math.abs(d) > 50) over50++;
  }
  // pNN50 over all intervals, as NeuroKit2 and Kubios count it (some texts divide by the n − 1 differences).
  return { meanNn, meanHr: 60_000 / meanNn, sdnn: Math.sqrt(ss / (n - 1)), rmssd: Math.sqrt(sd / (n - 1)), pnn50: (100 * over50) / n };
}

/** Fritsch–Carlson monotone cubic interpolation of (x, y) at xs (x increasing). */
export function monotoneCubic(x: readonly number[], y: readonly number[], xs: ArrayLike<number>): Float64Array {
  const n = x.length;
  const d = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) d[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
  const m = new Float64Array(n);
  m[0] = d[0];
  m[n - 1] = d[n - 2];
  for (let i = 1; i < n - 1; i++) m[i] = d[i - 1] * d[i] <= 0 ? 0 : (d[i - 1] + d[i]) / 2;
  for (let i = 0; i < n - 1; i++) {
    if (d[i] === 0) {
      m[i] = m[i + 1] = 0;
      continue;
    }
    const a = m[i] / d[i];
    const b = m[i + 1] / d[i];
    const s = a * a + b * b;
    if (s > 9) {
      const t = 3 / Math.sqrt(s);
      m[i] = t * a * d[i];
      m[i + 1] = t * b * d[i];
    }
  }
  const out = new Float64Array(xs.length);
  let k = 0;
  for (let j = 0; j < xs.length; j++) {
    const v = xs[j];
    while (k < n - 2 && v > x[k + 1]) k++;
    const h = x[k + 1] - x[k];
    const t = Math.min(1, Math.max(0, (v - x[k]) / h));
    const t2 = t * t;
    const t3 = t2 * t;
    out[j] = (2 * t3 - 3 * t2 + 1) * y[k] + (t3 - 2 * t2 + t) * h * m[k] + (-2 * t3 + 3 * t2) * y[k + 1] + (t3 - t2) * h * m[k + 1];
  }
  return out;
}

export const INTERPOLATION_HZ = 4;

/**
 * LF (0.04–0.15 Hz) and HF (0.15–0.4 Hz) power, ms², from the RR series resampled at 4 Hz.
 * Welch segments are half the series (as NeuroKit2 chooses them), as a power of two, at most
 * `maxSegment` samples.
 */
export function frequencyDomain(rr: readonly number[], maxSegment = 512): Pick<HrvFeatures, 'lf' | 'hf' | 'lfHf'> {
  const t: number[] = [];
  let at = 0;
  for (const v of rr) t.push((at += v) / 1000);
  const start = t[0];
  const count = Math.floor((t[t.length - 1] - start) * INTERPOLATION_HZ) + 1;
  const xs = Float64Array.from({ length: count }, (_, i) => start + i / INTERPOLATION_HZ);
  const series = monotoneCubic(t, rr, xs);
  // 256 samples (64 s) at 4 Hz resolve 0.016 Hz, enough for the LF band's lower edge.
  const spectrum = welch(series, INTERPOLATION_HZ, segmentFor(series.length / 2, maxSegment));
  const lf = bandPower(spectrum, 0.04, 0.15);
  const hf = bandPower(spectrum, 0.15, 0.4);
  return { lf, hf, lfHf: hf > 0 ? lf / hf : NaN };
}

/** All measures from raw RR intervals; undefined with fewer than 20 usable beats. */
export function hrv(raw: readonly number[]): HrvFeatures | undefined {
  const { rr, corrected } = correctRr(raw);
  if (rr.length < 20) return undefined;
  const time = timeDomain(rr);
  const freq = rr.reduce((a, b) => a + b, 0) >= 60_000 ? frequencyDomain(rr) : { lf: NaN, hf: NaN, lfHf: NaN };
  return { ...time, ...freq, beats: rr.length, corrected };
}
