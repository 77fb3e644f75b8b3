/**
 * Generated machine and service series for the quality bench: the kind of data the issue's own
 * collection holds (server and cloud metrics, machine sensors, request counts; 5-minute rows,
 * three weeks), with no weekly rhythm and one labelled anomaly each. The city set beside it is
 * all rhythm; this one asks issue 20's "any series": wandering levels, heavy tails, counts,
 * integer readings, and a level change that becomes the new normal.
 *
 * Kinds (each anomaly starts between 45 % and 85 % of the file):
 *  - cpu: a load in % that wanders (AR(1), φ 0.9) with short ordinary bursts (1 % of rows,
 *    exponential, mean +20); anomaly: +25 for 3 hours;
 *  - temperature: a machine temperature whose level random-walks, with AR noise; anomaly: a drop
 *    of 8 degrees within half an hour, back after 5 hours;
 *  - latency: log-normal request latency (median 120 ms, σ of the log 0.35); anomaly: 2.2 times
 *    slower for 6 hours;
 *  - requests: Poisson request counts with a daily cycle (mean 5 to 35); anomaly: 3 times as
 *    many for 2 hours;
 *  - integer: an integer reading near-flat (round(50 + 0.3·N(0, 1))); anomaly: 4 higher for
 *    good, a change that must become the new normal.
 *
 * Windows as NAB lays them out: 10 % of the file, centred on the onset; NAB's 15 % probation.
 */
import { MINUTE, START } from './anomaly-data';
import { PROBATION } from './anomaly-real';
import type { RealSeries } from './anomaly-real';
import { Rng } from './random';

export const MACHINE_KINDS = ['cpu', 'temperature', 'latency', 'requests', 'integer'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

const STEP_MS = 5 * MINUTE;
const ROWS = 21 * 288;
const HOUR_ROWS = 12;

/** One series of `kind`: values, the anomaly's onset and its window. */
export function generateMachine(kind: MachineKind, seed: number): RealSeries {
  const rng = new Rng(seed);
  const values = new Float64Array(ROWS);
  const ts = new Float64Array(ROWS);
  const at = Math.floor(ROWS * (0.45 + 0.4 * rng.next()));
  let ar = 0;
  let walk = 0;
  for (let r = 0; r < ROWS; r++) {
    ts[r] = START + r * STEP_MS;
    const after = r - at;
    if (kind === 'cpu') {
      ar = 0.9 * ar + 3 * rng.normal();
      const burst = rng.next() < 0.01 ? 20 * rng.exponential() : 0;
      values[r] = Math.min(100, Math.max(0, 30 + ar + burst + (after >= 0 && after < 3 * HOUR_ROWS ? 25 : 0)));
    } else if (kind === 'temperature') {
      walk += 0.05 * rng.normal();
      ar = 0.8 * ar + 0.5 * rng.normal();
      const drop = after >= 0 && after < 5 * HOUR_ROWS ? 8 * (1 - Math.exp(-after / 2)) : 0;
      values[r] = 80 + walk + ar - drop;
    } else if (kind === 'latency') {
      values[r] = 120 * Math.exp(0.35 * rng.normal()) * (after >= 0 && after < 6 * HOUR_ROWS ? 2.2 : 1);
    } else if (kind === 'requests') {
      const hour = (r / HOUR_ROWS) % 24;
      const mean = 20 + 15 * Math.sin(((hour - 6) / 24) * 2 * Math.PI);
      values[r] = rng.poisson(mean * (after >= 0 && after < 2 * HOUR_ROWS ? 3 : 1));
    } else {
      values[r] = Math.round(50 + 0.3 * rng.normal()) + (after >= 0 ? 4 : 0);
    }
  }
  const from = Math.floor(PROBATION * ROWS);
  const half = Math.round((0.1 * ROWS) / 2);
  return { source: kind, name: `${kind}-${seed}`, split: 'tuning', names: [kind], ts, values, p: 1, windows: [{ start: Math.max(from, at - half), end: Math.min(ROWS - 1, at + half) }], from, peers: {} };
}

/** `perKind` seeds of every kind. */
export function machineSet(perKind: number): RealSeries[] {
  return MACHINE_KINDS.flatMap((kind, k) => Array.from({ length: perKind }, (_, i) => generateMachine(kind, 100 * (k + 1) + i + 1)));
}
