import { stricterTlp, TLPS } from '../platform/node-kit';
import type { Tlp } from '../platform/node-kit';
import { parseRange } from './assets';
import { compilePattern, parseTimestamp } from './stix-pattern';
import type { Comparison, Observation } from './stix-pattern';

/**
 * One indicator shape for every source (STIX 2.1, MISP, plain lists): what to look for, where
 * it came from, how far it may travel (TLP), how sure the source is, when it is valid, and the
 * kill-chain phases. A STIX indicator whose pattern names several values becomes one
 * indicator per value, all with its id as `ref`; a pattern that is not a plain list of values
 * is kept whole (`kind: 'pattern'`) for the pattern engine.
 */

export type IndicatorKind = 'domain' | 'ip' | 'url' | 'email' | 'hash' | 'pattern' | 'text';
/** TLP 2.0 names, the platform's alert marking; TLP 1.0 WHITE is read as CLEAR. */
export type { Tlp };

export interface Provenance {
  /** The feed: a TAXII collection, a MISP feed, a file. */
  source: string;
  /** The report, MISP event or bundle it came in. */
  report?: { id: string; name?: string };
  /** Threat actors or intrusion sets it is attributed to. */
  actors?: string[];
}

export interface Indicator extends Provenance {
  /** Unique per source and value: `<ref>|<kind>|<value>`. */
  id: string;
  /** The source's own id for the object (STIX id, MISP attribute uuid, file:line). */
  ref: string;
  kind: IndicatorKind;
  value: string;
  /** For hashes: the algorithm (MD5, SHA-256…). */
  hashType?: string;
  tlp: Tlp;
  /** 0–100 (STIX 2.1's scale). */
  confidence: number;
  validFrom?: number;
  validUntil?: number;
  firstSeen?: number;
  lastSeen?: number;
  killChain?: Array<{ killChainName: string; phaseName: string }>;
  labels?: string[];
  /** Revoked, deleted or past valid_until: what it raised is withdrawn. */
  withdrawn: boolean;
}

const TLP_BY_MARKING: Record<string, Tlp> = {
  // TLP 1.0 marking definitions (STIX 2.1 §7.2.1.4)
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
  // TLP 2.0 marking definitions (OASIS CTI TC extension-definition for TLP 2.0)
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
};

/** A TLP name in any of its spellings (`TLP:WHITE`, `tlp:amber+strict`, `RED`), or undefined. */
export function parseTlp(text: string): Tlp | undefined {
  const t = text.trim().toLowerCase().replace(/^tlp:\s*/, '').replace(/\s+/g, '');
  if (t === 'white') return 'clear';
  return (TLPS as readonly string[]).includes(t) ? (t as Tlp) : undefined;
}

/** TLP of a STIX object from its markings; marking-definition objects seen in the feed count too. */
export function stixTlp(object: Record<string, unknown>, markings: ReadonlyMap<string, Tlp>, fallback: Tlp): Tlp {
  let tlp: Tlp | undefined;
  for (const ref of Array.isArray(object.object_marking_refs) ? object.object_marking_refs : []) {
    const found = typeof ref === 'string' ? TLP_BY_MARKING[ref] ?? markings.get(ref) : undefined;
    if (found) tlp = tlp ? stricterTlp(tlp, found) : found;
  }
  return tlp ?? fallback;
}

/** A marking-definition object's TLP (1.0 `definition.tlp`, or a `TLP:…` name), if it is one. */
export function markingTlp(object: Record<string, unknown>): Tlp | undefined {
  if (object.type !== 'marking-definition') return undefined;
  const def = object.definition as { tlp?: string } | undefined;
  return (def?.tlp ? parseTlp(def.tlp) : undefined) ?? (typeof object.name === 'string' ? parseTlp(object.name) : undefined);
}

const ATOMIC: Record<string, IndicatorKind> = {
  'domain-name:value': 'domain', 'ipv4-addr:value': 'ip', 'ipv6-addr:value': 'ip', 'url:value': 'url',
  'email-addr:value': 'email', 'email-message:from_ref.value': 'email', 'user-account:account_login': 'email',
};

/**
 * The plain values of a pattern that is only ORs of `path = 'value'` or `path IN (…)` over
 * paths we index; undefined for anything else (then the whole pattern is evaluated instead).
 */
