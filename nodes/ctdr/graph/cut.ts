/**
 * The best point of intervention: countermeasures (patch a vulnerability, close a port, change a
 * firewall rule, isolate a host, change a configuration) each remove leaves of the attack graph;
 * a cut is a set of them after which no crown jewel can be reached.
 *
 * - exact: the minimum-cost cut by branch and bound over proofs (an implicit hitting set: take a
 *   proof that still reaches a goal, branch on each countermeasure that breaks it, excluding the
 *   ones tried in earlier branches); exact when it finishes within its budget, and says so;
 * - greedy: among the countermeasures that break the most goal-weighted proofs per unit of cost,
 *   the one that protects the most crown-jewel weight per unit of cost, until no goal is reached;
 *   a few dozen linear derivations a step, for large networks;
 * - bruteForce: every subset by size, the baseline the bench checks both against.
 */
import { attackPaths, derive, firstProof } from './derive';
import type { AttackPath, Derivation } from './derive';
import { CRITICALITY_WEIGHT } from './model';
import type { AttackGraph, Leaf } from './model';

export type CountermeasureKind = 'patch' | 'closePort' | 'firewall' | 'isolate' | 'config';

export interface Countermeasure {
  id: string;
  kind: CountermeasureKind;
  label: string;
  host?: string;
  vuln?: string;
  port?: number;
  protocol?: string;
  /** The firewall rule it changes. */
  rule?: string;
  leaves: number[];
  cost: number;
}

export interface CostModel {
  /** Base cost by kind; closing a port and isolating a host are scaled by the host's criticality weight. */
  base: Record<CountermeasureKind, number>;
  /** Overrides by countermeasure id. */
  byId?: Record<string, number>;
}

export const DEFAULT_COSTS: CostModel = { base: { patch: 1, firewall: 1, config: 2, closePort: 1, isolate: 4 } };

function describe(kind: CountermeasureKind, l: Leaf): { id: string; label: string } {
  switch (kind) {
    case 'patch': return { id: `patch:${l.host}:${l.vuln}`, label: `Patch ${l.vuln} on ${l.host}` };
    case 'closePort': return { id: `close:${l.host}:${l.protocol}/${l.port}`, label: `Close ${l.protocol}/${l.port} on ${l.host}` };
    case 'isolate': return { id: `isolate:${l.host}`, label: `Isolate ${l.host}` };
    default: break;
  }
  if (l.kind === 'egress') return { id: `fw:${l.from}->${l.host}`, label: `Block ${l.from} → ${l.host} (egress${l.rule ? `, rule ${l.rule}` : ''})` };
  if (l.kind === 'hacl') return { id: `fw:${l.from}->${l.host}:${l.protocol}/${l.port}`, label: `Block ${l.from} → ${l.host} ${l.protocol}/${l.port}${l.rule ? ` (rule ${l.rule})` : ' (within the zone)'}` };
  if (l.kind === 'export') return { id: `cfg:export:${l.host}:${l.from}`, label: `Export ${l.host}'s share read-only to ${l.from}` };
  if (l.kind === 'mount') return { id: `cfg:mount:${l.host}:${l.from}`, label: `Stop ${l.host} running programs from ${l.from}'s share` };
  if (l.kind === 'stored') return { id: `cfg:${l.key}`, label: `Remove the credential stored on ${l.host} (${l.key})` };
  return { id: `cfg:${l.key}`, label: `Disable ${l.key}` };
}

