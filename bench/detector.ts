/**
 * bench/detector: the firearm detector pipeline against a bare `session.run`, side by side.
 *
 *   npm run bench:detector
 *
 * 1. Throughput and latency: end to end (JPEG decode, letterbox, inference, decode + NMS,
 *    tracking/confirmation) versus `session.run` on the same, already letterboxed input tensor,
 *    back to back. Latency is taken one frame at a time. Throughput end to end is taken as the
 *    node runs a stream with its default of 2 frames in progress (the next frame decoding while
 *    the current one is inferred; inference one at a time, in order), and also one frame at a
 *    time, printed beside it. Rounds alternate so that machine noise hits all alike. The ratio
 *    is streaming end-to-end frames/s ÷ bare frames/s (1.0 = no overhead; target ≥ 0.85).
 * 2. Event-loop lag (p99 of perf_hooks' delay histogram) while 4 cameras send 5 frames/s each
 *    into one shared detector behind the node's latest-frame-wins gate (target < 50 ms): the
 *    runtime must stay responsive while it detects.
 * Numbers are ratios and percentiles measured in one run; no wall-clock target is asserted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../nodes/platform/node-kit';
import { AlertPolicy } from '../nodes/vision/alerting';
import { Detector } from '../nodes/vision/detector';
import { FrameGate } from '../nodes/vision/frame-gate';
import { letterbox } from '../nodes/vision/letterbox';
import { acquireModel, DEMO_MODEL } from '../nodes/vision/model-registry';
import { DEFAULT_TRACKER } from '../nodes/vision/tracker';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const FRAMES_PER_ROUND = Number(process.env.FRAMES ?? 120);
const LAG_SECONDS = Number(process.env.LAG_SECONDS ?? 10);
const THREADS = Number(process.env.THREADS ?? 1);
/** Frames in progress at once in the streaming run: the detector nodes' default "parallel frames". */
const STREAM_IN_PROGRESS = 2;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const model = await acquireModel(process.env.MODEL ?? DEMO_MODEL, { threads: THREADS });
  const dir = path.join(PACKAGE_ROOT, 'flows', 'frames', 'square');
  const frames = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
  const { info } = model;
  // The bare reference: the same model and settings in a plain session on this thread.
  const session = await ort.InferenceSession.create(fs.readFileSync(model.info.file), { intraOpNumThreads: THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const tensors = await Promise.all(frames.map(async (f) => new ort.Tensor('float32', (await letterbox(f, info.inputWidth, info.inputHeight)).tensor, [1, 3, info.inputHeight, info.inputWidth])));
  const detector = new Detector(model, { minScore: 0.25, iou: 0.45 });
  const policy = new AlertPolicy({ classes: ['handgun', 'rifle'], minArea: 0, maxArea: 1 }, DEFAULT_TRACKER, 30_000);

  const bare: number[] = [];
  const e2e: number[] = [];
  let bareMs = 0;
  let e2eMs = 0;
  let streamMs = 0;
  let streamFrame = 0;
  for (let i = 0; i < 5; i++) await session.run({ [info.inputName]: tensors[i % tensors.length] }); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    for (let i = 0; i < FRAMES_PER_ROUND; i++) {
      const s = performance.now();
      const out = await session.run({ [info.inputName]: tensors[i % tensors.length] });
      for (const t of Object.values(out)) t.dispose();
      bare.push(performance.now() - s);
    }
    bareMs += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < FRAMES_PER_ROUND; i++) {
      const s = performance.now();
      const result = await detector.detect(frames[i % frames.length]);
      policy.decide({ id: 'bench' }, result, i * 200);
      e2e.push(performance.now() - s);
    }
    e2eMs += performance.now() - t0;
    t0 = performance.now();
    await new Promise<void>((resolve) => {
      let started = 0;
      let finished = 0;
      const gate = new FrameGate<Buffer>(STREAM_IN_PROGRESS, async (frame) => {
        const result = await detector.detect(frame);
        policy.decide({ id: 'stream' }, result, streamFrame++ * 200);
        if (++finished === FRAMES_PER_ROUND) resolve();
        // One id per frame: nothing is dropped, every frame is counted.
        else if (started < FRAMES_PER_ROUND) gate.offer(`s${started}`, frames[started++ % frames.length]);
      }, () => undefined);
      for (; started < STREAM_IN_PROGRESS; started++) gate.offer(`s${started}`, frames[started % frames.length]);
    });
    streamMs += performance.now() - t0;
  }
  const n = ROUNDS * FRAMES_PER_ROUND;
  const bareFps = (n / bareMs) * 1000;
  const e2eFps = (n / e2eMs) * 1000;
  const streamFps = (n / streamMs) * 1000;
  bare.sort((a, b) => a - b);
  e2e.sort((a, b) => a - b);
  console.log(`model ${path.basename(info.file)} input ${info.inputWidth}x${info.inputHeight}, frames ${frames.length} of 320x240 JPEG, ${n} per side`);
  console.log(`bare session.run : ${bareFps.toFixed(1)} frames/s, latency p50 ${pct(bare, 50).toFixed(1)} ms p99 ${pct(bare, 99).toFixed(1)} ms`);
  console.log(`end to end       : ${e2eFps.toFixed(1)} frames/s one frame at a time, latency p50 ${pct(e2e, 50).toFixed(1)} ms p99 ${pct(e2e, 99).toFixed(1)} ms`);
  console.log(`end to end       : ${streamFps.toFixed(1)} frames/s as a stream, ${STREAM_IN_PROGRESS} frames in progress (the node's default)`);
  console.log(`overhead ratio (streaming end-to-end ÷ bare throughput): ${(streamFps / bareFps).toFixed(3)} (target ≥ 0.85); one frame at a time: ${(e2eFps / bareFps).toFixed(3)}`);

  // 4 cameras × 5 frames/s into one detector, as the node runs them.
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let processed = 0;
  const gate = new FrameGate<Buffer>(STREAM_IN_PROGRESS, async (frame) => {
    const result = await detector.detect(frame);
    policy.decide({ id: 'cam' }, result, Date.now());
    processed++;
  }, () => undefined);
  histogram.enable();
  const timers = [0, 1, 2, 3].map((cam) => {
    let i = cam * 5;
    return setInterval(() => gate.offer(`cam${cam}`, frames[i++ % frames.length]), 200);
  });
  await new Promise((r) => setTimeout(r, LAG_SECONDS * 1000));
  timers.forEach(clearInterval);
  histogram.disable();
  while (gate.busy) await new Promise((r) => setTimeout(r, 10));
  const offered = processed + gate.dropped;
  console.log(`4 cameras × 5 frames/s for ${LAG_SECONDS} s: ${processed} frames detected, ${gate.dropped} dropped (latest frame wins) of ${offered}`);
  console.log(`event-loop lag: p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms (target p99 < 50 ms)`);
  await model.release();
  await session.release();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
