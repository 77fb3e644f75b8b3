/**
 * Accuracy of the demo firearm model through the node's own code (letterbox, Detector, NMS,
 * AlertPolicy), on data from models/firearm/make_eval.py:
 *
 *   python3 models/firearm/make_eval.py /tmp/firearm-eval
 *   npm run build && node dist/scripts/firearm-eval.js /tmp/firearm-eval
 *
 * Prints AP@0.5 per class on the held-out scenes, false alarms per hour of gun-free footage
 * (5 frames/s) without and with temporal confirmation, and the share of armed clips caught.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertPolicy } from '../nodes/vision/alerting';
import { Detector } from '../nodes/vision/detector';
import { iou } from '../nodes/vision/geometry';
import { acquireModel, DEMO_MODEL } from '../nodes/vision/model-registry';
import type { TrackerOptions } from '../nodes/vision/tracker';

const FPS = 5;
const FIREARMS = ['handgun', 'rifle'];
const MODES: Record<string, TrackerOptions> = {
  'single frame (no confirmation)': { mode: 'none', window: 1, minHits: 1, threshold: 0.5, matchIou: 0.3, maxMissed: 3 },
  'median of 5 frames ≥ 0.5 (node default)': { mode: 'median', window: 5, minHits: 3, threshold: 0.5, matchIou: 0.3, maxMissed: 3 },
  '3 of 5 frames ≥ 0.5': { mode: 'k-of-n', window: 5, minHits: 3, threshold: 0.5, matchIou: 0.3, maxMissed: 3 },
};

interface Label { classId: number; box: [number, number, number, number] }

/** All-point interpolated AP (VOC 2010+), one class. */
function averagePrecision(scored: Array<{ score: number; hit: boolean }>, positives: number): number {
  if (positives === 0) return NaN;
  scored.sort((a, b) => b.score - a.score);
  let tp = 0;
  const points = scored.map((s, i) => {
    if (s.hit) tp++;
    return { recall: tp / positives, precision: tp / (i + 1) };
  });
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < points.length; i++) {
    const maxPrecision = Math.max(...points.slice(i).map((p) => p.precision));
    ap += (points[i].recall - prevRecall) * maxPrecision;
    prevRecall = points[i].recall;
  }
  return ap;
}

async function main(): Promise<void> {
  const root = process.argv[2] ?? '/tmp/firearm-eval';
  const model = await acquireModel(process.argv[3] ?? DEMO_MODEL, { threads: 2 });
  const names = model.info.classNames;
  const detector = new Detector(model, { minScore: 0.05, iou: 0.45 });
  const labels = JSON.parse(fs.readFileSync(path.join(root, 'heldout', 'labels.json'), 'utf8')) as Record<string, Label[]>;
  const scored = names.map(() => [] as Array<{ score: number; hit: boolean }>);
  const positives = names.map(() => 0);
  for (const [file, truth] of Object.entries(labels)) {
    const result = await detector.detect(fs.readFileSync(path.join(root, 'heldout', file)));
    truth.forEach((t) => positives[t.classId]++);
    const used = new Set<number>();
    for (const d of [...result.detections].sort((a, b) => b.score - a.score)) {
      let best = -1;
      let bestIou = 0.5;
      truth.forEach((t, i) => {
        if (t.classId !== d.classId || used.has(i)) return;
        const v = iou(d, { x1: t.box[0], y1: t.box[1], x2: t.box[2], y2: t.box[3] });
        if (v >= bestIou) { bestIou = v; best = i; }
      });
      if (best >= 0) used.add(best);
      scored[d.classId]?.push({ score: d.score, hit: best >= 0 });
    }
  }
  console.log(`held-out scenes: ${Object.keys(labels).length}`);
  const aps = names.map((n, c) => ({ n, ap: averagePrecision(scored[c], positives[c]), count: positives[c] }));
  for (const { n, ap, count } of aps) console.log(`  AP@0.5 ${n.padEnd(8)} ${(ap * 100).toFixed(1)}%  (${count} objects)`);
  const firearmAps = aps.filter((a) => FIREARMS.includes(a.n));
  console.log(`  mAP@0.5 firearms ${(firearmAps.reduce((s, a) => s + a.ap, 0) / firearmAps.length * 100).toFixed(1)}%, all classes ${(aps.reduce((s, a) => s + a.ap, 0) / aps.length * 100).toFixed(1)}%`);

  const clips = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((c) => path.join(dir, c)) : []);
  // Each clip's frames run once through the detector; every policy sees the same detections.
  const detect = async (clip: string) => {
    const out = [];
    for (const f of fs.readdirSync(clip).filter((n) => n.endsWith('.jpg')).sort()) out.push(await detector.detect(fs.readFileSync(path.join(clip, f))));
    return out;
  };
  const runPolicy = (frames: Awaited<ReturnType<typeof detect>>, tracking: TrackerOptions) => {
    // Cooldown 0: every newly confirmed track counts as one alarm, the cooldown's help left out.
    const policy = new AlertPolicy({ classes: FIREARMS, minArea: 0, maxArea: 1 }, tracking, 0);
    const alarms = new Set<number>();
    let first = -1;
    frames.forEach((frame, i) => {
      const scoredFrame = { ...frame, detections: frame.detections.filter((d) => d.score >= 0.25) };
      for (const t of policy.decide({ id: 'clip' }, scoredFrame, i * 1000 / FPS).alert) {
        if (!alarms.has(t.id) && first < 0) first = i;
        alarms.add(t.id);
      }
    });
    return { alarms: alarms.size, first };
  };
  const quiet = await Promise.all([]).then(async () => { const r = []; for (const c of clips(path.join(root, 'footage'))) r.push(await detect(c)); return r; });
  const armed = []; for (const c of clips(path.join(root, 'armed'))) armed.push(await detect(c));
  const hours = quiet.reduce((s, f) => s + f.length, 0) / FPS / 3600;
  console.log(`gun-free footage: ${quiet.length} clips, ${(hours * 60).toFixed(1)} minutes at ${FPS} frames/s; armed: ${armed.length} clips`);
  for (const [label, tracking] of Object.entries(MODES)) {
    const fa = quiet.reduce((s, frames) => s + runPolicy(frames, tracking).alarms, 0);
    const caught = armed.map((frames) => runPolicy(frames, tracking).first).filter((f) => f >= 0);
    const delay = caught.length ? caught.reduce((s, f) => s + f, 0) / caught.length / FPS : NaN;
    console.log(`  ${label.padEnd(42)} false alarms ${fa} → ${(fa / hours).toFixed(1)}/hour; armed clips caught ${caught.length}/${armed.length}, mean first alert after ${delay.toFixed(1)} s`);
  }
  await model.release();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
