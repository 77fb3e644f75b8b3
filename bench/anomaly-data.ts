/**
 * Synthetic city sensor data with labelled anomalies, for the quality benchmark and the
 * tests. Variables of one place share a latent activity level (a weekday/weekend daily
 * profile plus slow common noise), so they are correlated the way traffic counts, bus delays
 * and pollution at one junction are. Every generator is seeded.
 */
import { Rng } from './random';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Monday 2025-03-03 00:00 UTC: datasets start on a Monday. */
export const START = Date.UTC(2025, 2, 3);

export type AnomalyKind = 'spike' | 'level-shift' | 'variance' | 'stuck' | 'broken-pattern' | 'multivariate';

export interface LabelledAnomaly {
  kind: AnomalyKind;
  /** First and last affected rows. */
  start: number;
  end: number;
  /** Indices of the variables that were changed. */
  variables: number[];
}

export interface Dataset {
  name: string;
  ts: Float64Array;
  names: string[];
  /** values[row * p + variable] */
  values: Float64Array;
  p: number;
  anomalies: LabelledAnomaly[];
}

/** Activity in [0, 1] by hour of the week: two rush hours on weekdays, a late broad hump at weekends, quiet nights. */
export function activity(hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  const h = hourOfWeek - day * 24;
  const bump = (centre: number, width: number) => Math.exp(-0.5 * ((h - centre) / width) ** 2);
  if (day >= 5) return 0.08 + 0.55 * bump(14, 3.5);
  return 0.08 + 0.9 * bump(8, 1.3) + 0.55 * bump(13, 2.5) + 0.85 * bump(17.5, 1.6);
}

interface VariableSpec {
  name: string;
  base: number;
  amplitude: number;
  /** Loading on the common slow noise (in units of the variable). */
  common: number;
  noise: number;
  counts: boolean;
}

/**
 * The common noise (that day's demand: weather, events) is about a tenth of the daily swing,
 * and by day it is larger than each variable's own noise, as in a city: residuals of one
 * place correlate (ρ ≈ 0.5–0.8 by day, less at night).
 */
const SPECS: VariableSpec[] = [
  { name: 'vehicles', base: 40, amplitude: 900, common: 80, noise: 0, counts: true },
  { name: 'bus_delay_s', base: 30, amplitude: 240, common: 30, noise: 12, counts: false },
  { name: 'no2', base: 12, amplitude: 45, common: 6, noise: 2.5, counts: false },
  { name: 'pedestrians', base: 5, amplitude: 300, common: 30, noise: 0, counts: true },
  { name: 'parking_free', base: 400, amplitude: -300, common: -30, noise: 8, counts: false },
  { name: 'noise_db', base: 48, amplitude: 22, common: 2, noise: 1.2, counts: false },
];

export interface GenerateOptions {
  seed: number;
  variables: number;
  weeks: number;
  stepMinutes: number;
  /** Rows at the start left clean (warm-up and calibration). */
  cleanDays: number;
  kinds: AnomalyKind[];
  /** Rows between anomalies. */
  spacingDays: number;
}

/** The clean signal of every variable, and the spread of each at each row (for sizing anomalies). */
function cleanSignal(o: GenerateOptions, rng: Rng) {
  const rows = Math.floor((o.weeks * 7 * DAY) / (o.stepMinutes * MINUTE));
  const p = o.variables;
  const ts = new Float64Array(rows);
  const act = new Float64Array(rows);
  const values = new Float64Array(rows * p);
  const spread = new Float64Array(rows * p);
  let slow = 0;
  const slowRate = Math.exp(-o.stepMinutes / 180);
  for (let r = 0; r < rows; r++) {
    ts[r] = START + r * o.stepMinutes * MINUTE;
    const how = ((ts[r] - START) / HOUR) % 168;
    act[r] = activity(how);
    slow = slowRate * slow + Math.sqrt(1 - slowRate * slowRate) * rng.normal();
    for (let j = 0; j < p; j++) {
      const s = SPECS[j];
      const mean = s.base + s.amplitude * act[r] + s.common * slow * act[r];
      const sd = s.counts ? Math.sqrt(Math.max(mean, 1)) : s.noise;
      values[r * p + j] = s.counts ? rng.poisson(Math.max(mean, 0)) : mean + s.noise * rng.normal();
      // The spread a single reading has around its expected value: own noise and common noise.
      spread[r * p + j] = Math.sqrt(sd * sd + (s.common * act[r]) ** 2);
    }
  }
  return { rows, ts, act, values, spread };
}

