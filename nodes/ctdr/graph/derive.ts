/**
 * Derivation to a fixpoint, likelihoods and attack paths over a grounded attack graph.
 */
import type { AttackGraph } from './model';
import { prng } from './random';

export interface Derivation {
  /** 1 where the fact is derived. */
  derived: Uint8Array;
  /** The rule that first derived each fact (-1: not derived): following it gives a proof without cycles. */
  via: Int32Array;
  /** Position of each fact in derivation order (-1: not derived). */
  rank: Int32Array;
}

/**
 * Forward chaining, each rule fired once when its last derived precondition arrives (linear in
 * the graph's size). `disabled` marks leaves removed by countermeasures.
 */
export function derive(g: AttackGraph, disabled?: Uint8Array): Derivation {
  const n = g.facts.length;
  const derived = new Uint8Array(n);
  const via = new Int32Array(n).fill(-1);
  const rank = new Int32Array(n).fill(-1);
  const need = new Int32Array(g.rules.length);
  const queue: number[] = [];
  let order = 0;
  const fire = (r: number): void => {
    const rule = g.rules[r];
    if (disabled) for (const l of rule.leaves) if (disabled[l]) return;
    const h = rule.head;
    if (derived[h]) return;
    derived[h] = 1;
    via[h] = r;
    rank[h] = order++;
    queue.push(h);
  };
  for (const r of g.rules) need[r.id] = r.pre.length;
  for (const r of g.roots) fire(r);
  while (queue.length) {
    const f = queue.pop()!;
    for (const r of g.users[f]) if (--need[r] === 0) fire(r);
  }
  return { derived, via, rank };
}

/** The rules of one proof of `fact` (its first derivation, recursively), in derivation order. */
export function firstProof(g: AttackGraph, d: Derivation, fact: number): number[] {
  const seen = new Set<number>();
  const stack = [fact];
  while (stack.length) {
    const f = stack.pop()!;
    const r = d.via[f];
    if (r < 0 || seen.has(r)) continue;
    seen.add(r);
    stack.push(...g.rules[r].pre);
  }
  return [...seen].sort((a, b) => d.rank[g.rules[a].head] - d.rank[g.rules[b].head]);
}

/**
 * Likelihood that each fact is reached, each leaf holding independently with its probability
 * (a vulnerability's exploit succeeding, from EPSS/KEV/CVSS). Estimated by sampling the leaves and
 * deriving: unlike a noisy-OR over the AND/OR graph, a step that several paths share is counted
 * once, and cycles need no special care. `samples` derivations, seeded, so results repeat.
 */
export function likelihoods(g: AttackGraph, options: { samples?: number; seed?: number; disabled?: Uint8Array } = {}): Float64Array {
  const samples = options.samples ?? 1000;
  const rnd = prng(options.seed ?? 1);
  const hits = new Float64Array(g.facts.length);
  const uncertain = g.leaves.map((l, i) => (l.p < 1 ? i : -1)).filter((i) => i >= 0);
  const off = new Uint8Array(g.leaves.length);
  for (let s = 0; s < samples; s++) {
    if (options.disabled) off.set(options.disabled);
    else off.fill(0);
    for (const i of uncertain) if (rnd() >= g.leaves[i].p) off[i] = 1;
    const d = derive(g, off);
    for (let f = 0; f < hits.length; f++) hits[f] += d.derived[f];
  }
  for (let f = 0; f < hits.length; f++) hits[f] /= samples;
  return hits;
}

export interface AttackPath {
  goal: string;
  /** Rule ids in the order an attacker takes them. */
  rules: number[];
  /** Leaf ids the path needs (what a countermeasure can remove). */
  leaves: number[];
  likelihood: number;
  /** Hosts the path compromises, entry first. */
  hosts: string[];
}

export interface PathOptions {
  /** Paths kept per goal (the most likely). */
  perGoal: number;
  /** Expansion steps per goal before the enumeration stops (the paths found so far are kept). */
  budget: number;
}

/**
 * Attack paths to each goal: minimal proofs (each derived fact proved once, no fact used to
 * prove itself), enumerated depth-first within a budget and ranked by likelihood; the first
 * derivation's proof is always among them.
 */
export function attackPaths(g: AttackGraph, d: Derivation, options: PathOptions = { perGoal: 20, budget: 20_000 }): { paths: AttackPath[]; truncated: boolean } {
  const paths: AttackPath[] = [];
  let truncated = false;
  for (const goal of g.goals) {
    if (!d.derived[goal.fact]) continue;
    let budget = options.budget;
    const cap = options.perGoal * 4;
    const prove = (f: number, anc: Set<number>): number[][] => {
      const out: number[][] = [];
      for (const r of g.derivers[f]) {
        if (--budget < 0) {
          truncated = true;
          break;
        }
        const rule = g.rules[r];
        if (rule.pre.some((x) => anc.has(x) || !d.derived[x])) continue;
        let combos: number[][] = [[r]];
        anc.add(f);
        for (const x of rule.pre) {
          const sub = prove(x, anc);
          const next: number[][] = [];
          for (const c of combos) for (const s of sub) if (next.length < cap) next.push(c.concat(s));
          combos = next;
          if (!combos.length) break;
        }
        anc.delete(f);
        for (const c of combos) if (out.length < cap) out.push(c);
        if (out.length >= cap) break;
      }
      return out;
    };
    const found = new Map<string, number[]>();
    const add = (rs: number[]): void => {
      const uniq = [...new Set(rs)];
      found.set([...uniq].sort((a, b) => a - b).join(','), inAttackOrder(g, uniq));
    };
    add(firstProof(g, d, goal.fact));
    for (const p of prove(goal.fact, new Set())) add(p);
    const ranked = [...found.values()].map((rs) => toPath(g, goal.fact, rs)).sort((a, b) => b.likelihood - a.likelihood);
    paths.push(...ranked.slice(0, options.perGoal));
  }
  return { paths, truncated };
}

/** A proof's rules in an order an attacker can take them: each after the rules that give its preconditions. */
function inAttackOrder(g: AttackGraph, rules: number[]): number[] {
  const out: number[] = [];
  const have = new Set<number>();
  let left = rules.slice();
  while (left.length) {
    const ready = left.filter((r) => g.rules[r].pre.every((f) => have.has(f)));
    if (!ready.length) return out.concat(left); // not a proof (cannot happen for proofs built here)
    for (const r of ready) {
      out.push(r);
      have.add(g.rules[r].head);
    }
    left = left.filter((r) => !ready.includes(r));
  }
  return out;
}

function toPath(g: AttackGraph, goal: number, rules: number[]): AttackPath {
  const leaves = new Set<number>();
  const hosts: string[] = [];
  for (const r of rules) {
    const rule = g.rules[r];
    for (const l of rule.leaves) leaves.add(l);
    if (g.facts[rule.head].startsWith('execCode(') && rule.host && !hosts.includes(rule.host)) hosts.push(rule.host);
  }
  let likelihood = 1;
  for (const l of leaves) likelihood *= g.leaves[l].p;
  return { goal: g.facts[goal], rules, leaves: [...leaves], likelihood, hosts };
}
