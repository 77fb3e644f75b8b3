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
 * - proven: the minimum-cost cut by implicit hitting set (the MaxHS scheme): collect proofs, solve
 *   the minimum-cost hitting set of the proofs collected exactly (an integer program, HiGHS), and
 *   derive with it removed; a goal still reached gives new proofs, none reached proves it optimal.
 *   The hitting set of a subset of the proofs is a lower bound, a repaired one an upper bound, so
 *   when it stops early it still says how far from optimal the best cut can be;
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
  /** A proven lower bound on the minimum cost (the cost itself when method is exact). */
  lowerBound?: number;
  /** Implicit hitting set: rounds (hitting sets solved) and proofs collected. */
  rounds?: number;
  proofs?: number;
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
  return finish(ctx, greedyFrom(ctx, skip, []), [...skip].map((f) => g.facts[f]), 'greedy');
}

/** Adds countermeasures to `start` greedily until no goal (but those in `skip`) is reached. */
function greedyFrom(ctx: CutContext, skip: Set<number>, start: number[]): number[] {
  const { g, cms } = ctx;
  const chosen = start.slice();
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
  return chosen;
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

/**
 * An exact minimum-cost hitting set: each set (indices into `costs`) must contain a chosen one.
 * Synchronous, so the cut stays a plain function; {@link highsHittingSet} is the one we use.
 */
export type HittingSetSolver = (costs: readonly number[], sets: readonly number[][]) => { chosen: number[]; cost: number };

/** The part of HiGHS (the npm package `highs`) that {@link highsHittingSet} uses. */
export interface LpSolver {
  solve(problem: string, options?: Record<string, unknown>): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal?: number }> };
}

/**
 * The hitting set as a 0/1 integer program for HiGHS, one per independent component (sets that
 * share no candidate are solved apart: the crown jewels behind different choke points), with the
 * MIP gap at zero so that the optimum is proven, not approximated.
 */
export function highsHittingSet(highs: LpSolver): HittingSetSolver {
  return (costs, sets) => {
    const chosen: number[] = [];
    let cost = 0;
    for (const component of components(sets)) {
      const vars = [...new Set(component.flat())];
      const lp = [
        'Minimize',
        ` obj: ${vars.map((v) => `${costs[v]} x${v}`).join(' + ')}`,
        'Subject To',
        ...component.map((set, i) => ` s${i}: ${set.map((v) => `x${v}`).join(' + ')} >= 1`),
        'Binary',
        ` ${vars.map((v) => `x${v}`).join(' ')}`,
        'End',
      ].join('\n');
      const r = highs.solve(lp, { mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false });
      if (r.Status !== 'Optimal') throw new Error(`the hitting-set program was not solved to optimality (HiGHS: ${r.Status})`);
      for (const v of vars) if ((r.Columns[`x${v}`]?.Primal ?? 0) > 0.5) { chosen.push(v); cost += costs[v]; }
    }
    return { chosen, cost };
  };
}

/** Sets grouped by shared members (union-find over the candidates). */
function components(sets: readonly number[][]): number[][][] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const set of sets) for (const v of set) if (!parent.has(v)) parent.set(v, v);
  for (const set of sets) for (const v of set.slice(1)) parent.set(find(v), find(set[0]));
  const groups = new Map<number, number[][]>();
  for (const set of sets) {
    const root = find(set[0]);
    groups.set(root, [...(groups.get(root) ?? []), set]);
  }
  return [...groups.values()];
}

export interface ProvenCutOptions {
  /** Hitting sets solved at most; then the best cut found is returned with its lower bound (method budget). */
  maxRounds?: number;
  /**
   * Milliseconds of search at most, checked between rounds; then as maxRounds. The analysis runs
   * on the runtime's thread, which must not stop for seconds on a large network.
   */
  maxMs?: number;
  /** Proofs per goal and round, each sharing no countermeasure with the ones before (a packing). */
  proofsPerGoal?: number;
}

/**
 * Minimum-cost cut by implicit hitting set. Every cut must break every proof, so the cheapest
 * hitting set of any collection of proofs costs no more than the cheapest cut: a lower bound.
 * If removing it leaves no goal reached it is a cut, hence the cheapest. Otherwise each goal still
 * reached gives proofs the hitting set misses, and the next round adds them. A round's hitting set
 * completed greedily (then its redundant countermeasures dropped) is a cut: an upper bound. It
 * stops when the bounds meet.
 */
