/**
 * Irony and threat cues in en, it and no. Each lexicon is written in the project's own query
 * language (query.ts), compiled once, so that folding, phrases and prefixes behave exactly as in
 * the analyst's queries, and the terms found are the explanation.
 */
import { compileQuery } from './query';
import type { CompiledQuery , PostWords } from './query';
import type { SentimentScore } from './sentiment';

export interface CueScore {
  /** 0…1. */
  score: number;
  /** What raised it, for the analyst. */
  cues: string[];
}

function q(parts: string[]): CompiledQuery {
  return compileQuery(parts.join(' OR '));
}

// ── Irony ──────────────────────────────────────────────────────────────────────────────────

const IRONY_TAGS = /#(?:not|irony|ironic|sarcasm|sarcastic|yeahright|ironia|ironico|sarcasmo|sarcastico|ironi|ironisk|sarkasme|sarkastisk)\b/iu;
/** Emoji that mark a positive phrase as meant otherwise. */
const IRONY_EMOJI = /[🙄🙃😒😑😏🤡]/u;
const IRONY_PHRASES = q([
  '"yeah right"', '"thanks a lot"', '"just what i needed"', '"oh great"', '"what a surprise"', '"love it when"', '"so much fun"', '"well done"', '"as always"',
  '"grazie tante"', '"ma che bello"', '"che bello"', '"proprio quello che"', 'complimenti', '"bravi bravi"', '"come sempre"', '"che sorpresa"',
  '"takk for det"', '"så flott"', '"akkurat det vi trengte"', '"som alltid"', '"for en overraskelse"', '"tusen takk"',
]);
/** Everyday trouble that a positive word rarely describes sincerely. */
const TROUBLE = q([
  'traffic', 'delay*', 'late', 'queue*', 'strike', 'rain*', 'stuck', 'broken', 'cancel*', 'closed', 'again', 'hours',
  'traffico', 'ritard*', 'coda', 'code', 'sciopero', 'pioggia', 'piove', 'bloccat*', 'rott*', 'cancellat*', 'chius*', 'ancora', 'ore',
  'kø', 'køen', 'forsink*', 'streik', 'regn*', 'innstilt', 'stengt', 'igjen', 'timer', 'ødelagt',
]);
const QUOTED = /["“«]([^"”»]{2,30})["”»]/gu;

/** Irony cues; `sentiment` is the post's score in its language. */
export function ironyCues(text: string, words: PostWords, sentiment: SentimentScore, wordValence: (w: string) => number | undefined): CueScore {
  const cues: Array<[string, number]> = [];
  const tag = IRONY_TAGS.exec(text);
  if (tag) cues.push([`hashtag ${tag[0]}`, 0.7]);
  const phrase = IRONY_PHRASES.hits(words);
  if (phrase.length) cues.push([`ironic phrase ${phrase.join(', ')}`, 0.35]);
  const positives = sentiment.terms.filter((t) => t.valence > 0);
  const negatives = sentiment.terms.filter((t) => t.valence < 0);
  if (positives.length) {
    const trouble = TROUBLE.hits(words);
    if (trouble.length) cues.push([`positive "${positives[0].term}" about trouble (${trouble.slice(0, 3).join(', ')})`, 0.3]);
    if (negatives.length) cues.push([`positive "${positives[0].term}" beside negative "${negatives[0].term}"`, 0.2]);
    const emoji = IRONY_EMOJI.exec(text);
    if (emoji) cues.push([`positive words with ${emoji[0]}`, 0.4]);
  }
  for (const m of text.matchAll(QUOTED)) {
    const inner = m[1].trim().toLowerCase();
    const v = wordValence(inner);
    if (v !== undefined && v > 0) {
      cues.push([`positive word in quotation marks: ${m[0]}`, 0.35]);
      break;
    }
  }
  if (/[!?]{3,}|\.{3,}|…/u.test(text) && positives.length && !negatives.length) cues.push(['positive with trailing punctuation', 0.1]);
  let keep = 1;
  for (const [, w] of cues) keep *= 1 - w;
  return { score: Math.round((1 - keep) * 1000) / 1000, cues: cues.map((c) => c[0]) };
}

// ── Threat and unrest ──────────────────────────────────────────────────────────────────────

interface Category {
  name: string;
  weight: number;
  query: CompiledQuery;
}

const THREAT: Category[] = [
  {
    name: 'violence',
    weight: 0.4,
    query: q([
      'kill*', 'murder*', 'shoot*', 'shot', 'stab*', '"blow up"', 'bomb', 'bombing', 'attack*', 'burn', 'massacre', 'slaughter', 'behead*', 'hurt', '"beat up"', 'destroy*', 'torch',
      'uccid*', 'ammazz*', 'sparare', 'sparo', 'spariamo', 'sparer*', 'accoltell*', '"far saltare"', 'bruciare', 'bruciamo', 'attacc*', 'strage', 'massacr*', 'picchiar*', 'distrugg*', 'incendi*',
      'drep*', 'myrd*', 'skyt*', 'knivstikk*', 'sprenge', 'sprenger', 'angrep*', 'angripe', 'brenne', 'brenn', 'massakre', 'slakte', 'banke', 'ødelegge', 'tenne',
    ]),
  },
  {
    name: 'weapon',
    weight: 0.3,
    query: q([
      'gun', 'guns', 'rifle*', 'knife', 'knives', 'explosive*', 'molotov', 'grenade*', 'ammo', 'ammunition', 'machete', 'ied', 'bomb*',
      'pistol*', 'fucil*', 'coltell*', 'esplosiv*', 'granat*', 'munizion*', 'bomba', 'bombe', 'armi', 'arma',
      'gevær*', 'kniv*', 'sprengstoff', 'håndgranat*', 'ammunisjon', 'våpen', 'bombe*',
    ]),
  },
  {
    name: 'target',
    weight: 0.15,
    query: q([
      'station', 'school', 'mayor', 'police', '"city hall"', 'metro', 'subway', 'square', 'mosque', 'church', 'synagogue', 'stadium', 'parliament', 'hospital', 'embassy', 'concert', 'market',
      'stazione', 'scuola', 'sindaco', 'polizia', 'comune', 'metropolitana', 'piazza', 'moschea', 'chiesa', 'sinagoga', 'stadio', 'parlamento', 'ospedale', 'ambasciata', 'concerto', 'mercato', 'questura',
      'stasjon*', 'skole*', 'ordfører*', 'politi*', 'rådhus*', '"t bane"', 'torg*', 'moské*', 'kirke*', 'synagoge*', 'stadion', 'storting*', 'sykehus*', 'ambassade*', 'konsert*', 'marked*',
    ]),
  },
  {
    name: 'call to gather',
    weight: 0.15,
    query: q([
      '"everyone to"', '"meet at"', '"come armed"', '"tonight at"', '"tomorrow at"', 'gather', 'mobilize', 'mobilise', '"take to the streets"', '"bring your"',
      '"tutti in"', '"tutti a"', '"ci vediamo"', '"scendiamo in piazza"', '"stasera alle"', '"domani alle"', 'radunarsi', 'raduniamoci', 'mobilitazione', '"venite armati"', '"portate"',
      '"alle møter"', '"vi samles"', '"møt opp"', '"i kveld kl"', '"i morgen kl"', 'mobiliser*', '"ta med"', '"kom bevæpnet"',
    ]),
  },
  {
    name: 'intent',
    weight: 0.15,
    query: q([
      '"i will"', '"i\'ll"', '"we will"', '"we\'ll"', 'gonna', '"going to"', '"i\'m going"', '"we are going"',
      'farò', 'faremo', '"vado a"', '"andiamo a"', '"ora basta"', '"la pagherete"',
      '"jeg skal"', '"vi skal"', '"kommer til å"', '"nå er det nok"',
    ]),
  },
];

/** The violence and weapon terms a post holds: what a keyword-only threat detector would look at (the bench's baseline). */
export function threatTerms(words: PostWords): string[] {
  return THREAT.filter((c) => c.name === 'violence' || c.name === 'weapon').flatMap((c) => c.query.hits(words));
}

/** Threat and unrest cues, boosted by negativity and by the project's places. */
export function threatCues(words: PostWords, sentiment: SentimentScore, placesNamed: string[]): CueScore {
  const cues: string[] = [];
  let base = 0;
  const found = new Set<string>();
  for (const c of THREAT) {
    const hits = c.query.hits(words);
    if (!hits.length) continue;
    found.add(c.name);
    base += c.weight;
    cues.push(`${c.name}: ${hits.slice(0, 4).join(', ')}`);
  }
  // Places, gatherings and intentions alone are everyday talk: a threat needs violence or a weapon.
  if (!found.has('violence') && !found.has('weapon')) return { score: 0, cues: [] };
  let score = base;
  const negativity = Math.max(0, -sentiment.compound);
  if (negativity > 0) {
    score *= 1 + 0.5 * negativity;
    cues.push(`negative tone (compound ${sentiment.compound}) ×${(1 + 0.5 * negativity).toFixed(2)}`);
  }
  if (sentiment.compound > 0) {
    // "The band killed it, great show": violent words in a happy post are figures of speech.
    score *= 1 - 0.5 * sentiment.compound;
    cues.push(`positive tone (compound ${sentiment.compound}) ×${(1 - 0.5 * sentiment.compound).toFixed(2)}`);
  }
  if (placesNamed.length) {
    score += 0.15;
    cues.push(`names the project's place ${placesNamed.slice(0, 3).join(', ')}`);
  }
  return { score: Math.round(Math.min(1, score) * 1000) / 1000, cues };
}
