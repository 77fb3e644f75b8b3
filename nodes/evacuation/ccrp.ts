/**
 * Capacity-constrained route planning (CCRP: Lu, George & Shekhar, "Capacity Constrained
 * Routing Algorithms for Evacuation Planning", SSTD 2005) on a time-discretised network.
 *
 * Time runs in steps. Each edge takes a whole number of steps to walk and lets at most `cap`
 * people start along it in any one step (its flow capacity × step length); people may wait
 * at a node (the queue in front of a door), and nodes hold any number (their density is
 * reported, not capped). Each iteration finds, over all nodes that still hold people, the
 * route whose arrival at an exit is earliest given what earlier routes reserved, sends as many
 * people as the route's tightest step allows, and reserves it. Queues therefore build where
 * capacity runs short and drain as it frees. With `batch` (for big graphs), one search routes
 * a group to every exit it reaches within a step of the earliest, not only the earliest, and
 * a route found is reused at the following departure steps while it has room: many fewer
 * searches, a little further from optimal (the gap to a lower bound is reported).
 */

/** A directed graph in compressed rows: the edges of node u are first[u] … first[u + 1] − 1. */
export interface FlowGraph {
  nodes: number;
  /** 1 for exit nodes (people who reach one are out). */
  exit: Uint8Array;
  first: Int32Array;
  to: Int32Array;
  /** Whole steps to walk each edge (at least 1). */
  steps: Int32Array;
  /** People who may start along each edge in one step. */
  cap: Float64Array;
  /** People waiting at each node at step 0. */
  supply: Float64Array;
}

export interface EdgeSpec {
  from: number;
  to: number;
  steps: number;
  cap: number;
}

export function buildGraph(nodes: number, exits: Iterable<number>, edges: EdgeSpec[], supply: ArrayLike<number>): FlowGraph {
  const exit = new Uint8Array(nodes);
  for (const x of exits) exit[x] = 1;
  const first = new Int32Array(nodes + 1);
  for (const e of edges) first[e.from + 1]++;
  for (let i = 0; i < nodes; i++) first[i + 1] += first[i];
  const at = first.slice(0, nodes);
  const to = new Int32Array(edges.length);
  const steps = new Int32Array(edges.length);
  const cap = new Float64Array(edges.length);
  for (const e of edges) {
    const k = at[e.from]++;
    to[k] = e.to;
    steps[k] = Math.max(1, Math.round(e.steps));
    cap[k] = e.cap;
  }
  return { nodes, exit, first, to, steps, cap, supply: Float64Array.from(supply) };
}

export interface Route {
  /** Node ids along the route, source first, exit last. */
  path: number[];
  /** Edge indices along the route. */
  edges: number[];
  /** Step at which the group starts along each edge. */
  depart: number[];
  /** Step at which it reaches the exit. */
  arrive: number;
  people: number;
}

export interface RoutingResult {
  routes: Route[];
  /** Step by which the last person is out (0 when nobody is in). */
  lastArrival: number;
  /** People left at each node that cannot reach any exit. */
  stranded: Map<number, number>;
  /** People placed per step and edge: the most on each edge in any one step. */
  peakEdgeLoad: Float64Array;
}

const EPS = 1e-9;
/** No evacuation plan runs past this many steps (11.5 days of 1 s steps): the site's widths are wrong. */
export const MAX_STEPS = 1_000_000;

/**
 * Batched CCRP also routes, from the same search, exits reached up to this many steps after
 * the earliest. 1 kept the plan of per-route CCRP on the bench grids (2 cost a step there, and
 * 0 searched twice as often); the gap to the lower bound is reported either way.
 */
const BATCH_SLACK = 1;

/** A binary min-heap of (key, value) in two parallel arrays. */
class Heap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  clear(): void {
    this.keys.length = 0;
    this.vals.length = 0;
  }
  push(key: number, val: number): void {
    const k = this.keys;
    const v = this.vals;
    let i = k.length;
    k.push(key);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  /** Removes the smallest; its key is then in `topKey`. */
  topKey = 0;
  pop(): number {
    const k = this.keys;
    const v = this.vals;
    const key = k[0];
    const val = v[0];
    const lastK = k.pop() as number;
    const lastV = v.pop() as number;
    const n = k.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && k[r] < k[l] ? r : l;
        if (k[c] >= lastK) break;
        k[i] = k[c];
        v[i] = v[c];
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    this.topKey = key;
    return val;
  }
}

/**
 * Reservations per edge and step, allocated for an edge the first time it is used. Beside the
 * people reserved, each edge keeps a "next step that may have room" pointer per step (a
 * disjoint-set forest with path compression): a full step points past itself, so finding the
 * first free step skips a long queue of full steps in near-constant time instead of walking it.
 */
