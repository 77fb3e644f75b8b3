/**
 * CVSS scores from vector strings. The arithmetic is ae-cvss-calculator's ({metæffekt}; v2, v3.0,
 * v3.1 and v4.0, the v4.0 MacroVector lookup as FIRST's own calculator); it is lenient (a repeated
 * metric overwrites, an unknown one is dropped), so a vector is first checked against FIRST's
 * grammar here: known metrics and values, none twice, every base metric. The order of metrics is
 * not enforced: FIRST's own v4.0 examples list environmental metrics before the threat metric.
 */
import { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator';
import { severityOfScore } from './scan';
import type { SeverityLevel } from './scan';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface CvssScore {
  version: CvssVersion;
  vector: string;
  /** The score of the vector as written: v3.x base (or temporal/environmental when given), v4.0 CVSS-B/BT/BE/BTE. */
  score: number;
  /** From the base metrics only. */
  base: number;
  severity: SeverityLevel;
  /** v2/v3 exploitability sub-score (v3: 0.1–3.9, v2: 0–10) where the version has one. */
  exploitability?: number;
}

type Grammar = Array<[metric: string, values: string, base: boolean]>;

const V3: Grammar = [
  ['AV', 'NALP', true], ['AC', 'LH', true], ['PR', 'NLH', true], ['UI', 'NR', true], ['S', 'UC', true],
  ['C', 'HLN', true], ['I', 'HLN', true], ['A', 'HLN', true],
  ['E', 'XUPFH', false], ['RL', 'XOTWU', false], ['RC', 'XURC', false],
  ['CR', 'XLMH', false], ['IR', 'XLMH', false], ['AR', 'XLMH', false],
  ['MAV', 'XNALP', false], ['MAC', 'XLH', false], ['MPR', 'XNLH', false], ['MUI', 'XNR', false], ['MS', 'XUC', false],
  ['MC', 'XNLH', false], ['MI', 'XNLH', false], ['MA', 'XNLH', false],
];
const V4: Grammar = [
  ['AV', 'NALP', true], ['AC', 'LH', true], ['AT', 'NP', true], ['PR', 'NLH', true], ['UI', 'NPA', true],
  ['VC', 'HLN', true], ['VI', 'HLN', true], ['VA', 'HLN', true], ['SC', 'HLN', true], ['SI', 'HLN', true], ['SA', 'HLN', true],
  ['E', 'XAPU', false], ['CR', 'XHML', false], ['IR', 'XHML', false], ['AR', 'XHML', false],
  ['MAV', 'XNALP', false], ['MAC', 'XLH', false], ['MAT', 'XNP', false], ['MPR', 'XNLH', false], ['MUI', 'XNPA', false],
  ['MVC', 'XHLN', false], ['MVI', 'XHLN', false], ['MVA', 'XHLN', false], ['MSC', 'XHLN', false], ['MSI', 'XSHLN', false], ['MSA', 'XSHLN', false],
  ['S', 'XNP', false], ['AU', 'XNY', false], ['R', 'XAUI', false], ['V', 'XDC', false], ['RE', 'XLMH', false], ['U', 'X', false],
];
/** v2 values are words: E:POC, RL:OF, CDP:LM. */
const V2: Grammar = [
  ['AV', 'L,A,N', true], ['AC', 'H,M,L', true], ['Au', 'M,S,N', true], ['C', 'N,P,C', true], ['I', 'N,P,C', true], ['A', 'N,P,C', true],
  ['E', 'U,POC,F,H,ND', false], ['RL', 'OF,TF,W,U,ND', false], ['RC', 'UC,UR,C,ND', false],
  ['CDP', 'N,L,LM,MH,H,ND', false], ['TD', 'N,L,M,H,ND', false], ['CR', 'L,M,H,ND', false], ['IR', 'L,M,H,ND', false], ['AR', 'L,M,H,ND', false],
];

export class CvssError extends Error {
  constructor(vector: string, why: string) {
    super(`CVSS vector '${vector.length > 120 ? vector.slice(0, 120) + '…' : vector}': ${why}`);
    this.name = 'CvssError';
  }
}

function check(vector: string, parts: string[], grammar: Grammar): void {
  const seen = new Set<string>();
  for (const part of parts) {
    const [metric, value, extra] = part.split(':');
    const at = grammar.findIndex(([m]) => m === metric);
    if (at < 0 || extra !== undefined) throw new CvssError(vector, `unknown metric '${part}'`);
    if (seen.has(metric)) throw new CvssError(vector, `metric ${metric} given twice`);
    const values = grammar[at][1];
    const allowed = values.includes(',') ? values.split(',') : [...values];
    if (value === undefined || !allowed.includes(value)) throw new CvssError(vector, `'${value}' is not a value of ${metric}`);
    seen.add(metric);
  }
  const missing = grammar.filter(([m, , base]) => base && !seen.has(m)).map(([m]) => m);
  if (missing.length) throw new CvssError(vector, `base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
}

/** Scores a CVSS v2, v3.0, v3.1 or v4.0 vector; throws CvssError naming what is wrong with it. */
export function scoreCvss(input: string): CvssScore {
  const vector = String(input).trim().replace(/^CVSS2#/, '').replace(/^\((.*)\)$/, '$1');
  if (vector.length > 512) throw new CvssError(vector, 'longer than 512 characters');
  const prefix = /^CVSS:(3\.0|3\.1|4\.0)\//.exec(vector);
  const version: CvssVersion = prefix ? (prefix[1] as CvssVersion) : '2.0';
  const parts = (prefix ? vector.slice(prefix[0].length) : vector).split('/');
  if (version === '2.0' && !/^AV:/.test(vector)) throw new CvssError(vector, 'no CVSS:3.0, CVSS:3.1 or CVSS:4.0 prefix, and not a v2 vector');
  check(vector, parts, version === '4.0' ? V4 : version === '2.0' ? V2 : V3);
  if (version === '4.0') {
    const v = new Cvss4P0(vector);
    const s = v.calculateScores();
    const base = s.base ?? 0;
    const score = s.overall ?? base;
    return { version, vector, score, base, severity: severityOfScore(score) };
  }
  const v = version === '2.0' ? new Cvss2(vector) : version === '3.0' ? new Cvss3P0(vector) : new Cvss3P1(vector);
  const s = v.calculateScores();
  const base = s.base ?? 0;
  const score = s.overall ?? base;
  return { version, vector, score, base, severity: severityOfScore(score), ...(s.exploitability !== undefined ? { exploitability: s.exploitability } : {}) };
}

/** Scores of vectors seen, bounded: a scan repeats a few thousand distinct vectors over many hosts. */
const cache = new Map<string, CvssScore | null>();
const CACHE_SIZE = 50_000;

/** The best vector a finding has, newest version first; undefined when none scores. */
export function bestScore(cvss: { v2?: string; v3?: string; v4?: string }): CvssScore | undefined {
  for (const v of [cvss.v4, cvss.v3, cvss.v2]) {
    if (!v) continue;
    let s = cache.get(v);
    if (s === undefined) {
      try {
        s = scoreCvss(v);
      } catch {
        s = null; // a scanner's malformed vector falls back to the next version
      }
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(v, s);
    }
    if (s) return s;
  }
  return undefined;
}
