/**
 * Signal quality of one channel over one window. A channel that fails is marked with why, and
 * its features are left out of the workload estimate (features.ts), which lowers the estimate's
 * confidence instead of feeding it noise.
 */
export type ChannelStatus = 'ok' | 'no-data' | 'dropout' | 'flat' | 'saturated' | 'contact' | 'implausible-hr';

export interface Quality {
  status: ChannelStatus;
  /** Why, in words, for the supervisor's sensor column and the node status. */
  detail?: string;
}

export const QUALITY_LIMITS = {
  /** Lost (NaN) samples, as a share of the window, above which a channel is in dropout. */
  maxLost: 0.1,
  /** Samples at the sensor's range ends, as a share, above which it is saturated. */
  maxClipped: 0.02,
  /** EEG standard deviation (µV) below which it is a flat line: a dead or unplugged electrode. */
  eegFlatUv: 0.5,
  /** EEG standard deviation (µV) above which the electrode has lost contact (or the wearer is moving). */
  eegContactUv: 100,
  /** Plausible heart rate of a seated adult at work, bpm. */
  minHr: 35,
  maxHr: 200,
};

function stats(values: ArrayLike<number>): { lost: number; std: number; min: number; max: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let lost = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      lost++;
      continue;
    }
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { lost: values.length ? lost / values.length : 1, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, min, max };
}

function clippedShare(values: ArrayLike<number>, range: [number, number] | undefined): number {
  if (!range) return 0;
  const eps = (range[1] - range[0]) * 1e-4;
  let c = 0;
  for (let i = 0; i < values.length; i++) if (values[i] <= range[0] + eps || values[i] >= range[1] - eps) c++;
  return values.length ? c / values.length : 0;
}

/** A sampled channel (EEG or PPG): dropouts, flat line, saturation, contact. */
export function sampledQuality(kind: 'eeg' | 'ppg' | 'ecg', values: ArrayLike<number>, expected: number, range?: [number, number], contact?: boolean): Quality {
  if (contact === false) return { status: 'contact', detail: 'the sensor reports no skin contact' };
  if (values.length < expected * 0.5) return { status: 'no-data', detail: `${values.length} of ${Math.round(expected)} samples` };
  const s = stats(values);
  if (s.lost > QUALITY_LIMITS.maxLost) return { status: 'dropout', detail: `${Math.round(s.lost * 100)} % of samples lost` };
  const flat = kind === 'eeg' ? s.std < QUALITY_LIMITS.eegFlatUv : s.std < 1e-9 * Math.max(1, Math.abs(s.max));
  if (flat || s.max === s.min) return { status: 'flat', detail: 'flat line' };
  const clipped = clippedShare(values, range);
  if (clipped > QUALITY_LIMITS.maxClipped) return { status: 'saturated', detail: `${Math.round(clipped * 100)} % of samples at the range limit` };
  if (kind === 'eeg' && s.std > QUALITY_LIMITS.eegContactUv) return { status: 'contact', detail: `electrode contact lost (${Math.round(s.std)} µV)` };
  return { status: 'ok' };
}

/** Beats (from RR, a heart-rate strap or PPG peaks): enough of them, at a heart rate a person can have. */
export function beatQuality(beats: number, meanHr: number, windowS: number, contact?: boolean): Quality {
  if (contact === false) return { status: 'contact', detail: 'the sensor reports no skin contact' };
  if (beats < Math.max(10, (windowS * QUALITY_LIMITS.minHr) / 60 / 2)) return { status: 'no-data', detail: `${beats} beats in ${windowS} s` };
  if (!(meanHr >= QUALITY_LIMITS.minHr && meanHr <= QUALITY_LIMITS.maxHr)) return { status: 'implausible-hr', detail: `heart rate ${Math.round(meanHr)} bpm is implausible` };
  return { status: 'ok' };
}
