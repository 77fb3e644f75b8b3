import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bucket, FEATURES, featurize, TextClassifier, tokens, TOKENIZER } from '../../nodes/social/classifier';
import { readOnnxMetadata } from '../../nodes/vision/onnx-metadata';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { expected, TINY, tinySocialModel } from '../support/tiny-social-model';

const SHIPPED = path.join(PACKAGE_ROOT, 'models', 'social', 'social-text.onnx');

describe('social text classifier', () => {
  it('tokenizes folded words, word pairs, character trigrams, hashtags, emoji and the language', () => {
    const t = tokens('Che BELLO, città #Ironia 🙄', 'it');
    assert.equal(t[0], 'l:it');
    for (const expected of ['w:che', 'w:bello', 'w:citta', 'b:che bello', 'c: be', 'c:llo', 'c:lo ', 'h:ironia', 'e:🙄']) assert.ok(t.includes(expected), `${expected} in ${t.join('|')}`);
  });

  it('hashes each token to the same bucket everywhere (FNV-1a), and gives unit-length vectors', () => {
    // FNV-1a 32 of "a" is 0xe40c292c; the bucket is its remainder.
    assert.equal(bucket('a'), 0xe40c292c % FEATURES);
    const x = featurize('A gun at the station tonight', 'en');
    assert.equal(x.length, FEATURES);
    const norm = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `${norm}`);
    assert.deepEqual(featurize('', 'en').filter((v) => v).length, 1, 'only the language');
  });

  it('runs a model with onnxruntime-node: the probability per label that the weights of the tokens give', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-social-onnx-'));
    try {
      fs.writeFileSync(path.join(dir, 'tiny.onnx'), tinySocialModel(TINY));
      const c = await TextClassifier.load(path.join(dir, 'tiny.onnx'));
      try {
        assert.deepEqual(c.labels, ['irony', 'threat']);
        const posts = [
          { text: 'Oh wonderful, another hour in the queue at the station', lang: 'en' },
          { text: 'Che bello, un\'altra ora in coda alla stazione 🙄', lang: 'it' },
          { text: 'Vi skal sprenge Oslo S i kveld', lang: 'no' },
          { text: 'Il mercato in piazza apre alle 8', lang: 'it' },
          { text: '', lang: 'und' },
        ];
        const scores = await c.classify(posts);
        posts.forEach((p, i) => {
          for (const label of ['irony', 'threat']) assert.ok(Math.abs(scores[i][label] - expected(TINY, label, p.text, p.lang)) < 0.002, `${label} of "${p.text}": ${scores[i][label]} vs ${expected(TINY, label, p.text, p.lang)}`);
        });
        assert.deepEqual(scores.map((s) => [s.irony >= 0.5, s.threat >= 0.5]), [[true, false], [true, false], [false, true], [false, false], [false, false]]);
        assert.deepEqual(await c.classify([]), []);
      } finally {
        await c.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships a model made for this release\'s tokenizer, trained on the tuning families only', () => {
    const meta = readOnnxMetadata(fs.readFileSync(SHIPPED));
    assert.equal(meta.tokenizer, TOKENIZER);
    assert.equal(Number(meta.features), FEATURES);
    assert.equal(meta.labels, 'irony,threat,offence');
    assert.match(meta.trained_on, /families \(A\)/);
  });

  it('ships a model whose offence score is higher for an insult than for a neutral post, in en, it and no', async () => {
    const c = await TextClassifier.load(SHIPPED);
    try {
      assert.deepEqual(c.labels, ['irony', 'threat', 'offence']);
      // Written for this test, in none of the training templates' wording.
      const pairs: Array<[string, string, string]> = [
        ['en', 'The bus drivers on line 5 are total idiots and pathetic clowns', 'The bus drivers on line 5 start a new timetable on Monday'],
        ['it', 'Quelli della giunta sono solo feccia e pagliacci', 'Quelli della giunta presentano il bilancio lunedì'],
        ['no', 'Vekterne på senteret er noen idioter og klovner', 'Vekterne på senteret begynner med nye vakter mandag'],
      ];
      const scores = await c.classify(pairs.flatMap(([lang, insult, neutral]) => [{ text: insult, lang }, { text: neutral, lang }]));
      pairs.forEach(([lang, insult, neutral], i) => {
        const [a, b] = [scores[2 * i].offence, scores[2 * i + 1].offence];
        assert.ok(a > b, `${lang}: "${insult}" ${a} vs "${neutral}" ${b}`);
      });
    } finally {
      await c.close();
    }
  });

  it('refuses a model made for another tokenizer, and a file that is not a model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-social-onnx-'));
    try {
      fs.writeFileSync(path.join(dir, 'other.onnx'), tinySocialModel({ ...TINY, tokenizer: 'impetus-social-hash-v0' }));
      await assert.rejects(TextClassifier.load(path.join(dir, 'other.onnx')), /made for tokenizer impetus-social-hash-v0 with 4096 features; this release has impetus-social-hash-v1/);
      fs.writeFileSync(path.join(dir, 'garbage.onnx'), 'not a model');
      await assert.rejects(TextClassifier.load(path.join(dir, 'garbage.onnx')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
