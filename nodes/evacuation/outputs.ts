/**
 * What a plan becomes for the rest of the platform: alert drafts for impetus-alert (a P1
 * "no exit" when people are cut off; a limit alert when the evacuation time or the risk is
 * above the site's limits; an over-capacity alert when an area holds more than its permitted
 * load) and a GeoJSON map of areas coloured by level of service, routes with arrows towards
 * their exits, exits open or closed and the emergency gateway, for impetus-ui-map-layer.
 */
import type { AlertDraft } from '../platform';
import type { LevelOfService } from './flow-model';
import type { Plan } from './plan';
import { centroid } from './site';
import type { Position, Site } from './site';

export interface DraftContext {
  sourceNode: string;
  exercise: boolean;
  limitSeconds: number;
  maxRisk: number;
  guideline?: string;
}

/** An element's name for people, its id where it has none. */
export const nameOf = (site: Site, id: string): string => site.exits.find((x) => x.id === id)?.name ?? site.areas.find((a) => a.id === id)?.name ?? site.links.find((l) => l.id === id)?.name ?? id;

function base(site: Site, ctx: DraftContext): AlertDraft {
  return {
    tool: 'evacuation',
    zone: site.siteId,
    areaDesc: site.name,
    urgency: 'Immediate',
    ...(ctx.exercise ? { status: 'Exercise' } : {}),
    source: { node: ctx.sourceNode, ref: site.siteId },
    ...(ctx.guideline ? { instruction: ctx.guideline } : {}),
    ...(location(site) ? { location: location(site) } : {}),
  } as AlertDraft;
}

function location(site: Site): { type: 'Point'; coordinates: [number, number] } | undefined {
  const ring = site.areas.find((a) => a.geometry)?.geometry?.coordinates[0];
  if (!ring) return undefined;
  const c = centroid(ring);
  return { type: 'Point', coordinates: [c[0], c[1]] };
}

function data(plan: Plan, ctx: DraftContext, kind: 'no-exit' | 'limit' | 'over-capacity'): Record<string, unknown> {
  return {
    kind,
    siteId: plan.siteId,
    people: plan.people,
    closed: plan.closed,
    ...(plan.rset ? { rsetSeconds: Math.round(plan.rset.totalSeconds), limitSeconds: ctx.limitSeconds } : {}),
    risk: plan.risk.score,
    maxRisk: ctx.maxRisk,
    peakDensity: plan.peakDensity,
    peakLos: plan.peakLos,
    noExit: plan.noExit,
    overCapacity: plan.overCapacity,
    ...(plan.gateway ? { gateway: plan.gateway.exitId } : {}),
  };
}

/** The drafts this plan calls for: none while within limits. */
export function planDrafts(site: Site, plan: Plan, ctx: DraftContext): AlertDraft[] {
  const over = overCapacityDraft(site, plan, ctx);
  return [...evacuationDrafts(site, plan, ctx), ...(over ? [over] : [])];
}

/**
 * Areas counted above their capacity: one alert for the site (its fingerprint is the site and
 * the event), updated as counts change, naming each area with its people and capacity. It
 * stands beside the evacuation's own alerts: a crowd above the permitted load is a reason to
 * stop people coming in even while the evacuation would be within limits. Urgency Expected, so
 * P2: the harm is what may follow, and a high, Immediate, Observed alert would be a P1 beside
 * "No exit".
 */
function overCapacityDraft(site: Site, plan: Plan, ctx: DraftContext): AlertDraft | undefined {
  if (!plan.overCapacity.length) return undefined;
  const each = plan.overCapacity.map((o) => `${nameOf(site, o.areaId)} holds ${o.people} people, capacity ${o.capacity}`);
  return {
    ...base(site, ctx),
    event: 'Area over capacity',
    category: 'Safety',
    severity: 'high',
    urgency: 'Expected',
    certainty: 'Observed',
    headline: `Over capacity: ${each.slice(0, 3).join('; ')}${each.length > 3 ? `; and ${each.length - 3} more areas` : ''}`,
    data: data(plan, ctx, 'over-capacity'),
  } as AlertDraft;
}

