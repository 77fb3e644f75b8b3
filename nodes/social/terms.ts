/**
 * What people are talking about: the top terms and two-word phrases of a project's posts per
 * window, with stop words removed per language, and each term's change against its usual share
 * of the posts. Plain code, tested without Node-RED; the monitor (monitor.ts) feeds it.
 *
 * Stop words come from the npm package `stopword` (MIT; curated lists for 60 languages, English,
 * Italian and Norwegian bokmål among them), folded as posts are, plus a few words of the web
 * (http, www, rt, amp) that are no topic in any language. A term is counted once per post, so one
 * post repeating a word does not make it a topic. Words of the project's own query are left out:
 * they are in the posts because the query asked for them.
 */
import { eng, ita, nob } from 'stopword';
import { fold, words } from './text';

const WEB = ['http', 'https', 'www', 'com', 'rt', 'amp', 'via'];
/** Languages with their own stop words; any other language gets all three lists (posts mix them). */
const LISTS: Record<string, string[]> = { en: eng, it: ita, no: nob, nb: nob };
const STOP = new Map<string, ReadonlySet<string>>(Object.entries(LISTS).map(([lang, list]) => [lang, new Set([...list, ...WEB].map(fold))]));
const ANY = new Set([...eng, ...ita, ...nob, ...WEB].map(fold));

/** Links and @mentions are no topic, and mentions name people: both go before counting. */
const NOT_TOPICS = /https?:\/\/\S+|www\.\S+|@[\p{L}\p{N}_.]+(@[\p{L}\p{N}_.-]+)?/gu;

/** Punctuation that ends a clause: no phrase spans it. */
const CLAUSE = /[.!?,;:()[\]{}"«»“”\n]+|\s[-–—]\s/;

/** The topic words of a text in order, null where a stop word (or a number, a single letter, a query word, the end of a clause) parts them. */
function topicWords(text: string, lang: string, skip: (w: string) => boolean): Array<string | null> {
  const stop = STOP.get(lang) ?? ANY;
  const out: Array<string | null> = [];
  for (const clause of text.replace(NOT_TOPICS, ' ').split(CLAUSE)) {
    for (const w of words(clause)) out.push(w.length < 2 || /^\d+$/.test(w) || stop.has(w) || skip(w) ? null : w);
    out.push(null);
  }
  return out;
}

/**
 * A post's terms, each once: its topic words and the two-word phrases of neighbouring topic words
 * ("piazza signori" from "piazza dei signori" is not one: a stop word parts them).
 */
export function termsOf(text: string, lang: string, skip: (w: string) => boolean = () => false): Set<string> {
  const ws = topicWords(text, lang, skip);
  const out = new Set<string>();
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (w === null) continue;
    out.add(w);
    const next = ws[i + 1];
    if (next) out.add(`${w} ${next}`);
  }
  return out;
}

/** A test for the words the query's hits name (words, prefixes*, "phrases"): they are left out of the terms. */
export function queryWords(hits: readonly string[]): (w: string) => boolean {
  if (!hits.length) return () => false;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const hit of hits) {
    for (const part of hit.replace(/"/g, ' ').split(/\s+/)) {
      if (part.endsWith('*')) prefixes.push(fold(part.slice(0, -1)));
      else if (part) for (const w of words(part)) exact.add(w);
    }
  }
  return (w) => exact.has(w) || prefixes.some((p) => w.startsWith(p));
}

export interface TermRow {
  term: string;
  /** Posts of the window that hold it. */
  posts: number;
  /** Share of the window's posts, 0–1. */
  share: number;
  /** Its usual share of the posts over the baseline windows (0: not seen there). */
  usual: number;
  /** posts ÷ (usual share × the window's posts): 3 is three times its usual; null when it is new. */
  change: number | null;
}

