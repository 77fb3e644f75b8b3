/**
 * The exact optimum of the same discrete problem CCRP solves (a quickest transshipment to the
 * exits): the smallest horizon T whose time-expanded network (a copy of every node per step,
 * edges from (u, t) to (v, t + steps), waiting from (v, t) to (v, t + 1)) carries everyone
 * from step 0 into an exit by step T, found by binary search between a lower bound and the
 * CCRP time, each test a maximum flow (Dinic). Only for small graphs: the expanded network
 * has nodes × (T + 1) nodes.
 */
import { lowerBound, reachesExit } from './ccrp';
import type { FlowGraph } from './ccrp';

const EPS = 1e-9;

class Dinic {
  private head: Int32Array;
  private next: number[] = [];
  private to: number[] = [];
  private cap: number[] = [];
  private level: Int32Array;
  private iter: Int32Array;
  constructor(private readonly n: number) {
    this.head = new Int32Array(n).fill(-1);
    this.level = new Int32Array(n);
    this.iter = new Int32Array(n);
  }
  add(u: number, v: number, c: number): void {
    this.to.push(v, u);
    this.cap.push(c, 0);
    this.next.push(this.head[u], this.head[v]);
    const k = this.to.length;
    this.head[u] = k - 2;
    this.head[v] = k - 1;
  }
  private bfs(s: number, t: number): boolean {
    this.level.fill(-1);
    const queue = [s];
    this.level[s] = 0;
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i];
      for (let e = this.head[u]; e >= 0; e = this.next[e]) {
        if (this.cap[e] > EPS && this.level[this.to[e]] < 0) {
          this.level[this.to[e]] = this.level[u] + 1;
          queue.push(this.to[e]);
        }
      }
    }
    return this.level[t] >= 0;
  }
  /** Iterative blocking-flow search (recursion would overflow on long time-expanded paths). */
  private augment(s: number, t: number): number {
    let total = 0;
    const stack: number[] = [];
    const edgeStack: number[] = [];
    for (;;) {
      stack.length = 0;
      edgeStack.length = 0;
      stack.push(s);
      while (stack.length) {
        const u = stack[stack.length - 1];
        if (u === t) break;
        let advanced = false;
        for (; this.iter[u] >= 0; this.iter[u] = this.next[this.iter[u]]) {
          const e = this.iter[u];
          const v = this.to[e];
          if (this.cap[e] > EPS && this.level[v] === this.level[u] + 1) {
            stack.push(v);
            edgeStack.push(e);
            advanced = true;
            break;
          }
        }
        if (!advanced) {
          this.level[u] = -1;
          stack.pop();
          if (edgeStack.length) {
            const e = edgeStack.pop() as number;
            const from = stack[stack.length - 1];
            this.iter[from] = this.next[e];
          }
        }
      }
      if (!stack.length) return total;
      let f = Infinity;
      for (const e of edgeStack) f = Math.min(f, this.cap[e]);
      for (const e of edgeStack) {
        this.cap[e] -= f;
        this.cap[e ^ 1] += f;
      }
      total += f;
    }
  }
  maxFlow(s: number, t: number): number {
    let flow = 0;
    while (this.bfs(s, t)) {
      for (let i = 0; i < this.n; i++) this.iter[i] = this.head[i];
      flow += this.augment(s, t);
    }
    return flow;
  }
}

/** People who can be out by step T, on the time-expanded network. */
export function peopleOutBy(g: FlowGraph, horizon: number): number {
  const layers = horizon + 1;
  const n = g.nodes * layers + 2;
  const src = n - 2;
  const sink = n - 1;
  const d = new Dinic(n);
  const id = (v: number, t: number) => v * layers + t;
  for (let v = 0; v < g.nodes; v++) {
    if (g.exit[v]) {
      for (let t = 0; t <= horizon; t++) d.add(id(v, t), sink, Infinity);
      continue;
    }
    if (g.supply[v] > EPS) d.add(src, id(v, 0), g.supply[v]);
    for (let t = 0; t < horizon; t++) d.add(id(v, t), id(v, t + 1), Infinity);
    for (let e = g.first[v]; e < g.first[v + 1]; e++) {
      for (let t = 0; t + g.steps[e] <= horizon; t++) d.add(id(v, t), id(g.to[e], t + g.steps[e]), g.cap[e]);
    }
  }
  return d.maxFlow(src, sink);
}

export interface Optimum {
  /** Smallest step by which everyone who can get out is out. */
  steps: number;
  /** Time-expanded nodes of the last test: the size of the problem. */
  expandedNodes: number;
}

/**
 * The optimal evacuation time in steps, searched between the lower bound and `upper` (a
 * feasible time, CCRP's). Undefined when the expanded network would exceed `maxExpandedNodes`.
 */
export function optimalSteps(g: FlowGraph, upper: number, maxExpandedNodes = 300_000): Optimum | undefined {
  if (g.nodes * (upper + 1) > maxExpandedNodes) return undefined;
  const ok = reachesExit(g);
  let total = 0;
  for (let v = 0; v < g.nodes; v++) if (!g.exit[v] && ok[v]) total += g.supply[v];
  // Stranded people never get out: they are left out of the target, not of the network.
  const reachable: FlowGraph = { ...g, supply: g.supply.map((s, v) => (ok[v] && !g.exit[v] ? s : 0)) };
  let lo = lowerBound(reachable);
  let hi = upper;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (peopleOutBy(reachable, mid) >= total - 1e-6 * Math.max(1, total)) hi = mid;
    else lo = mid + 1;
  }
  return { steps: lo, expandedNodes: g.nodes * (lo + 1) };
}