export function provenCut(g: AttackGraph, cms: Countermeasure[], solve: HittingSetSolver, options: ProvenCutOptions = {}): Cut {
  const ctx = new CutContext(g, cms);
  const skip = uncuttableGoals(ctx);
  const uncuttable = [...skip].map((f) => g.facts[f]);
  const costs = cms.map((c) => c.cost);
  const costOf = (set: number[]): number => set.reduce((sum, c) => sum + costs[c], 0);
  const alive = (set: number[]): Array<{ fact: number; host: string }> => ctx.reached(ctx.derive(set)).filter((goal) => !skip.has(goal.fact));
  let best = greedyFrom(ctx, skip, []);
  let bestCost = costOf(best);
  let lower = 0;
  const sets = new Map<string, number[]>();
  const perGoal = options.proofsPerGoal ?? 8;

  /** Proofs of the goals still reached once `base` is removed; each is new (`base` hits every set collected). */
  const collect = (base: number[]): number => {
    const before = sets.size;
    const d = ctx.derive(base);
    for (const goal of ctx.reached(d)) {
      if (skip.has(goal.fact)) continue;
      // Further proofs of the goal with the last one's countermeasures removed, except those on
      // the crown jewel itself (every proof of it shares them): the attacker's other ways in,
      // which share nothing else, so that each round raises the lower bound by more than one.
      const extra: number[] = [];
      let dd = d;
      for (let k = 0; k < perGoal && dd.derived[goal.fact]; k++) {
        const breakers = ctx.breakers(firstProof(g, dd, goal.fact)).sort((a, b) => a - b);
        if (!breakers.length) break;
        sets.set(breakers.join(','), breakers);
        const upstream = breakers.filter((c) => cms[c].host !== goal.host);
        if (!upstream.length) break;
        extra.push(...upstream);
        dd = ctx.derive([...base, ...extra]);
      }
    }
    return sets.size - before;
  };

  /** A cut from a hitting set: the cheapest breaker of a proof of each goal still reached, until none is. */
  const repair = (start: number[]): number[] => {
    const cut = start.slice();
    for (;;) {
      const left = alive(cut);
      if (!left.length) return cut;
      for (const goal of left) {
        const now = ctx.derive(cut);
        if (!now.derived[goal.fact]) continue;
        const breakers = ctx.breakers(firstProof(g, now, goal.fact));
        cut.push(breakers.reduce((a, b) => (costs[b] < costs[a] ? b : a)));
      }
    }
  };

  /** Drops countermeasures a cut does not need, dearest first. */
  const prune = (cut: number[]): number[] => {
    const kept = cut.slice().sort((a, b) => costs[b] - costs[a]);
    for (let i = 0; i < kept.length;) {
      const without = [...kept.slice(0, i), ...kept.slice(i + 1)];
      if (!alive(without).length) kept.splice(i, 1);
      else i++;
    }
    return kept;
  };

  collect([]);
  const maxRounds = options.maxRounds ?? 500;
  const until = options.maxMs === undefined ? Infinity : performance.now() + options.maxMs;
  let rounds = 0;
  const eps = 1e-9;
  while (rounds < maxRounds && lower < bestCost - eps && performance.now() < until) {
    rounds++;
    const hit = solve(costs, [...sets.values()]);
    lower = Math.max(lower, hit.cost);
    if (!alive(hit.chosen).length) {
      // A hitting set that is a cut: the cheapest cut.
      best = hit.chosen;
      bestCost = hit.cost;
      break;
    }
    const repaired = prune(repair(hit.chosen));
    if (costOf(repaired) < bestCost - eps) {
      best = repaired;
      bestCost = costOf(repaired);
    }
    if (lower >= bestCost - eps) break;
    collect(hit.chosen);
  }
  const proven = lower >= bestCost - eps;
  return { ...finish(ctx, best, uncuttable, proven ? 'exact' : 'budget'), lowerBound: proven ? bestCost : lower, rounds, proofs: sets.size };
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
  /** Greedy cost ÷ exact cost where both ran; `lowerBound` is the proven floor under the exact cost. */
  gap?: { greedy: number; exact: number; ratio: number; exactProven: boolean; lowerBound?: number };
}

export interface AnalysisOptions {
  costs?: CostModel;
  /**
   * An exact hitting-set solver (HiGHS, see graph/highs.ts): with it the cut is proven by
   * implicit hitting set at any size; without it, branch and bound up to `exactUpTo`.
   */
  hittingSet?: HittingSetSolver;
  provenRounds?: number;
  /** Milliseconds the proven cut may search (ProvenCutOptions.maxMs). */
  provenMs?: number;
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
  if (options.hittingSet || inPlay.size <= (options.exactUpTo ?? 40)) {
    const exact = options.hittingSet ? provenCut(g, cms, options.hittingSet, { maxRounds: options.provenRounds, maxMs: options.provenMs }) : exactCut(g, cms, options.exactBudget);
    cut = exact.cost <= greedy.cost ? exact : greedy;
    gap = {
      greedy: greedy.cost, exact: exact.cost, ratio: exact.cost > 0 ? greedy.cost / exact.cost : 1, exactProven: exact.method === 'exact',
      ...(exact.lowerBound !== undefined ? { lowerBound: exact.lowerBound } : {}),
    };
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