function evacuationDrafts(site: Site, plan: Plan, ctx: DraftContext): AlertDraft[] {
  if (plan.noExit.length) {
    const people = plan.noExit.reduce((s, n) => s + n.people, 0);
    const where = plan.noExit.map((n) => nameOf(site, n.areaId)).join(', ');
    return [{
      ...base(site, ctx),
      event: 'No exit',
      category: 'Safety',
      severity: 'critical',
      certainty: 'Likely',
      headline: `No way out for ${people} people in ${where}${plan.closed.length ? ` (closed: ${plan.closed.map((id) => nameOf(site, id)).join(', ')})` : ''}`,
      data: data(plan, ctx, 'no-exit'),
    }];
  }
  if (!plan.rset) return [];
  const over = plan.rset.totalSeconds > ctx.limitSeconds;
  const risky = plan.risk.score > ctx.maxRisk;
  if (!over && !risky) return [];
  return [{
    ...base(site, ctx),
    event: 'Evacuation above limits',
    category: 'Safety',
    severity: 'high',
    certainty: 'Likely',
    headline: `${site.name}: evacuation ${Math.round(plan.rset.totalSeconds)} s (limit ${ctx.limitSeconds} s), risk ${plan.risk.score}/100 for ${plan.people} people${plan.closed.length ? `, ${plan.closed.length} closed` : ''}`,
    data: data(plan, ctx, 'limit'),
  }];
}

const ROUTE_COLOUR = '#2166ac';
export const LOS_COLOURS: Record<LevelOfService, string> = { A: '#1a9850', B: '#91cf60', C: '#d9ef8b', D: '#fee08b', E: '#fc8d59', F: '#d73027' };

type Feature = { type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> };

/** Compass bearing from a to b in degrees (0 north, 90 east), on the local projection site.ts measures with. */
export function bearing(a: Position, b: Position): number {
  const east = (b[0] - a[0]) * Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  const north = b[1] - a[1];
  return Math.round((((Math.atan2(east, north) * 180) / Math.PI + 360) % 360) * 10) / 10;
}

/**
 * Arrowheads along a route, one in the middle of each segment pointing along it (so the last
 * one points at the exit), as points with `bearing` that the console draws as rotated
 * triangles. Routes share segments: an arrow already in `seen` at the same place and bearing is
 * not drawn again. Zero-length segments (two elements at one point) have no direction.
 */
export function routeArrows(coords: Position[], color: string, seen: Set<string> = new Set()): Feature[] {
  const arrows: Feature[] = [];
  for (let i = 1; i < coords.length; i++) {
    const [a, b] = [coords[i - 1], coords[i]];
    if (a[0] === b[0] && a[1] === b[1]) continue;
    const at = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const heading = bearing(a, b);
    const key = `${at[0].toFixed(7)},${at[1].toFixed(7)},${heading}`;
    if (seen.has(key)) continue;
    seen.add(key);
    arrows.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { kind: 'route-arrow', bearing: heading, color } });
  }
  return arrows;
}

