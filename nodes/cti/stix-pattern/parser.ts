import { PatternSyntaxError, tokenize } from './lexer';
import type { Token, TokenKind } from './lexer';

/**
 * Recursive-descent parser for STIX 2.1 patterns, shaped like OASIS's grammar (STIXPattern.g4):
 *
 *   pattern      := obsFollowed EOF
 *   obsFollowed  := obsOr ('FOLLOWEDBY' obsOr)*          (lowest precedence, left-associative)
 *   obsOr        := obsAnd ('OR' obsAnd)*
 *   obsAnd       := obsQualified ('AND' obsQualified)*
 *   obsQualified := ('[' cmpOr ']' | '(' obsFollowed ')') qualifier*
 *   qualifier    := 'WITHIN' number 'SECONDS' | 'REPEATS' int 'TIMES' | 'START' ts 'STOP' ts
 *   cmpOr        := cmpAnd ('OR' cmpAnd)*
 *   cmpAnd       := test ('AND' test)*
 *   test         := '(' cmpOr ')' | 'EXISTS' path | path 'NOT'? op literal
 */

export type Literal =
  | { type: 'int' | 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'binary'; value: Buffer }
  | { type: 'timestamp'; value: number; text: string };

export type PathStep = { key: string } | { index: number } | { index: '*' };

export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
  pos: number;
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type Comparison =
  | { kind: 'and'; left: Comparison; right: Comparison }
  | { kind: 'or'; left: Comparison; right: Comparison }
  | { kind: 'exists'; path: ObjectPath }
  | { kind: 'test'; path: ObjectPath; op: CompareOp; negated: boolean; value: Literal | Literal[]; pos: number };

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'startStop'; start: number; stop: number };

export type Observation =
  | { kind: 'simple'; comparison: Comparison }
  | { kind: 'and'; left: Observation; right: Observation }
  | { kind: 'or'; left: Observation; right: Observation }
  | { kind: 'followedBy'; left: Observation; right: Observation }
  | { kind: 'qualified'; inner: Observation; qualifier: Qualifier };

/** Patterns come from outside; this bounds the work one can make the parser do. */
export const MAX_PATTERN_LENGTH = 65_536;
const MAX_DEPTH = 200;

