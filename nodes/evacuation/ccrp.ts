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
  /** People starting along each edge at each step, step-major: `people[step · edges + e]`, steps 0 … rows − 1. */
  flow: { rows: number; edges: number; people: Float64Array };
  /** Searches run and nodes settled in all of them (the cost of the routing, for the bench). */
  searches: number;
  settled: number;
}

const EPS = 1e-9;
/** No evacuation plan runs past this many steps (11.5 days of 1 s steps): the site's widths are wrong. */
export const MAX_STEPS = 1_000_000;
/**
 * Most cells (steps × edges) of the reservation tables, 12 bytes each: about 400 MB. Tables for
 * every edge at every step are what make the search fast, so a very long plan on a very big
 * graph stops here with a clear error, not by exhausting the machine's memory.
 */
const MAX_TABLE = 1 << 25;

/**
 * Batched CCRP also routes, from the same search, exits reached up to this many steps after
 * the earliest. 1 kept the plan of per-route CCRP on the bench grids (2 cost a step there, and
 * 0 searched twice as often); the gap to the lower bound is reported either way.
 */
const BATCH_SLACK = 1;

/**
 * A monotone bucket queue (Dial's algorithm) of nodes keyed by whole steps. Every key here is
 * a step count and no search pushes a key below the last one popped, so push and pop are O(1)
 * where a binary heap paid a logarithm: with 10,000 sources at step 0 the heap's sifting was
 * most of each CCRP search. Buckets are singly linked lists in typed arrays; a bucket from an
 * earlier search is recognised as empty by its generation stamp, so clearing is O(1) too.
 */
class Buckets {
  private head = new Int32Array(256);
  private stamp = new Int32Array(256);
  private gen = 1;
  private node = new Int32Array(1024);
  private link = new Int32Array(1024);
  private count = 0;
  private cur = 0;
  size = 0;
  /** The key of the node the last pop returned. */
  topKey = 0;
  clear(): void {
    this.gen++;
    this.count = 0;
    this.cur = 0;
    this.size = 0;
  }
  push(key: number, val: number): void {
    if (key >= this.head.length) {
      const size = Math.max(key + 1, this.head.length * 2);
      const head = new Int32Array(size);
      head.set(this.head);
      const stamp = new Int32Array(size);
      stamp.set(this.stamp);
      this.head = head;
      this.stamp = stamp;
    }
    if (this.count === this.node.length) {
      const node = new Int32Array(this.count * 2);
      node.set(this.node);
      const link = new Int32Array(this.count * 2);
      link.set(this.link);
      this.node = node;
      this.link = link;
    }
    const c = this.count++;
    this.node[c] = val;
    this.link[c] = this.stamp[key] === this.gen ? this.head[key] : -1;
    this.stamp[key] = this.gen;
    this.head[key] = c;
    this.size++;
  }
  /** Removes a node with the smallest key; its key is then in `topKey`. */
  pop(): number {
    const head = this.head;
    const stamp = this.stamp;
    let k = this.cur;
    while (stamp[k] !== this.gen || head[k] < 0) k++;
    this.cur = k;
    const c = head[k];
    head[k] = this.link[c];
    this.size--;
    this.topKey = k;
    return this.node[c];
  }
}

/**
 * Reservations per edge and step. Beside the people reserved, each edge keeps a "next step that
 * may have room" pointer per step (a disjoint-set forest with path compression): a full step
 * points past itself, so finding the first free step skips a long queue of full steps in
 * near-constant time instead of walking it. Both tables are laid out step-major (row = step,
 * column = edge) in one typed array each: a search asks about all the edges of a node at the
 * same step, which are neighbours in the graph's rows and so share cache lines — with one array
 * per edge each of those questions was a cache miss, and they were most of a search's time.
 * Rows are added as later steps are reserved.
 */
