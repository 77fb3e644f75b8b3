/**
 * Welch's power spectral density (Welch 1967), as scipy.signal.welch computes it with a Hann
 * window, 50 % overlap, constant detrend and density scaling. The FFT is fft.js (radix-4, MIT,
 * the most used FFT on npm); segments hold a power-of-two number of samples, as fft.js needs.
 */
import FFT from 'fft.js';

export interface Spectrum {
  /** Hz, from 0 to rate/2 in steps of rate/segment. */
  freqs: Float64Array;
  /** Power per Hz (signal unit² / Hz). */
  psd: Float64Array;
  /** Segments averaged; segments holding a NaN are skipped. */
  segments: number;
}

const ffts = new Map<number, { fft: FFT; window: Float64Array; windowPower: number; input: Float64Array; out: number[] }>();

function plan(n: number) {
  let p = ffts.get(n);
  if (!p) {
    const window = new Float64Array(n);
    let windowPower = 0;
    // Periodic Hann, scipy's default for spectral estimation (sym=False).
    for (let i = 0; i < n; i++) windowPower += (window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) ** 2;
    const fft = new FFT(n);
    p = { fft, window, windowPower, input: new Float64Array(n), out: fft.createComplexArray() as number[] };
    ffts.set(n, p);
  }
  return p;
}

/** The largest power of two not above n (at least 8). */
export function segmentFor(n: number, wanted: number): number {
  let s = 8;
  while (s * 2 <= Math.min(n, wanted)) s *= 2;
  return s;
}

export function welch(x: ArrayLike<number>, rate: number, segment: number): Spectrum {
  if (segment & (segment - 1) || segment < 8) throw new RangeError(`the Welch segment must be a power of two of at least 8 samples, got ${segment}`);
  const bins = segment / 2 + 1;
  const psd = new Float64Array(bins);
  const freqs = new Float64Array(bins);
  for (let k = 0; k < bins; k++) freqs[k] = (k * rate) / segment;
  const { fft, window, windowPower, input, out } = plan(segment);
  const step = segment / 2;
  let segments = 0;
  for (let start = 0; start + segment <= x.length; start += step) {
    let mean = 0;
    let finite = true;
    for (let i = 0; i < segment; i++) {
      const v = x[start + i];
      if (!Number.isFinite(v)) {
        finite = false;
        break;
      }
      mean += v;
    }
    if (!finite) continue;
    mean /= segment;
    for (let i = 0; i < segment; i++) input[i] = (x[start + i] - mean) * window[i];
    fft.realTransform(out, input);
    for (let k = 0; k < bins; k++) {
      const re = out[2 * k];
      const im = out[2 * k + 1];
      psd[k] += re * re + im * im;
    }
    segments++;
  }
  if (!segments) return { freqs, psd: psd.fill(NaN), segments };
  const scale = 1 / (rate * windowPower * segments);
  for (let k = 0; k < bins; k++) psd[k] *= k === 0 || k === bins - 1 ? scale : 2 * scale;
  return { freqs, psd, segments };
}

/** Trapezoidal power over lo ≤ f < hi, as NeuroKit2's signal_power integrates a band. */
export function bandPower(s: Spectrum, lo: number, hi: number): number {
  let power = 0;
  let prevF = NaN;
  let prevP = NaN;
  for (let k = 0; k < s.freqs.length; k++) {
    const f = s.freqs[k];
    if (f < lo || f >= hi) continue;
    if (!Number.isNaN(prevF)) power += ((s.psd[k] + prevP) / 2) * (f - prevF);
    prevF = f;
    prevP = s.psd[k];
  }
  return power;
}
