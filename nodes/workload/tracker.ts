/**
 * One operator's workload over time: the model's index smoothed, the too-high and too-low bands
 * entered and left with hysteresis, an alert only when a band has held for a minimum time, and a
 * confidence that falls with the signal quality (features missing, channels failing).
 */
export interface Bands {
  /** Enter "high" at or above, leave below highExit. */
  highEnter: number;
  highExit: number;
  /** Enter "low" at or below, leave above lowExit. */
  lowEnter: number;
  lowExit: number;
  /** A band must hold this long (data time) before it is alerted, seconds. */
  minDurationS: number;
  /** Smoothing time constant, seconds (exponential). */
  smoothingS: number;
}

export const DEFAULT_BANDS: Bands = { highEnter: 0.7, highExit: 0.6, lowEnter: 0.25, lowExit: 0.35, minDurationS: 120, smoothingS: 60 };

export type WorkloadState = 'low' | 'normal' | 'high';

export interface TrackerUpdate {
  index: number;
  state: WorkloadState;
  /** Since when (epoch ms) the operator has been in this state. */
  since: number;
  confidence: number;
  /** Set once when a too-high or too-low state has held for minDurationS. */
  sustained?: WorkloadState;
}

export function checkBands(b: Bands): Bands {
  const ok = [b.highEnter, b.highExit, b.lowEnter, b.lowExit].every((v) => Number.isFinite(v) && v >= 0 && v <= 1)
    && b.lowEnter <= b.lowExit && b.lowExit < b.highExit && b.highExit <= b.highEnter;
  if (!ok) throw new Error(`bands must satisfy 0 ≤ low enter ≤ low exit < high exit ≤ high enter ≤ 1, got ${JSON.stringify(b)}`);
  if (!(b.minDurationS >= 0) || !(b.smoothingS >= 0)) throw new Error('minimum duration and smoothing must be 0 or more seconds');
  return b;
}

export class WorkloadTracker {
  private smoothed = NaN;
  private last = NaN;
  state: WorkloadState = 'normal';
  since = NaN;
  private alerted = false;

  constructor(private readonly bands: Bands = DEFAULT_BANDS) {}

  /** `quality`: the share of features measured, times the share of channels that pass their checks. */
  update(at: number, index: number, certainty: number, quality: number): TrackerUpdate {
    const b = this.bands;
    if (Number.isNaN(this.smoothed) || !(at > this.last)) this.smoothed = index;
    else {
      const k = b.smoothingS > 0 ? 1 - Math.exp(-(at - this.last) / 1000 / b.smoothingS) : 1;
      this.smoothed += k * (index - this.smoothed);
    }
    this.last = at;
    const s = this.smoothed;
    let next: WorkloadState = this.state;
    if (this.state === 'high') next = s < b.highExit ? (s <= b.lowEnter ? 'low' : 'normal') : 'high';
    else if (this.state === 'low') next = s > b.lowExit ? (s >= b.highEnter ? 'high' : 'normal') : 'low';
    else next = s >= b.highEnter ? 'high' : s <= b.lowEnter ? 'low' : 'normal';
    if (next !== this.state || Number.isNaN(this.since)) {
      this.state = next;
      this.since = at;
      this.alerted = false;
    }
    const update: TrackerUpdate = { index: s, state: this.state, since: this.since, confidence: Math.max(0, Math.min(1, certainty * quality)) };
    if (this.state !== 'normal' && !this.alerted && at - this.since >= b.minDurationS * 1000) {
      this.alerted = true;
      update.sustained = this.state;
    }
    return update;
  }

  /** After a pause or a new sensor: start again from the next estimate. */
  reset(): void {
    this.smoothed = NaN;
    this.last = NaN;
    this.state = 'normal';
    this.since = NaN;
    this.alerted = false;
  }
}