class Reservations {
  private readonly edges: number;
  private rows = 0;
  private used = new Float64Array(0);
  private next = new Int32Array(0);
  readonly peak: Float64Array;
  constructor(private readonly cap: Float64Array, expectedSteps = 0) {
    this.edges = cap.length;
    this.peak = new Float64Array(cap.length);
    if (expectedSteps > 0) this.grow(Math.min(expectedSteps, Math.floor(MAX_TABLE / Math.max(1, cap.length))));
  }
  free(e: number, step: number): number {
    return this.cap[e] - (step < this.rows ? this.used[step * this.edges + e] : 0);
  }
  /** First step at or after `step` with room on edge e. */
  firstFree(e: number, step: number): number {
    const rows = this.rows;
    if (step >= rows) return step;
    const n = this.next;
    const width = this.edges;
    let root = step;
    while (root < rows) {
      const after = n[root * width + e];
      if (after === root) break;
      root = after;
    }
    for (let s = step; s < rows && s !== root; ) {
      const i = s * width + e;
      s = n[i];
      n[i] = root;
    }
    return root;
  }
  take(e: number, step: number, people: number): void {
    if (step >= this.rows) this.grow(step + 1);
    const i = step * this.edges + e;
    this.used[i] += people;
    if (this.used[i] > this.peak[e]) this.peak[e] = this.used[i];
    if (this.used[i] >= this.cap[e] - EPS) this.next[i] = step + 1;
  }
  table(): RoutingResult['flow'] {
    return { rows: this.rows, edges: this.edges, people: this.used };
  }
  private grow(rows: number): void {
    if (rows * this.edges > MAX_TABLE) {
      throw new RangeError(`the evacuation would take more than ${Math.floor(MAX_TABLE / this.edges)} steps on this graph of ${this.edges} edges: use longer time steps, or check the widths of the site (a door of a few centimetres?)`);
    }
    const size = Math.min(Math.max(rows, Math.ceil(this.rows * 1.5), 16), Math.max(rows, Math.floor(MAX_TABLE / this.edges)));
    const used = new Float64Array(size * this.edges);
    used.set(this.used);
    const next = new Int32Array(size * this.edges);
    next.set(this.next);
    // A new step is free until reserved; pointers past the old last row now point at a real
    // step, still the first that may have room.
    for (let s = this.rows; s < size; s++) next.fill(s, s * this.edges, (s + 1) * this.edges);
    this.used = used;
    this.next = next;
    this.rows = size;
  }
}