/** Every countermeasure that removes a leaf some rule needs, with its cost. */
export function countermeasures(g: AttackGraph, costs: CostModel = DEFAULT_COSTS): Countermeasure[] {
  const out = new Map<string, Countermeasure>();
  const weight = (h?: string): number => CRITICALITY_WEIGHT[g.hosts.get(h ?? '')?.criticality ?? 'low'];
  const add = (kind: CountermeasureKind, l: Leaf, i: number): void => {
    const { id, label } = describe(kind, l);
    let c = out.get(id);
    if (!c) {
      const scaled = kind === 'closePort' || kind === 'isolate' ? weight(l.host) : 1;
      c = {
        id, kind, label, leaves: [],
        cost: costs.byId?.[id] ?? costs.base[kind] * scaled,
        ...(kind !== 'isolate' && l.host ? { host: l.host } : kind === 'isolate' ? { host: l.host } : {}),
        ...(l.vuln ? { vuln: l.vuln } : {}),
        ...(kind !== 'isolate' && l.port !== undefined ? { port: l.port, protocol: l.protocol } : {}),
        ...(kind === 'firewall' && l.rule ? { rule: l.rule } : {}),
      };
      out.set(id, c);
    }
    c.leaves.push(i);
  };
  g.leaves.forEach((l, i) => {
    switch (l.kind) {
      case 'vuln': add('patch', l, i); break;
      case 'service': add('closePort', l, i); break;
      case 'hacl':
        add('firewall', l, i);
        if (g.hosts.has(l.host!)) add('isolate', l, i);
        if (l.from && g.hosts.has(l.from)) add('isolate', { ...l, host: l.from }, i);
        break;
      case 'egress': add('firewall', l, i); break;
      case 'attacker': break; // where the attacker is cannot be changed
      default: add('config', l, i);
    }
  });
  return [...out.values()];
}

export interface Cut {
  chosen: Countermeasure[];
  cost: number;
  /** Goals no countermeasure set can protect (a proof that needs no removable leaf). */
  uncuttable: string[];
  /** exact: proven minimal; budget: the search stopped (the best found so far); greedy. */
  method: 'exact' | 'budget' | 'greedy' | 'brute-force';
  /** Derivations the algorithm ran. */
  derivations: number;
}

class CutContext {
  readonly byLeaf: number[][];
  derivations = 0;
  constructor(readonly g: AttackGraph, readonly cms: Countermeasure[]) {
    this.byLeaf = g.leaves.map(() => []);
    cms.forEach((c, i) => { for (const l of c.leaves) this.byLeaf[l].push(i); });
  }
  disabled(set: Iterable<number>): Uint8Array {
    const off = new Uint8Array(this.g.leaves.length);
    for (const c of set) for (const l of this.cms[c].leaves) off[l] = 1;
    return off;
  }
  derive(set: Iterable<number>): Derivation {
    this.derivations++;
    return derive(this.g, this.disabled(set));
  }
  /** The countermeasures that break a proof (those that remove one of its leaves). */
  breakers(proof: number[]): number[] {
    const out = new Set<number>();
    for (const r of proof) for (const l of this.g.rules[r].leaves) for (const c of this.byLeaf[l]) out.add(c);
    return [...out];
  }
  reached(d: Derivation): Array<{ fact: number; host: string; weight: number }> {
    return this.g.goals.filter((goal) => d.derived[goal.fact]);
  }
}

function finish(ctx: CutContext, chosen: number[], uncuttable: string[], method: Cut['method']): Cut {
  const cms = chosen.map((c) => ctx.cms[c]).sort((a, b) => a.cost - b.cost || a.id.localeCompare(b.id));
  return { chosen: cms, cost: cms.reduce((s, c) => s + c.cost, 0), uncuttable, method, derivations: ctx.derivations };
}

/** Goals whose first proof no countermeasure can break; the cut algorithms leave them aside. */
function uncuttableGoals(ctx: CutContext): Set<number> {
  const d = ctx.derive([]);
  const out = new Set<number>();
  for (const goal of ctx.reached(d)) if (!ctx.breakers(firstProof(ctx.g, d, goal.fact)).length) out.add(goal.fact);
  return out;
}

/** Candidates whose real effect (crown jewels protected) the greedy step measures with a derivation each. */
const GREEDY_LOOKAHEAD = 40;