/** The plan on a map; elements without geometry are left out. At most `maxRoutes` routes, the busiest. */
export function planMap(site: Site, plan: Plan, maxRoutes = 20): { type: 'FeatureCollection'; features: Feature[] } {
  const features: Feature[] = [];
  const where = new Map<string, Position>();
  for (const a of site.areas) if (a.geometry) where.set(a.id, centroid(a.geometry.coordinates[0]));
  for (const x of site.exits) if (x.geometry) where.set(x.id, x.geometry.coordinates);
  for (const l of site.links) if (l.geometry) where.set(l.id, l.geometry.coordinates[Math.floor(l.geometry.coordinates.length / 2)]);
  const byArea = new Map(plan.areas.map((a) => [a.areaId, a]));
  for (const a of site.areas) {
    const r = byArea.get(a.id);
    if (!a.geometry || !r) continue;
    features.push({ type: 'Feature', geometry: a.geometry, properties: { name: `${a.name ?? a.id}: ${r.people} people, peak ${r.peakDensity} p/m² (LoS ${r.los}), clear ${r.clearSeconds === null ? 'never' : `${r.clearSeconds} s`}`, kind: 'area', id: a.id, los: r.los, color: LOS_COLOURS[r.los] } });
  }
  const arrows: Feature[] = [];
  const seen = new Set<string>();
  for (const route of plan.routes.slice(0, maxRoutes)) {
    const coords = route.via.map((id) => where.get(id)).filter((p): p is Position => p !== undefined);
    if (coords.length < 2) continue;
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: { name: `${route.people} people from ${nameOf(site, route.from)} to ${nameOf(site, route.exitId)}`, kind: 'route', color: ROUTE_COLOUR } });
    arrows.push(...routeArrows(coords, ROUTE_COLOUR, seen));
  }
  // After every line, so no route is drawn over another's arrows.
  features.push(...arrows);
  // The way in for emergency services, from the gateway to the incident area.
  const approach = (plan.gateway?.approach ?? []).map((id) => where.get(id)).filter((p): p is Position => p !== undefined);
  if (plan.gateway && approach.length >= 2) {
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: approach }, properties: { name: `Emergency services: in through ${nameOf(site, plan.gateway.exitId)}, keep this way free`, kind: 'approach', color: '#7b3294' } });
  }
  const closed = new Set(plan.closed);
  for (const x of site.exits) {
    if (!x.geometry) continue;
    const gateway = plan.gateway?.exitId === x.id;
    const load = plan.exits.find((e) => e.exitId === x.id);
    const state = closed.has(x.id) ? 'closed' : gateway ? 'gateway' : 'open';
    // `actions`: what a click on the exit offers in the console (impetus-ui-map-layer with actions close/open, and
    // whatIfClose/whatIfOpen for the same as a what-if beside the live plan).
    features.push({ type: 'Feature', geometry: x.geometry, properties: { name: `${x.name ?? x.id}: ${state === 'closed' ? 'CLOSED' : `${load?.people ?? 0} people`}${gateway ? ' · keep free for emergency services' : ''}`, kind: 'exit', id: x.id, state, actions: state === 'closed' ? ['open', 'whatIfOpen'] : ['close', 'whatIfClose'], color: state === 'closed' ? '#000000' : gateway ? '#7b3294' : '#1a9850' } });
  }
  return { type: 'FeatureCollection', features };
}

/** Time to clear per exit, for a bar chart (impetus-ui-chart, bar): exit name → seconds after the alarm (closed exits 0). */
export function clearTimes(site: Site, plan: Plan): Record<string, number> {
  const premovement = plan.rset?.premovementSeconds ?? 0;
  const bars: Record<string, number> = {};
  for (const x of plan.exits) bars[nameOf(site, x.exitId)] = x.people > 0 ? premovement + x.lastArrivalSeconds : 0;
  return bars;
}

/** Where the people of each area should go, one row per area (its busiest route), for a table on the field responders' phones. */
export function routeRows(site: Site, plan: Plan): Array<{ area: string; exit: string; via: string; people: number; clearSeconds: number | null }> {
  const rows = new Map<string, { area: string; exit: string; via: string; people: number; clearSeconds: number | null }>();
  const clear = new Map(plan.areas.map((a) => [a.areaId, a.clearSeconds]));
  for (const r of plan.routes) {
    if (rows.has(r.from)) continue; // routes come busiest first
    const via = r.via.slice(1, -1).filter((_, i) => i % 2 === 0).map((id) => nameOf(site, id));
    rows.set(r.from, { area: nameOf(site, r.from), exit: nameOf(site, r.exitId), via: via.join(' → ') || 'direct', people: r.people, clearSeconds: clear.get(r.from) ?? null });
  }
  for (const n of plan.noExit) rows.set(n.areaId, { area: nameOf(site, n.areaId), exit: 'NO WAY OUT', via: '', people: n.people, clearSeconds: null });
  return [...rows.values()];
}

/**
 * A text progress bar for a node status (▰▰▰▱▱▱▱▱▱▱): a node's status is one short line of text,
 * so the bar is drawn in characters; `width` marks, rounded down so it is full only when done.
 */
export function progressBar(done: number, total: number, width = 10): string {
  const full = total > 0 ? Math.max(0, Math.min(width, Math.floor((done / total) * width))) : 0;
  return '▰'.repeat(full) + '▱'.repeat(width - full);
}
