/**
 * IDS events against what the scans found (Prelude SIEM's job in IMPETUS): an alert aimed at a
 * host and port that has the vulnerability the rule names is an exploitation attempt; one aimed
 * at a scanned host that lacks it cannot succeed and is suppressed; traffic from a host that was
 * just attacked back to its attacker, or new attacks from it, mark it likely compromised.
 */
import type { EveEvent } from './eve';
import type { HostRef } from './network';
import { atLeast } from './vulns';
import type { ScoredFinding, VulnIndex } from './vulns';

export type VerdictKind = 'attempt' | 'compromised' | 'suppressed' | 'ignored';

export interface Verdict {
  kind: VerdictKind;
  /** Why, in words (kept on suppressions for the audit). */
  reason: string;
  event: EveEvent;
  /** The host attacked (attempt) or compromised. */
  ip: string;
  host?: HostRef;
  port: number;
  protocol: string;
  attacker: string;
  /** The findings that make the attempt possible: the rule's CVEs on that port, or the port's vulnerabilities. */
  matched: ScoredFinding[];
  certainty: 'Observed' | 'Likely' | 'Possible';
  /** For a compromise: the attempt that came before. */
  after?: { time: number; signature?: string; cves: string[] };
}

export interface CorrelatorOptions {
  /** How long after an attempt traffic from the victim means a compromise (ms). */
  windowMs: number;
  /** Raise attempts on hosts no scan covered (certainty Possible) instead of passing them over. */
  raiseUnscanned: boolean;
}

interface Attempt {
  time: number;
  attacker: string;
  signature?: string;
  cves: string[];
}

export class Correlator {
  private readonly attempts = new Map<string, Attempt[]>();
  private readonly compromised = new Map<string, number>();

  constructor(
    private readonly vulns: VulnIndex,
    private readonly hosts: Map<string, HostRef>,
    private readonly options: CorrelatorOptions = { windowMs: 15 * 60_000, raiseUnscanned: true },
  ) {}

  judge(e: EveEvent): Verdict {
    const compromise = this.compromiseOf(e);
    if (compromise) return compromise;
    const base = { event: e, ip: e.destIp, port: e.destPort, protocol: e.proto, attacker: e.srcIp, matched: [] as ScoredFinding[] };
    const host = this.hosts.get(e.destIp);
    const withHost = host ? { ...base, host } : base;
    if (e.type !== 'alert' || !e.alert) return { ...withHost, kind: 'ignored', reason: 'a flow with no attempt before it', certainty: 'Possible' };
    const a = e.alert;
    if (!this.vulns.scanned.has(e.destIp)) {
      if (!this.options.raiseUnscanned) return { ...withHost, kind: 'ignored', reason: `${e.destIp} was never scanned`, certainty: 'Possible' };
      this.remember(e);
      return { ...withHost, kind: 'attempt', reason: `${e.destIp} was never scanned: the attempt cannot be checked`, certainty: 'Possible' };
    }
    const atPort = this.vulns.at(e.destIp, e.proto, e.destPort).filter((f) => atLeast(f.severity, 'low'));
    if (a.cves.length) {
      const wanted = new Set(a.cves);
      const onHost = this.vulns.of(e.destIp).filter((f) => f.cves.some((c) => wanted.has(c)));
      const matched = onHost.filter((f) => f.port === e.destPort || f.port === 0);
      if (!matched.length) {
        const elsewhere = onHost.length ? ` (found on port ${onHost.map((f) => f.port).join(', ')} only)` : '';
        return { ...withHost, kind: 'suppressed', reason: `${e.destIp}:${e.destPort} is not vulnerable to ${a.cves.join(', ')}${elsewhere}`, certainty: 'Possible' };
      }
      this.remember(e);
      return { ...withHost, matched, kind: 'attempt', reason: `${e.destIp}:${e.destPort} is vulnerable to ${matched.flatMap((f) => f.cves).filter((c) => wanted.has(c)).join(', ')}`, certainty: 'Likely' };
    }
    if (!atPort.length) return { ...withHost, kind: 'suppressed', reason: `no known vulnerability on ${e.destIp}:${e.proto}/${e.destPort} and the rule names no CVE`, certainty: 'Possible' };
    this.remember(e);
    return { ...withHost, matched: atPort, kind: 'attempt', reason: `the rule names no CVE; ${e.destIp}:${e.destPort} has ${atPort.length} known vulnerabilit${atPort.length > 1 ? 'ies' : 'y'}`, certainty: 'Possible' };
  }

  private remember(e: EveEvent): void {
    const list = (this.attempts.get(e.destIp) ?? []).filter((x) => e.time - x.time <= this.options.windowMs);
    list.push({ time: e.time, attacker: e.srcIp, ...(e.alert ? { signature: e.alert.signature, cves: e.alert.cves } : { cves: [] }) });
    if (list.length > 16) list.shift();
    this.attempts.set(e.destIp, list);
  }

  /** The victim of a recent attempt calls its attacker back, or starts attacking others. */
  private compromiseOf(e: EveEvent): Verdict | undefined {
    const recent = (this.attempts.get(e.srcIp) ?? []).filter((x) => e.time >= x.time && e.time - x.time <= this.options.windowMs);
    if (!recent.length) return undefined;
    const callback = recent.find((x) => x.attacker === e.destIp);
    const onward = e.type === 'alert' ? recent[recent.length - 1] : undefined;
    const before = callback ?? onward;
    if (!before) return undefined;
    const last = this.compromised.get(e.srcIp);
    if (last !== undefined && e.time - last <= this.options.windowMs) return undefined; // one alert per host and window
    this.compromised.set(e.srcIp, e.time);
    const host = this.hosts.get(e.srcIp);
    const matched = before.cves.length ? this.vulns.of(e.srcIp).filter((f) => f.cves.some((c) => before.cves.includes(c))) : [];
    return {
      kind: 'compromised',
      reason: callback
        ? `${e.srcIp} connected back to ${e.destIp}:${e.destPort} ${Math.round((e.time - before.time) / 1000)} s after being attacked from it`
        : `${e.srcIp} attacks ${e.destIp} (${e.alert?.signature}) ${Math.round((e.time - before.time) / 1000)} s after being attacked`,
      event: e,
      ip: e.srcIp,
      ...(host ? { host } : {}),
      port: e.srcPort,
      protocol: e.proto,
      attacker: before.attacker,
      matched,
      certainty: callback ? 'Likely' : 'Possible',
      after: { time: before.time, cves: before.cves, ...(before.signature ? { signature: before.signature } : {}) },
    };
  }
}
