/**
 * What the scans found, indexed for correlation (by address and port) and turned into the
 * attack graph's vulnerabilities (kind, consequence and likelihood from the CVSS vector, EPSS and
 * KEV).
 */
import { bestScore } from './cvss';
import type { CvssScore } from './cvss';
import type { Enrichment } from './enrich';
import type { NetVuln, VulnGives, VulnKind } from './graph/model';
import type { Finding, SeverityLevel } from './scan';
import { SEVERITY_LEVELS } from './scan';

export interface ScoredFinding extends Finding {
  score?: CvssScore;
  epss?: number;
  kev?: boolean;
  /** Likelihood that an exploit attempt succeeds, 0–1. */
  likelihood: number;
}

/**
 * Likelihood of a successful exploit: the EPSS score (FIRST's probability of exploitation
 * activity within 30 days) where known, else the CVSS exploitability (v3: sub-score ÷ 3.9; v2:
 * ÷ 10; v4: the score ÷ 10, v4 has no sub-score); raised to 0.5 when the scanner knows a public
 * exploit and to 0.9 when CISA lists it as exploited in the wild.
 */
export function likelihoodOf(f: Finding, score: CvssScore | undefined, epss: number | undefined, kev: boolean): number {
  let p = epss ?? (score ? (score.version === '4.0' ? score.score / 10 : score.version === '2.0' ? (score.exploitability ?? 0) / 10 : (score.exploitability ?? 0) / 3.9) : 0.1);
  if (f.exploitAvailable) p = Math.max(p, 0.5);
  if (kev) p = Math.max(p, 0.9);
  return Math.min(1, Math.max(0, p));
}

/** A CVSS vector's metric, v3 or v4 names. */
function metric(vector: string, ...names: string[]): string | undefined {
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':');
    if (names.includes(k)) return v;
  }
  return undefined;
}

/**
 * MulVAL's precondition and consequence of a vulnerability, read from its vector: network or
 * adjacent access with no user interaction is remote, local or physical access is a local
 * privilege escalation, needed user interaction over the network is client-side; high integrity
 * impact gives code execution (as root when the scope changes or the vector says so), high
 * confidentiality impact alone leaks credentials, anything else (denial of service) gives nothing.
 */
export function vulnSemantics(f: Finding, score: CvssScore | undefined): { kind: VulnKind; gives: VulnGives } {
  if (!score || score.version === '2.0') {
    const v = score?.vector ?? '';
    const remote = f.port > 0 && metric(v, 'AV') !== 'L';
    const full = metric(v, 'I') === 'C';
    const integrity = metric(v, 'I') && metric(v, 'I') !== 'N';
    return { kind: remote ? 'remote' : 'local', gives: full ? 'root' : integrity || !score ? 'user' : metric(v, 'C') !== 'N' ? 'credentials' : 'none' };
  }
  const v = score.vector;
  const av = metric(v, 'AV');
  const ui = metric(v, 'UI');
  const kind: VulnKind = av === 'L' || av === 'P' || f.port === 0 ? 'local' : ui && ui !== 'N' ? 'client' : 'remote';
  const integrity = metric(v, 'I', 'VI');
  const conf = metric(v, 'C', 'VC');
  const changed = metric(v, 'S') === 'C' || metric(v, 'SI') === 'H';
  const gives: VulnGives = integrity === 'H' ? (changed || kind === 'local' ? 'root' : 'user') : conf === 'H' ? 'credentials' : 'none';
  return { kind, gives };
}

function key(ip: string, protocol: string, port: number): string {
  return `${ip}|${protocol}|${port}`;
}

/** The findings of the scans read so far, by address and port; a new scan of a host replaces its findings. */
export class VulnIndex {
  private readonly byPort = new Map<string, ScoredFinding[]>();
  private readonly byHost = new Map<string, ScoredFinding[]>();
  /** Addresses some scan covered: an IDS event on one of them can be judged. */
  readonly scanned = new Set<string>();
  /** The scan that last reported each address: a new scan of a host replaces what the last one found. */
  private readonly scanOf = new Map<string, string>();

  constructor(private enrichment: Enrichment = { epss: new Map(), kev: new Map() }) {}

  setEnrichment(e: Enrichment): void {
    this.enrichment = e;
    for (const list of this.byHost.values()) for (let i = 0; i < list.length; i++) list[i] = this.scored(list[i]);
  }

  scored(f: Finding): ScoredFinding {
    const score = bestScore(f.cvss);
    const epssValues = f.cves.map((c) => this.enrichment.epss.get(c)?.epss).filter((x): x is number => x !== undefined);
    const epss = epssValues.length ? Math.max(...epssValues) : undefined;
    const kev = f.cves.some((c) => this.enrichment.kev.has(c));
    return { ...f, ...(score ? { score } : {}), ...(epss !== undefined ? { epss } : {}), kev, likelihood: likelihoodOf(f, score, epss, kev) };
  }

  private rescan(ips: Iterable<string>): void {
    for (const ip of ips) {
      for (const f of this.byHost.get(ip) ?? []) this.byPort.delete(key(ip, f.protocol, f.port));
      this.byHost.delete(ip);
    }
  }

  /** Adds a finding; the first finding of a new scan (`scan` id) for an address drops what earlier scans found there. */
  add(f: Finding, scan = ''): void {
    const ip = f.host.ip;
    if (!ip) return;
    if (this.scanOf.get(ip) !== scan) {
      this.rescan([ip]);
      this.scanOf.set(ip, scan);
    }
    this.scanned.add(ip);
    const s = this.scored(f);
    const k = key(ip, f.protocol, f.port);
    const list = this.byPort.get(k) ?? [];
    if (list.some((x) => x.pluginId === s.pluginId)) return;
    list.push(s);
    this.byPort.set(k, list);
    const all = this.byHost.get(ip) ?? [];
    all.push(s);
    this.byHost.set(ip, all);
  }

  at(ip: string, protocol: string, port: number): ScoredFinding[] {
    return this.byPort.get(key(ip, protocol, port)) ?? [];
  }

  of(ip: string): ScoredFinding[] {
    return this.byHost.get(ip) ?? [];
  }

  get hosts(): number {
    return this.byHost.size;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byHost.values()) n += l.length;
    return n;
  }
}

export function atLeast(s: SeverityLevel, min: SeverityLevel): boolean {
  return SEVERITY_LEVELS.indexOf(s) >= SEVERITY_LEVELS.indexOf(min);
}

/** The graph's vulnerabilities of one host from its findings (services seen are returned too). */
export function netVulnsOf(findings: ScoredFinding[]): { vulns: NetVuln[]; services: Array<{ port: number; protocol: string; name?: string }> } {
  const vulns: NetVuln[] = [];
  const services = new Map<string, { port: number; protocol: string; name?: string }>();
  for (const f of findings) {
    if (f.port > 0) services.set(`${f.protocol}/${f.port}`, { port: f.port, protocol: f.protocol, ...(f.service ? { name: f.service } : {}) });
    if (!atLeast(f.severity, 'low') || (!f.cves.length && !f.score)) continue;
    const { kind, gives } = vulnSemantics(f, f.score);
    vulns.push({
      id: f.cves[0] ?? `${f.scanner}:${f.pluginId}`,
      ...(kind === 'remote' ? { port: f.port, protocol: f.protocol } : {}),
      kind,
      gives,
      likelihood: f.likelihood,
      ...(f.score ? { score: f.score.score } : {}),
    });
  }
  return { vulns, services: [...services.values()] };
}
