/**
 * One operator's signals over sliding windows, and the features computed from them at each
 * step: EEG band powers by Welch's method (δ 1–4, θ 4–8, α 8–13, β 13–30 Hz), the engagement
 * index β/(α+θ) (Pope et al. 1995), frontal θ and parietal α (Gevins & Smith 2003), and HRV
 * from RR intervals or PPG beats. Time is the data's own (the samples' timestamps), so a replay
 * faster than real time gives the same features as the live stream.
 */
import { hrv } from './hrv';
import type { HrvFeatures } from './hrv';
import { ppgIntervals } from './ppg';
import { beatQuality, sampledQuality } from './quality';
import type { ChannelStatus, Quality } from './quality';
import type { Channel, ChannelKind, Chunk } from './samples';
import { regionOf } from './samples';
import { bandPower, segmentFor, welch } from './spectrum';

export const BANDS = { delta: [1, 4], theta: [4, 8], alpha: [8, 13], beta: [13, 30] } as const;
export type Band = keyof typeof BANDS;

/** The model's inputs, in the order of the ONNX model's input vector (models/workload/train.py). */
export const MODEL_FEATURES = ['engagement', 'frontalTheta', 'parietalAlpha', 'meanHr', 'rmssd', 'lfHf'] as const;
export type ModelFeature = (typeof MODEL_FEATURES)[number];

export interface WindowOptions {
  /** EEG and PPG window, seconds. */
  eegWindowS: number;
  /** RR window for HRV, seconds. */
  hrvWindowS: number;
  /** A gap or a backwards jump in a channel's clock beyond this restarts the channel, ms. */
  maxClockSkewMs: number;
}

export const DEFAULT_WINDOWS: WindowOptions = { eegWindowS: 30, hrvWindowS: 120, maxClockSkewMs: 1000 };

export interface ChannelReport {
  name: string;
  kind: ChannelKind;
  status: ChannelStatus;
  detail?: string;
}

export interface FeatureRecord {
  operator: string;
  device: string;
  /** Epoch ms of the window's end. */
  at: number;
  /** Relative band powers (share of 1–30 Hz) over the good EEG channels. */
  bands?: Record<Band, number>;
  features: Record<ModelFeature, number>;
  hrv?: HrvFeatures;
  channels: ChannelReport[];
  contact?: boolean;
  battery?: number;
}

export type SignalEvent =
  | { kind: 'device-changed'; from: string; to: string }
  | { kind: 'clock-jump'; channel: string; byMs: number }
  | { kind: 'gap'; channel: string; byMs: number };

interface SampledBuffer {
  kind: 'eeg' | 'ppg' | 'ecg';
  rate: number;
  values: number[];
  /** Epoch ms just after the last sample. */
  end: number;
  range?: [number, number];
}

export class OperatorSignals {
  device: string;
  contact?: boolean;
  battery?: number;
  /** Epoch ms of the newest data of any kind (for "no data" alerts). */
  lastData = 0;
  /** Epoch ms of the first sample from this device: estimates wait until a whole window is there. */
  started = NaN;
  private sampled = new Map<string, SampledBuffer>();
  private beats: Array<{ t: number; rr: number }> = [];
  private hr: Array<{ t: number; bpm: number }> = [];

  constructor(readonly operator: string, device: string, private readonly opts: WindowOptions = DEFAULT_WINDOWS) {
    this.device = device;
  }

  add(chunk: Chunk): SignalEvent[] {
    const events: SignalEvent[] = [];
    if (chunk.device !== this.device) {
      // A new sensor (a reconnect under a new id, a swapped headband): its samples do not continue the old ones.
      events.push({ kind: 'device-changed', from: this.device, to: chunk.device });
      this.device = chunk.device;
      this.sampled.clear();
      this.beats = [];
      this.hr = [];
      this.contact = undefined;
      this.started = NaN;
    }
    if (Number.isNaN(this.started)) this.started = chunk.t0;
    if (chunk.contact !== undefined) this.contact = chunk.contact;
    if (chunk.battery !== undefined) this.battery = chunk.battery;
    for (const c of chunk.channels) {
      if (c.kind === 'rr' || c.kind === 'hr') this.addBeats(c, chunk.t0, events);
      else this.addSamples(c as Channel & { kind: 'eeg' | 'ppg' | 'ecg' }, chunk.t0, events);
    }
    this.lastData = Math.max(this.lastData, chunk.t0);
    return events;
  }

  private addSamples(c: Channel & { kind: 'eeg' | 'ppg' | 'ecg' }, t0: number, events: SignalEvent[]): void {
    let b = this.sampled.get(c.name);
    if (b && b.rate !== c.rate) b = undefined;
    if (b) {
      const skew = t0 - b.end;
      if (skew < -this.opts.maxClockSkewMs) events.push({ kind: 'clock-jump', channel: c.name, byMs: skew });
      else if (skew > this.opts.maxClockSkewMs) events.push({ kind: 'gap', channel: c.name, byMs: skew });
      if (Math.abs(skew) > this.opts.maxClockSkewMs) b = undefined;
    }
    if (!b) {
      b = { kind: c.kind, rate: c.rate, values: [], end: t0, range: c.range };
      this.sampled.set(c.name, b);
    }
    for (const v of c.values) b.values.push(v);
    b.end += (c.values.length * 1000) / c.rate;
    const keep = Math.ceil(this.opts.eegWindowS * c.rate);
    if (b.values.length > keep * 1.5) b.values.splice(0, b.values.length - keep);
    this.lastData = Math.max(this.lastData, b.end);
  }

