/**
 * The optional learned text classifier: a tokenizer in TypeScript that turns a post into hashed
 * features, and an ONNX model run by onnxruntime-node that scores each label from them. The model
 * (`models/social/social-text.onnx`, trained by `models/social/train.py`) is a logistic regression
 * per label over these features: small, multilingual by construction (the features are words and
 * character trigrams of any language, plus the language), and explainable (its weights are per
 * feature). The tokenizer is the contract between the two: its name and feature count are in the
 * model's metadata, and a model made for another tokenizer is refused.
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readOnnxMetadata } from '../vision/onnx-metadata';
import { words } from './text';

/** Hashed feature buckets. */
export const FEATURES = 4096;
/** The tokenizer's name and version, as the model's metadata must name it. */
export const TOKENIZER = 'impetus-social-hash-v1';

const HASHTAG = /#([\p{L}\p{N}_]+)/gu;
const EMOJI = /\p{Extended_Pictographic}/gu;

/** FNV-1a, 32 bits, over UTF-16 code units: the same bucket for the same token everywhere. */
export function bucket(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % FEATURES;
}

/**
 * The tokens of a post: its language, its folded words and word pairs, the character trigrams of
 * each word (so "ammazzo" and "ammazzare" share most of theirs), its hashtags and its emoji.
 */
export function tokens(text: string, lang: string): string[] {
  const out = [`l:${lang}`];
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    out.push(`w:${w}`);
    if (i > 0) out.push(`b:${ws[i - 1]} ${w}`);
    const padded = ` ${w} `;
    for (let k = 0; k + 3 <= padded.length; k++) out.push(`c:${padded.slice(k, k + 3)}`);
  }
  for (const m of text.matchAll(HASHTAG)) out.push(`h:${words(m[1]).join('')}`);
  for (const m of text.matchAll(EMOJI)) out.push(`e:${m[0]}`);
  return out;
}

/** The feature vector: log(1 + count) per bucket, scaled to unit length. */
export function featurize(text: string, lang: string, out: Float32Array = new Float32Array(FEATURES)): Float32Array {
  out.fill(0);
  for (const t of tokens(text, lang)) out[bucket(t)] += 1;
  let norm = 0;
  for (let i = 0; i < FEATURES; i++) {
    if (out[i]) {
      out[i] = Math.log1p(out[i]);
      norm += out[i] * out[i];
    }
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < FEATURES; i++) out[i] /= norm;
  return out;
}

/** A loaded classifier: one probability per label for each text. */
export class TextClassifier {
  private constructor(private readonly session: ort.InferenceSession, readonly labels: string[]) {}

  /** Loads a model file; refuses one made for another tokenizer or feature count. */
  static async load(file: string): Promise<TextClassifier> {
    const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(file)), { interOpNumThreads: 1, intraOpNumThreads: 1, executionMode: 'sequential' });
    const meta = readOnnxMetadata(fs.readFileSync(file));
    if (meta.tokenizer !== TOKENIZER || Number(meta.features) !== FEATURES) {
      await session.release();
      throw new Error(`${file} was made for tokenizer ${meta.tokenizer ?? '?'} with ${meta.features ?? '?'} features; this release has ${TOKENIZER} with ${FEATURES}`);
    }
    const labels = (meta.labels ?? '').split(',').filter(Boolean);
    if (!labels.length) {
      await session.release();
      throw new Error(`${file} names no labels in its metadata`);
    }
    return new TextClassifier(session, labels);
  }

  /** Scores a batch of posts. */
  async classify(posts: Array<{ text: string; lang: string }>): Promise<Array<Record<string, number>>> {
    if (!posts.length) return [];
    const input = new Float32Array(posts.length * FEATURES);
    posts.forEach((p, i) => featurize(p.text, p.lang, input.subarray(i * FEATURES, (i + 1) * FEATURES)));
    const outputs = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', input, [posts.length, FEATURES]) });
    const scores = outputs[this.session.outputNames[0]].data as Float32Array;
    const n = this.labels.length;
    const out = posts.map((_, i) => Object.fromEntries(this.labels.map((l, j) => [l, Math.round(scores[i * n + j] * 1000) / 1000])));
    for (const t of Object.values(outputs)) t.dispose();
    return out;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
