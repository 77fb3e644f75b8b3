/**
 * Tokens of the STIX 2.1 patterning language (STIX 2.1 part 9, and OASIS's ANTLR grammar
 * STIXPattern.g4 that the reference validator `stix2-patterns` is generated from). The lexer
 * follows that grammar's rules: keywords are upper case and exact, the longest match wins, and
 * a literal prefix (`h'`, `b'`, `t'`) that does not form a valid literal falls back to an
 * identifier followed by a string, as ANTLR does, so the parser reports it.
 */

export type TokenKind =
  | 'int' | 'float' | 'hex' | 'binary' | 'string' | 'bool' | 'timestamp'
  | 'ident' | 'identHyphen' | 'keyword'
  | '=' | '!=' | '<' | '<=' | '>' | '>=' | ':' | '.' | ',' | '(' | ')' | '[' | ']' | '*'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** Offset of the first character in the pattern (0-based). */
  pos: number;
}

export const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS', 'LAST', 'IN',
  'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES',
]);

/** A pattern that is not valid STIX 2.1, with where it goes wrong. */
export class PatternSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, readonly position: number, pattern: string) {
    const before = pattern.slice(0, position).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    super(`${message} (line ${line}, column ${column})`);
    this.name = 'PatternSyntaxError';
    this.line = line;
    this.column = column;
  }
}

const TIMESTAMP = /^t'\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z'/;
const HEX = /^h'([0-9a-fA-F]{2})*'/;
const B64 = '[A-Za-z0-9+/]';
const BINARY = new RegExp(`^b'(${B64}{4})*(${B64}{4}|${B64}{3}=|${B64}{2}==)'`);
const STRING = /^'(?:[^'\\]|\\'|\\\\)*'/;
const FLOAT = /^[+-]?\d*\.\d+/;
const INT = /^[+-]?(0|[1-9]\d*)/;
const IDENT_HYPHEN = /^[a-zA-Z_][a-zA-Z0-9_-]*/;
const SYMBOLS: Array<[string, TokenKind]> = [
  ['==', '='], ['!=', '!='], ['<>', '!='], ['<=', '<='], ['>=', '>='], ['=', '='], ['<', '<'], ['>', '>'],
  [':', ':'], ['.', '.'], [',', ','], ['(', '('], [')', ')'], ['[', '['], [']', ']'], ['*', '*'],
];

export function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const rest = pattern.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) { i += ws[0].length; continue; }
    if (rest.startsWith('/*')) {
      const end = pattern.indexOf('*/', i + 2);
      if (end < 0) throw new PatternSyntaxError('unterminated comment', i, pattern);
      i = end + 2;
      continue;
    }
    if (rest.startsWith('//')) {
      const nl = rest.search(/[\r\n]/);
      i = nl < 0 ? pattern.length : i + nl;
      continue;
    }
    const token = next(rest, i, pattern);
    tokens.push(token);
    i += token.text.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: pattern.length });
  return tokens;
}

function next(rest: string, pos: number, pattern: string): Token {
  const literal = (kind: TokenKind, re: RegExp): Token | undefined => {
    const m = re.exec(rest);
    return m ? { kind, text: m[0], pos } : undefined;
  };
  const c = rest[0];
  if (c === 't' || c === 'h' || c === 'b') {
    const special = literal(c === 't' ? 'timestamp' : c === 'h' ? 'hex' : 'binary', c === 't' ? TIMESTAMP : c === 'h' ? HEX : BINARY);
    if (special) return special;
  }
  if (c === "'") {
    const s = literal('string', STRING);
    if (!s) throw new PatternSyntaxError('unterminated string literal', pos, pattern);
    return s;
  }
  if (/[+\-.\d]/.test(c)) {
    // A float is tried first: it is the longer match wherever both could start.
    const number = literal('float', FLOAT) ?? literal('int', INT);
    if (number) return number;
  }
  const id = IDENT_HYPHEN.exec(rest);
  if (id) {
    // Hyphenated identifiers exist only for object types (`ipv4-addr`); the grammar keeps the
    // two kinds apart so that a property name with a hyphen must be quoted.
    const word = id[0];
    if (!word.includes('-')) {
      if (KEYWORDS.has(word)) return { kind: 'keyword', text: word, pos };
      if (word === 'true' || word === 'false') return { kind: 'bool', text: word, pos };
      return { kind: 'ident', text: word, pos };
    }
    return { kind: 'identHyphen', text: word, pos };
  }
  for (const [text, kind] of SYMBOLS) if (rest.startsWith(text)) return { kind, text, pos };
  throw new PatternSyntaxError(`unexpected character '${c}'`, pos, pattern);
}
