import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bucket, FEATURES, featurize, TextClassifier, tokens, TOKENIZER } from '../../nodes/social/classifier';
import { readOnnxMetadata } from '../../nodes/vision/onnx-metadata';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';

const MODEL = path.join(PACKAGE_ROOT, 'models', 'social', 'social-text.onnx');

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

  it('runs the shipped model with onnxruntime-node: irony and threat probabilities per post', async () => {
    const meta = readOnnxMetadata(fs.readFileSync(MODEL));
    assert.equal(meta.tokenizer, TOKENIZER);
    assert.equal(meta.labels, 'irony,threat');
    assert.match(meta.trained_on, /families \(A\)/);
    const c = await TextClassifier.load(MODEL);
    try {
      assert.deepEqual(c.labels, ['irony', 'threat']);
      const [ironic, plain, empty] = await c.classify([
        { text: 'Che bello, un\'altra ora in coda alla stazione 🙄 #ironia', lang: 'it' },
        { text: 'Il mercato in piazza apre alle 8', lang: 'it' },
        { text: '', lang: 'und' },
      ]);
      assert.ok(ironic.irony > 0.5 && ironic.irony > plain.irony, JSON.stringify({ ironic, plain }));
      assert.ok(plain.threat < 0.5, JSON.stringify(plain));
      assert.ok(empty.irony >= 0 && empty.irony <= 1);
      assert.deepEqual(await c.classify([]), []);
    } finally {
      await c.close();
    }
  });

  it('refuses a model made for another tokenizer, and a file that is not a model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-social-onnx-'));
    try {
      const bytes = fs.readFileSync(MODEL);
      const at = bytes.indexOf(Buffer.from(TOKENIZER));
      assert.ok(at > 0);
      bytes.write('impetus-social-hash-v0', at);
      fs.writeFileSync(path.join(dir, 'other.onnx'), bytes);
      await assert.rejects(TextClassifier.load(path.join(dir, 'other.onnx')), /made for tokenizer impetus-social-hash-v0 with 4096 features; this release has impetus-social-hash-v1/);
      fs.writeFileSync(path.join(dir, 'garbage.onnx'), 'not a model');
      await assert.rejects(TextClassifier.load(path.join(dir, 'garbage.onnx')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
