/**
 * Rule- and lexicon-based sentiment: VADER (Hutto & Gilbert, ICWSM 2014) in TypeScript.
 *
 * English follows vaderSentiment 3.3.2 rule for rule, quirks included (the "but" rule that
 * rescales the first equal value, "so"/"this" before a word adding 25 %, a zero valence in
 * capitals counting as negative), because the point is to reproduce its compound scores
 * (bench/social-vader.ts checks them side by side with the Python reference). Italian and
 * Norwegian run the same engine with their own lexicon, negations, boosters and contrast words,
 * without the English idioms. Every score comes with the terms and rules that moved it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../platform/node-kit';
import { fold, isAscii } from './text';

const B_INCR = 0.293;
const B_DECR = -0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;

export interface Language {
  lang: string;
  /** Lower-case token → valence on VADER's −4…+4 scale. */
  lexicon: Map<string, number>;
  negations: Set<string>;
  /** English: a token holding "n't" negates. */
  ntNegates: boolean;
  boosters: Map<string, number>;
  /** The contrast word: what comes before weighs half, what comes after 1.5×. */
  contrast: string;
  /** English only: VADER's idioms, "kind of", "least", "never so", "without doubt", "no". */
  englishRules: boolean;
  /** Emoji → English description (English, as VADER does it); other languages score emoji as lexicon tokens. */
  emojiText?: Map<string, string>;
}

export interface TermEffect {
  term: string;
  /** The lexicon's valence. */
  base: number;
  /** The valence after the rules. */
  valence: number;
  rules: string[];
}

export interface SentimentScore {
  compound: number;
  pos: number;
  neu: number;
  neg: number;
  /** The terms that carry sentiment, strongest first, and the rules that changed them. */
  terms: TermEffect[];
  /** Rules on the whole text: punctuation emphasis. */
  rules: string[];
}

const BOOSTER_EN: Array<[string, number]> = [
  ...'absolutely amazingly awfully completely considerable considerably decidedly deeply effing enormous enormously entirely especially exceptional exceptionally extreme extremely fabulously flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major majorly more most particularly purely quite really remarkably so substantially thoroughly total totally tremendous tremendously uber unbelievably unusually utter utterly very'
    .split(' ')
    .map((w): [string, number] => [w, B_INCR]),
  ...['almost', 'barely', 'hardly', 'just enough', 'kind of', 'kinda', 'kindof', 'kind-of', 'less', 'little', 'marginal', 'marginally', 'occasional', 'occasionally', 'partly', 'scarce', 'scarcely', 'slight', 'slightly', 'somewhat', 'sort of', 'sorta', 'sortof', 'sort-of'].map((w): [string, number] => [w, B_DECR]),
];

const NEGATE_EN = new Set(
  "aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't mightn't mustn't neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't rarely seldom despite".split(
    ' ',
  ),
);

const SPECIAL_CASES = new Map<string, number>([
  ['the shit', 3],
  ['the bomb', 3],
  ['bad ass', 1.5],
  ['badass', 1.5],
  ['bus stop', 0.0],
  ['yeah right', -2],
  ['kiss of death', -1.5],
  ['to die for', 3],
  ['beating heart', 3.5],
]);

/** Python's str.isupper(): at least one cased character and none in lower case. */
function isUpper(w: string): boolean {
  return w !== w.toLowerCase() && w === w.toUpperCase();
}