export function parsePattern(pattern: string): Observation {
  if (typeof pattern !== 'string') throw new TypeError('a STIX pattern must be a string');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternSyntaxError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`, MAX_PATTERN_LENGTH, pattern);
  }
  return new Parser(pattern).parse();
}

const HEX = (...lengths: number[]): RegExp => new RegExp(`^(${lengths.map((n) => `[a-fA-F0-9]{${n}}`).join('|')})$`);
/** The hash forms OASIS's validator (`stix2-patterns` 2.1) checks. */
const HASH_FORMS: Record<string, RegExp> = {
  MD5: HEX(32), MD6: HEX(32, 40, 56, 64, 96, 128), RIPEMD160: HEX(40), SHA1: HEX(40), SHA224: HEX(56),
  SHA256: HEX(64), SHA384: HEX(96), SHA512: HEX(128), SHA3224: HEX(56), SHA3256: HEX(64), SHA3384: HEX(96),
  SHA3512: HEX(128), SSDEEP: /^[a-zA-Z0-9/+:.]{1,128}$/, WHIRLPOOL: HEX(128),
};

const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const ORDER_OPS = new Set(['<', '<=', '>', '>=']);
const STRING_OPS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): Observation {
    const tree = this.followedBy();
    if (this.peek().kind !== 'eof') this.fail(`expected AND, OR, FOLLOWEDBY or a qualifier`);
    return tree;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'keyword' && t.text === word;
  }

  private take(kind: TokenKind, word?: string): Token {
    const t = this.peek();
    if (t.kind !== kind || (word !== undefined && t.text !== word)) this.fail(`expected ${word ?? describeKind(kind)}`);
    this.i++;
    return t;
  }

  private fail(expected: string, token: Token = this.peek()): never {
    const found = token.kind === 'eof' ? 'the end of the pattern' : `'${token.text}'`;
    throw new PatternSyntaxError(`${expected} at position ${token.pos}, found ${found}`, token.pos, this.source);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private binary<T>(word: string, operand: () => T, make: (left: T, right: T) => T): T {
    let left = operand();
    while (this.isKeyword(word)) {
      this.i++;
      left = make(left, operand());
    }
    return left;
  }

  private followedBy(): Observation {
    return this.binary('FOLLOWEDBY', () => this.obsOr(), (left, right) => ({ kind: 'followedBy', left, right }));
  }

  private obsOr(): Observation {
    return this.binary('OR', () => this.obsAnd(), (left, right) => ({ kind: 'or', left, right }));
  }

  private obsAnd(): Observation {
    return this.binary('AND', () => this.obsQualified(), (left, right) => ({ kind: 'and', left, right }));
  }

  private obsQualified(): Observation {
    let obs: Observation;
    const open = this.peek();
    if (open.kind === '[') {
      this.i++;
      obs = { kind: 'simple', comparison: this.nested(() => this.cmpOr()) };
      this.take(']');
    } else if (open.kind === '(') {
      this.i++;
      obs = this.nested(() => this.followedBy());
      this.take(')');
    } else {
      this.fail(`expected '[' or '('`);
    }
    // OASIS's validator refuses two qualifiers of one type applied straight to a bracketed
    // observation (`[…] WITHIN 5 SECONDS WITHIN 9 SECONDS`); a parenthesised group may stack them.
    const seen = new Set<string>();
    for (;;) {
      const t = this.peek();
      const qualifier = this.qualifier();
      if (!qualifier) return obs;
      if (open.kind === '[' && seen.has(qualifier.kind)) this.fail(`no second ${t.text} qualifier on one observation`, t);
      seen.add(qualifier.kind);
      obs = { kind: 'qualified', inner: obs, qualifier };
    }
  }

  private qualifier(): Qualifier | undefined {
    if (this.isKeyword('WITHIN')) {
      this.i++;
      const n = this.peek();
      if ((n.kind !== 'int' && n.kind !== 'float') || n.text.startsWith('-')) this.fail('expected a positive number of seconds');
      this.i++;
      this.take('keyword', 'SECONDS');
      return { kind: 'within', seconds: Number(n.text) };
    }
    if (this.isKeyword('REPEATS')) {
      this.i++;
      const n = this.peek();
      if (n.kind !== 'int' || n.text.startsWith('-')) this.fail('expected a positive whole number of repeats');
      this.i++;
      this.take('keyword', 'TIMES');
      return { kind: 'repeats', times: Number(n.text) };
    }
    if (this.isKeyword('START')) {
      this.i++;
      const start = timestampOf(this.take('timestamp'));
      this.take('keyword', 'STOP');
      const stop = timestampOf(this.take('timestamp'));
      return { kind: 'startStop', start, stop };
    }
    return undefined;
  }

  private cmpOr(): Comparison {
    return this.binary('OR', () => this.cmpAnd(), (left, right) => ({ kind: 'or', left, right }));
  }

  private cmpAnd(): Comparison {
    return this.binary('AND', () => this.test(), (left, right) => ({ kind: 'and', left, right }));
  }

  private test(): Comparison {
    if (this.peek().kind === '(') {
      this.i++;
      const inner = this.nested(() => this.cmpOr());
      this.take(')');
      return inner;
    }
    if (this.isKeyword('EXISTS')) {
      this.i++;
      return { kind: 'exists', path: this.path() };
    }
    const path = this.path();
    const negated = this.isKeyword('NOT');
    if (negated) this.i++;
    const opToken = this.peek();
    const op = opToken.kind === 'keyword' ? opToken.text : opToken.kind;
    if (COMPARE_OPS.has(op)) {
      this.i++;
      const literal = this.literal(ORDER_OPS.has(op));
      if (op === '=' || op === '!=') this.checkHash(path, literal, opToken);
      return { kind: 'test', path, op: op as CompareOp, negated, value: literal, pos: opToken.pos };
    }
    if (op === 'IN') {
      this.i++;
      return { kind: 'test', path, op: 'IN', negated, value: this.set(), pos: opToken.pos };
    }
    if (STRING_OPS.has(op)) {
      this.i++;
      const value = this.literal(true);
      if (value.type !== 'string') this.fail(`${op} takes a string literal`, this.tokens[this.i - 1]);
      return { kind: 'test', path, op: op as CompareOp, negated, value, pos: opToken.pos };
    }
    return this.fail('expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
  }

  /**
   * As OASIS's validator does: a value compared with a named hash must have that hash's form
   * (`file:hashes.MD5 = 'abc'` is a mistake worth catching before it never matches).
   */
  private checkHash(path: ObjectPath, literal: Literal, at: Token): void {
    const last = path.steps[path.steps.length - 1];
    if (!('key' in last) || !path.steps.some((s) => 'key' in s && s.key === 'hashes')) return;
    const form = HASH_FORMS[last.key.toUpperCase().replace(/-/g, '')];
    const text = literal.type === 'string' ? literal.value : this.source.slice(this.tokens[this.i - 1].pos, this.tokens[this.i].pos).trim();
    if (form && !form.test(text.replace(/'/g, ''))) {
      throw new PatternSyntaxError(`'${text}' is not a valid ${last.key} hash at position ${at.pos}`, at.pos, this.source);
    }
  }

  private set(): Literal[] {
    this.take('(');
    const values: Literal[] = [];
    if (this.peek().kind !== ')') {
      values.push(this.literal(false));
      while (this.peek().kind === ',') {
        this.i++;
        values.push(this.literal(false));
      }
    }
    this.take(')');
    return values;
  }

  private literal(orderable: boolean): Literal {
    const t = this.peek();
    const value = literalOf(t);
    if (!value || (orderable && value.type === 'bool')) this.fail(orderable ? 'expected a number, string, binary or timestamp literal' : 'expected a literal');
    this.i++;
    return value;
  }

  private path(): ObjectPath {
    const typeToken = this.peek();
    if (typeToken.kind !== 'ident' && typeToken.kind !== 'identHyphen') this.fail('expected an object type');
    this.i++;
    this.take(':');
    const steps: PathStep[] = [{ key: this.key(false) }];
    for (;;) {
      const t = this.peek();
      if (t.kind === '.') {
        this.i++;
        steps.push({ key: this.key(true) });
      } else if (t.kind === '[') {
        this.i++;
        const n = this.peek();
        if (n.kind === '*') steps.push({ index: '*' });
        else if (n.kind === 'int') steps.push({ index: Number(n.text) });
        else this.fail("expected a list index or '*'");
        this.i++;
        this.take(']');
      } else if (t.kind === 'float' && /^\.\d+$/.test(t.text)) {
        // `hashes.5`: the lexer takes `.5` as a number, as OASIS's does; a key must be a name.
        this.fail('expected a property name after .');
      } else {
        return { objectType: typeToken.text, steps, pos: typeToken.pos };
      }
    }
  }

  private key(afterDot: boolean): string {
    const t = this.peek();
    if (t.kind === 'ident') { this.i++; return t.text; }
    if (t.kind === 'string') { this.i++; return unquote(t.text); }
    return this.fail(afterDot ? 'expected a property name after .' : 'expected a property name (quote one with a hyphen)');
  }
}

function describeKind(kind: TokenKind): string {
  return kind === 'timestamp' ? "a timestamp literal t'…Z'" : `'${kind}'`;
}

export function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(['\\])/g, '$1');
}

function timestampOf(t: Token): number {
  return parseTimestamp(t.text.slice(2, -1));
}

/** STIX timestamps are RFC 3339 in UTC; leap second 60 is folded onto the next second. */
export function parseTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) return NaN;
  const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + ms;
}

function literalOf(t: Token): Literal | undefined {
  switch (t.kind) {
    case 'int': return { type: 'int', value: Number(t.text) };
    case 'float': return { type: 'float', value: Number(t.text) };
    case 'string': return { type: 'string', value: unquote(t.text) };
    case 'bool': return { type: 'bool', value: t.text === 'true' };
    case 'hex': return { type: 'binary', value: Buffer.from(t.text.slice(2, -1), 'hex') };
    case 'binary': return { type: 'binary', value: Buffer.from(t.text.slice(2, -1), 'base64') };
    case 'timestamp': return { type: 'timestamp', value: timestampOf(t), text: t.text.slice(2, -1) };
    default: return undefined;
  }
}
