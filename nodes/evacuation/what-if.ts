/**
 * A what-if beside the live plan. The console keeps the live plan on its own map layer; a
 * what-if (an exit blocked or reopened, people added, a scenario of the library) goes on a
 * second layer that shows only what it changes — evacuation time, risk, per-exit loads, the
 * areas whose route changes — until the operator applies it (it becomes a live change) or
 * discards it. Nothing here changes live state: that is LiveEvacuation's.
 */
import { LOS_COLOURS, nameOf, routeArrows } from './outputs';
import type { Plan } from './plan';
import { centroid } from './site';
import type { Position, Site } from './site';

/** Closures and people: a live change (LiveEvacuation.change), or what a what-if changes. */
export interface WhatIf {
  close?: string[];
  open?: string[];
  /** People to add per area id (negative removes). */
  add?: Record<string, number>;
}

/** What an operator asks: closures and people as for a live change, and the crowd as a multiple (a scenario's size). */
export interface WhatIfRequest extends WhatIf {
  /** The counted crowd times this (a scenario of the library: 0.5, 1, 1.5, 2). */
  factor?: number;
  /** The library scenario it came from. */
  scenarioId?: string;
}

export interface ExitChange {
  exitId: string;
  name: string;
  live: number;
  whatIf: number;
  /** Seconds after the alarm the exit's last person is out; null where nobody uses it. */
  liveClearSeconds: number | null;
  whatIfClearSeconds: number | null;
  /** Closed in the what-if. */
  closed: boolean;
}

export interface RouteChange {
  areaId: string;
  area: string;
  /** The area's busiest route: its exit and what it passes (ids). Null: nobody there, or no way out. */
  live: { exitId: string; via: string[] } | null;
  whatIf: { exitId: string; via: string[] } | null;
}

export interface Comparison {
  /** One line for the operator: what the what-if is and what it does. */
  summary: string;
  liveSeconds: number | null;
  whatIfSeconds: number | null;
  /** What-if minus live; null when either has people with no way out. */
  deltaSeconds: number | null;
  liveRisk: number;
  whatIfRisk: number;
  livePeople: number;
  whatIfPeople: number;
  /** Every exit, loads side by side. */
  exits: ExitChange[];
  /** Only the areas whose route changes. */
  routes: RouteChange[];
  noExit: Array<{ areaId: string; people: number }>;
}

const seconds = (plan: Plan) => (plan.rset ? Math.round(plan.rset.totalSeconds) : null);

function mainRoutes(plan: Plan): Map<string, { exitId: string; via: string[] }> {
  const out = new Map<string, { exitId: string; via: string[] }>();
  // Routes come busiest first: the first of each area is the one its people are told.
  for (const r of plan.routes) if (!out.has(r.from)) out.set(r.from, { exitId: r.exitId, via: r.via });
  return out;
}

/** The request in words: "close Via Manin, east; 500 more in Piazza dei Signori, west half". */
function describeRequest(site: Site, w: WhatIfRequest): string {
  const parts: string[] = [];
  if (w.scenarioId) parts.push(`scenario ${w.scenarioId}`);
  if (w.close?.length) parts.push(`close ${w.close.map((id) => nameOf(site, id)).join(', ')}`);
  if (w.open?.length) parts.push(`reopen ${w.open.map((id) => nameOf(site, id)).join(', ')}`);
  for (const [area, n] of Object.entries(w.add ?? {})) parts.push(`${n >= 0 ? `${n} more` : `${-n} fewer`} in ${nameOf(site, area)}`);
  if (w.factor !== undefined && w.factor !== 1) parts.push(`${w.factor}× the crowd`);
  return parts.join('; ') || 'no change';
}

/** The what-if against the live plan, both made on the same counts. */
export function comparePlans(site: Site, live: Plan, whatIf: Plan, request: WhatIfRequest): Comparison {
  const premovement = (p: Plan) => p.rset?.premovementSeconds ?? site.premovementSeconds ?? 60;
  const clear = (p: Plan, id: string) => {
    const e = p.exits.find((x) => x.exitId === id);
    return e && e.people > 0 ? Math.round(premovement(p) + e.lastArrivalSeconds) : null;
  };
  const closed = new Set(whatIf.closed);
  const exits = site.exits.map((x) => ({
    exitId: x.id,
    name: nameOf(site, x.id),
    live: live.exits.find((e) => e.exitId === x.id)?.people ?? 0,
    whatIf: whatIf.exits.find((e) => e.exitId === x.id)?.people ?? 0,
    liveClearSeconds: clear(live, x.id),
    whatIfClearSeconds: clear(whatIf, x.id),
    closed: closed.has(x.id),
  }));
  const before = mainRoutes(live);
  const after = mainRoutes(whatIf);
  const routes: RouteChange[] = [];
  for (const a of site.areas) {
    const l = before.get(a.id) ?? null;
    const w = after.get(a.id) ?? null;
    if (l?.exitId === w?.exitId && l?.via.join('>') === w?.via.join('>')) continue;
    routes.push({ areaId: a.id, area: nameOf(site, a.id), live: l, whatIf: w });
  }
  const liveSeconds = seconds(live);
  const whatIfSeconds = seconds(whatIf);
  const deltaSeconds = liveSeconds !== null && whatIfSeconds !== null ? whatIfSeconds - liveSeconds : null;
  const time = (s: number | null) => (s === null ? 'NO WAY OUT for some' : `${s} s`);
  const cut = whatIf.noExit.reduce((s, n) => s + n.people, 0);
  const moved = exits.filter((e) => e.live !== e.whatIf).sort((a, b) => Math.abs(b.whatIf - b.live) - Math.abs(a.whatIf - a.live)).slice(0, 3);
  const summary = [
    `What-if (${describeRequest(site, request)}): evacuation ${time(liveSeconds)} → ${time(whatIfSeconds)}${deltaSeconds !== null ? ` (${deltaSeconds >= 0 ? '+' : ''}${deltaSeconds} s)` : ''}, risk ${live.risk.score} → ${whatIf.risk.score}`,
    cut ? `${cut} people with no way out` : '',
    routes.length ? `${routes.length} area${routes.length > 1 ? 's' : ''} change route` : 'no route changes',
    moved.map((e) => `${e.name} ${e.live} → ${e.whatIf}`).join(', '),
  ].filter(Boolean).join('; ');
  return { summary, liveSeconds, whatIfSeconds, deltaSeconds, liveRisk: live.risk.score, whatIfRisk: whatIf.risk.score, livePeople: live.people, whatIfPeople: whatIf.people, exits, routes, noExit: whatIf.noExit };
}