class Reservations {
  private used: Array<Float64Array | undefined>;
  private next: Array<Int32Array | undefined>;
  readonly peak: Float64Array;
  constructor(private readonly cap: Float64Array) {
    this.used = new Array(cap.length);
    this.next = new Array(cap.length);
    this.peak = new Float64Array(cap.length);
  }
  free(e: number, step: number): number {
    const u = this.used[e];
    return this.cap[e] - (u && step < u.length ? u[step] : 0);
  }
  /** First step at or after `step` with room on edge e. */
  firstFree(e: number, step: number): number {
    const n = this.next[e];
    if (!n) return step;
    let root = step;
    while (root < n.length && n[root] !== root) root = n[root];
    for (let s = step; s < n.length && s !== root; ) {
      const after = n[s];
      n[s] = root;
      s = after;
    }
    return root;
  }
  take(e: number, step: number, people: number): void {
    let u = this.used[e];
    let n = this.next[e];
    if (!u || !n || step >= u.length) {
      const size = Math.max(64, (step + 1) * 2);
      const grownU = new Float64Array(size);
      const grownN = new Int32Array(size);
      // Pointers past the old end now point at a real step, still the first that may have room.
      for (let s = 0; s < size; s++) grownN[s] = n && s < n.length ? n[s] : s;
      if (u) grownU.set(u);
      u = grownU;
      n = grownN;
      this.used[e] = u;
      this.next[e] = n;
    }
    u[step] += people;
    if (u[step] > this.peak[e]) this.peak[e] = u[step];
    if (u[step] >= this.cap[e] - EPS) n[step] = step + 1;
  }
}

/** Nodes that can reach an exit, by a search backwards from the exits. */
export function reachesExit(g: FlowGraph): Uint8Array {
  const into: number[][] = Array.from({ length: g.nodes }, () => []);
  for (let u = 0; u < g.nodes; u++) for (let e = g.first[u]; e < g.first[u + 1]; e++) into[g.to[e]].push(u);
  const ok = new Uint8Array(g.nodes);
  const stack: number[] = [];
  for (let v = 0; v < g.nodes; v++) if (g.exit[v]) { ok[v] = 1; stack.push(v); }
  while (stack.length) {
    const v = stack.pop() as number;
    for (const u of into[v]) if (!ok[u]) { ok[u] = 1; stack.push(u); }
  }
  return ok;
}

export function ccrp(g: FlowGraph, options: { batch?: boolean } = {}): RoutingResult {
  const supply = Float64Array.from(g.supply);
  const ok = reachesExit(g);
  const stranded = new Map<number, number>();
  let sources: number[] = [];
  for (let v = 0; v < g.nodes; v++) {
    if (supply[v] <= EPS) continue;
    if (g.exit[v]) supply[v] = 0;
    else if (!ok[v]) {
      stranded.set(v, supply[v]);
      supply[v] = 0;
    } else sources.push(v);
  }
  const res = new Reservations(g.cap);
  const best = new Float64Array(g.nodes).fill(Infinity);
  const predEdge = new Int32Array(g.nodes).fill(-1);
  const predDep = new Int32Array(g.nodes);
  const predNode = new Int32Array(g.nodes);
  const touched: number[] = [];
  const heap = new Heap();
  const routes: Route[] = [];
  let lastArrival = 0;

  while (sources.length) {
    for (const v of touched) {
      best[v] = Infinity;
      predEdge[v] = -1;
    }
    touched.length = 0;
    heap.clear();
    for (const s of sources) {
      best[s] = 0;
      touched.push(s);
      heap.push(0, s);
    }
    // Plain CCRP stops at the first exit settled. Batched, the search runs on to every exit
    // settled within BATCH_SLACK steps of the first, and each gives a route (the earliest
    // arrival there from any source): one search routes up to one group per exit.
    const reached: number[] = [];
    while (heap.size) {
      const u = heap.pop();
      const t = heap.topKey;
      if (t > best[u]) continue;
      if (reached.length && t > best[reached[0]] + BATCH_SLACK) break;
      if (g.exit[u]) {
        reached.push(u);
        if (!options.batch) break;
        continue;
      }
      for (let e = g.first[u]; e < g.first[u + 1]; e++) {
        const v = g.to[e];
        const dep = res.firstFree(e, t);
        const arr = dep + g.steps[e];
        if (arr < best[v]) {
          if (best[v] === Infinity) touched.push(v);
          best[v] = arr;
          predEdge[v] = e;
          predDep[v] = dep;
          predNode[v] = u;
          heap.push(arr, v);
        }
      }
    }
    if (!reached.length) throw new Error('CCRP: a source that reaches an exit found no route (internal error)');
    for (const exit of reached) {
      const path = [exit];
      const edges: number[] = [];
      const depart: number[] = [];
      for (let v = exit; predEdge[v] >= 0; v = predNode[v]) {
        edges.push(predEdge[v]);
        depart.push(predDep[v]);
        path.push(predNode[v]);
      }
      path.reverse();
      edges.reverse();
      depart.reverse();
      const source = path[0];
      // Routes taken earlier in this pass may have used this one's room: send what is left,
      // which is nobody when they took it all (the first route of a pass always has room).
      let shift = 0;
      for (;;) {
        let people = supply[source];
        for (let i = 0; i < edges.length; i++) people = Math.min(people, res.free(edges[i], depart[i] + shift));
        if (people <= EPS) break;
        for (let i = 0; i < edges.length; i++) res.take(edges[i], depart[i] + shift, people);
        supply[source] -= people;
        const arrive = best[exit] + shift;
        routes.push({ path, edges, depart: shift ? depart.map((d) => d + shift) : depart, arrive, people });
        if (arrive > lastArrival) lastArrival = arrive;
        if (arrive > MAX_STEPS) throw new RangeError(`the evacuation would take more than ${MAX_STEPS} steps: check the widths of the site (a door of a few centimetres?)`);
        if (!options.batch || supply[source] <= EPS) break;
        shift++;
      }
      if (supply[source] <= EPS) supply[source] = 0;
    }
    sources = sources.filter((s) => supply[s] > EPS);
  }
  return { routes, lastArrival, stranded, peakEdgeLoad: res.peak };
}

