/**
 * Speed and memory of the Urban Anomaly Detector (`npm run bench:anomaly`), side by side with
 * the plain EWMA z-score baseline on the same data in the same run, as ratios:
 *
 * - samples/s (rows × variables per second) for 1 and for 20 variables, on one core (Node
 *   runs the detector on one thread); the target is at least 50,000 univariate samples/s;
 * - memory per series: heap held per univariate detector once warm and calibrated, measured
 *   over many detectors with forced garbage collection, and the size of its saved state.
 *
 * Timings are wall-clock on a shared machine: each figure is the best of three rounds, and the
 * ratio is what to compare across machines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../nodes/anomaly/config';
import { AnomalyDetector } from '../nodes/anomaly/detector';
import { activity, HOUR, MINUTE, START } from './anomaly-data';
import { EwmaZScore } from './ewma';
import { Rng } from './random';

const TARGET = 50_000;
const config = resolveConfig();

/** Seasonal minute data with noise and a few spikes: rows × p values and their times. */
function data(rows: number, p: number, seed: number): { ts: Float64Array; values: Float64Array } {
  const rng = new Rng(seed);
  const ts = new Float64Array(rows);
  const values = new Float64Array(rows * p);
  for (let r = 0; r < rows; r++) {
    ts[r] = START + r * MINUTE;
    const a = activity(((ts[r] - START) / HOUR) % 168);
    const common = rng.normal();
    for (let j = 0; j < p; j++) values[r * p + j] = 50 + 100 * (1 + j / p) * a + 10 * common + 5 * rng.normal() + (rng.next() < 1e-4 ? 80 : 0);
  }
  return { ts, values };
}

function best(rounds: number, fn: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return fastest;
}

function speed(p: number, rows: number) {
  const { ts, values } = data(rows, p, 7 + p);
  let alarms = 0;
  const ours = best(3, () => {
    const d = new AnomalyDetector(config);
    for (let j = 0; j < p; j++) d.variable(`v${j}`);
    alarms = 0;
    for (let r = 0; r < rows; r++) if (d.step(ts[r], values.subarray(r * p, (r + 1) * p)).alarm) alarms += 1;
  });
  const ewma = best(3, () => {
    const e = new EwmaZScore(p, config.falseAlarmRate, 0.01, 100);
    for (let r = 0; r < rows; r++) e.alarm(values.subarray(r * p, (r + 1) * p));
  });
  const samples = rows * p;
  return { p, rows, oursPerSecond: samples / ours, ewmaPerSecond: samples / ewma, ratio: ewma / ours, alarms };
}

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const n = 200;
  const rows = 4000;
  const { ts, values } = data(rows, 1, 99);
  gc();
  const before = process.memoryUsage().heapUsed;
  const detectors: AnomalyDetector[] = [];
  for (let i = 0; i < n; i++) {
    const d = new AnomalyDetector(config);
    d.variable('v');
    for (let r = 0; r < rows; r++) d.step(ts[r], values.subarray(r, r + 1));
    detectors.push(d);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const state = JSON.stringify(detectors[0]).length;
  const twenty = new AnomalyDetector(config);
  for (let j = 0; j < 20; j++) twenty.variable(`v${j}`);
  const wide = data(rows, 20, 5);
  for (let r = 0; r < rows; r++) twenty.step(wide.ts[r], wide.values.subarray(r * 20, (r + 1) * 20));
  return { bytesPerSeries: (after - before) / n, stateBytes: state, stateBytesPer20VariableGroup: JSON.stringify(twenty).length, keep: detectors.length };
}

function main(): void {
  const uni = speed(1, 300_000);
  const wide = speed(20, 30_000);
  const mem = memory();
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    `Urban Anomaly Detector speed (Node ${process.version}, one thread; best of 3 rounds)`,
    '',
    '| variables | impetus samples/s | EWMA samples/s | EWMA / impetus time ratio |',
    '|---|---|---|---|',
    ...[uni, wide].map((s) => `| ${s.p} | ${fmt(s.oursPerSecond)} | ${fmt(s.ewmaPerSecond)} | ${s.ratio.toFixed(3)} (impetus takes ${(1 / s.ratio).toFixed(1)}× as long) |`),
    '',
    `Univariate target ≥ ${fmt(TARGET)} samples/s: ${uni.oursPerSecond >= TARGET ? 'met' : 'NOT met'} (${(uni.oursPerSecond / TARGET).toFixed(1)}× the target).`,
    mem
      ? `Memory per univariate series (warm, calibrated): ${fmt(mem.bytesPerSeries)} bytes of heap; saved state ${fmt(mem.stateBytes)} bytes of JSON (${fmt(mem.stateBytesPer20VariableGroup)} for a 20-variable group).`
      : 'Memory: run with node --expose-gc to measure (npm run bench:anomaly does).',
  ];
  const report = lines.join('\n');
  console.log(report);
  const dir = path.resolve(__dirname, '..', '..', '.bench');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'anomaly-speed.md'), `${report}\n`);
}

main();