const PUNCT = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** VADER's token: leading and trailing ASCII punctuation removed, unless that leaves 2 characters or fewer (":)"). */
function stripPunct(token: string): string {
  let a = 0;
  let b = token.length;
  while (a < b && PUNCT.has(token[a])) a++;
  while (b > a && PUNCT.has(token[b - 1])) b--;
  const stripped = token.slice(a, b);
  // Length in code points, as Python counts it.
  if (stripped.length > 4) return stripped;
  return Array.from(stripped).length <= 2 ? token : stripped;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * As VADER: each emoji (one code point) becomes its description, spaced from what precedes.
 * Copies the runs between emoji at once: most posts have none, and a character-by-character
 * copy was the scorer's largest cost.
 */
function emojiToText(input: string, emojiText: ReadonlyMap<string, string>): string {
  let out = '';
  let run = 0;
  let prevSpace = true;
  for (let i = 0; i < input.length; ) {
    if (input.charCodeAt(i) <= 127) {
      i++;
      continue;
    }
    const len = input.codePointAt(i)! > 0xffff ? 2 : 1;
    const d = emojiText.get(input.slice(i, i + len));
    if (d !== undefined) {
      if (run < i) {
        out += input.slice(run, i);
        prevSpace = input.charCodeAt(i - 1) === 32;
      }
      if (!prevSpace) out += ' ';
      out += d;
      prevSpace = false;
      run = i + len;
    }
    i += len;
  }
  return run === 0 ? input : out + input.slice(run);
}

export class SentimentScorer {
  constructor(private readonly L: Language) {}

  get lang(): string {
    return this.L.lang;
  }

  /** A lower-case token's lexicon valence (folded as a fallback outside English). */
  valence(lower: string): number | undefined {
    const v = this.L.lexicon.get(lower);
    // An ASCII word in lower case is already folded: no second look-up (most words of a post).
    return v !== undefined || this.L.englishRules || isAscii(lower) ? v : this.L.lexicon.get(fold(lower));
  }

  private negated(lower: string): boolean {
    return this.L.negations.has(lower) || (this.L.ntNegates && lower.includes("n't"));
  }

  /** Scores one text (a post or a sentence). */
  score(input: string): SentimentScore {
    const L = this.L;
    let text = '';
    if (L.emojiText) text = emojiToText(input, L.emojiText).trim();
    else {
      text = input.replace(/\p{Extended_Pictographic}/gu, ' $& ').trim();
    }
    const w = text.split(/\s+/).filter(Boolean).map(stripPunct);
    const lw = w.map((x) => x.toLowerCase());
    const n = w.length;
    let caps = 0;
    for (const x of w) if (isUpper(x)) caps++;
    const capDiff = caps > 0 && caps < n;
    const sentiments: number[] = [];
    const effects: Array<TermEffect | undefined> = [];

    for (let i = 0; i < n; i++) {
      if (L.boosters.has(lw[i]) || (L.englishRules && i < n - 1 && lw[i] === 'kind' && lw[i + 1] === 'of')) {
        sentiments.push(0);
        effects.push(undefined);
        continue;
      }
      const base = this.valence(lw[i]);
      if (base === undefined) {
        sentiments.push(0);
        effects.push(undefined);
        continue;
      }
      const rules: string[] = [];
      let v = base;
      if (L.englishRules) {
        if (lw[i] === 'no' && i !== n - 1 && L.lexicon.has(lw[i + 1])) v = 0;
        if ((i > 0 && lw[i - 1] === 'no') || (i > 1 && lw[i - 2] === 'no') || (i > 2 && lw[i - 3] === 'no' && (lw[i - 1] === 'or' || lw[i - 1] === 'nor'))) {
          v = base * N_SCALAR;
          rules.push('negated by "no"');
        }
      }
      if (isUpper(w[i]) && capDiff) {
        v += v > 0 ? C_INCR : -C_INCR;
        rules.push('in capitals');
      }
      for (let s = 0; s < 3; s++) {
        const j = i - (s + 1);
        if (i > s && this.valence(lw[j]) === undefined) {
          let sc = 0;
          const b = L.boosters.get(lw[j]);
          if (b !== undefined) {
            sc = v < 0 ? -b : b;
            if (isUpper(w[j]) && capDiff) sc += v > 0 ? C_INCR : -C_INCR;
            if (s === 1) sc *= 0.95;
            if (s === 2) sc *= 0.9;
            rules.push(`${b > 0 ? 'intensified' : 'damped'} by "${lw[j]}"`);
          }
          v += sc;
          v = this.negationCheck(v, lw, s, i, rules);
          if (s === 2 && L.englishRules) v = this.idioms(v, lw, i, rules);
        }
      }
      if (L.englishRules) v = this.leastCheck(v, lw, i, rules);
      sentiments.push(v);
      effects.push({ term: w[i], base, valence: v, rules });
    }

    const bi = lw.indexOf(L.contrast);
    if (bi >= 0) {
      // vaderSentiment 3.3.2 looks each value up with list.index(), so it rescales the first
      // equal value, not always the one at hand; reproduced on purpose.
      for (let k = 0; k < sentiments.length; k++) {
        const value = sentiments[k];
        const si = sentiments.indexOf(value);
        if (si < bi) sentiments[si] = value * 0.5;
        else if (si > bi) sentiments[si] = value * 1.5;
      }
      effects.forEach((e, k) => {
        if (e && k !== bi) e.rules.push(k < bi ? `before "${L.contrast}": ×0.5` : `after "${L.contrast}": ×1.5`);
      });
    }
    effects.forEach((e, k) => {
      if (e) e.valence = sentiments[k];
    });
    return this.scoreValence(sentiments, text, effects);
  }

  private negationCheck(v: number, lw: string[], s: number, i: number, rules: string[]): number {
    const en = this.L.englishRules;
    const neg = (word: string) => {
      rules.push(`negated by "${word}"`);
      return v * N_SCALAR;
    };
    if (s === 0) return this.negated(lw[i - 1]) ? neg(lw[i - 1]) : v;
    if (s === 1) {
      if (en && lw[i - 2] === 'never' && (lw[i - 1] === 'so' || lw[i - 1] === 'this')) {
        rules.push(`"never ${lw[i - 1]}": ×1.25`);
        return v * 1.25;
      }
      if (en && lw[i - 2] === 'without' && lw[i - 1] === 'doubt') return v;
      return this.negated(lw[i - 2]) ? neg(lw[i - 2]) : v;
    }
    if (en && ((lw[i - 3] === 'never' && (lw[i - 2] === 'so' || lw[i - 2] === 'this')) || lw[i - 1] === 'so' || lw[i - 1] === 'this')) {
      rules.push('"so"/"this" before it: ×1.25');
      return v * 1.25;
    }
    if (en && lw[i - 3] === 'without' && (lw[i - 2] === 'doubt' || lw[i - 1] === 'doubt')) return v;
    return this.negated(lw[i - 3]) ? neg(lw[i - 3]) : v;
  }

  private idioms(v: number, lw: string[], i: number, rules: string[]): number {
    const onezero = `${lw[i - 1]} ${lw[i]}`;
    const twoonezero = `${lw[i - 2]} ${lw[i - 1]} ${lw[i]}`;
    const twoone = `${lw[i - 2]} ${lw[i - 1]}`;
    const threetwoone = `${lw[i - 3]} ${lw[i - 2]} ${lw[i - 1]}`;
    const threetwo = `${lw[i - 3]} ${lw[i - 2]}`;
    const idiom = (seq: string) => {
      rules.push(`idiom "${seq}"`);
      return SPECIAL_CASES.get(seq)!;
    };
    for (const seq of [onezero, twoonezero, twoone, threetwoone, threetwo]) {
      if (SPECIAL_CASES.has(seq)) {
        v = idiom(seq);
        break;
      }
    }
    if (lw.length - 1 > i && SPECIAL_CASES.has(`${lw[i]} ${lw[i + 1]}`)) v = idiom(`${lw[i]} ${lw[i + 1]}`);
    if (lw.length - 1 > i + 1 && SPECIAL_CASES.has(`${lw[i]} ${lw[i + 1]} ${lw[i + 2]}`)) v = idiom(`${lw[i]} ${lw[i + 1]} ${lw[i + 2]}`);
    for (const g of [threetwoone, threetwo, twoone]) {
      const b = this.L.boosters.get(g);
      if (b !== undefined) {
        rules.push(`${b > 0 ? 'intensified' : 'damped'} by "${g}"`);
        v += b;
      }
    }
    return v;
  }

  private leastCheck(v: number, lw: string[], i: number, rules: string[]): number {
    if (i > 0 && lw[i - 1] === 'least' && this.valence('least') === undefined && (i === 1 || (lw[i - 2] !== 'at' && lw[i - 2] !== 'very'))) {
      rules.push('negated by "least"');
      return v * N_SCALAR;
    }
    return v;
  }

  private scoreValence(sentiments: number[], text: string, effects: Array<TermEffect | undefined>): SentimentScore {
    const terms = effects.filter((e): e is TermEffect => !!e && e.valence !== 0).map((e) => ({ ...e, base: round(e.base, 3), valence: round(e.valence, 3) }));
    terms.sort((a, b) => Math.abs(b.valence) - Math.abs(a.valence));
    if (!sentiments.length) return { compound: 0, pos: 0, neu: 0, neg: 0, terms, rules: [] };
    let sum = 0;
    for (const s of sentiments) sum += s;
    let ep = 0;
    let qm = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 33) ep++;
      else if (c === 63) qm++;
    }
    const amp = Math.min(ep, 4) * 0.292 + (qm > 1 ? (qm <= 3 ? qm * 0.18 : 0.96) : 0);
    const rules: string[] = [];
    if (sum > 0) sum += amp;
    else if (sum < 0) sum -= amp;
    if (amp && sum !== 0) rules.push(`punctuation emphasis ${sum > 0 ? '+' : '−'}${round(amp, 3)}`);
    const compound = Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 15)));
    let posSum = 0;
    let negSum = 0;
    let neu = 0;
    for (const s of sentiments) {
      if (s > 0) posSum += s + 1;
      if (s < 0) negSum += s - 1;
      if (s === 0) neu++;
    }
    if (posSum > Math.abs(negSum)) posSum += amp;
    else if (posSum < Math.abs(negSum)) negSum -= amp;
    const total = posSum + Math.abs(negSum) + neu;
    return { compound: round(compound, 4), pos: round(Math.abs(posSum / total), 3), neu: round(Math.abs(neu / total), 3), neg: round(Math.abs(negSum / total), 3), terms, rules };
  }
}