export function generate(name: string, o: GenerateOptions): Dataset {
  const rng = new Rng(o.seed);
  const p = o.variables;
  const { rows, ts, act, values, spread } = cleanSignal(o, rng);
  const perDay = Math.round(DAY / (o.stepMinutes * MINUTE));
  const perHour = perDay / 24;
  const anomalies: LabelledAnomaly[] = [];
  let at = o.cleanDays * perDay;
  let k = 0;
  while (at + perDay < rows) {
    const kind = o.kinds[k % o.kinds.length];
    k += 1;
    if (kind === 'multivariate' && p < 2) continue;
    // Daytime start (08:00–16:00) on a random day of the window, except broken patterns.
    const dayStart = at - (at % perDay);
    const start = kind === 'broken-pattern' ? dayStart + Math.round(6 * perHour) : dayStart + Math.round((8 + rng.next() * 8) * perHour);
    const v = rng.int(p);
    const a = inject(kind, { values, spread, act, p, rows, perHour, rng }, start, v);
    if (a) anomalies.push(a);
    at += Math.round(o.spacingDays * perDay);
  }
  return { name, ts, names: SPECS.slice(0, p).map((s) => s.name), values, p, anomalies };
}

interface Canvas {
  values: Float64Array;
  spread: Float64Array;
  act: Float64Array;
  p: number;
  rows: number;
  perHour: number;
  rng: Rng;
}

function inject(kind: AnomalyKind, c: Canvas, start: number, v: number): LabelledAnomaly | undefined {
  const { values, spread, p, perHour, rng } = c;
  const sign = rng.next() < 0.5 ? -1 : 1;
  const span = (hours: number) => Math.max(1, Math.round(hours * perHour));
  const end = (len: number) => Math.min(c.rows - 1, start + len - 1);
  const clampCounts = (j: number, x: number) => (SPECS[j].counts ? Math.max(0, Math.round(x)) : x);
  switch (kind) {
    case 'spike': {
      const s = spread[start * p + v];
      // Upward for counts near zero, where a downward spike cannot go below 0.
      const dir = SPECS[v].counts || values[start * p + v] < 6 * s ? 1 : sign;
      values[start * p + v] = clampCounts(v, values[start * p + v] + dir * (7 + 3 * rng.next()) * s);
      return { kind, start, end: start, variables: [v] };
    }
    case 'level-shift': {
      const last = end(span(6));
      const shift = sign * 4 * spread[start * p + v];
      for (let r = start; r <= last; r++) values[r * p + v] = clampCounts(v, values[r * p + v] + shift);
      return { kind, start, end: last, variables: [v] };
    }
    case 'variance': {
      const last = end(span(6));
      for (let r = start; r <= last; r++) values[r * p + v] = clampCounts(v, values[r * p + v] + 4 * spread[r * p + v] * rng.normal());
      return { kind, start, end: last, variables: [v] };
    }
    case 'stuck': {
      const last = end(span(4));
      const frozen = values[(start - 1) * p + v];
      for (let r = start; r <= last; r++) values[r * p + v] = frozen;
      return { kind, start, end: last, variables: [v] };
    }
    case 'broken-pattern': {
      // A weekday that stays as quiet as a night from 06:00 to 20:00 (a strike, a closure):
      // every variable loses its daytime activity.
      const last = end(span(14));
      for (let r = start; r <= last; r++) {
        for (let j = 0; j < p; j++) {
          const s = SPECS[j];
          values[r * p + j] = clampCounts(j, values[r * p + j] - s.amplitude * (c.act[r] - 0.08) * 0.85);
        }
      }
      return { kind, start, end: last, variables: Array.from({ length: p }, (_, j) => j) };
    }
    case 'multivariate': {
      // Two variables that normally move in step (both with the activity, or one against it)
      // break step, each by twice its own spread: a 2σ value is not odd (5 % of readings
      // are further out), the pair moving apart is.
      const w = (v + 1) % p;
      const last = end(span(3));
      const signW = Math.sign(SPECS[v].amplitude) === Math.sign(SPECS[w].amplitude) ? -sign : sign;
      for (let r = start; r <= last; r++) {
        values[r * p + v] = clampCounts(v, values[r * p + v] + 2 * sign * spread[r * p + v]);
        values[r * p + w] = clampCounts(w, values[r * p + w] + 2 * signW * spread[r * p + w]);
      }
      return { kind, start, end: last, variables: [v, w] };
    }
  }
}
