/**
 * One evacuation plan for a site and its occupancy: the site becomes a time-stepped flow graph
 * (flow-model.ts gives each link its walking time and capacity), CCRP routes everyone
 * (ccrp.ts), and the routes are read back as what operators need: the RSET split, time to
 * clear each area, per-exit load, peak density and Fruin level of service per element, time
 * above critical density, the areas counted above their permitted capacity, a risk score, the
 * routes, and the gateway to keep free for emergency services. People with no way out are counted and named, never turned into an
 * infinite time.
 */
import { buildGraph, ccrp, lowerBound } from './ccrp';
import type { EdgeSpec, FlowGraph, RoutingResult } from './ccrp';
import { optimalSteps } from './exact';
import { capacity, densityAtFlow, effectiveWidth, fruinLevel, sfpeK, speed, travelDistance } from './flow-model';
import type { LevelOfService, Profile } from './flow-model';
import type { Link, Site } from './site';

export interface PlanOptions {
  profile?: Profile;
  /** People per area id. Areas not named hold nobody. */
  occupancy: ReadonlyMap<string, number> | Record<string, number>;
  /** Exit and link ids that cannot be used. */
  closed?: Iterable<string>;
  /** Length of one time step in seconds (default 1). */
  stepSeconds?: number;
  /** Solve the exact optimum too when the time-expanded network is at most this big (0: never). */
  exactUpTo?: number;
  /** Look for a gateway to keep free (one more plan). Default true. */
  gateway?: boolean;
  /** Area the emergency services must reach (default: the one holding most people). */
  incidentArea?: string;
  batch?: boolean;
}

export interface AreaResult {
  areaId: string;
  people: number;
  /** null while people there cannot get out. */
  clearSeconds: number | null;
  peakDensity: number;
  los: LevelOfService;
  secondsAboveCritical: number;
}

export interface LinkResult {
  linkId: string;
  people: number;
  peakFlow: number;
  peakDensity: number;
  los: LevelOfService;
}

export interface ExitResult {
  exitId: string;
  open: boolean;
  people: number;
  share: number;
  lastArrivalSeconds: number;
}

export interface RouteResult {
  from: string;
  exitId: string;
  /** Area, link, area, …, link, exit ids. */
  via: string[];
  people: number;
  lastArrivalSeconds: number;
}

export interface Gateway {
  exitId: string;
  name?: string;
  /** Evacuees the plan sends through it. */
  people: number;
  /** How much longer the evacuation takes if nobody uses it; undefined when it cannot be spared. */
  extraSeconds?: number;
  /** From the gateway to the incident area: exit, link, area, … ids. */
  approach: string[];
}

export interface Plan {
  siteId: string;
  profile: Profile;
  stepSeconds: number;
  people: number;
  closed: string[];
  /** Required safe egress time; undefined when someone cannot get out (see noExit). */
  rset?: { totalSeconds: number; premovementSeconds: number; travelSeconds: number; queuingSeconds: number };
  /** People who cannot reach any open exit, by area. */
  noExit: Array<{ areaId: string; people: number }>;
  /** Areas counted above their capacity (the site's permitted occupant load), most over first. */
  overCapacity: Array<{ areaId: string; people: number; capacity: number }>;
  areas: AreaResult[];
  links: LinkResult[];
  exits: ExitResult[];
  routes: RouteResult[];
  peakDensity: number;
  peakLos: LevelOfService;
  secondsAboveCritical: number;
  criticalDensity: number;
  risk: { score: number; time: number; density: number; exposure: number };
  gateway?: Gateway;
  /** Lower bound on the movement time and the exact optimum where it was solved, for the gap. */
  bound: { lowerSeconds: number; optimumSeconds?: number; gap: number };
  planMs: number;
}

const EPS = 1e-6;
export const DEFAULT_PREMOVEMENT_S = 60;
export const DEFAULT_CRITICAL_DENSITY = 4;
/** Exposure above critical density that counts as the full exposure part of the risk. */
export const EXPOSURE_FULL_S = 120;