function readTsv(file: string): Array<[string, string]> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [a, b] = l.trim().split('\t');
      return [a, b];
    });
}

const VADER_DIR = path.join(PACKAGE_ROOT, 'lexicons', 'social', 'vader');
let english: Language | undefined;

/** English: the vaderSentiment 3.3.2 lexicons vendored in lexicons/social/vader. */
export function englishLanguage(): Language {
  english ??= {
    lang: 'en',
    lexicon: new Map(readTsv(path.join(VADER_DIR, 'vader_lexicon.txt')).map(([k, v]) => [k, Number(v)])),
    negations: NEGATE_EN,
    ntNegates: true,
    boosters: new Map(BOOSTER_EN),
    contrast: 'but',
    englishRules: true,
    emojiText: new Map(readTsv(path.join(VADER_DIR, 'emoji_utf8_lexicon.txt')).filter(([k]) => [...k].length === 1) as Array<[string, string]>),
  };
  return english;
}

/**
 * An emoji's valence for languages that do not rewrite emoji into English: the sum of the VADER
 * valences of its description's words (😡 "enraged face" → −2.3...), within ±4.
 */
export function emojiValences(): Map<string, number> {
  const en = englishLanguage();
  const out = new Map<string, number>();
  for (const [emoji, description] of en.emojiText!) {
    let v = 0;
    for (const word of description.toLowerCase().split(/[\s-]+/)) v += en.lexicon.get(word) ?? 0;
    if (v) out.set(emoji, Math.max(-4, Math.min(4, v)));
  }
  return out;
}