/**
 * Plain shortest-path assignment, the baseline: everyone takes the quickest route from where
 * they are as if alone, ignoring capacity; the time is that of the farthest person.
 */
export function shortestPathTimes(g: FlowGraph): Float64Array {
  // Backwards Dijkstra from all exits over reversed edges.
  const into: Array<Array<[number, number]>> = Array.from({ length: g.nodes }, () => []);
  for (let u = 0; u < g.nodes; u++) for (let e = g.first[u]; e < g.first[u + 1]; e++) into[g.to[e]].push([u, g.steps[e]]);
  const dist = new Float64Array(g.nodes).fill(Infinity);
  const heap = new Heap();
  for (let v = 0; v < g.nodes; v++) if (g.exit[v]) { dist[v] = 0; heap.push(0, v); }
  while (heap.size) {
    const v = heap.pop();
    const d = heap.topKey;
    if (d > dist[v]) continue;
    for (const [u, w] of into[v]) {
      if (d + w < dist[u]) {
        dist[u] = d + w;
        heap.push(d + w, u);
      }
    }
  }
  return dist;
}

/**
 * A lower bound on the evacuation time in steps, for the gap of CCRP where the exact optimum
 * is too big to compute: nobody is out before their own shortest route; and an exit edge e
 * whose tail nobody can reach before step r_e delivers at most cap_e · (T − r_e − steps_e + 1)
 * people by step T, so T must let all exit edges together deliver everyone.
 */
export function lowerBound(g: FlowGraph, dist: Float64Array = shortestPathTimes(g)): number {
  let far = 0;
  let total = 0;
  const reach = new Float64Array(g.nodes).fill(Infinity);
  const heap = new Heap();
  for (let v = 0; v < g.nodes; v++) {
    if (g.supply[v] <= EPS || g.exit[v] || dist[v] === Infinity) continue;
    far = Math.max(far, dist[v]);
    total += g.supply[v];
    reach[v] = 0;
    heap.push(0, v);
  }
  if (!total) return 0;
  while (heap.size) {
    const u = heap.pop();
    const d = heap.topKey;
    if (d > reach[u]) continue;
    for (let e = g.first[u]; e < g.first[u + 1]; e++) {
      const v = g.to[e];
      if (d + g.steps[e] < reach[v]) {
        reach[v] = d + g.steps[e];
        heap.push(reach[v], v);
      }
    }
  }
  const exitEdges: Array<{ start: number; cap: number }> = [];
  for (let u = 0; u < g.nodes; u++) {
    if (reach[u] === Infinity) continue;
    for (let e = g.first[u]; e < g.first[u + 1]; e++) if (g.exit[g.to[e]]) exitEdges.push({ start: reach[u] + g.steps[e], cap: g.cap[e] });
  }
  const delivered = (t: number) => exitEdges.reduce((sum, x) => sum + (t >= x.start ? x.cap * (t - x.start + 1) : 0), 0);
  let lo = far;
  let hi = Math.max(far, 1);
  while (delivered(hi) < total - EPS) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (delivered(mid) >= total - EPS) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
