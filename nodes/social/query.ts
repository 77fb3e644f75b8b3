/**
 * The project's boolean query, parsed once and compiled into a matcher over a post's folded
 * words.
 *
 * Grammar, from the loosest binding to the tightest (docs/social.md):
 *
 *   query   := or
 *   or      := and ( "OR" and )*
 *   and     := not ( ["AND"] not )*          two operands side by side are an AND
 *   not     := "NOT" not | near
 *   near    := primary ( "NEAR/" n primary )*  n words or fewer between the two, either order
 *   primary := "(" or ")" | '"' words '"' | word | word"*"
 *
 * Operators are written in capitals; "and", "or", "not" in lower case are words. Words, phrases
 * and prefixes are folded (case and accents) as the post is, so "citta" finds "Città".
 * NEAR takes words, prefixes and phrases only: the distance of a group has no meaning.
 */
import { words } from './text';

export class QuerySyntaxError extends Error {
  /** 0-based offset into the query where the problem is. */
  readonly offset: number;
  constructor(message: string, offset: number, query: string) {
    // The query around the column, the offending character marked: enough to find it, short
    // enough for a node status.
    const before = query.slice(Math.max(0, offset - 30), offset);
    const after = query.slice(offset + 1, offset + 31);
    super(`${message} at column ${offset + 1}: ${offset > 30 ? '…' : ''}${before}⟦${query.slice(offset, offset + 1) || 'end'}⟧${after}${offset + 31 < query.length ? '…' : ''}`);
    this.name = 'QuerySyntaxError';
    this.offset = offset;
  }
}

export type QueryNode =
  | { kind: 'word'; word: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'phrase'; words: string[] }
  | { kind: 'and' | 'or'; items: QueryNode[] }
  | { kind: 'not'; item: QueryNode }
  | { kind: 'near'; distance: number; left: QueryNode; right: QueryNode };

type Token =
  | { t: 'word'; text: string; at: number }
  | { t: 'prefix'; text: string; at: number }
  | { t: 'phrase'; text: string; at: number }
  | { t: 'and' | 'or' | 'not' | '(' | ')'; at: number }
  | { t: 'near'; n: number; at: number };

const MAX_QUERY_LENGTH = 10_000;
const MAX_NEAR = 100;
/** Nesting beyond this is refused: the parser recurses, and no analyst writes it. */
const MAX_DEPTH = 64;

function lex(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c, at: i++ });
      continue;
    }
    if (c === '"') {
      const end = query.indexOf('"', i + 1);
      if (end < 0) throw new QuerySyntaxError('unclosed quote', i, query);
      const text = query.slice(i + 1, end);
      if (!words(text).length) throw new QuerySyntaxError('empty phrase', i, query);
      out.push({ t: 'phrase', text, at: i });
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < query.length && !/[\s()"]/.test(query[i])) i++;
    const raw = query.slice(start, i);
    if (raw === 'AND' || raw === 'OR' || raw === 'NOT') {
      out.push({ t: raw.toLowerCase() as 'and' | 'or' | 'not', at: start });
      continue;
    }
    const near = /^NEAR\/(\d+)$/.exec(raw);
    if (near) {
      const n = Number(near[1]);
      if (n > MAX_NEAR) throw new QuerySyntaxError(`NEAR distance above ${MAX_NEAR}`, start, query);
      out.push({ t: 'near', n, at: start });
      continue;
    }
    if (/^NEAR(\/|$)/.test(raw)) throw new QuerySyntaxError('NEAR needs a distance, as in NEAR/3', start, query);
    const star = raw.indexOf('*');
    if (star >= 0 && star !== raw.length - 1) throw new QuerySyntaxError('a wildcard * may only end a word', start + star, query);
    const body = star >= 0 ? raw.slice(0, -1) : raw;
    const parts = words(body);
    if (star >= 0) {
      if (parts.length !== 1) throw new QuerySyntaxError(parts.length ? 'a wildcard needs one word before it' : 'a wildcard needs at least one letter before it', start, query);
      out.push({ t: 'prefix', text: body, at: start });
    } else if (parts.length === 0) {
      throw new QuerySyntaxError(`"${raw}" holds no letter or digit`, start, query);
    } else {
      // "e-mail" or "l'aeroporto" are one typed word but several post words: a phrase.
      out.push(parts.length === 1 ? { t: 'word', text: body, at: start } : { t: 'phrase', text: body, at: start });
    }
  }
  return out;
}