export function atomicValues(tree: Observation): Array<{ kind: IndicatorKind; value: string; hashType?: string }> | undefined {
  const out: Array<{ kind: IndicatorKind; value: string; hashType?: string }> = [];
  const fromCmp = (c: Comparison): boolean => {
    if (c.kind === 'or') return fromCmp(c.left) && fromCmp(c.right);
    if (c.kind !== 'test' || c.negated || (c.op !== '=' && c.op !== 'IN')) return false;
    const keys = c.path.steps.map((s) => ('key' in s ? s.key : '#'));
    const path = `${c.path.objectType}:${keys.join('.')}`;
    const hash = c.path.objectType === 'file' && keys.length === 2 && keys[0] === 'hashes' ? keys[1] : undefined;
    const kind = hash ? 'hash' : ATOMIC[path];
    if (!kind) return false;
    for (const lit of Array.isArray(c.value) ? c.value : [c.value]) {
      if (lit.type !== 'string') return false;
      out.push({ kind, value: lit.value, hashType: hash });
    }
    return true;
  };
  const fromObs = (o: Observation): boolean => {
    if (o.kind === 'simple') return fromCmp(o.comparison);
    if (o.kind === 'or') return fromObs(o.left) && fromObs(o.right);
    return false;
  };
  return fromObs(tree) ? out : undefined;
}

export interface StixContext {
  source: string;
  report?: { id: string; name?: string };
  actors?: string[];
  markings: ReadonlyMap<string, Tlp>;
  /** TLP of an object without a TLP marking (the feed's own). */
  defaultTlp: Tlp;
  now: number;
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = parseTimestamp(v);
  return Number.isNaN(t) ? Date.parse(v) || undefined : t;
}

/**
 * A STIX 2.1 indicator to our shape; a pattern that does not parse is an error naming the
 * indicator and the position. Non-STIX patterns (`pattern_type` sigma, snort…) are skipped.
 */
export function fromStixIndicator(object: Record<string, unknown>, ctx: StixContext): Indicator[] {
  const ref = String(object.id ?? '');
  if (object.type !== 'indicator') return [];
  if (object.pattern_type !== undefined && object.pattern_type !== 'stix') return [];
  if (typeof object.pattern !== 'string') throw new Error(`${ref}: an indicator needs a pattern`);
  let tree: Observation;
  try {
    tree = compilePattern(object.pattern).tree;
  } catch (err) {
    throw new Error(`${ref}: ${(err as Error).message}`);
  }
  const validUntil = time(object.valid_until);
  const base = {
    ref,
    source: ctx.source,
    report: ctx.report,
    actors: ctx.actors,
    tlp: stixTlp(object, ctx.markings, ctx.defaultTlp),
    confidence: typeof object.confidence === 'number' ? Math.max(0, Math.min(100, object.confidence)) : 50,
    validFrom: time(object.valid_from),
    validUntil,
    firstSeen: time(object.created),
    lastSeen: time(object.modified),
    killChain: Array.isArray(object.kill_chain_phases)
      ? (object.kill_chain_phases as Array<Record<string, unknown>>).map((p) => ({ killChainName: String(p.kill_chain_name), phaseName: String(p.phase_name) }))
      : undefined,
    labels: Array.isArray(object.labels) ? object.labels.map(String) : undefined,
    withdrawn: object.revoked === true || (validUntil !== undefined && validUntil <= ctx.now),
  };
  const values = atomicValues(tree) ?? [{ kind: 'pattern' as const, value: object.pattern }];
  return values.map((v) => ({ ...base, ...v, id: `${ref}|${v.kind}|${v.value}` }));
}

/** The kind of a bare value from a list or a MISP attribute, or undefined when unknown. */
export function guessKind(value: string): { kind: IndicatorKind; hashType?: string } | undefined {
  const v = value.trim();
  if (/^[a-f0-9]{32}$/i.test(v)) return { kind: 'hash', hashType: 'MD5' };
  if (/^[a-f0-9]{40}$/i.test(v)) return { kind: 'hash', hashType: 'SHA-1' };
  if (/^[a-f0-9]{64}$/i.test(v)) return { kind: 'hash', hashType: 'SHA-256' };
  if (/^[a-f0-9]{128}$/i.test(v)) return { kind: 'hash', hashType: 'SHA-512' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return { kind: 'url' };
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) return { kind: 'email' };
  if (parseRange(v)) return { kind: 'ip' };
  if (/^[^\s/:@]+\.[^\s/:@]+$/.test(v)) return { kind: 'domain' };
  return undefined;
}
