/**
 * The real, labelled collection of the quality bench (laid out by bench/anomaly-real/setup.sh;
 * sources, labels and licences in bench/anomaly-real/README.md), and its scoring:
 *
 * - every detector gives one score per row, higher meaning more anomalous; a row whose score is
 *   above the detector's threshold is a detection, as when an integrator thresholds a score
 *   column directly;
 * - NAB's standard profile over the whole corpus (raw scores summed, then normalised once, so
 *   a series without labels still pays for its false positives), with NAB's probation: the
 *   first 15 % of each series is not scored;
 * - each detector's threshold is the one that maximises its score on the tuning part (NAB
 *   optimises every detector's threshold the same way); the held-out part is scored with it
 *   unchanged. Detectors with an alarm of their own (ours, the thresholded RCF) are also scored
 *   as shipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTime } from '../nodes/sensors/time';
import { corpusScore, nabScore } from './nab';
import { Rng } from './random';
import type { NabResult, Window } from './nab';

export type Split = 'tuning' | 'heldout' | 'fresh';

export interface RealSeries {
  source: string;
  name: string;
  /** 'fresh': a source added after the detector's settings were last chosen, held out whole. */
  split: Split;
  names: string[];
  ts: Float64Array;
  /** values[row * p + variable], NaN when missing. */
  values: Float64Array;
  p: number;
  windows: Window[];
  /** First scored row (NAB's probation: 15 %). */
  from: number;
  /** Peers' raw scores by name (hst, rcf, trcf). */
  peers: Record<string, Float64Array>;
}

interface ManifestEntry {
  source: string;
  name: string;
  file: string;
  rows: number;
  variables: string[];
  windows: Array<[number, number]>;
  split: Split;
}

export const REAL_DIR = path.resolve(__dirname, '..', '..', '.bench', 'data', 'anomaly-real');
/** NAB's probation: the share of each series at its start that is not scored. */
export const PROBATION = 0.15;

function readColumns(file: string): { header: string[]; rows: string[][] } {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** The collection, or undefined when setup.sh has not laid it out. */
export function loadReal(dir = REAL_DIR): RealSeries[] | undefined {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ManifestEntry[];
  return manifest.map((m) => {
    const { rows } = readColumns(path.join(dir, m.file));
    const p = m.variables.length;
    const ts = new Float64Array(rows.length);
    const values = new Float64Array(rows.length * p);
    rows.forEach((r, i) => {
      ts[i] = parseTime(r[0]);
      for (let j = 0; j < p; j++) values[i * p + j] = r[j + 1] === '' ? NaN : Number(r[j + 1]);
    });
    const peers: Record<string, Float64Array> = {};
    for (const kind of ['hst', 'rcf']) {
      const file = path.join(dir, 'peers', `${m.file.slice(0, -4)}.${kind}.csv`);
      if (!fs.existsSync(file)) continue;
      const t = readColumns(file);
      t.header.forEach((h, c) => (peers[h] = Float64Array.from(t.rows, (r) => Number(r[c]))));
    }
    const from = Math.floor(PROBATION * rows.length);
    const windows = m.windows.filter(([, e]) => e >= from).map(([s, e]) => ({ start: Math.max(s, from), end: e }));
    return { source: m.source, name: m.name, split: m.split, names: m.variables, ts, values, p, windows, from, peers };
  });
}

/** A causal, rank-based scale for raw scores without one: −log10 of the share of earlier scores of the series at least as high. */
export function rankNormalise(raw: Float64Array): Float64Array {
  const out = new Float64Array(raw.length);
  const sorted: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    const atLeast = sorted.length - lo;
    out[i] = -Math.log10((1 + atLeast) / (1 + sorted.length));
    sorted.splice(lo, 0, s);
  }
  return out;
}

export function detections(score: Float64Array, threshold: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < score.length; r++) if (score[r] > threshold) out.push(r);
  return out;
}

export function evaluate(series: RealSeries[], scores: Float64Array[], threshold: number): NabResult[] {
  return series.map((s, i) => nabScore(detections(scores[i], threshold), s.windows, s.from));
}

/** The threshold that maximises the corpus score of `series` (NAB's per-detector optimisation). */
export function tuneThreshold(series: RealSeries[], scores: Float64Array[]): number {
  const pool: number[] = [];
  series.forEach((s, i) => {
    for (let r = s.from; r < scores[i].length; r++) if (Number.isFinite(scores[i][r])) pool.push(scores[i][r]);
  });
  pool.sort((a, b) => a - b);
  const candidates = new Set<number>();
  for (let k = 0; k <= 120; k++) {
    // Quantiles from 0.5 to 1 − 1e-6, denser towards the top where thresholds live.
    const level = 1 - 0.5 * Math.pow(10, (-k / 120) * 5.7);
    candidates.add(pool[Math.min(pool.length - 1, Math.floor(level * pool.length))]);
  }
  let best = { threshold: Infinity, score: 0 };
  for (const c of candidates) {
    const score = corpusScore(evaluate(series, scores, c));
    if (score > best.score) best = { threshold: c, score };
  }
  return best.threshold;
}

/**
 * How sure a lead is: the corpus-score difference `ours − peer` on files drawn with replacement
 * from the same part (the percentile bootstrap over files, `resamples` draws, seeded), so that a
 * lead carried by one or two files shows as an interval reaching down to zero or below.
 */
export function bootstrapLead(ours: NabResult[], peer: NabResult[], resamples = 2000, seed = 1): { lead: number; low: number; high: number } {
  const rng = new Rng(seed);
  const n = ours.length;
  const leads: number[] = [];
  const a: NabResult[] = new Array(n);
  const b: NabResult[] = new Array(n);
  for (let k = 0; k < resamples; k++) {
    for (let i = 0; i < n; i++) {
      const f = rng.int(n);
      a[i] = ours[f];
      b[i] = peer[f];
    }
    leads.push(corpusScore(a) - corpusScore(b));
  }
  leads.sort((x, y) => x - y);
  return { lead: corpusScore(ours) - corpusScore(peer), low: leads[Math.floor(0.025 * resamples)], high: leads[Math.ceil(0.975 * resamples) - 1] };
}

export interface Summary {
  score: number;
  windows: number;
  detected: number;
  falsePositives: number;
  rows: number;
}

export function summarise(series: RealSeries[], results: NabResult[]): Summary {
  let windows = 0;
  let detected = 0;
  let falsePositives = 0;
  let rows = 0;
  results.forEach((r, i) => {
    windows += series[i].windows.length;
    detected += r.detected.filter(Boolean).length;
    falsePositives += r.falsePositives;
    rows += series[i].ts.length - series[i].from;
  });
  return { score: corpusScore(results), windows, detected, falsePositives, rows };
}
