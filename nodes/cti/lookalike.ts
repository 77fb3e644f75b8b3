import { remove as removeConfusables } from 'confusables';
import AhoCorasick from 'modern-ahocorasick';
import { domainParts } from './domains';
import type { DomainParts } from './domains';

/**
 * Look-alike domains of the city's own: a name seen in intelligence (or newly registered) that
 * a reader would take for one of the register's domains. The kinds are dnstwist's: homoglyphs
 * (Unicode confusables, shown in punycode as `xn--…`), omission, insertion and repetition,
 * transposition, replacement and bit-flips, hyphenation, added or swapped TLDs, and combosquats
 * (`city-portal-login.com`) and subdomain spoofs (`city-portal.eu.login-check.com`).
 *
 * Candidates are found without scanning the register: an index of every watched label and its
 * one-character deletions (symmetric-delete, as in SymSpell) yields every label at edit
 * distance 1 of the seen one, on the raw labels and on their visual skeletons; then each
 * candidate is classified and scored. Combosquats are found by one pass of an Aho–Corasick
 * automaton over the watched labels (and one over their skeletons) along the seen label, spoofs
 * by looking up its subdomain labels, so the cost does not grow with the register.
 */

export type LookalikeKind =
  | 'homoglyph' | 'tld-swap' | 'omission' | 'insertion' | 'repetition' | 'transposition' | 'bit-flip' | 'replacement'
  | 'hyphenation' | 'combosquat' | 'subdomain-spoof';

export interface Lookalike<T> {
  target: T;
  targetDomain: string;
  kind: LookalikeKind;
  /** Similarity in [0, 1]: how likely a reader is to take one for the other. */
  score: number;
}

/** How alike each kind looks to a reader; the order dnstwist's users rank them in. */
const SCORE: Record<LookalikeKind, number> = {
  homoglyph: 0.97, 'tld-swap': 0.9, transposition: 0.88, omission: 0.86, repetition: 0.86, 'bit-flip': 0.85,
  hyphenation: 0.85, insertion: 0.82, replacement: 0.8, 'subdomain-spoof': 0.78, combosquat: 0.7,
};

const MIN_SUBSTRING = 5;

/**
 * The visual skeleton of a label: Unicode confusables to ASCII (the `confusables` package, from
 * Unicode's confusables.txt), then the ASCII look-alikes a font makes (rn/m, vv/w, cl/d, 0/o,
 * 1/l/i). Two labels with one skeleton look the same.
 */
export function skeleton(unicodeLabel: string): string {
  return removeConfusables(unicodeLabel.normalize('NFKC'))
    .toLowerCase()
    .replace(/0/g, 'o').replace(/[1i|]/g, 'l')
    .replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/cl/g, 'd');
}

function deletions(s: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < s.length; i++) out.add(s.slice(0, i) + s.slice(i + 1));
  return [...out];
}

/** Optimal-string-alignment distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      rowMin = Math.min(rowMin, d[i][j]);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length][b.length];
}

/** The kind of a one-edit typo turning `ours` into `seen`. */
function typoKind(ours: string, seen: string): LookalikeKind {
  if (seen.length === ours.length - 1) return 'omission';
  if (seen.length === ours.length + 1) {
    const at = [...seen].findIndex((c, i) => c !== ours[i]);
    const i = at < 0 ? seen.length - 1 : at;
    if (seen[i] === '-') return 'hyphenation';
    return seen[i] === seen[i - 1] || seen[i] === seen[i + 1] ? 'repetition' : 'insertion';
  }
  const diff = [...seen].map((c, i) => (c === ours[i] ? -1 : i)).filter((i) => i >= 0);
  if (diff.length === 2 && diff[1] === diff[0] + 1 && seen[diff[0]] === ours[diff[1]]) return 'transposition';
  const x = seen.charCodeAt(diff[0]) ^ ours.charCodeAt(diff[0]);
  return x !== 0 && (x & (x - 1)) === 0 ? 'bit-flip' : 'replacement';
}

interface Watched<T> { target: T; parts: DomainParts; skeleton: string }

function add<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

interface Combo<T> {
  matcher: AhoCorasick;
  /** By pattern index. */
  watchers: Array<Array<Watched<T>>>;
}

function combo<T>(patterns: Map<string, Array<Watched<T>>>): Combo<T> {
  return { matcher: new AhoCorasick([...patterns.keys()]), watchers: [...patterns.values()] };
}

