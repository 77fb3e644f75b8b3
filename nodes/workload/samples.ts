/**
 * The one shape every bio-signal source produces, and the parsers that turn outside data into
 * it: LSL-style chunks and OSC-style single samples as JSON (from a small bridge), Bluetooth
 * heart-rate measurements (0x2A37 bytes or decoded values), and EDF/CSV rows from the replays.
 */
import { decodeHeartRate } from './ble-hr';

export type ChannelKind = 'eeg' | 'ppg' | 'ecg' | 'rr' | 'hr';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['eeg', 'ppg', 'ecg', 'rr', 'hr'];

export interface Channel {
  name: string;
  kind: ChannelKind;
  /** Samples per second; 0 for beat series (rr, hr), whose values carry their own times. */
  rate: number;
  /** Samples (µV for EEG), RR intervals in ms, or heart rates in bpm. NaN marks a lost sample. */
  values: number[];
  /** For rr/hr: epoch ms of each value. */
  times?: number[];
  /** The sensor's physical range: samples at its ends are clipped (saturation). */
  range?: [number, number];
  /** Samples the recorder marked as clipped (EDF digital extremes). */
  clipped?: number;
}

export interface Chunk {
  operator: string;
  device: string;
  /** Epoch ms of the first sample. */
  t0: number;
  channels: Channel[];
  /** The sensor's own skin/electrode contact report, when it gives one. */
  contact?: boolean;
  /** Battery level, percent. */
  battery?: number;
}

export class SampleError extends Error {
  readonly code = 'IMPETUS_SAMPLES';
}

export const RATE_LIMITS: Record<'eeg' | 'ppg' | 'ecg', [number, number]> = { eeg: [64, 2048], ppg: [16, 1024], ecg: [100, 4096] };
const MAX_SAMPLES = 65_536;
const ID = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** EEG electrode names of the 10-20/10-10 systems (and Muse's TP9/AF7/AF8/TP10). */
const EEG_LABEL = /^(eeg[ _-]?)?(fp|af|f|ft|fc|c|t|tp|cp|p|po|o|a|m)(z|\d{1,2})(-.*)?$/i;

export function kindOfLabel(label: string, fallback?: ChannelKind): ChannelKind | undefined {
  const l = label.trim();
  if (/ppg|pleth|bvp|pulse/i.test(l)) return 'ppg';
  if (/ecg|ekg/i.test(l)) return 'ecg';
  if (/^rr|ibi/i.test(l)) return 'rr';
  if (/^(hr|heart.?rate|bpm)$/i.test(l)) return 'hr';
  if (EEG_LABEL.test(l) || /^eeg/i.test(l)) return 'eeg';
  return fallback;
}

/** The electrode's area: frontal (Fp, AF, F, FC), parietal (P, PO, CP, TP: Muse's TP9/TP10 sit over the temporo-parietal junction). */
export function regionOf(label: string): 'frontal' | 'parietal' | 'other' {
  const m = EEG_LABEL.exec(label.trim());
  if (!m) return 'other';
  const site = m[2].toLowerCase();
  if (['fp', 'af', 'f', 'fc'].includes(site)) return 'frontal';
  if (['p', 'po', 'cp', 'tp'].includes(site)) return 'parietal';
  return 'other';
}

export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new SampleError(`${what} must be 1–64 letters, digits or _ . : @ -, got ${JSON.stringify(value)}`);
  return value;
}