/** The id of the what-if's own feature, the one that offers Apply and Discard. */
export const WHAT_IF_FEATURE = 'what-if';
const WHAT_IF_COLOUR = '#e66101';

type Feature = { type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> };

/**
 * The what-if as a second map layer: a marker with the summary that offers apply and discard
 * (impetus-ui-map-layer with actions apply/discard), the routes that change (with arrows), the areas whose
 * level of service changes, the exits whose state or load changes, and the way in for emergency
 * services if it moves. What stays the same is left to the live layer underneath.
 */
export function whatIfMap(site: Site, live: Plan, whatIf: Plan, cmp: Comparison): { type: 'FeatureCollection'; features: Feature[] } {
  const features: Feature[] = [];
  const where = new Map<string, Position>();
  for (const a of site.areas) if (a.geometry) where.set(a.id, centroid(a.geometry.coordinates[0]));
  for (const x of site.exits) if (x.geometry) where.set(x.id, x.geometry.coordinates);
  for (const l of site.links) if (l.geometry) where.set(l.id, l.geometry.coordinates[Math.floor(l.geometry.coordinates.length / 2)]);
  const liveLos = new Map(live.areas.map((a) => [a.areaId, a.los]));
  for (const a of whatIf.areas) {
    const geometry = site.areas.find((x) => x.id === a.areaId)?.geometry;
    if (!geometry || liveLos.get(a.areaId) === a.los) continue;
    features.push({ type: 'Feature', geometry, properties: { name: `What-if: ${nameOf(site, a.areaId)} level of service ${liveLos.get(a.areaId)} → ${a.los}, peak ${a.peakDensity} p/m²`, kind: 'area', id: `what-if:${a.areaId}`, los: a.los, color: LOS_COLOURS[a.los] } });
  }
  const seen = new Set<string>();
  for (const change of cmp.routes) {
    const coords = (change.whatIf?.via ?? []).map((id) => where.get(id)).filter((p): p is Position => p !== undefined);
    if (coords.length < 2 || !change.whatIf) continue;
    const people = whatIf.routes.find((r) => r.from === change.areaId)?.people ?? 0;
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: { name: `What-if: ${people} people from ${change.area} to ${nameOf(site, change.whatIf.exitId)}${change.live ? ` (live plan: ${nameOf(site, change.live.exitId)})` : ''}`, kind: 'route', color: WHAT_IF_COLOUR } });
    features.push(...routeArrows(coords, WHAT_IF_COLOUR, seen));
  }
  if (whatIf.gateway && whatIf.gateway.exitId !== live.gateway?.exitId) {
    const approach = whatIf.gateway.approach.map((id) => where.get(id)).filter((p): p is Position => p !== undefined);
    if (approach.length >= 2) features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: approach }, properties: { name: `What-if: emergency services in through ${nameOf(site, whatIf.gateway.exitId)}${live.gateway ? ` (live plan: ${nameOf(site, live.gateway.exitId)})` : ''}`, kind: 'approach', color: '#7b3294' } });
  }
  for (const e of cmp.exits) {
    const geometry = site.exits.find((x) => x.id === e.exitId)?.geometry;
    const wasClosed = live.closed.includes(e.exitId);
    if (!geometry || (e.live === e.whatIf && e.closed === wasClosed)) continue;
    const state = e.closed ? 'closed' : 'open';
    features.push({ type: 'Feature', geometry, properties: { name: `What-if: ${e.name} ${e.closed ? 'CLOSED' : `${e.whatIf} people`} (live plan: ${wasClosed ? 'closed' : `${e.live} people`})`, kind: 'exit', id: `what-if:${e.exitId}`, state, color: e.closed ? '#000000' : WHAT_IF_COLOUR } });
  }
  // The summary sits on the first area drawn (where the alerts put the site), clear of the exits' own markers.
  const anchor = site.areas.find((a) => a.geometry)?.geometry;
  if (anchor) {
    const [x, y] = centroid(anchor.coordinates[0]);
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [x, y] }, properties: { name: cmp.summary, kind: 'what-if', id: WHAT_IF_FEATURE, actions: ['apply', 'discard'], color: WHAT_IF_COLOUR } });
  }
  return { type: 'FeatureCollection', features };
}