export class LookalikeIndex<T> {
  private readonly byKey = new Map<string, Array<Watched<T>>>();
  /** Labels (and skeletons, `~`-prefixed) of MIN_SUBSTRING or more, and registrable names. */
  private readonly whole = new Map<string, Array<Watched<T>>>();
  private readonly ownRegistrable = new Set<string>();
  /**
   * Combosquats: every watched label of MIN_SUBSTRING or more inside a seen label, and every
   * such skeleton inside its skeleton, in one pass each (modern-ahocorasick), in place of a
   * lookup of each of the label's O(n²) substrings, which cost most of the matching time.
   */
  private readonly inLabel: Combo<T>;
  private readonly inSkeleton: Combo<T>;

  constructor(targets: Iterable<{ target: T; domain: string }>) {
    for (const { target, domain } of targets) {
      const parts = domainParts(domain);
      if (!parts) continue;
      const w: Watched<T> = { target, parts, skeleton: skeleton(domainParts(parts.registrable)!.unicode.slice(0, -(parts.suffix.length + 1)) || parts.label) };
      this.ownRegistrable.add(parts.registrable);
      for (const key of [parts.label, ...deletions(parts.label), `~${w.skeleton}`, ...deletions(w.skeleton).map((k) => `~${k}`)]) add(this.byKey, key, w);
      if (parts.label.length >= MIN_SUBSTRING) for (const key of [parts.label, `~${w.skeleton}`, parts.registrable]) add(this.whole, key, w);
    }
    const labels = new Map<string, Array<Watched<T>>>();
    const skeletons = new Map<string, Array<Watched<T>>>();
    for (const [key, ws] of this.whole) {
      if (key.startsWith('~')) {
        if (key.length - 1 >= MIN_SUBSTRING) skeletons.set(key.slice(1), ws);
      } else if (!key.includes('.')) {
        labels.set(key, ws);
      }
    }
    this.inLabel = combo(labels);
    this.inSkeleton = combo(skeletons);
  }

  /** The register's domains `seen` imitates, best first; none for the city's own names. */
  find(seen: string): Array<Lookalike<T>> {
    const parts = domainParts(seen);
    if (!parts || this.ownRegistrable.has(parts.registrable)) return [];
    const unicodeLabel = domainParts(parts.registrable)!.unicode.slice(0, -(parts.suffix.length + 1)) || parts.label;
    const sk = skeleton(unicodeLabel);
    const candidates = new Set<Watched<T>>();
    for (const key of [parts.label, ...deletions(parts.label), `~${sk}`, ...deletions(sk).map((k) => `~${k}`)]) {
      for (const w of this.byKey.get(key) ?? []) candidates.add(w);
    }
    const found = new Map<Watched<T>, Lookalike<T>>();
    const keep = (w: Watched<T>, kind: LookalikeKind, penalty = 0): void => {
      const score = Math.round(SCORE[kind] * (1 - penalty) * 1000) / 1000;
      const prev = found.get(w);
      if (!prev || prev.score < score) found.set(w, { target: w.target, targetDomain: w.parts.unicode, kind, score });
    };
    for (const w of candidates) {
      const ours = w.parts.label;
      // A change of the label under another suffix too is two changes: less alike.
      const penalty = parts.suffix === w.parts.suffix ? 0 : 0.1;
      if (parts.label === ours) keep(w, 'tld-swap');
      else if (sk === w.skeleton) keep(w, 'homoglyph', penalty);
      else if (editDistance(ours, parts.label, 1) === 1) keep(w, typoKind(ours, parts.label), penalty);
      else if (editDistance(w.skeleton, sk, 1) === 1) keep(w, 'homoglyph', penalty + 0.1);
    }
    // Subdomain spoofs: a watched label or registrable name among the seen name's subdomain labels.
    const sub = parts.subdomain ? parts.subdomain.split('.') : [];
    for (let i = 0; i < sub.length; i++) {
      for (let j = i + 1; j <= sub.length; j++) for (const w of this.whole.get(sub.slice(i, j).join('.')) ?? []) if (!found.has(w)) keep(w, 'subdomain-spoof');
    }
    // Combosquats: a watched label (or its skeleton) inside the seen label (or its skeleton).
    for (const [text, automaton] of [[parts.label, this.inLabel], [sk, this.inSkeleton]] as const) {
      if (text.length < MIN_SUBSTRING) continue;
      for (const hit of automaton.matcher.iterate(text)) for (const w of automaton.watchers[hit.patternIndex]) if (!found.has(w)) keep(w, 'combosquat');
    }
    return [...found.values()].sort((a, b) => b.score - a.score);
  }
}
