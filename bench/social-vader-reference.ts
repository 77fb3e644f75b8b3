/**
 * VADER's own published example sentences (vaderSentiment 3.3.2's `__main__`), scored by our
 * English scorer against the compounds vaderSentiment itself gave them, with the issue's ±0.01
 * criterion. The reference scores are the committed fixture written by `bench/social-vader.ts
 * --write-fixture`, so bench:social needs no Python to print this beside the labelled set; the
 * Python side by side on random texts stays `npm run bench:social-vader`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scorerFor } from '../nodes/social/languages';
import { PACKAGE_ROOT } from '../nodes/platform/node-kit';

const TOLERANCE = 0.01;

export function vaderReference(): { cases: number; within: number; largest: number } {
  const file = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'social', 'vader-reference.json');
  const { source, cases } = JSON.parse(fs.readFileSync(file, 'utf8')) as { source: string; cases: Array<{ text: string; compound: number }> };
  const en = scorerFor('en')!;
  let within = 0;
  let largest = 0;
  const misses: string[] = [];
  for (const c of cases) {
    const diff = Math.abs(en.score(c.text).compound - c.compound);
    largest = Math.max(largest, diff);
    if (diff <= TOLERANCE) within++;
    else misses.push(`  ${c.compound.toFixed(4)} vs ours ${en.score(c.text).compound.toFixed(4)}: ${c.text}`);
  }
  console.log('0. VADER reference sentences (English)');
  console.log(`  ${source}`);
  console.log(`  compound within ±${TOLERANCE}: ${within} of ${cases.length} (largest difference ${largest.toFixed(4)})`);
  for (const miss of misses) console.log(miss);
  console.log('');
  return { cases: cases.length, within, largest };
}
