import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scorerFor } from '../../nodes/social/languages';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'social', 'vader-reference.json'), 'utf8')) as { cases: Array<{ text: string; compound: number; pos: number; neg: number; neu: number }> };

describe('social sentiment', () => {
  it("reproduces vaderSentiment 3.3.2's compound within ±0.01 on VADER's published sentences", () => {
    const en = scorerFor('en')!;
    assert.ok(fixture.cases.length >= 50);
    for (const c of fixture.cases) {
      const s = en.score(c.text);
      assert.ok(Math.abs(s.compound - c.compound) <= 0.01, `${c.text}: ${s.compound} vs ${c.compound}`);
      assert.ok(Math.abs(s.pos - c.pos) <= 0.01 && Math.abs(s.neg - c.neg) <= 0.01 && Math.abs(s.neu - c.neu) <= 0.01, `${c.text}: proportions`);
    }
  });

  it('reads an emoji as its description, spaced from a word it touches, as VADER does', () => {
    const en = scorerFor('en')!;
    for (const [emoji, text] of [['so good😀', 'so good grinning face'], ['😀😀 ok', 'grinning face grinning face ok'], ['Ciao 😀 a tutti', 'Ciao grinning face a tutti']]) {
      assert.equal(en.score(emoji).compound, en.score(text).compound, emoji);
      assert.deepEqual(en.score(emoji).terms.map((t) => t.term), en.score(text).terms.map((t) => t.term), emoji);
    }
  });

  it('explains a score with the terms and rules that moved it', () => {
    const s = scorerFor('en')!.score('The plot was good, but the dialog is NOT great!!');
    const great = s.terms.find((t) => t.term === 'great');
    assert.ok(great, JSON.stringify(s.terms));
    assert.ok(great.rules.some((r) => /negated by "not"/.test(r)), great.rules.join());
    assert.ok(great.rules.some((r) => /after "but"/.test(r)));
    assert.ok(great.valence < 0 && great.base > 0);
    assert.ok(s.rules.some((r) => /punctuation/.test(r)));
  });

  for (const [lang, positive, negated, boosted, contrast] of [
    ['it', 'Il concerto è stato bello', 'Il concerto non è stato bello', 'Il concerto è stato molto bello', 'Il concerto è stato bello ma il traffico orribile'],
    ['no', 'Konserten var fin', 'Konserten var ikke fin', 'Konserten var veldig fin', 'Konserten var fin men trafikken var forferdelig'],
  ] as const) {
    it(`${lang}: lexicon, negation, boosters and the contrast word act as in English`, () => {
      const sc = scorerFor(lang)!;
      const p = sc.score(positive).compound;
      assert.ok(p > 0.2, `${positive}: ${p}`);
      assert.ok(sc.score(negated).compound < 0, `${negated}: ${sc.score(negated).compound}`);
      assert.ok(sc.score(boosted).compound > p, boosted);
      assert.ok(sc.score(contrast).compound < 0, `${contrast}: ${sc.score(contrast).compound}`);
      assert.ok(sc.score(`${positive} 😠😠`).compound < p, 'emoji count');
      assert.ok(sc.score(`${positive}!!!`).compound > p, 'exclamation marks emphasise');
    });
  }

  it('maps nb/nn to Norwegian and knows no other language', () => {
    assert.equal(scorerFor('nb')!.lang, 'no');
    assert.equal(scorerFor('fr'), undefined);
  });

  it('scores hostile input without failing: empty, 1 MB, control characters, lone surrogates', () => {
    const en = scorerFor('en')!;
    assert.equal(en.score('').compound, 0);
    const big = 'good bad '.repeat(120_000);
    assert.ok(Number.isFinite(en.score(big).compound));
    assert.ok(Number.isFinite(en.score('\u0000\ud800 good \udfff\u202e').compound));
  });
});