interface Network {
  graph: FlowGraph;
  ids: string[];
  areaCount: number;
  /** Site link of each graph edge. */
  edgeLink: Link[];
}

function occupancyOf(options: PlanOptions): Map<string, number> {
  const o = options.occupancy;
  return o instanceof Map ? new Map(o) : new Map(Object.entries(o));
}

/** The site as a flow graph: areas first, then exits; closed exits and links left out. */
export function buildNetwork(site: Site, people: Map<string, number>, profile: Profile, stepSeconds: number, closed: ReadonlySet<string>): Network {
  const index = new Map<string, number>();
  site.areas.forEach((a, i) => index.set(a.id, i));
  site.exits.forEach((x, i) => index.set(x.id, site.areas.length + i));
  const areaCount = site.areas.length;
  const cross = (i: number) => (i < areaCount ? (site.areas[i].travelM ?? Math.sqrt(site.areas[i].areaM2)) / 2 : 0);
  const density = (i: number) => (i < areaCount ? (people.get(site.areas[i].id) ?? 0) / site.areas[i].areaM2 : 0);
  const edges: EdgeSpec[] = [];
  const edgeLink: Link[] = [];
  for (const l of site.links) {
    if (closed.has(l.id) || closed.has(l.to) || closed.has(l.from)) continue;
    const from = index.get(l.from) as number;
    const to = index.get(l.to) as number;
    const perStep = capacity(profile, l) * stepSeconds;
    if (perStep <= 0) continue;
    const dist = travelDistance(l);
    const push = (a: number, b: number) => {
      const v = Math.max(0.05, speed(profile, l.kind, density(a), l.riserM, l.treadM));
      edges.push({ from: a, to: b, steps: (dist + cross(a) + cross(b)) / v / stepSeconds, cap: perStep });
      edgeLink.push(l);
    };
    push(from, to);
    if (!l.oneWay && to < areaCount) push(to, from);
  }
  // buildGraph sorts edges by tail node; keep edgeLink in the same order.
  const order = edges.map((_, i) => i).sort((a, b) => edges[a].from - edges[b].from || a - b);
  const supply = new Float64Array(areaCount + site.exits.length);
  site.areas.forEach((a, i) => (supply[i] = Math.max(0, people.get(a.id) ?? 0)));
  const exits = site.exits.map((x, i) => (closed.has(x.id) ? -1 : areaCount + i)).filter((i) => i >= 0);
  return {
    graph: buildGraph(supply.length, exits, order.map((i) => edges[i]), supply),
    ids: [...site.areas.map((a) => a.id), ...site.exits.map((x) => x.id)],
    areaCount,
    edgeLink: order.map((i) => edgeLink[i]),
  };
}

/**
 * risk = 100 × (0.5·time + 0.3·density + 0.2·exposure), each part in [0, 1]; 100 when someone has
 * no way out. An area counted above its capacity makes the density part full: the site's own
 * permitted load is passed, whatever the density says (a fire certificate's load is often well
 * below the critical density).
 */