/** Parses a query; throws QuerySyntaxError pointing at the offending column. */
export function parseQuery(query: string): QueryNode {
  if (typeof query !== 'string') throw new TypeError('the query must be a string');
  if (query.length > MAX_QUERY_LENGTH) throw new QuerySyntaxError(`query longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH, query.slice(0, MAX_QUERY_LENGTH));
  const tokens = lex(query);
  if (!tokens.length) throw new QuerySyntaxError('empty query', 0, query);
  let pos = 0;
  const at = () => (pos < tokens.length ? tokens[pos].at : query.length);
  const fail = (msg: string): never => {
    throw new QuerySyntaxError(msg, at(), query);
  };
  const startsOperand = (tok: Token | undefined) => !!tok && (tok.t === 'word' || tok.t === 'prefix' || tok.t === 'phrase' || tok.t === '(' || tok.t === 'not');

  function or(depth: number): QueryNode {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    const items = [and(depth)];
    while (tokens[pos]?.t === 'or') {
      pos++;
      if (!startsOperand(tokens[pos])) fail('expected a word, phrase or ( after OR');
      items.push(and(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }
  function and(depth: number): QueryNode {
    const from = at();
    const items = [not(depth)];
    for (;;) {
      const tok = tokens[pos];
      if (tok?.t === 'and') {
        pos++;
        if (!startsOperand(tokens[pos])) fail('expected a word, phrase or ( after AND');
      } else if (!startsOperand(tok)) break;
      items.push(not(depth));
    }
    if (items.every((i) => i.kind === 'not')) {
      // A query of NOTs only would match almost every post on the network.
      throw new QuerySyntaxError('NOT needs something to match beside it, in the same group', from, query);
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }
  function not(depth: number): QueryNode {
    if (tokens[pos]?.t === 'not') {
      pos++;
      if (!startsOperand(tokens[pos])) fail('expected a word, phrase or ( after NOT');
      if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
      return { kind: 'not', item: not(depth + 1) };
    }
    return near(depth);
  }
  function near(depth: number): QueryNode {
    let left = primary(depth);
    while (tokens[pos]?.t === 'near') {
      const op = tokens[pos] as { n: number; at: number };
      if (!positional(left)) throw new QuerySyntaxError('NEAR joins words, prefixes or phrases, not a group', op.at, query);
      pos++;
      const tok = tokens[pos];
      if (!tok || (tok.t !== 'word' && tok.t !== 'prefix' && tok.t !== 'phrase')) fail('expected a word, prefix or phrase after NEAR');
      const right = primary(depth);
      left = { kind: 'near', distance: op.n, left, right };
    }
    return left;
  }
  function primary(depth: number): QueryNode {
    const tok = tokens[pos];
    if (!tok) return fail('expected a word, phrase or (');
    if (tok.t === '(') {
      pos++;
      if (tokens[pos]?.t === ')') fail('empty parentheses');
      const inner = or(depth + 1);
      if (tokens[pos]?.t !== ')') throw new QuerySyntaxError('missing )', at(), query);
      pos++;
      return inner;
    }
    pos++;
    if (tok.t === 'word') return { kind: 'word', word: words(tok.text)[0] };
    if (tok.t === 'prefix') return { kind: 'prefix', prefix: words(tok.text)[0] };
    if (tok.t === 'phrase') {
      const ws = words(tok.text);
      return ws.length === 1 ? { kind: 'word', word: ws[0] } : { kind: 'phrase', words: ws };
    }
    pos--;
    if (tok.t === ')') return fail('unexpected )');
    return fail(`expected a word, phrase or ( before ${tok.t === 'near' ? 'NEAR' : tok.t.toUpperCase()}`);
  }

  const tree = or(0);
  if (pos < tokens.length) fail(tokens[pos].t === ')' ? 'unexpected )' : 'unexpected operator');
  return tree;
}

function positional(n: QueryNode): boolean {
  return n.kind === 'word' || n.kind === 'prefix' || n.kind === 'phrase' || n.kind === 'near';
}

/** The first index of a sorted array whose string is not below `key`. */
function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The words of one post, with where each occurs, built once and shared by every test of the query. */
export class PostWords {
  readonly list: string[];
  private index?: Map<string, number[]>;
  private sorted?: string[];
  private set?: Set<string>;
  constructor(list: string[]) {
    this.list = list;
  }
  static of(text: string): PostWords {
    return new PostWords(words(text));
  }
  /**
   * Whether a word starts with `prefix`: a binary search in the post's words sorted once per post
   * and shared by all queries (the set of every word's beginnings it replaces cost a string per
   * beginning, the largest share of the garbage per post).
   */
  hasPrefix(prefix: string): boolean {
    const sorted = this.sortedWords();
    const i = lowerBound(sorted, prefix);
    return i < sorted.length && sorted[i].startsWith(prefix);
  }
  /** Whether the post has the word: a set, cheaper to build than the positions of every word, which few tests need. */
  has(word: string): boolean {
    return (this.set ??= new Set(this.list)).has(word);
  }
  private sortedWords(): string[] {
    return (this.sorted ??= this.list.slice().sort());
  }
  positions(word: string): number[] | undefined {
    if (!this.index) {
      this.index = new Map();
      this.list.forEach((w, i) => {
        const at = this.index!.get(w);
        if (at) at.push(i);
        else this.index!.set(w, [i]);
      });
    }
    return this.index.get(word);
  }
}

/** Spans [start, end] (word positions, inclusive) where a positional node occurs. */
type Spans = (p: PostWords) => Array<[number, number]>;

export interface CompiledQuery {
  readonly source: string;
  readonly tree: QueryNode;
  /** Whether the post's words satisfy the query. */
  test(post: PostWords): boolean;
  /** The query's positive terms (words, prefixes*, "phrases") found in the post: for relevance and explanations. */
  hits(post: PostWords): string[];
  /** How many positive terms the query has: the relevance denominator. */
  readonly terms: number;
}

/** Parses and compiles a query; throws QuerySyntaxError for a malformed one. */
export function compileQuery(source: string): CompiledQuery {
  const tree = parseQuery(source);
  const positives: Term[] = [];

  function spans(n: QueryNode): Spans {
    switch (n.kind) {
      case 'word':
        return (p) => (p.has(n.word) ? p.positions(n.word)!.map((i): [number, number] => [i, i]) : []);
      case 'prefix':
        return (p) => {
          const out: Array<[number, number]> = [];
          p.list.forEach((w, i) => {
            if (w.startsWith(n.prefix)) out.push([i, i]);
          });
          return out;
        };
      case 'phrase':
        return (p) => {
          const out: Array<[number, number]> = [];
          // Most posts lack the first word: the search needs no index of positions.
          if (!p.has(n.words[0])) return out;
          for (const i of p.positions(n.words[0]) ?? []) {
            let ok = true;
            for (let k = 1; k < n.words.length && ok; k++) ok = p.list[i + k] === n.words[k];
            if (ok) out.push([i, i + n.words.length - 1]);
          }
          return out;
        };
      case 'near': {
        const left = spans(n.left);
        const right = spans(n.right);
        return (p) => {
          const a = left(p);
          if (!a.length) return [];
          const b = right(p);
          const out: Array<[number, number]> = [];
          for (const x of a) {
            for (const y of b) {
              const gap = x[0] <= y[0] ? y[0] - x[1] - 1 : x[0] - y[1] - 1;
              if (gap >= 0 && gap <= n.distance) out.push([Math.min(x[0], y[0]), Math.max(x[1], y[1])]);
            }
          }
          return out;
        };
      }
      default:
        throw new Error(`${n.kind} is not positional`);
    }
  }

  function compile(n: QueryNode, negated: boolean): (p: PostWords) => boolean {
    switch (n.kind) {
      case 'word': {
        const f = (p: PostWords) => p.has(n.word);
        if (!negated) positives.push({ label: n.word, found: f, word: n.word });
        return f;
      }
      case 'prefix': {
        const f = (p: PostWords) => p.hasPrefix(n.prefix);
        if (!negated) positives.push({ label: `${n.prefix}*`, found: f, prefix: n.prefix });
        return f;
      }
      case 'phrase':
      case 'near': {
        const s = spans(n);
        const f = (p: PostWords) => s(p).length > 0;
        if (!negated) positives.push({ label: describe(n), found: f, ...(n.kind === 'phrase' ? { first: n.words[0] } : {}) });
        return f;
      }
      case 'and': {
        const parts = n.items.map((i) => compile(i, negated));
        return (p) => parts.every((f) => f(p));
      }
      case 'or': {
        const parts = n.items.map((i) => compile(i, negated));
        return (p) => parts.some((f) => f(p));
      }
      case 'not': {
        const inner = compile(n.item, !negated);
        return (p) => !inner(p);
      }
    }
  }

  const test = compile(tree, false);
  return { source, tree, test, terms: positives.length, hits: hitFinder(positives) };
}

/** A positive term of a query, with what lets hitFinder find it without testing it: its word, prefix or first word. */
interface Term {
  label: string;
  found: (p: PostWords) => boolean;
  word?: string;
  prefix?: string;
  /** A phrase's first word: tested only in posts that have it. */
  first?: string;
}

interface TrieNode {
  next: Map<number, TrieNode>;
  /** Terms that are this whole word. */
  words?: number[];
  /** Prefix terms that end here: every word through this node has them. */
  prefixes?: number[];
}

/**
 * The query's positive terms found in a post. Word and prefix terms sit in a trie that each post
 * word walks once, character by character, so the cost follows the post's length, not the
 * query's: the cue lexicons hold hundreds of terms, a post a few dozen words. A phrase is tested
 * only in a post that has its first word; NEAR terms (few) in every post.
 */
function hitFinder(positives: Term[]): (p: PostWords) => string[] {
  const root: TrieNode = { next: new Map() };
  const byFirst = new Map<string, number[]>();
  const others: number[] = [];
  positives.forEach((t, i) => {
    if (t.first !== undefined) {
      const at = byFirst.get(t.first);
      if (at) at.push(i);
      else byFirst.set(t.first, [i]);
      return;
    }
    const key = t.word ?? t.prefix;
    if (key === undefined) {
      others.push(i);
      return;
    }
    let node = root;
    for (let k = 0; k < key.length; k++) {
      const c = key.charCodeAt(k);
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: new Map() }));
      node = child;
    }
    if (t.word !== undefined) (node.words ??= []).push(i);
    else (node.prefixes ??= []).push(i);
  });
  // One call at a time (JavaScript runs one), so one buffer serves them all.
  const found = new Uint8Array(positives.length);
  return (p) => {
    let any = false;
    for (const w of p.list) {
      let node: TrieNode | undefined = root;
      for (let k = 0; k < w.length && node; k++) {
        node = node.next.get(w.charCodeAt(k));
        if (node?.prefixes) for (const i of node.prefixes) found[i] = 1;
        any ||= node?.prefixes !== undefined;
      }
      if (node?.words) {
        for (const i of node.words) found[i] = 1;
        any = true;
      }
      const phrases = byFirst.get(w);
      if (phrases) {
        for (const i of phrases) {
          if (!found[i] && positives[i].found(p)) {
            found[i] = 1;
            any = true;
          }
        }
      }
    }
    for (const i of others) {
      if (positives[i].found(p)) {
        found[i] = 1;
        any = true;
      }
    }
    if (!any) return [];
    const out: string[] = [];
    for (let i = 0; i < found.length; i++) {
      if (found[i]) {
        out.push(positives[i].label);
        found[i] = 0;
      }
    }
    return out;
  };
}

/** The query written back in its canonical form, fully parenthesised: what the parser understood. */
export function describe(n: QueryNode): string {
  switch (n.kind) {
    case 'word':
      return n.word;
    case 'prefix':
      return `${n.prefix}*`;
    case 'phrase':
      return `"${n.words.join(' ')}"`;
    case 'not':
      return `NOT ${describe(n.item)}`;
    case 'near':
      return `(${describe(n.left)} NEAR/${n.distance} ${describe(n.right)})`;
    case 'and':
    case 'or':
      return `(${n.items.map(describe).join(n.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}
