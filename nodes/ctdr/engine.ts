/**
 * The CTDR tool's state without Node-RED: the scans' findings, the attack graph and its analysis,
 * and the IDS correlation. impetus-ctdr is a thin shell around it.
 */
import { Correlator } from './correlate';
import type { CorrelatorOptions, Verdict } from './correlate';
import type { Enrichment } from './enrich';
import { parseEve } from './eve';
import type { EveEvent } from './eve';
import { analyse } from './graph/cut';
import type { Analysis, AnalysisOptions } from './graph/cut';
import { buildGraph } from './graph/model';
import type { AttackGraph } from './graph/model';
import { buildNetwork, hostsByIp } from './network';
import type { HostRef, NetworkDescription, RegisterHost } from './network';
import type { Finding } from './scan';
import { VulnIndex } from './vulns';

export interface EngineOptions extends CorrelatorOptions {
  analysis?: AnalysisOptions;
}

/** The attack-graph report impetus-ctdr sends on its second output (for the console page). */
export interface GraphReport {
  hosts: number;
  findings: number;
  reached: string[];
  unzoned: string[];
  paths: Array<{ goal: string; hosts: string[]; likelihood: number; steps: string[]; cut: boolean; chain: string }>;
  pathsTruncated: boolean;
  countermeasures: Array<{ rank: number; id: string; kind: string; label: string; cost: number; pathsCut: number; riskCut: number; goalsProtected: number; inCut: boolean }>;
  cut: { ids: string[]; labels: string[]; cost: number; method: string; uncuttable: string[]; gap?: Analysis['gap'] };
  /** Host-level graph: compromise steps between hosts, for drawing. */
  graph: { nodes: Array<{ id: string; zone: string; crownJewel: boolean; entry?: boolean }>; edges: Array<{ from: string; to: string; via: string; cut: boolean }> };
  ms: number;
}

export class CtdrEngine {
  readonly vulns: VulnIndex;
  private readonly hosts: Map<string, HostRef>;
  private readonly correlator: Correlator;
  graph?: AttackGraph;
  analysis?: Analysis;
  private unzoned: string[] = [];

  constructor(
    private readonly register: RegisterHost[],
    private readonly network: NetworkDescription | undefined,
    enrichment: Enrichment | undefined,
    private readonly options: EngineOptions,
  ) {
    this.vulns = new VulnIndex(enrichment);
    this.hosts = hostsByIp(register);
    this.correlator = new Correlator(this.vulns, this.hosts, options);
  }

  /** Findings from impetus-ctdr-scan (one batch); a finding that is not one is named in the error. */
  addFindings(items: unknown[], scan: string): number {
    let n = 0;
    items.forEach((f, i) => {
      const x = f as Finding;
      if (typeof x !== 'object' || x === null || !x.host || typeof x.port !== 'number' || !Array.isArray(x.cves) || typeof x.cvss !== 'object') {
        throw new Error(`finding [${i}] is not a scan finding (from impetus-ctdr-scan)`);
      }
      this.vulns.add(x, scan);
      n++;
    });
    return n;
  }

  /** Rebuilds the attack graph from the register, the network description and the findings. */
  analyse(): GraphReport | undefined {
    if (!this.network) return undefined;
    const start = performance.now();
    const { network, unzoned } = buildNetwork(this.register, this.network, this.vulns);
    this.unzoned = unzoned;
    this.graph = buildGraph(network);
    this.analysis = analyse(this.graph, this.options.analysis);
    return this.report(performance.now() - start);
  }

  judge(record: unknown): Verdict | undefined {
    const e: EveEvent | undefined = parseEve(record);
    return e ? this.correlator.judge(e) : undefined;
  }

  private report(ms: number): GraphReport {
    const g = this.graph!;
    const a = this.analysis!;
    const cutLeaves = new Set(a.cut.chosen.flatMap((c) => c.leaves));
    const edges = new Map<string, { from: string; to: string; via: string; cut: boolean }>();
    const entries = new Set<string>();
    const chains: string[] = [];
    for (const p of a.paths) {
      let from = '';
      let chain = '';
      // A cut leaf anywhere between two compromises (the firewall permission, the service, the vulnerability) cuts that edge.
      let cutSince = false;
      for (const r of p.rules) {
        const rule = g.rules[r];
        const fact = g.facts[rule.head];
        if (rule.leaves.some((l) => cutLeaves.has(l))) cutSince = true;
        if (rule.name === 'attackerLocated') {
          from = fact.slice('foothold('.length, -1);
          entries.add(from);
          chain = from;
        }
        if (!fact.startsWith('execCode(') || !rule.host || rule.host === from) continue;
        const key = `${from}->${rule.host}`;
        const prev = edges.get(key);
        const via = rule.leaves.map((l) => g.leaves[l].vuln).filter(Boolean).join(', ') || rule.name;
        edges.set(key, { from, to: rule.host, via: prev?.via ?? via, cut: (prev?.cut ?? false) || cutSince });
        // The step the chosen cut breaks is drawn ✂: the path as an operator reads it.
        chain += `${cutSince ? ' ✂→ ' : ' → '}${rule.host}`;
        from = rule.host;
        cutSince = false;
      }
      chains.push(chain);
    }
    const nodes = [...[...entries].map((z) => ({ id: z, zone: z, crownJewel: false, entry: true })), ...[...g.hosts.values()].map((h) => ({ id: h.id, zone: h.zone, crownJewel: h.crownJewel === true }))];
    return {
      hosts: g.hosts.size,
      findings: this.vulns.size,
      reached: a.reached,
      unzoned: this.unzoned,
      paths: a.paths.slice(0, 50).map((p, i) => ({
        chain: chains[i],
        goal: p.goal, hosts: p.hosts, likelihood: Math.round(p.likelihood * 1000) / 1000,
        steps: p.rules.map((r) => g.rules[r]).filter((r) => r.name !== 'rootIsUser').map((r) => `${r.name}: ${g.facts[r.head]}`),
        cut: p.leaves.some((l) => cutLeaves.has(l)),
      })),
      pathsTruncated: a.pathsTruncated,
      countermeasures: a.ranked.map((c, i) => ({ rank: i + 1, id: c.id, kind: c.kind, label: c.label, cost: c.cost, pathsCut: c.pathsCut, riskCut: Math.round(c.riskCut * 1000) / 1000, goalsProtected: c.goalsProtected.length, inCut: c.inCut })),
      cut: { ids: a.cut.chosen.map((c) => c.id), labels: a.cut.chosen.map((c) => c.label), cost: a.cut.cost, method: a.cut.method, uncuttable: a.cut.uncuttable, ...(a.gap ? { gap: a.gap } : {}) },
      graph: { nodes, edges: [...edges.values()] },
      ms: Math.round(ms),
    };
  }
}
