/**
 * Workload Monitoring, quality and speed, side by side in one run:
 *
 *  1. Leave-one-subject-out on the simulated operators (models/workload/train.py writes them,
 *     bench/workload/folds.py trains one model per held-out operator): balanced accuracy and F1
 *     for low/normal/high of
 *       - the general model (the fold's ONNX model, no calibration),
 *       - the personalised model (the same model, the held-out operator calibrated with their
 *         first three windows of the low session as "rest" and of the high session as "task"),
 *       - a non-personalised baseline: heart-rate thresholds halfway between the training
 *         operators' class means;
 *     all scored on the same windows (the calibration windows left out for every method).
 *  2. Detection delay of a sustained overload: each held-out operator's normal session followed
 *     by their high session, one estimate per 20 s as in the simulation, through the node's own
 *     tracker (smoothing 60 s, bands 0.7/0.6, minimum 120 s); and the shipped EDF sample replayed
 *     through the whole monitor (features from raw samples).
 *  3. Speed: feature extraction and inference for 50 operators (4 EEG channels at 256 Hz and a PPG
 *     at 64 Hz each, one estimate per 10 s), CPU time of this process per second of data, as % of
 *     one core.
 *
 *     bash bench/workload/setup.sh && .bench/workload-venv/bin/python models/workload/train.py \
 *       && .bench/workload-venv/bin/python bench/workload/folds.py && npm run bench:workload
 */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../nodes/platform/node-kit';
import { align, LEVELS, WorkloadModel } from '../nodes/workload/model';
import type { Calibration, ModelInfo } from '../nodes/workload/model';
import { DEFAULT_MONITOR, WorkloadMonitor } from '../nodes/workload/monitor';
import { edfChunks } from '../nodes/workload/replay';
import type { Chunk } from '../nodes/workload/samples';
import { DEFAULT_BANDS, WorkloadTracker } from '../nodes/workload/tracker';
import { Rng } from './random';

const BENCH = path.join(PACKAGE_ROOT, '.bench', 'workload');
type Level = (typeof LEVELS)[number];
interface Session { subject: number; level: Level; rows: number[][] }

function transform(row: number[], info: ModelInfo): number[] {
  return row.map((v, i) => (info.transform.log.includes(info.features[i]) ? Math.log(v) : v));
}

function scores(truth: number[], predicted: number[]): { balancedAccuracy: number; f1: number[]; macroF1: number } {
  const recall: number[] = [];
  const f1: number[] = [];
  for (let c = 0; c < 3; c++) {
    const tp = truth.filter((t, i) => t === c && predicted[i] === c).length;
    const fn = truth.filter((t, i) => t === c && predicted[i] !== c).length;
    const fp = truth.filter((t, i) => t !== c && predicted[i] === c).length;
    recall.push(tp / Math.max(1, tp + fn));
    f1.push((2 * tp) / Math.max(1, 2 * tp + fp + fn));
  }
  return { balancedAccuracy: recall.reduce((a, b) => a + b, 0) / 3, f1, macroF1: f1.reduce((a, b) => a + b, 0) / 3 };
}

const argmax = (p: number[]) => p.indexOf(Math.max(...p));
const fmt = (v: number) => v.toFixed(3);