export function greedyCut(g: AttackGraph, cms: Countermeasure[]): Cut {
  const ctx = new CutContext(g, cms);
  const skip = uncuttableGoals(ctx);
  const chosen: number[] = [];
  for (;;) {
    const d = ctx.derive(chosen);
    const alive = ctx.reached(d).filter((goal) => !skip.has(goal.fact));
    if (!alive.length) break;
    const aliveWeight = alive.reduce((s, goal) => s + goal.weight, 0);
    // First estimate: goal-weighted proofs each countermeasure breaks, per unit of cost.
    const gain = new Float64Array(cms.length);
    for (const goal of alive) for (const c of ctx.breakers(firstProof(g, d, goal.fact))) gain[c] += goal.weight;
    const ranked = [...gain.keys()].filter((c) => gain[c] > 0).sort((a, b) => gain[b] / cms[b].cost - gain[a] / cms[a].cost);
    // Then the real effect of the best few: the weight of crown jewels no longer reached. A cut
    // at a choke point (the entry's firewall) protects every jewel at once although it breaks
    // only one proof of each, which the estimate alone misses.
    let best = ranked[0];
    let bestScore = -1;
    for (const c of ranked.slice(0, GREEDY_LOOKAHEAD)) {
      const after = ctx.derive([...chosen, c]);
      const protectedWeight = aliveWeight - alive.filter((goal) => after.derived[goal.fact]).reduce((s, goal) => s + goal.weight, 0);
      const score = (protectedWeight + gain[c] * 1e-6) / cms[c].cost;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    chosen.push(best);
  }
  return finish(ctx, chosen, [...skip].map((f) => g.facts[f]), 'greedy');
}

/** Exact minimum-cost cut; `budget` bounds the derivations (then the best found is returned, method 'budget'). */
export function exactCut(g: AttackGraph, cms: Countermeasure[], budget = 200_000): Cut {
  const upper = greedyCut(g, cms);
  const ctx = new CutContext(g, cms);
  const skip = uncuttableGoals(ctx);
  const index = new Map(cms.map((c, i) => [c.id, i]));
  let best = upper.chosen.map((c) => index.get(c.id)!);
  let bestCost = upper.cost;
  let complete = true;
  const minCost = Math.min(...cms.map((c) => c.cost));
  const search = (chosen: number[], cost: number, excluded: Set<number>): void => {
    if (ctx.derivations >= budget) {
      complete = false;
      return;
    }
    const d = ctx.derive(chosen);
    const alive = ctx.reached(d).filter((goal) => !skip.has(goal.fact));
    if (!alive.length) {
      if (cost < bestCost - 1e-12) {
        best = chosen.slice();
        bestCost = cost;
      }
      return;
    }
    if (cost + minCost >= bestCost - 1e-12) return;
    // Branch on the proof with the fewest ways to break it: the smallest branching factor.
    let options: number[] | undefined;
    for (const goal of alive) {
      const b = ctx.breakers(firstProof(g, d, goal.fact)).filter((c) => !excluded.has(c));
      if (!options || b.length < options.length) options = b;
      if (options.length <= 1) break;
    }
    options!.sort((a, b) => cms[a].cost - cms[b].cost);
    const tried: number[] = [];
    for (const c of options!) {
      if (cost + cms[c].cost < bestCost - 1e-12) {
        const ex = new Set(excluded);
        for (const t of tried) ex.add(t);
        chosen.push(c);
        search(chosen, cost + cms[c].cost, ex);
        chosen.pop();
      }
      tried.push(c);
    }
  };
  search([], 0, new Set());
  const cut = finish(ctx, best, [...skip].map((f) => g.facts[f]), complete ? 'exact' : 'budget');
  cut.derivations += upper.derivations;
  return cut;
}

/** Every subset of the countermeasures that break some proof, smallest cost first: the baseline (2^n). */
export function bruteForceCut(g: AttackGraph, cms: Countermeasure[], maxCandidates = 22): Cut {
  const ctx = new CutContext(g, cms);
  const skip = uncuttableGoals(ctx);
  const d0 = ctx.derive([]);
  const used = new Set<number>();
  for (const r of g.rules) if (d0.derived[r.head]) for (const l of r.leaves) for (const c of ctx.byLeaf[l]) used.add(c);
  const cand = [...used];
  if (cand.length > maxCandidates) throw new Error(`brute force over ${cand.length} countermeasures (2^${cand.length} subsets) refused; the limit is ${maxCandidates}`);
  let best: number[] = [];
  let bestCost = Infinity;
  for (let mask = 0; mask < 2 ** cand.length; mask++) {
    const set: number[] = [];
    let cost = 0;
    for (let i = 0; i < cand.length; i++) if (mask & (1 << i)) { set.push(cand[i]); cost += cms[cand[i]].cost; }
    if (cost >= bestCost) continue;
    const d = ctx.derive(set);
    if (ctx.reached(d).every((goal) => skip.has(goal.fact))) {
      best = set;
      bestCost = cost;
    }
  }
  return finish(ctx, best, [...skip].map((f) => g.facts[f]), 'brute-force');
}

export interface RankedCountermeasure extends Countermeasure {
  /** Enumerated attack paths it breaks. */
  pathsCut: number;
  /** Σ over those paths of likelihood × the goal's criticality weight. */
  riskCut: number;
  /** Goals no longer reached when it is applied alone. */
  goalsProtected: string[];
  /** riskCut per unit of cost: the ranking. */
  score: number;
  inCut: boolean;
}

export interface Analysis {
  paths: AttackPath[];
  pathsTruncated: boolean;
  reached: string[];
  ranked: RankedCountermeasure[];
  cut: Cut;
  /** Greedy cost ÷ exact cost where both ran. */
  gap?: { greedy: number; exact: number; ratio: number; exactProven: boolean };
}

export interface AnalysisOptions {
  costs?: CostModel;
  /** Above this many countermeasures in play the exact cut is not attempted. */
  exactUpTo?: number;
  exactBudget?: number;
  /** Countermeasures in the ranking. */
  top?: number;
}

/** Paths, the ranked countermeasures and the cut (exact where small enough, greedy otherwise, both and their gap where both run). */
export function analyse(g: AttackGraph, options: AnalysisOptions = {}): Analysis {
  const d = derive(g);
  const { paths, truncated } = attackPaths(g, d);
  const cms = countermeasures(g, options.costs);
  const weightOf = new Map(g.goals.map((goal) => [g.facts[goal.fact], goal.weight]));
  const inPlay = new Set<number>();
  const byLeaf = new Map<number, number[]>();
  cms.forEach((c, i) => { for (const l of c.leaves) byLeaf.set(l, [...(byLeaf.get(l) ?? []), i]); });
  const pathsCut = new Float64Array(cms.length);
  const riskCut = new Float64Array(cms.length);
  for (const p of paths) {
    const hit = new Set<number>();
    for (const l of p.leaves) for (const c of byLeaf.get(l) ?? []) hit.add(c);
    for (const c of hit) {
      inPlay.add(c);
      pathsCut[c]++;
      riskCut[c] += p.likelihood * (weightOf.get(p.goal) ?? 1);
    }
  }
  const greedy = greedyCut(g, cms);
  let cut = greedy;
  let gap: Analysis['gap'];
  if (inPlay.size <= (options.exactUpTo ?? 40)) {
    const exact = exactCut(g, cms, options.exactBudget);
    cut = exact.cost <= greedy.cost ? exact : greedy;
    gap = { greedy: greedy.cost, exact: exact.cost, ratio: exact.cost > 0 ? greedy.cost / exact.cost : 1, exactProven: exact.method === 'exact' };
  }
  const inCut = new Set(cut.chosen.map((c) => c.id));
  const order = [...inPlay].sort((a, b) => riskCut[b] / cms[b].cost - riskCut[a] / cms[a].cost).slice(0, options.top ?? 25);
  const reached = g.goals.filter((goal) => d.derived[goal.fact]).map((goal) => g.facts[goal.fact]);
  const ranked = order.map((c) => {
    const dc = derive(g, leavesOff(g, cms[c]));
    return {
      ...cms[c],
      pathsCut: pathsCut[c],
      riskCut: riskCut[c],
      goalsProtected: reached.filter((f) => !dc.derived[g.factIndex.get(f)!]),
      score: riskCut[c] / cms[c].cost,
      inCut: inCut.has(cms[c].id),
    };
  });
  return { paths, pathsTruncated: truncated, reached, ranked, cut, ...(gap ? { gap } : {}) };
}

function leavesOff(g: AttackGraph, c: Countermeasure): Uint8Array {
  const off = new Uint8Array(g.leaves.length);
  for (const l of c.leaves) off[l] = 1;
  return off;
}
