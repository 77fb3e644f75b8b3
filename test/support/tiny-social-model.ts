/**
 * A tiny social text classifier, written as ONNX bytes by the tests themselves, so that the tests
 * of the classifier and of the analyse node do not depend on the shipped model (whose weights
 * change whenever models/social/train.py is rerun). It has the shipped model's shape (MatMul, Add,
 * Sigmoid over the tokenizer's hashed features, metadata naming the tokenizer and the labels), and
 * weights the test chooses per token: a test knows exactly which words drive which label, and can
 * compute the probability the runtime must give (`expected`).
 *
 * The protobuf is written by hand (a few field numbers of onnx.proto) because no protobuf or ONNX
 * writer is a dependency of this package, and Python's onnx is not needed to run the tests.
 */
import { bucket, FEATURES, featurize, TOKENIZER } from '../../nodes/social/classifier';

export interface TinyModel {
  /** Per label, in output order: the bias and the weight of each token (tokens as nodes/social/classifier.ts `tokens` writes them). */
  labels: Record<string, { bias: number; weights: Record<string, number> }>;
  /** Metadata to write instead of the tokenizer's (a model made for another tokenizer). */
  tokenizer?: string;
  features?: number;
}

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, n: number) => [...tag(field, 0), ...varint(n)];
const bytes = (field: number, b: Uint8Array | number[]) => [...tag(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const msg = (field: number, parts: number[][]) => bytes(field, parts.flat());

const FLOAT = 1;

/** ValueInfoProto of a float tensor; a dimension given as text is symbolic (the batch). */
function tensorInfo(field: number, name: string, dims: Array<number | string>): number[] {
  const shape = dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, shape)])])]);
}

function initializer(name: string, dims: number[], values: Float32Array): number[] {
  return msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength))]);
}

const op = (type: string, inputs: string[], output: string) => msg(1, [...inputs.map((i) => str(1, i)), str(2, output), str(4, type)]);

/** The model's ONNX bytes. */
export function tinySocialModel(m: TinyModel): Buffer {
  const labels = Object.keys(m.labels);
  const w = new Float32Array(FEATURES * labels.length);
  const b = new Float32Array(labels.length);
  labels.forEach((label, j) => {
    b[j] = m.labels[label].bias;
    for (const [token, weight] of Object.entries(m.labels[label].weights)) w[bucket(token) * labels.length + j] += weight;
  });
  const graph = [
    op('MatMul', ['features', 'W'], 'logits0'),
    op('Add', ['logits0', 'b'], 'logits'),
    op('Sigmoid', ['logits'], 'scores'),
    str(2, 'impetus-social-tiny-test'),
    initializer('W', [FEATURES, labels.length], w),
    initializer('b', [labels.length], b),
    tensorInfo(11, 'features', ['N', FEATURES]),
    tensorInfo(12, 'scores', ['N', labels.length]),
  ];
  const meta = { tokenizer: m.tokenizer ?? TOKENIZER, features: String(m.features ?? FEATURES), labels: labels.join(','), trained_on: 'nothing: weights chosen by test/support/tiny-social-model.ts' };
  const model = [
    int(1, 8), // ir_version
    str(2, 'impetus test/support/tiny-social-model.ts'),
    msg(7, graph),
    msg(8, [str(1, ''), int(2, 13)]), // opset_import: the default domain, opset 13
    ...Object.entries(meta).map(([k, v]) => msg(14, [str(1, k), str(2, v)])),
  ];
  return Buffer.from(model.flat());
}

/** The probability the model gives a label for a text: what onnxruntime must compute. */
export function expected(m: TinyModel, label: string, text: string, lang: string): number {
  const x = featurize(text, lang);
  const { bias, weights } = m.labels[label];
  // Weights of tokens that share a bucket add up, as in the model.
  const perBucket = new Map<number, number>();
  for (const [token, weight] of Object.entries(weights)) perBucket.set(bucket(token), (perBucket.get(bucket(token)) ?? 0) + weight);
  let z = bias;
  for (const [i, weight] of perBucket) z += weight * x[i];
  return 1 / (1 + Math.exp(-z));
}

/**
 * The model the tests share: irony from the hashtag-free phrase "oh wonderful" (which the rules'
 * cues do not know) and from 🙄; threat from "sprenge" (Norwegian, blow up) and "kaboom" (which the threat lexicon does not know).
 */
export const TINY: TinyModel = {
  labels: {
    irony: { bias: -3, weights: { 'b:oh wonderful': 40, 'e:🙄': 40 } },
    threat: { bias: -3, weights: { 'w:sprenge': 40, 'w:kaboom': 40 } },
  },
};