async function loso(sessions: Session[]): Promise<void> {
  const subjects = [...new Set(sessions.map((s) => s.subject))].sort((a, b) => a - b);
  const truth: number[] = [];
  const out = { general: [] as number[], personalised: [] as number[], baseline: [] as number[] };
  const delays: { general: number[]; personalised: number[] } = { general: [], personalised: [] };
  let falseAlarms = { general: 0, personalised: 0 };
  for (const s of subjects) {
    const model = await WorkloadModel.load(path.join(BENCH, 'folds', `fold-${s}.onnx`));
    const info = model.info;
    const own = sessions.filter((x) => x.subject === s);
    const train = sessions.filter((x) => x.subject !== s);
    // Baseline thresholds from the training operators' mean heart rate per level.
    const hr = (level: Level) => {
      const v = train.filter((x) => x.level === level).flatMap((x) => x.rows.map((r) => r[3]));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    const [lowHr, normalHr, highHr] = [hr('low'), hr('normal'), hr('high')];
    const session = (level: Level) => own.find((x) => x.level === level)!.rows.map((r) => transform(r, info));
    const cal: Calibration = {
      rest: mean(session('low').slice(0, 3)),
      task: mean(session('high').slice(0, 3)),
    };
    for (const level of LEVELS) {
      const rows = session(level).slice(level === 'normal' ? 0 : 3);
      const general = await model.predict(rows);
      const personal = await model.predict(rows.map((r) => align(r, cal, info)));
      rows.forEach((r, i) => {
        truth.push(LEVELS.indexOf(level));
        out.general.push(argmax(general[i].p));
        out.personalised.push(argmax(personal[i].p));
        const h = r[3];
        out.baseline.push(h < (lowHr + normalHr) / 2 ? 0 : h > (normalHr + highHr) / 2 ? 2 : 1);
      });
    }
    // Detection delay: normal, then high, one estimate per 20 s.
    for (const kind of ['general', 'personalised'] as const) {
      const tracker = new WorkloadTracker(DEFAULT_BANDS);
      const seq = [...session('normal').map((r) => ['normal', r] as const), ...session('high').map((r) => ['high', r] as const)];
      const preds = await model.predict(seq.map(([, r]) => (kind === 'personalised' ? align(r, cal, info) : r)));
      const start = session('normal').length * 20_000;
      let delay = NaN;
      seq.forEach(([level], i) => {
        const u = tracker.update(i * 20_000, preds[i].index, 1, 1);
        if (u.sustained === 'high' && level === 'normal') falseAlarms = { ...falseAlarms, [kind]: falseAlarms[kind] + 1 };
        if (u.sustained === 'high' && level === 'high' && Number.isNaN(delay)) delay = (i * 20_000 - start) / 1000;
      });
      delays[kind].push(delay);
    }
    await model.close();
  }
  console.log(`\n1. leave-one-subject-out, ${subjects.length} simulated operators, ${truth.length} windows (same windows for every method)`);
  console.log('method                  balanced acc   F1 low   F1 normal   F1 high   macro F1');
  for (const [name, p] of Object.entries(out)) {
    const r = scores(truth, p);
    console.log(`${name.padEnd(24)}${fmt(r.balancedAccuracy).padStart(12)}${fmt(r.f1[0]).padStart(9)}${fmt(r.f1[1]).padStart(12)}${fmt(r.f1[2]).padStart(10)}${fmt(r.macroF1).padStart(11)}`);
  }
  console.log(`\n2. detection delay of a sustained overload (normal session then high session, estimates every 20 s for 240 s each; minimum duration ${DEFAULT_BANDS.minDurationS} s, smoothing ${DEFAULT_BANDS.smoothingS} s)`);
  for (const kind of ['general', 'personalised'] as const) {
    const found = delays[kind].filter(Number.isFinite).sort((a, b) => a - b);
    const median = found.length ? found[found.length >> 1] : NaN;
    console.log(`${kind.padEnd(13)} detected in ${found.length}/${delays[kind].length} sessions; median ${median} s, max ${found.at(-1)} s; false "high" alerts during the normal sessions: ${falseAlarms[kind]}`);
  }
}

function mean(rows: number[][]): number[] {
  return rows[0].map((_, i) => rows.reduce((a, r) => a + r[i], 0) / rows.length);
}

async function sampleDelay(model: WorkloadModel): Promise<void> {
  const monitor = new WorkloadMonitor(model, DEFAULT_MONITOR);
  const t0 = Date.UTC(2026, 11, 5, 21);
  for await (const chunk of edfChunks(path.join(PACKAGE_ROOT, 'flows/workload/operator-2.edf'), { operator: 'op-2', device: 'replay', start: t0 })) {
    monitor.ingest(chunk, t0);
    const drafts = await monitor.step();
    const high = drafts.find((d) => d.event === 'Operator workload high');
    if (high) {
      console.log(`   shipped EDF sample (raw samples → features → model → tracker): overload from 60 s, alert at ${(chunk.t0 - t0) / 1000 + 1} s: delay ${(chunk.t0 - t0) / 1000 + 1 - 60} s`);
      return;
    }
  }
  console.log('   shipped EDF sample: no overload alert');
}

async function speed(model: WorkloadModel, operators: number, seconds: number): Promise<void> {
  const rng = new Rng(77);
  const monitor = new WorkloadMonitor(model, DEFAULT_MONITOR);
  const t0 = Date.UTC(2026, 11, 5, 21);
  // Pre-built seconds of signal, so the measurement is the monitor's work, not the generator's.
  const eeg = Array.from({ length: 8 }, () => Array.from({ length: 256 }, (_, i) => 10 * Math.sin((2 * Math.PI * 10 * i) / 256 + rng.next() * 6) + 6 * rng.normal()));
  const ppg = Array.from({ length: 64 }, (_, i) => Math.sin((2 * Math.PI * 1.2 * i) / 64) ** 3);
  const chunk = (op: number, s: number): Chunk => ({
    operator: `op-${op}`, device: `band-${op}`, t0: t0 + s * 1000,
    channels: [
      ...['AF7', 'AF8', 'TP9', 'TP10'].map((name, c) => ({ name, kind: 'eeg' as const, rate: 256, values: eeg[(s + c + op) % 8] })),
      { name: 'PPG', kind: 'ppg' as const, rate: 64, values: ppg.map((v) => v + 0.05 * rng.normal()) },
    ],
  });
  // Warm-up: fill the windows.
  for (let s = 0; s < 30; s++) for (let op = 0; op < operators; op++) monitor.ingest(chunk(op, s), t0);
  await monitor.step();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let s = 30; s < 30 + seconds; s++) {
    for (let op = 0; op < operators; op++) monitor.ingest(chunk(op, s), t0);
    await monitor.step();
  }
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  const wallS = Number(process.hrtime.bigint() - wall) / 1e9;
  console.log(`\n3. speed: ${operators} operators × ${seconds} s of data (4 EEG at 256 Hz + PPG at 64 Hz each, an estimate per 10 s): CPU ${cpuS.toFixed(2)} s (wall ${wallS.toFixed(2)} s)`);
  console.log(`   = ${((100 * cpuS) / seconds).toFixed(2)} % of one core in real time (target < 10 %); ${((1000 * cpuS) / (operators * seconds)).toFixed(3)} ms CPU per operator-second`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const file = path.join(BENCH, 'sessions.json');
  if (fs.existsSync(file) && fs.existsSync(path.join(BENCH, 'folds'))) {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { sessions: Session[] };
    await loso(data.sessions);
  } else {
    console.log('1–2. no simulated sessions: run models/workload/train.py and bench/workload/folds.py in the bench venv first (see the header)');
  }
  const model = await WorkloadModel.load();
  await sampleDelay(model);
  await speed(model, 50, quick ? 30 : 300);
  await model.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
