/**
 * The general workload model (models/workload/workload-general.onnx, trained by
 * models/workload/train.py on simulated operators) run by onnxruntime-node, and the per-operator
 * calibration that personalises it without retraining: each feature is moved so that the
 * operator's own rest segment lands on the population's rest, and scaled so that their
 * rest-to-task change matches the population's.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../platform/node-kit';
import { MODEL_FEATURES } from './features';
import type { ModelFeature } from './features';

export const LEVELS = ['low', 'normal', 'high'] as const;
export type Level = (typeof LEVELS)[number];

export interface ModelInfo {
  features: string[];
  transform: { log: string[] };
  classes: string[];
  mean: number[];
  std: number[];
  rest: number[];
  task: number[];
}

export const DEFAULT_MODEL = path.join(PACKAGE_ROOT, 'models', 'workload', 'workload-general.onnx');

/** The model's input: log of the multiplicative features, as train.py's transform. */
export function modelInput(features: Record<ModelFeature, number>, info: ModelInfo): number[] {
  return MODEL_FEATURES.map((name) => {
    const v = features[name];
    return info.transform.log.includes(name) ? (v > 0 ? Math.log(v) : NaN) : v;
  });
}

export interface Calibration {
  /** Mean model input over the rest segment. */
  rest?: number[];
  /** Mean model input over the task segment. */
  task?: number[];
}

/**
 * The operator's features on the population's scale. With a rest segment only, a shift; with
 * rest and task, a shift and a scale per feature (bounded to ×¼–×4, and only where the operator
 * moved the same way as the population, else left at ×1).
 */
export function align(x: readonly number[], cal: Calibration | undefined, info: ModelInfo): number[] {
  if (!cal?.rest) return [...x];
  return x.map((v, i) => {
    const rest = cal.rest![i];
    if (!Number.isFinite(v) || !Number.isFinite(rest)) return v;
    let scale = 1;
    const own = cal.task ? cal.task[i] - rest : NaN;
    const population = info.task[i] - info.rest[i];
    if (Number.isFinite(own) && own !== 0 && Math.sign(own) === Math.sign(population)) scale = Math.min(4, Math.max(0.25, population / own));
    return info.rest[i] + (v - rest) * scale;
  });
}

export interface Prediction {
  /** Probability of low, normal, high. */
  p: [number, number, number];
  /** Expected level on 0 (low) … 1 (high): P(normal)/2 + P(high). */
  index: number;
  /** Share of the model's features that were measured (not filled in with the population mean). */
  coverage: number;
}

export class WorkloadModel {
  private constructor(private readonly session: ort.InferenceSession, readonly info: ModelInfo, readonly file: string) {}

  static async load(file = DEFAULT_MODEL): Promise<WorkloadModel> {
    const infoFile = file.replace(/\.onnx$/, '.json');
    let info: ModelInfo;
    try {
      info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as ModelInfo;
    } catch (err) {
      throw new Error(`the model's description ${infoFile} cannot be read: ${(err as Error).message}`);
    }
    if (JSON.stringify(info.features) !== JSON.stringify(MODEL_FEATURES) || JSON.stringify(info.classes) !== JSON.stringify(LEVELS)) {
      throw new Error(`${infoFile} is for features ${JSON.stringify(info.features)} and classes ${JSON.stringify(info.classes)}; this node computes ${JSON.stringify(MODEL_FEATURES)} → ${JSON.stringify(LEVELS)}`);
    }
    // One thread: the model is a few dozen multiply-adds per operator; threads would cost more than they save.
    const session = await ort.InferenceSession.create(fs.readFileSync(file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new WorkloadModel(session, info, file);
  }

  /** Missing features take the population mean, and lower the coverage. */
  async predict(inputs: number[][]): Promise<Prediction[]> {
    if (!inputs.length) return [];
    const n = MODEL_FEATURES.length;
    const data = new Float32Array(inputs.length * n);
    const coverage = inputs.map((x, r) => {
      let known = 0;
      x.forEach((v, i) => {
        const ok = Number.isFinite(v);
        if (ok) known++;
        data[r * n + i] = ok ? v : this.info.mean[i];
      });
      return known / n;
    });
    const feeds = { [this.session.inputNames[0]]: new ort.Tensor('float32', data, [inputs.length, n]) };
    const out = await this.session.run(feeds);
    const probs = out[this.session.outputNames[1]].data as Float32Array;
    return inputs.map((_, r) => {
      const p: [number, number, number] = [probs[r * 3], probs[r * 3 + 1], probs[r * 3 + 2]];
      return { p, index: p[1] / 2 + p[2], coverage: coverage[r] };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