function finiteOrNaN(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

/** LSL timestamps are seconds; anything above 1e11 is already epoch milliseconds. */
function epochMs(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Date.parse(value) : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new SampleError(`${what} must be a time (epoch seconds or ms, or ISO 8601), got ${JSON.stringify(value)}`);
  return n < 1e11 ? n * 1000 : n;
}

export function checkRate(kind: ChannelKind, rate: unknown, expected?: number): number {
  if (kind === 'rr' || kind === 'hr') return 0;
  const r = Number(rate);
  const [lo, hi] = RATE_LIMITS[kind];
  if (!Number.isFinite(r) || r < lo || r > hi) throw new SampleError(`sampling rate of the ${kind.toUpperCase()} must be ${lo}–${hi} Hz, got ${JSON.stringify(rate)}`);
  if (expected && Math.abs(r - expected) > expected * 0.01) throw new SampleError(`wrong sampling rate: ${kind.toUpperCase()} at ${r} Hz, this node expects ${expected} Hz`);
  return r;
}

export interface ParseOptions {
  operator?: string;
  device?: string;
  /** Expected rate per kind; a stream at another rate is refused. */
  rates?: Partial<Record<ChannelKind, number>>;
  now: number;
}

type Json = Record<string, unknown>;

/** One JSON object from a bridge, or 0x2A37 bytes; throws SampleError naming what is wrong. */
export function parseSamples(payload: unknown, opts: ParseOptions): Chunk {
  if (Buffer.isBuffer(payload) || payload instanceof Uint8Array) return heartRate({ bytes: payload }, opts);
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new SampleError(`msg.payload must be an object (LSL chunk, OSC sample or heart-rate values) or 0x2A37 bytes, got ${Array.isArray(payload) ? 'an array' : typeof payload}`);
  const p = payload as Json;
  const operator = checkId(p.operator ?? opts.operator, 'the operator (payload.operator or the node setting)');
  const device = checkId(p.device ?? opts.device ?? 'sensor', 'the device id');
  const base = { operator, device, contact: typeof p.contact === 'boolean' ? p.contact : undefined, battery: battery(p.battery) };
  if (p.samples !== undefined) return { ...base, ...lslChunk(p, opts) };
  if (typeof p.address === 'string') return { ...base, ...oscSample(p, opts) };
  if (p.bpm !== undefined || p.hr !== undefined || p.rr !== undefined || p.bytes !== undefined || p.value !== undefined) {
    const hr = heartRate(p, opts);
    return { ...hr, ...base, contact: base.contact ?? hr.contact };
  }
  if (base.battery !== undefined || base.contact !== undefined) return { ...base, t0: p.t0 === undefined ? opts.now : epochMs(p.t0, 't0'), channels: [] };
  throw new SampleError('msg.payload has no samples: send {samples, channels, rate}, {address, args}, {bpm, rr} or 0x2A37 bytes');
}

function battery(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new SampleError(`battery must be a percentage 0–100, got ${JSON.stringify(v)}`);
  return n;
}

/** {type, rate, channels: [labels], t0, samples: [[ch1, ch2, …], …]} (rows are instants, as LSL's pull_chunk gives them). */
function lslChunk(p: Json, opts: ParseOptions): Pick<Chunk, 't0' | 'channels'> {
  const labels = p.channels;
  if (!Array.isArray(labels) || !labels.length || labels.length > 64 || labels.some((l) => typeof l !== 'string' || !l || l.length > 32)) {
    throw new SampleError('channels must be a list of 1–64 channel labels');
  }
  const rows = p.samples;
  if (!Array.isArray(rows) || rows.length > MAX_SAMPLES) throw new SampleError(`samples must be a list of at most ${MAX_SAMPLES} rows`);
  const streamKind = typeof p.type === 'string' ? kindOfLabel(p.type) : undefined;
  const channels: Channel[] = (labels as string[]).map((name) => {
    const kind = kindOfLabel(name, streamKind);
    if (!kind || kind === 'rr' || kind === 'hr') throw new SampleError(`channel "${name}": say which signal it is (type EEG, PPG or ECG)`);
    return { name, kind, rate: checkRate(kind, p.rate ?? p.nominal_srate, opts.rates?.[kind]), values: [] };
  });
  for (const [i, row] of rows.entries()) {
    if (!Array.isArray(row) || row.length !== channels.length) throw new SampleError(`sample row ${i} must hold ${channels.length} values, one per channel`);
    row.forEach((v, c) => channels[c].values.push(finiteOrNaN(v)));
  }
  if (p.range !== undefined) {
    const r = p.range;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || r[0] >= r[1]) throw new SampleError('range must be [min, max]');
    for (const c of channels) c.range = [r[0], r[1]];
  }
  return { t0: p.t0 === undefined ? opts.now : epochMs(p.t0, 't0'), channels };
}

