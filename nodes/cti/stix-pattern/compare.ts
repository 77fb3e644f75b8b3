import ipaddr from 'ipaddr.js';
import { parseTimestamp } from './parser';
import type { CompareOp, Literal } from './parser';

/**
 * One property test of a comparison expression, turned into a predicate over the values an
 * object path selects. The typing rules are those of STIX 2.1 §9.5 as OASIS's reference matcher
 * (`stix2-matcher`) applies them: numbers compare with numbers, strings with strings, binary
 * with binary or with a string whose code points are all below 256, a timestamp literal with a
 * JSON string read as a timestamp; any other pair is unequal and unordered (false, and `NOT`
 * turns that into true). Values selected through `*_hex` and `*_bin` properties are binary.
 */
export type Predicate = (value: unknown) => boolean;

export function predicateFor(op: CompareOp, literal: Literal | Literal[], negated: boolean): Predicate {
  const test = basePredicate(op, literal);
  return negated ? (v) => !test(v) : test;
}

function basePredicate(op: CompareOp, literal: Literal | Literal[]): Predicate {
  if (Array.isArray(literal)) return inSet(literal);
  switch (op) {
    case '=': return (v) => equal(v, literal);
    case '!=': return (v) => !equal(v, literal);
    case '<': return (v) => order(v, literal, (c) => c < 0);
    case '<=': return (v) => order(v, literal, (c) => c <= 0);
    case '>': return (v) => order(v, literal, (c) => c > 0);
    case '>=': return (v) => order(v, literal, (c) => c >= 0);
    case 'LIKE': return like(literal.value as string);
    case 'MATCHES': return matches(literal.value as string);
    case 'ISSUBSET': return (v) => typeof v === 'string' && ipWithin(v, literal.value as string);
    case 'ISSUPERSET': return (v) => typeof v === 'string' && ipWithin(literal.value as string, v);
    default: throw new Error(`unsupported operator ${op as string}`);
  }
}

/** A JSON string read as a STIX timestamp, or NaN (then nothing compares equal or ordered). */
function asTimestamp(v: unknown): number {
  return typeof v === 'string' ? parseTimestamp(v) : NaN;
}

function latin1(s: string): Buffer | undefined {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return undefined;
  return Buffer.from(s, 'latin1');
}

/** -1, 0 or 1, or undefined where the two values have no order under STIX's rules. */
function compareTo(v: unknown, literal: Literal): number | undefined {
  switch (literal.type) {
    case 'int':
    case 'float':
      return typeof v === 'number' ? Math.sign(v - literal.value) : undefined;
    case 'string':
      if (typeof v === 'string') return v < literal.value ? -1 : v > literal.value ? 1 : 0;
      if (Buffer.isBuffer(v)) {
        const bytes = latin1(literal.value);
        return bytes ? Buffer.compare(v, bytes) : undefined;
      }
      return undefined;
    case 'binary': {
      const bytes = Buffer.isBuffer(v) ? v : typeof v === 'string' ? latin1(v) : undefined;
      return bytes ? Buffer.compare(bytes, literal.value) : undefined;
    }
    case 'timestamp': {
      const t = asTimestamp(v);
      return Number.isNaN(t) ? undefined : Math.sign(t - literal.value);
    }
    case 'bool':
      return undefined;
  }
}

function equal(v: unknown, literal: Literal): boolean {
  if (literal.type === 'bool') return v === literal.value;
  return compareTo(v, literal) === 0;
}

function order(v: unknown, literal: Literal, holds: (c: number) => boolean): boolean {
  const c = compareTo(v, literal);
  return c !== undefined && holds(c);
}

function inSet(members: Literal[]): Predicate {
  return (v) => members.some((m) => equal(v, m));
}

/** SQL LIKE: `%` any run, `_` one character, the whole value; both sides NFC-normalised. */
function like(pattern: string): Predicate {
  let source = '^';
  for (const c of pattern.normalize('NFC')) {
    source += c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  const re = new RegExp(`${source}$`, 'u');
  return (v) => {
    const s = Buffer.isBuffer(v) ? v.toString('utf8') : v;
    return typeof s === 'string' && re.test(s.normalize('NFC'));
  };
}

/**
 * STIX says PCRE; JavaScript's RegExp covers what indicators use. Not in unicode mode, which
 * refuses PCRE's escapes of any punctuation (`\@` in OASIS's own example); Python's named
 * groups (`(?P<n>…)`) are rewritten to JavaScript's.
 */
export function compileRegex(pattern: string): RegExp {
  return new RegExp(pattern.normalize('NFC').replace(/\(\?P</g, '(?<'));
}

function matches(pattern: string): Predicate {
  const re = compileRegex(pattern);
  return (v) => {
    const s = Buffer.isBuffer(v) ? v.toString('latin1') : v;
    return typeof s === 'string' && re.test(typeof v === 'string' ? s.normalize('NFC') : s);
  };
}

/** Whether an address or CIDR lies inside a CIDR (IPv4 and IPv6); bad addresses are false. */
function ipWithin(inner: string, outer: string): boolean {
  try {
    const [net, bits] = ipaddr.parseCIDR(outer);
    if (inner.includes('/')) {
      const [sub, subBits] = ipaddr.parseCIDR(inner);
      return sub.kind() === net.kind() && subBits >= bits && sub.match(net, bits);
    }
    const addr = ipaddr.parse(inner);
    return addr.kind() === net.kind() && addr.match(net, bits);
  } catch {
    return false;
  }
}