/** The tails of the edges into each node, in compressed rows: `from[first[v]] … from[first[v + 1] − 1]`. */
function edgesInto(g: FlowGraph): { first: Int32Array; from: Int32Array } {
  const first = new Int32Array(g.nodes + 1);
  for (let e = 0; e < g.to.length; e++) first[g.to[e] + 1]++;
  for (let v = 0; v < g.nodes; v++) first[v + 1] += first[v];
  const at = first.slice(0, g.nodes);
  const from = new Int32Array(g.to.length);
  for (let u = 0; u < g.nodes; u++) for (let e = g.first[u]; e < g.first[u + 1]; e++) from[at[g.to[e]]++] = u;
  return { first, from };
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

/**
 * `expectedSteps`: the plan's likely length (e.g. a little over its lower bound), so the
 * reservation tables are sized once instead of grown step by step.
 */
export function ccrp(g: FlowGraph, options: { batch?: boolean; expectedSteps?: number } = {}): RoutingResult {
  const supply = Float64Array.from(g.supply);
  const ok = reachesExit(g);
  const stranded = new Map<number, number>();
  const sources: number[] = [];
  for (let v = 0; v < g.nodes; v++) {
    if (supply[v] <= EPS) continue;
    if (g.exit[v]) supply[v] = 0;
    else if (!ok[v]) {
      stranded.set(v, supply[v]);
      supply[v] = 0;
    } else sources.push(v);
  }
  let remaining = sources.length;
  // A source's label is always 0, so only a source next to a node without people can start
  // anything new: from one whose neighbours all hold people every edge leads to a label of 0
  // already. With every area occupied at first, that is the edge of the emptied region, not the
  // whole graph. The frontier only grows (people only leave), so it is kept, not recomputed.
  const into = edgesInto(g);
  const isFrontier = new Uint8Array(g.nodes);
  let frontier: number[] = [];
  const joinFrontier = (s: number) => {
    if (isFrontier[s] || supply[s] <= EPS) return;
    isFrontier[s] = 1;
    frontier.push(s);
  };
  for (const s of sources) {
    for (let e = g.first[s]; e < g.first[s + 1]; e++) {
      if (supply[g.to[e]] <= EPS) {
        joinFrontier(s);
        break;
      }
    }
  }
  /** People leave a source; once it is empty, the sources with an edge into it reach the frontier. */
  const drain = (source: number, people: number) => {
    supply[source] -= people;
    if (supply[source] > EPS) return;
    supply[source] = 0;
    remaining--;
    for (let k = into.first[source]; k < into.first[source + 1]; k++) joinFrontier(into.from[k]);
  };
  const res = new Reservations(g.cap, options.expectedSteps);
  const best = new Float64Array(g.nodes).fill(Infinity);
  const predEdge = new Int32Array(g.nodes).fill(-1);
  const predDep = new Int32Array(g.nodes);
  const predNode = new Int32Array(g.nodes);
  const touched: number[] = [];
  const queue = new Buckets();
  const routes: Route[] = [];
  let lastArrival = 0;
  let searches = 0;
  let settled = 0;

  while (remaining > 0) {
    searches++;
    for (const v of touched) {
      best[v] = Infinity;
      predEdge[v] = -1;
    }
    touched.length = 0;
    queue.clear();
    frontier = frontier.filter((s) => supply[s] > EPS);
    for (const s of frontier) {
      best[s] = 0;
      touched.push(s);
      queue.push(0, s);
    }
    // Plain CCRP stops at the first exit settled. Batched, the search runs on to every exit
    // settled within BATCH_SLACK steps of the first, and each gives a route (the earliest
    // arrival there from any source): one search routes up to one group per exit.
    const reached: number[] = [];
    while (queue.size) {
      const u = queue.pop();
      const t = queue.topKey;
      if (t > best[u]) continue;
      settled++;
      if (reached.length && t > best[reached[0]] + BATCH_SLACK) break;
      if (g.exit[u]) {
        reached.push(u);
        if (!options.batch) break;
        continue;
      }
      for (let e = g.first[u]; e < g.first[u + 1]; e++) {
        const v = g.to[e];
        // A source keeps its label of 0; and where no wait can make this edge better than
        // walking it now, the reservation look-up is skipped.
        if (supply[v] > EPS || t + g.steps[e] >= best[v]) continue;
        const dep = res.firstFree(e, t);
        const arr = dep + g.steps[e];
        if (arr < best[v]) {
          if (best[v] === Infinity) touched.push(v);
          best[v] = arr;
          predEdge[v] = e;
          predDep[v] = dep;
          predNode[v] = u;
          queue.push(arr, v);
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
        drain(source, people);
        const arrive = best[exit] + shift;
        routes.push({ path, edges, depart: shift ? depart.map((d) => d + shift) : depart, arrive, people });
        if (arrive > lastArrival) lastArrival = arrive;
        if (arrive > MAX_STEPS) throw new RangeError(`the evacuation would take more than ${MAX_STEPS} steps: check the widths of the site (a door of a few centimetres?)`);
        if (!options.batch || supply[source] <= EPS) break;
        shift++;
      }
    }
  }
  return { routes, lastArrival, stranded, peakEdgeLoad: res.peak, flow: res.table(), searches, settled };
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
  const queue = new Buckets();
  for (let v = 0; v < g.nodes; v++) if (g.exit[v]) { dist[v] = 0; queue.push(0, v); }
  while (queue.size) {
    const v = queue.pop();
    const d = queue.topKey;
    if (d > dist[v]) continue;
    for (const [u, w] of into[v]) {
      if (d + w < dist[u]) {
        dist[u] = d + w;
        queue.push(d + w, u);
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
  const queue = new Buckets();
  for (let v = 0; v < g.nodes; v++) {
    if (g.supply[v] <= EPS || g.exit[v] || dist[v] === Infinity) continue;
    far = Math.max(far, dist[v]);
    total += g.supply[v];
    reach[v] = 0;
    queue.push(0, v);
  }
  if (!total) return 0;
  while (queue.size) {
    const u = queue.pop();
    const d = queue.topKey;
    if (d > reach[u]) continue;
    for (let e = g.first[u]; e < g.first[u + 1]; e++) {
      const v = g.to[e];
      if (d + g.steps[e] < reach[v]) {
        reach[v] = d + g.steps[e];
        queue.push(reach[v], v);
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