const OSC_KINDS: Record<string, ChannelKind> = { eeg: 'eeg', ppg: 'ppg', ecg: 'ecg' };

/** {address: "/muse/eeg", args: [TP9, AF7, AF8, TP10], time}: one instant, as OSC bridges send. */
function oscSample(p: Json, opts: ParseOptions): Pick<Chunk, 't0' | 'channels'> {
  const m = /\/(eeg|ppg|ecg)$/i.exec(p.address as string);
  if (!m) throw new SampleError(`OSC address ${JSON.stringify(p.address)} is not an EEG, PPG or ECG stream (…/eeg, …/ppg, …/ecg)`);
  const kind = OSC_KINDS[m[1].toLowerCase()];
  const args = p.args;
  if (!Array.isArray(args) || !args.length || args.length > 64) throw new SampleError('args must be a list of 1–64 values, one per channel');
  const labels = Array.isArray(p.channels) && p.channels.length === args.length ? (p.channels as unknown[]).map(String) : args.map((_, i) => `${kind.toUpperCase()}${i + 1}`);
  const rate = checkRate(kind, p.rate ?? opts.rates?.[kind], opts.rates?.[kind]);
  return { t0: p.time === undefined ? opts.now : epochMs(p.time, 'time'), channels: labels.map((name, i) => ({ name, kind, rate, values: [finiteOrNaN(args[i])] })) };
}

function bytesOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^([0-9a-f]{2})+$/i.test(v.replace(/[\s:]/g, ''))) return Buffer.from(v.replace(/[\s:]/g, ''), 'hex');
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(v as number[]);
  if (v && typeof v === 'object' && (v as Json).type === 'Buffer' && Array.isArray((v as Json).data)) return bytesOf((v as Json).data);
  throw new SampleError('the 0x2A37 value must be bytes: a Buffer, a hex string or a list of 0–255');
}

/** {bpm, rr: [ms…], contact} or the raw characteristic {bytes} / {value}. */
function heartRate(p: Json, opts: ParseOptions): Chunk {
  const operator = checkId(p.operator ?? opts.operator, 'the operator (payload.operator or the node setting)');
  const device = checkId(p.device ?? opts.device ?? 'heart-rate', 'the device id');
  const t = p.time === undefined ? opts.now : epochMs(p.time, 'time');
  let bpm: number;
  let rr: number[];
  let contact: boolean | undefined;
  if (p.bytes !== undefined || p.value !== undefined) {
    const m = decodeHeartRate(bytesOf(p.bytes ?? p.value));
    ({ bpm, rr, contact } = m);
  } else {
    bpm = p.bpm === undefined ? NaN : Number(p.bpm ?? p.hr);
    if (p.hr !== undefined) bpm = Number(p.hr);
    if (p.rr !== undefined && (!Array.isArray(p.rr) || p.rr.length > 64 || !p.rr.every((v) => typeof v === 'number'))) throw new SampleError('rr must be a list of at most 64 RR intervals in ms');
    rr = ((p.rr as number[] | undefined) ?? []).map(finiteOrNaN);
    contact = typeof p.contact === 'boolean' ? p.contact : undefined;
  }
  // The strap sends the newest intervals, ending now: place each at the beat that closed it.
  const times: number[] = [];
  let at = t;
  for (let i = rr.length - 1; i >= 0; i--) {
    times.unshift(at);
    at -= Number.isFinite(rr[i]) ? rr[i] : 0;
  }
  const channels: Channel[] = [];
  if (Number.isFinite(bpm)) channels.push({ name: 'HR', kind: 'hr', rate: 0, values: [bpm], times: [t] });
  if (rr.length) channels.push({ name: 'RR', kind: 'rr', rate: 0, values: rr, times });
  return { operator, device, t0: t, channels, contact };
}