  private addBeats(c: Channel, t0: number, events: SignalEvent[]): void {
    const times = c.times ?? c.values.map(() => t0);
    const list = c.kind === 'rr' ? this.beats : this.hr;
    const last = list.length ? list[list.length - 1].t : -Infinity;
    if (times[0] < last - this.opts.maxClockSkewMs) {
      events.push({ kind: 'clock-jump', channel: c.name, byMs: times[0] - last });
      list.length = 0;
    }
    c.values.forEach((v, i) => {
      if (c.kind === 'rr') this.beats.push({ t: times[i], rr: v });
      else this.hr.push({ t: times[i], bpm: v });
    });
    const from = (times[times.length - 1] ?? t0) - this.opts.hrvWindowS * 1000;
    while (this.beats.length && this.beats[0].t < from) this.beats.shift();
    while (this.hr.length && this.hr[0].t < from) this.hr.shift();
  }

  /** Data time: the end of the newest data. */
  now(): number {
    return this.lastData;
  }

  features(): FeatureRecord {
    const at = this.now();
    const channels: ChannelReport[] = [];
    const sums: Record<Band, number> = { delta: 0, theta: 0, alpha: 0, beta: 0 };
    const frontal: number[] = [];
    const parietal: number[] = [];
    let eegOk = 0;
    let ppgBeats: number[] | undefined;
    for (const [name, b] of this.sampled) {
      const expected = this.opts.eegWindowS * b.rate;
      const stale = at - b.end > this.opts.maxClockSkewMs * 5;
      const window = b.values.slice(-Math.ceil(expected));
      const q: Quality = stale ? { status: 'no-data', detail: 'no samples lately' } : sampledQuality(b.kind, window, expected, b.range, this.contact);
      channels.push({ name, kind: b.kind, status: q.status, detail: q.detail });
      if (q.status !== 'ok') continue;
      if (b.kind === 'ppg') {
        ppgBeats ??= ppgIntervals(window, b.rate);
        continue;
      }
      if (b.kind !== 'eeg') continue;
      const s = welch(window, b.rate, segmentFor(window.length, 2 ** Math.round(Math.log2(2 * b.rate))));
      const p = { delta: bandPower(s, 1, 4), theta: bandPower(s, 4, 8), alpha: bandPower(s, 8, 13), beta: bandPower(s, 13, 30) };
      const total = p.delta + p.theta + p.alpha + p.beta;
      if (!(total > 0)) continue;
      eegOk++;
      for (const k of Object.keys(sums) as Band[]) sums[k] += p[k];
      const region = regionOf(name);
      if (region === 'frontal') frontal.push(p.theta / total);
      if (region === 'parietal') parietal.push(p.alpha / total);
    }
    const total = sums.delta + sums.theta + sums.alpha + sums.beta;
    const bands = eegOk ? (Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / total])) as Record<Band, number>) : undefined;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

    // Beats: a strap's RR intervals first (more exact), else PPG peaks, else the strap's heart rate alone.
    const rr = this.beats.length ? this.beats.map((b) => b.rr) : (ppgBeats ?? []);
    const h = rr.length ? hrv(rr) : undefined;
    const strapHr = this.hr.length ? mean(this.hr.map((x) => x.bpm)) : NaN;
    if (this.beats.length || this.hr.length) {
      const q = beatQuality(h?.beats ?? (this.hr.length ? Infinity : 0), h?.meanHr ?? strapHr, this.opts.hrvWindowS, this.contact);
      channels.push({ name: this.beats.length ? 'RR' : 'HR', kind: this.beats.length ? 'rr' : 'hr', status: q.status, detail: q.detail });
    }
    const beatsOk = channels.some((c) => (c.kind === 'rr' || c.kind === 'hr' || c.kind === 'ppg') && c.status === 'ok')
      && !channels.some((c) => (c.kind === 'rr' || c.kind === 'hr') && c.status !== 'ok');
    const hrOk = beatsOk && h !== undefined && h.meanHr >= 35 && h.meanHr <= 200;
    return {
      operator: this.operator,
      device: this.device,
      at,
      bands,
      hrv: hrOk ? h : undefined,
      features: {
        engagement: bands ? sums.beta / (sums.alpha + sums.theta) : NaN,
        frontalTheta: mean(frontal),
        parietalAlpha: mean(parietal),
        meanHr: hrOk ? h!.meanHr : beatsOk && Number.isFinite(strapHr) ? strapHr : NaN,
        rmssd: hrOk ? h!.rmssd : NaN,
        lfHf: hrOk ? h!.lfHf : NaN,
      },
      channels,
      contact: this.contact,
      battery: this.battery,
    };
  }
}