/** Distinct terms one window counts at most; past it, only terms already counted go on counting (memory stays bounded). */
const MAX_TERMS = 20_000;
/** Terms remembered from each past window for the baseline. */
const KEPT_PER_WINDOW = 200;
/** Terms of the open window a restart keeps. */
const KEPT_OPEN = 1_000;
/** A phrase must be in this many posts of a window to be a top term (a single post's pair of words is no phrase). */
const MIN_PHRASE_POSTS = 2;

/** Counts of one window: posts holding each term. */
export class TermCounter {
  private readonly counts = new Map<string, number>();
  posts = 0;

  add(terms: Iterable<string>): void {
    this.posts++;
    for (const t of terms) {
      const n = this.counts.get(t);
      if (n !== undefined) this.counts.set(t, n + 1);
      else if (this.counts.size < MAX_TERMS) this.counts.set(t, 1);
    }
  }

  /** The most frequent terms, most posts first (ties by name, so the order is stable). */
  top(n: number): Array<[string, number]> {
    return this.sorted().filter(([t, c]) => !t.includes(' ') || c >= MIN_PHRASE_POSTS).slice(0, n);
  }

  private sorted(): Array<[string, number]> {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /** The open window as a restart keeps it: its posts and its 1,000 most frequent terms (the rest are too rare to reach the top). */
  toJSON(): PastWindow {
    return { posts: this.posts, terms: this.sorted().slice(0, KEPT_OPEN) };
  }

  static restore(raw: unknown): TermCounter {
    const w = checkWindow(raw, KEPT_OPEN, 0);
    const c = new TermCounter();
    c.posts = w.posts;
    for (const [t, n] of w.terms) c.counts.set(t, n);
    return c;
  }
}

function checkWindow(raw: unknown, keep: number, minPosts: number): PastWindow {
  const w = raw as Partial<PastWindow> | null;
  const ok = !!w && typeof w === 'object' && Number.isInteger(w.posts) && (w.posts as number) >= minPosts && Array.isArray(w.terms)
    && w.terms.every((t) => Array.isArray(t) && typeof t[0] === 'string' && Number.isInteger(t[1]) && t[1] > 0);
  if (!ok) throw new TypeError('a window\'s terms must hold its posts and [term, posts] pairs');
  return { posts: w!.posts as number, terms: (w!.terms as Array<[string, number]>).slice(0, keep) };
}

/** One past window as the baseline keeps it: its post count and its most frequent terms. */
export interface PastWindow {
  posts: number;
  terms: Array<[string, number]>;
}

/**
 * The usual share of each term over the last `windows` windows that had posts: the posts that held
 * it over the posts there were. A term outside a past window's kept top counts as absent there, so
 * a rare term's usual share is a floor. Bounded: `windows` × 200 terms.
 */
export class TermBaseline {
  private past: PastWindow[] = [];

  constructor(private readonly windows: number) {}

  /** Rows for a closed window's counts against the baseline before it, then takes the window in. */
  close(counter: TermCounter, n: number): TermRow[] {
    const rows = counter.top(n).map(([term, posts]) => this.row(term, posts, counter.posts));
    if (counter.posts) {
      this.past.push({ posts: counter.posts, terms: counter.top(KEPT_PER_WINDOW) });
      if (this.past.length > this.windows) this.past.shift();
    }
    return rows;
  }

  private row(term: string, posts: number, total: number): TermRow {
    let held = 0;
    let all = 0;
    for (const w of this.past) {
      all += w.posts;
      held += w.terms.find(([t]) => t === term)?.[1] ?? 0;
    }
    const usual = all ? held / all : 0;
    const share = total ? posts / total : 0;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return { term, posts, share: round(share), usual: round(usual), change: usual > 0 ? Math.round((share / usual) * 10) / 10 : null };
  }

  toJSON(): PastWindow[] {
    return this.past;
  }

  /** Takes up saved windows; anything that is not one is refused (the caller starts afresh). */
  restore(raw: unknown): void {
    if (!Array.isArray(raw)) throw new TypeError('terms must be a list of past windows');
    this.past = raw.map((w) => checkWindow(w, KEPT_PER_WINDOW, 1)).slice(-this.windows);
  }
}