export function riskScore(rsetSeconds: number | undefined, limitSeconds: number, peakDensity: number, criticalDensity: number, secondsAboveCritical: number, overCapacity = false): Plan['risk'] {
  if (rsetSeconds === undefined) return { score: 100, time: 1, density: 1, exposure: 1 };
  const time = Math.min(1, rsetSeconds / (1.5 * limitSeconds));
  const density = overCapacity ? 1 : Math.min(1, peakDensity / criticalDensity);
  const exposure = Math.min(1, secondsAboveCritical / EXPOSURE_FULL_S);
  return { score: Math.round(100 * (0.5 * time + 0.3 * density + 0.2 * exposure)), time, density, exposure };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export function planEvacuation(site: Site, options: PlanOptions): Plan {
  const started = process.hrtime.bigint();
  const profile = options.profile ?? 'calibrated';
  const dt = options.stepSeconds ?? 1;
  const closed = new Set(options.closed ?? []);
  const people = occupancyOf(options);
  const net = buildNetwork(site, people, profile, dt, closed);
  const g = net.graph;
  const lower = lowerBound(g);
  // CCRP ran about 20 % over the bound on the bench grids, at the bound on the sites.
  const routing = ccrp(g, { batch: options.batch, expectedSteps: Math.ceil(lower * 1.25) + 1 });
  const plan = describePlan(site, net, routing, profile, dt, closed, people);
  plan.bound = { lowerSeconds: lower * dt, gap: lower > 0 ? round(routing.lastArrival / lower - 1, 3) : 0 };
  if (options.exactUpTo && routing.lastArrival > 0) {
    const opt = optimalSteps(g, routing.lastArrival, options.exactUpTo);
    if (opt) plan.bound = { lowerSeconds: lower * dt, optimumSeconds: opt.steps * dt, gap: round(routing.lastArrival / opt.steps - 1, 3) };
  }
  if (options.gateway !== false) plan.gateway = chooseGateway(site, options, plan, closed);
  plan.planMs = Number(process.hrtime.bigint() - started) / 1e6;
  return plan;
}

/**
 * Each area's occupancy over time, read from the people starting along each edge at each step
 * (the routing's reservation table): an area gains what arrives over its edges in and loses
 * what leaves over its edges out, so between steps it holds its routed people plus arrivals
 * minus departures so far. Per area: the peak, the steps spent above `limit` people, and the
 * last departure. One pass over the table, in memory order (the routes' per-area events, kept
 * in a Map per area and later sorted, were as slow as the routing on a 10,000-area plan).
 */
function areaLoads(net: Network, routing: RoutingResult, limit: number[]): { peak: Float64Array; stepsAbove: Float64Array; clearStep: Float64Array; linkPeople: Float64Array } {
  const g = net.graph;
  const { rows, edges, people } = routing.flow;
  const occ = new Float64Array(net.areaCount);
  for (let a = 0; a < net.areaCount; a++) occ[a] = g.supply[a] - (routing.stranded.get(a) ?? 0);
  const peak = Float64Array.from(occ);
  const stepsAbove = new Float64Array(net.areaCount);
  const clearStep = new Float64Array(net.areaCount);
  const linkPeople = new Float64Array(edges);
  const tail = new Int32Array(edges);
  for (let u = 0; u < g.nodes; u++) for (let e = g.first[u]; e < g.first[u + 1]; e++) tail[e] = u;
  const last = Math.min(rows, routing.lastArrival + 1);
  for (let s = 0; s < last; s++) {
    for (let e = 0; e < edges; e++) {
      const leaving = people[s * edges + e];
      if (leaving > 0) {
        occ[tail[e]] -= leaving;
        clearStep[tail[e]] = s;
        linkPeople[e] += leaving;
      }
      const from = s - g.steps[e];
      const arriving = from >= 0 ? people[from * edges + e] : 0;
      if (arriving > 0 && g.to[e] < net.areaCount) occ[g.to[e]] += arriving;
    }
    for (let a = 0; a < net.areaCount; a++) {
      if (occ[a] > peak[a]) peak[a] = occ[a];
      if (occ[a] > limit[a] + EPS) stepsAbove[a]++;
    }
  }
  return { peak, stepsAbove, clearStep, linkPeople };
}

function describePlan(site: Site, net: Network, routing: RoutingResult, profile: Profile, dt: number, closed: Set<string>, people: Map<string, number>): Plan {
  const g = net.graph;
  const critical = site.criticalDensity ?? DEFAULT_CRITICAL_DENSITY;
  const exitPeople = new Map<string, number>();
  const exitLast = new Map<string, number>();
  const routes = new Map<string, RouteResult>();
  const routeOf = new Map<number[], RouteResult>();
  let last: RoutingResult['routes'][number] | undefined;
  const walk = (r: RoutingResult['routes'][number]) => r.edges.reduce((sum, e) => sum + g.steps[e], 0);
  for (const r of routing.routes) {
    const exitId = net.ids[r.path[r.path.length - 1]];
    exitPeople.set(exitId, (exitPeople.get(exitId) ?? 0) + r.people);
    exitLast.set(exitId, Math.max(exitLast.get(exitId) ?? 0, r.arrive));
    // The last group out; among groups arriving in the same last step (ties, broken by the
    // search's order), the one that walks longest, so the RSET split does not hang on the order.
    if (!last || r.arrive > last.arrive || (r.arrive === last.arrive && walk(r) > walk(last))) last = r;
    // A batched route is reused at later steps with the same edge list: name it once. Routes
    // of different searches along the same edges are one route.
    let route = routeOf.get(r.edges);
    if (!route) {
      const key = r.edges.join(',');
      route = routes.get(key);
      if (!route) {
        const via: string[] = [];
        r.path.forEach((n, i) => {
          via.push(net.ids[n]);
          if (i < r.edges.length) via.push(net.edgeLink[r.edges[i]].id);
        });
        route = { from: via[0], exitId, via, people: 0, lastArrivalSeconds: 0 };
        routes.set(key, route);
      }
      routeOf.set(r.edges, route);
    }
    route.people += r.people;
    route.lastArrivalSeconds = Math.max(route.lastArrivalSeconds, r.arrive * dt);
  }

  const load = areaLoads(net, routing, site.areas.map((a) => a.areaM2 * critical));
  const linkPeople = load.linkPeople;
  let peakDensity = 0;
  let aboveCritical = 0;
  const areas: AreaResult[] = site.areas.map((a, i) => {
    // Stranded people stay where they are: their density counts too.
    const stuck = routing.stranded.get(i) ?? 0;
    const peak = Math.max(load.peak[i], stuck) / a.areaM2;
    const above = load.stepsAbove[i] * dt;
    peakDensity = Math.max(peakDensity, peak);
    aboveCritical = Math.max(aboveCritical, above);
    return { areaId: a.id, people: round(people.get(a.id) ?? 0, 0), clearSeconds: stuck > EPS ? null : load.clearStep[i] * dt, peakDensity: round(peak, 2), los: fruinLevel(peak), secondsAboveCritical: above };
  });

  const linkMap = new Map<string, LinkResult>();
  for (let e = 0; e < g.to.length; e++) {
    if (linkPeople[e] <= EPS) continue;
    const l = net.edgeLink[e];
    const flow = routing.peakEdgeLoad[e] / dt;
    const d = densityAtFlow(flow, effectiveWidth(profile, l), sfpeK(l.kind, l.riserM, l.treadM));
    const before = linkMap.get(l.id);
    if (before && before.peakDensity >= d) {
      before.people += linkPeople[e];
      continue;
    }
    linkMap.set(l.id, { linkId: l.id, people: (before?.people ?? 0) + linkPeople[e], peakFlow: round(flow, 2), peakDensity: round(d, 2), los: fruinLevel(d, l.kind === 'stairs') });
  }
  const links = [...linkMap.values()].map((l) => ({ ...l, people: round(l.people, 0) }));
  for (const l of links) peakDensity = Math.max(peakDensity, l.peakDensity);

  const evacuees = [...exitPeople.values()].reduce((s, x) => s + x, 0);
  const exits: ExitResult[] = site.exits.map((x) => ({
    exitId: x.id,
    open: !closed.has(x.id),
    people: round(exitPeople.get(x.id) ?? 0, 0),
    share: evacuees ? round((exitPeople.get(x.id) ?? 0) / evacuees, 3) : 0,
    lastArrivalSeconds: (exitLast.get(x.id) ?? 0) * dt,
  }));
  const noExit = [...routing.stranded].map(([node, n]) => ({ areaId: net.ids[node], people: round(n, 0) }));
  const premovement = site.premovementSeconds ?? DEFAULT_PREMOVEMENT_S;
  let rset: Plan['rset'];
  if (!noExit.length) {
    const travel = last ? walk(last) * dt : 0;
    const movement = routing.lastArrival * dt;
    rset = { totalSeconds: premovement + movement, premovementSeconds: premovement, travelSeconds: travel, queuingSeconds: movement - travel };
  }
  const limit = site.limits?.evacuationSeconds ?? 600;
  const overCapacity = site.areas
    .filter((a) => a.capacity !== undefined && (people.get(a.id) ?? 0) > a.capacity)
    .map((a) => ({ areaId: a.id, people: round(people.get(a.id) ?? 0, 0), capacity: a.capacity as number }))
    .sort((a, b) => b.people / b.capacity - a.people / a.capacity);
  return {
    siteId: site.siteId,
    profile,
    stepSeconds: dt,
    people: round([...people.values()].reduce((s, x) => s + Math.max(0, x), 0), 0),
    closed: [...closed],
    rset,
    noExit,
    overCapacity,
    areas,
    links,
    exits,
    routes: [...routes.values()].map((r) => ({ ...r, people: round(r.people, 0) })).sort((a, b) => b.people - a.people),
    peakDensity: round(peakDensity, 2),
    peakLos: fruinLevel(peakDensity),
    secondsAboveCritical: aboveCritical,
    criticalDensity: critical,
    risk: riskScore(rset?.totalSeconds, limit, peakDensity, critical, aboveCritical, overCapacity.length > 0),
    bound: { lowerSeconds: 0, gap: 0 },
    planMs: 0,
  };
}

/**
 * The gateway for emergency services: of the open exits that may serve as one, the one the
 * plan loads least; the plan is made again without it to say what keeping it free costs, and
 * the shortest way (by length) from it to the incident area is the approach route.
 */
function chooseGateway(site: Site, options: PlanOptions, plan: Plan, closed: Set<string>): Gateway | undefined {
  const candidates = site.exits.filter((x) => x.gateway !== false && !closed.has(x.id));
  if (!candidates.length) return undefined;
  const load = (id: string) => plan.exits.find((e) => e.exitId === id)?.people ?? 0;
  const pick = candidates.reduce((a, b) => (load(b.id) < load(a.id) ? b : a));
  let extraSeconds: number | undefined;
  if (plan.rset && site.exits.filter((x) => !closed.has(x.id)).length > 1) {
    const without = planEvacuation(site, { ...options, closed: [...closed, pick.id], gateway: false, exactUpTo: 0 });
    if (without.rset) extraSeconds = without.rset.totalSeconds - plan.rset.totalSeconds;
  } else if (plan.rset && load(pick.id) < EPS) extraSeconds = 0;
  const target = options.incidentArea ?? plan.areas.reduce((a, b) => (b.people > a.people ? b : a), plan.areas[0]).areaId;
  return { exitId: pick.id, name: pick.name, people: load(pick.id), extraSeconds, approach: approachRoute(site, pick.id, target, closed) };
}

/** Shortest walk by length from an exit to an area over open links, either way: exit, link, area, … ids. */
export function approachRoute(site: Site, exitId: string, areaId: string, closed: ReadonlySet<string>): string[] {
  const adj = new Map<string, Array<{ link: string; to: string; length: number }>>();
  const add = (a: string, b: string, link: string, length: number) => {
    const list = adj.get(a) ?? [];
    list.push({ link, to: b, length });
    adj.set(a, list);
  };
  for (const l of site.links) {
    if (closed.has(l.id)) continue;
    const length = travelDistance(l) + 1;
    add(l.from, l.to, l.id, length);
    add(l.to, l.from, l.id, length);
  }
  const dist = new Map<string, number>([[exitId, 0]]);
  const prev = new Map<string, { node: string; link: string }>();
  const done = new Set<string>();
  for (;;) {
    let at: string | undefined;
    for (const [n, d] of dist) if (!done.has(n) && (at === undefined || d < (dist.get(at) as number))) at = n;
    if (at === undefined || at === areaId) break;
    done.add(at);
    for (const { link, to, length } of adj.get(at) ?? []) {
      const d = (dist.get(at) as number) + length;
      if (d < (dist.get(to) ?? Infinity)) {
        dist.set(to, d);
        prev.set(to, { node: at, link });
      }
    }
  }
  if (!dist.has(areaId)) return [];
  const path = [areaId];
  for (let n = areaId; prev.has(n); ) {
    const p = prev.get(n) as { node: string; link: string };
    path.push(p.link, p.node);
    n = p.node;
  }
  return path.reverse();
}
