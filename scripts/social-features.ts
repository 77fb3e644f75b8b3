/**
 * The training data of the social text classifier, as the TypeScript tokenizer sees it: one JSON
 * line per post of the labelled set's tuning families (A) only, never the held-out ones (B), with
 * its sparse features and labels. Read by models/social/train.py, so the tokenizer exists once.
 *
 *   node dist/scripts/social-features.js [seeds, default 10] > features.jsonl
 */
import { FEATURES, featurize } from '../nodes/social/classifier';
import { labelledSet } from '../bench/social-data';

const seeds = Number(process.argv[2] ?? 10);
const x = new Float32Array(FEATURES);
for (let seed = 1; seed <= seeds; seed++) {
  for (const p of labelledSet(seed)) {
    if (p.heldOut) continue;
    featurize(p.text, p.lang, x);
    const sparse: Array<[number, number]> = [];
    x.forEach((v, i) => {
      if (v) sparse.push([i, Math.round(v * 1e6) / 1e6]);
    });
    process.stdout.write(`${JSON.stringify({ x: sparse, irony: p.ironic ? 1 : 0, threat: p.threat ? 1 : 0, offence: p.offence ? 1 : 0 })}\n`);
  }
}
