/**
 * CTDR alert drafts: "Exploitation attempt" and "Likely compromised", with the vulnerabilities
 * matched, the attack paths through the host, the prioritised countermeasures and the CTI
 * alerts that name the same host or attacker.
 */
import type { AlertDraft, Severity } from '../platform';
import type { Tlp } from '../platform/node-kit';
import { stricterTlp } from '../platform/node-kit';
import type { Verdict } from './correlate';
import type { Analysis, RankedCountermeasure } from './graph/cut';
import type { AttackGraph } from './graph/model';

/** What CTI knows about the host or the attacker (open CTI alerts, read through the store). */
export interface CtiContext {
  alertId: string;
  headline: string;
  indicator?: string;
  asset?: string;
  actors?: string[];
  tlp?: Tlp;
  /** The actor, as CTI spells it, that the IDS rule names (when `names` is 'actor'). */
  namedActor?: string;
  /** Why it relates: it names the attacked host, the attacker's address, or an actor the IDS rule names. */
  names: 'host' | 'attacker' | 'actor';
}

const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const step = (s: Severity, by: number): Severity => SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(s) + by))];

export interface DraftContext {
  analysis?: Analysis;
  graph?: AttackGraph;
  cti: CtiContext[];
  tlp: Tlp;
  exercise: boolean;
  /** Countermeasures listed on the alert. */
  top: number;
}

/** Attack paths that pass through (or end at) a host, and the countermeasures that cut them, best first. */
export function pathsThrough(hostId: string | undefined, ctx: Pick<DraftContext, 'analysis' | 'graph' | 'top'>): { paths: Array<{ goal: string; hosts: string[]; likelihood: number }>; countermeasures: RankedCountermeasure[] } {
  const a = ctx.analysis;
  if (!a || !hostId) return { paths: [], countermeasures: [] };
  const paths = a.paths.filter((p) => p.hosts.includes(hostId));
  const leaves = new Set(paths.flatMap((p) => p.leaves));
  const cms = a.ranked.filter((c) => c.leaves.some((l) => leaves.has(l))).slice(0, ctx.top);
  return { paths: paths.slice(0, 10).map((p) => ({ goal: p.goal, hosts: p.hosts, likelihood: Math.round(p.likelihood * 1000) / 1000 })), countermeasures: cms };
}

export function verdictToDraft(v: Verdict, ctx: DraftContext): AlertDraft {
  const e = v.event;
  const compromised = v.kind === 'compromised';
  const criticality = (v.host?.criticality ?? 'medium') as Severity;
  const { paths, countermeasures } = pathsThrough(v.host?.id, ctx);
  let severity: Severity = compromised ? criticality : step(criticality, v.certainty === 'Possible' ? -1 : 0);
  if (compromised && paths.length) severity = step(severity, 1); // a foothold on the way to a crown jewel
  if (v.matched.some((f) => f.kev)) severity = step(severity, 1);
  let certainty: AlertDraft['certainty'] = v.certainty;
  if (ctx.cti.length) {
    severity = step(severity, 1);
    certainty = certainty === 'Possible' ? 'Likely' : certainty;
  }
  const name = v.host ? `${v.host.label} (${v.ip})` : v.ip;
  const cves = [...new Set(v.matched.flatMap((f) => f.cves))];
  const headline = compromised
    ? `${name} likely compromised after ${v.after?.signature ?? 'an exploitation attempt'}`
    : `Exploitation attempt on ${name}:${v.port}${cves.length ? ` (${cves.slice(0, 3).join(', ')})` : ''}: ${e.alert?.signature ?? ''}`;
  // The stricter of the node's marking and every linked CTI alert's: what CTI may not show, CTDR may not either.
  const tlp = ctx.cti.reduce<Tlp>((t, c) => stricterTlp(t, c.tlp), ctx.tlp);
  const draft: AlertDraft = {
    tool: 'ctdr',
    event: compromised ? 'Likely compromised' : 'Exploitation attempt',
    headline: headline.length > 160 ? `${headline.slice(0, 159)}…` : headline,
    description: v.reason + (ctx.cti.length ? `. Threat intelligence names ${ctx.cti.map((c) => (c.names === 'host' ? 'this host' : c.names === 'attacker' ? `the attacker ${v.attacker}` : `the actor ${c.namedActor ?? ''} this rule names`)).filter((x, i, all) => all.indexOf(x) === i).join(' and ')}.` : '.'),
    category: 'Security',
    severity,
    urgency: compromised || ctx.cti.length ? 'Immediate' : 'Expected',
    certainty,
    status: ctx.exercise ? 'Exercise' : 'Actual',
    // One alert per host and attack (dedup counts the repeats): an attacker's retries do not flood the queue.
    source: { ref: `${v.host?.id ?? v.ip}|${compromised ? 'compromised' : cves[0] ?? `sid:${e.alert?.signatureId ?? 0}`}` },
    ...(countermeasures.length ? { instruction: countermeasures.slice(0, 3).map((c) => c.label).join('. ') + '.' } : {}),
    tlp,
    data: {
      host: v.host ? { id: v.host.id, label: v.host.label, ip: v.ip, criticality: v.host.criticality, crownJewel: v.host.crownJewel, ...(v.host.zone ? { zone: v.host.zone } : {}), ...(v.host.owner ? { owner: v.host.owner } : {}) } : { ip: v.ip },
      port: v.port,
      protocol: v.protocol,
      attacker: { ip: v.attacker },
      reason: v.reason,
      ids: e.alert
        ? { signatureId: e.alert.signatureId, signature: e.alert.signature, severity: e.alert.severity, cves: e.alert.cves, time: new Date(e.time).toISOString(), ...(e.alert.category ? { category: e.alert.category } : {}) }
        : { flow: true, time: new Date(e.time).toISOString() },
      ...(v.after ? { after: { time: new Date(v.after.time).toISOString(), cves: v.after.cves, ...(v.after.signature ? { signature: v.after.signature } : {}) } } : {}),
      vulnerabilities: v.matched.slice(0, 10).map((f) => ({
        name: f.name.slice(0, 256), cves: f.cves.slice(0, 16), port: f.port, severity: f.severity, pluginId: f.pluginId,
        ...(f.score ? { cvss: { version: f.score.version, vector: f.score.vector, score: f.score.score } } : {}),
        ...(f.epss !== undefined ? { epss: f.epss } : {}), kev: f.kev === true, likelihood: Math.round(f.likelihood * 1000) / 1000,
        ...(f.solution ? { solution: f.solution.slice(0, 512) } : {}),
      })),
      paths,
      countermeasures: countermeasures.map((c) => ({ id: c.id, kind: c.kind, label: c.label, cost: c.cost, pathsCut: c.pathsCut, goalsProtected: c.goalsProtected, inCut: c.inCut })),
      cti: ctx.cti.slice(0, 10),
    },
  };
  return draft;
}
