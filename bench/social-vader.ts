/**
 * VADER side by side: the TypeScript scorer (nodes/social/sentiment.ts) and the reference
 * vaderSentiment 3.3.2 (Python, bench-only virtualenv from bench/social/setup.sh) on VADER's own
 * published example sentences, in one run. Criterion: |compound difference| ≤ 0.01 on each.
 *
 *   bash bench/social/setup.sh && npm run bench:social-vader [-- --write-fixture]
 *
 * --write-fixture writes the reference scores to test/fixtures/social/vader-reference.json, which
 * the unit test (test/social/sentiment.test.ts) checks against without Python.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { scorerFor } from '../nodes/social/languages';
import { readFlags } from './cli';
import { Rng } from './random';

const ROOT = path.resolve(__dirname, '..', '..');
const USAGE = 'usage: node dist/bench/social-vader.js [--write-fixture]\n';

interface Scores {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

export async function referenceScores(texts: string[]): Promise<Scores[]> {
  const python = path.join(ROOT, '.bench', 'social-venv', 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`${python} is missing: run bash bench/social/setup.sh first`);
  const child = spawn(python, [path.join(ROOT, 'bench', 'social', 'vader_peer.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const out: Scores[] = [];
  const done = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => out.push(JSON.parse(l) as Scores));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`vader_peer.py exited ${code}`))));
  });
  for (const t of texts) child.stdin.write(`${JSON.stringify(t)}\n`);
  child.stdin.end();
  await done;
  if (out.length !== texts.length) throw new Error(`the peer scored ${out.length} of ${texts.length} texts`);
  return out;
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2), USAGE, ['write-fixture'], []);
  const { sentences, source } = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'social', 'vader-sentences.json'), 'utf8')) as { sentences: string[]; source: string };
  const reference = await referenceScores(sentences);
  const scorer = scorerFor('en')!;
  let worst = 0;
  let within = 0;
  console.log(`VADER side by side: ${sentences.length} sentences (${source})\n`);
  console.log(`${'sentence'.padEnd(70)} ${'python'.padStart(8)} ${'ours'.padStart(8)} ${'diff'.padStart(7)}`);
  sentences.forEach((s, i) => {
    const ours = scorer.score(s).compound;
    const diff = Math.abs(ours - reference[i].compound);
    worst = Math.max(worst, diff);
    if (diff <= 0.01) within++;
    console.log(`${s.slice(0, 70).padEnd(70)} ${reference[i].compound.toFixed(4).padStart(8)} ${ours.toFixed(4).padStart(8)} ${diff.toFixed(4).padStart(7)}${diff > 0.01 ? '  ✗' : ''}`);
  });
  console.log(`\nwithin ±0.01: ${within}/${sentences.length}; largest difference ${worst.toFixed(4)}`);
  // Beyond the published sentences: random texts built from the pieces each rule reacts to.
  const rng = new Rng(15);
  const pieces = ['good', 'bad', 'GREAT', 'horrible', 'not', "isn't", 'never', 'very', 'VERY', 'kind of', 'but', 'BUT', 'no', 'nor', 'least', 'at least', 'so', 'this', 'without', 'doubt', 'the shit', 'bad ass', ':)', ':(', '😁', '😡', '💔', 'city', 'police', 'riot', 'the', 'and', 'love', 'hate', '!!', '?', '??', '!!!', ',', 'kinda', 'yeah right', 'safe', 'LOL'];
  const random = Array.from({ length: 2000 }, () => Array.from({ length: 2 + rng.int(12) }, () => pieces[rng.int(pieces.length)]).join(' ').replace(/ ([,!?])/g, '$1'));
  const randomRef = await referenceScores(random);
  let randomWithin = 0;
  let randomWorst = 0;
  let example = '';
  random.forEach((t, i) => {
    const d = Math.abs(scorer.score(t).compound - randomRef[i].compound);
    if (d <= 0.01) randomWithin++;
    else if (!example) example = `${JSON.stringify(t)}: python ${randomRef[i].compound}, ours ${scorer.score(t).compound}`;
    randomWorst = Math.max(randomWorst, d);
  });
  console.log(`random rule-exercising texts: ${randomWithin}/${random.length} within ±0.01; largest difference ${randomWorst.toFixed(4)}${example ? `; first miss ${example}` : ''}`);
  if (flags.has('write-fixture')) {
    const file = path.join(ROOT, 'test', 'fixtures', 'social', 'vader-reference.json');
    const fixture = { source: `${source}; scored by vaderSentiment 3.3.2 (bench/social-vader.ts --write-fixture)`, cases: sentences.map((text, i) => ({ text, ...reference[i] })) };
    fs.writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`wrote ${path.relative(ROOT, file)}`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
