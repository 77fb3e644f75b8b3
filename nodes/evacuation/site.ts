/**
 * The site model of the Evacuation Optimiser: areas and exits joined by links, checked first
 * against schemas/site.schema.json (shapes and ranges) and then here for what a schema cannot
 * say: ids that are unknown or repeated, a door wider than its wall, stairs without their
 * geometry, areas from which no exit can be reached, capacities on elements that hold nobody or
 * above what their floor can hold, and times of day that are no times, overlap or name unknown
 * areas. Every problem is listed, with the
 * element it concerns, so an integrator fixes a site file in one pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { SCHEMA_DIR } from '../platform/node-kit';
import { MAX_DENSITY } from './occupancy';
import { timesOfDayProblems } from './times-of-day';
import type { TimeOfDay } from './times-of-day';

export type LinkKind = 'door' | 'corridor' | 'stairs' | 'ramp' | 'street' | 'opening';
export type Position = number[];

export interface Area {
  id: string;
  name?: string;
  kind?: 'room' | 'hall' | 'square' | 'street' | 'landing' | 'corridor';
  areaM2: number;
  travelM?: number;
  /** Permitted occupant load (e.g. the fire certificate's): the plan reports an area counted above it. */
  capacity?: number;
  level?: number;
  geometry?: { type: 'Polygon'; coordinates: Position[][] };
}

export interface Exit {
  id: string;
  name?: string;
  gateway?: boolean;
  geometry?: { type: 'Point'; coordinates: Position };
}

export interface Link {
  id: string;
  name?: string;
  kind: LinkKind;
  from: string;
  to: string;
  widthM: number;
  lengthM?: number;
  wallWidthM?: number;
  riserM?: number;
  treadM?: number;
  handrails?: boolean;
  oneWay?: boolean;
  /** Permitted occupant load of a corridor, stairs or ramp; checked, not yet used by the plan. */
  capacity?: number;
  geometry?: { type: 'LineString'; coordinates: Position[] };
}

export interface Site {
  siteId: string;
  name: string;
  sources?: string[];
  premovementSeconds?: number;
  criticalDensity?: number;
  limits?: { evacuationSeconds?: number; risk?: number };
  /** Named times of day the scenario library plans for (times-of-day.ts). */
  timesOfDay?: TimeOfDay[];
  areas: Area[];
  exits: Exit[];
  links: Link[];
}

/** A site that failed its checks: `problems` lists every one of them. */
export class SiteError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid site: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
    this.name = 'SiteError';
  }
}

let compiled: ValidateFunction | undefined;
function schemaCheck(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, 'site.schema.json'), 'utf8')) as object;
    compiled = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(schema);
  }
  return compiled;
}

/** Link kinds with a floor people stand on, so a capacity means something; doors and openings are passed through. */
const HOLDS_PEOPLE: ReadonlySet<LinkKind> = new Set(['corridor', 'stairs', 'ramp']);

/** "/areas/3/capacity" → `area "hall"`: the element an error is about, by its id where it has one. */
function elementAt(input: unknown, instancePath: string): string | undefined {
  const m = /^\/(areas|exits|links)\/(\d+)(?:\/|$)/.exec(instancePath);
  if (!m) return undefined;
  const el = (input as Record<string, Array<{ id?: unknown; kind?: unknown }> | undefined>)[m[1]]?.[Number(m[2])];
  const what = m[1] === 'links' ? (typeof el?.kind === 'string' ? el.kind : 'link') : m[1].slice(0, -1);
  return typeof el?.id === 'string' ? `${what} "${el.id}"` : undefined;
}

function describe(e: ErrorObject, input: unknown): string {
  const element = elementAt(input, e.instancePath);
  if (element && /\/capacity$/.test(e.instancePath) && (e.keyword === 'type' || e.keyword === 'minimum')) {
    return `${element}: capacity must be a positive whole number of people, got ${JSON.stringify(e.data)}`;
  }
  const where = e.instancePath || '(site)';
  if (e.keyword === 'additionalProperties') return `${where}: unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/**
 * Reachability to an exit over the links as they may be walked (both ways unless one way; a
 * link into an exit only towards it), by a search backwards from every exit.
 */
export function areasWithoutExit(site: Pick<Site, 'areas' | 'exits' | 'links'>, closed: ReadonlySet<string> = new Set()): string[] {
  const allExits = new Set(site.exits.map((e) => e.id));
  const exits = new Set(site.exits.filter((e) => !closed.has(e.id)).map((e) => e.id));
  const into = new Map<string, string[]>();
  const add = (to: string, from: string) => {
    const list = into.get(to);
    if (list) list.push(from);
    else into.set(to, [from]);
  };
  for (const l of site.links) {
    if (closed.has(l.id)) continue;
    add(l.to, l.from);
    if (!l.oneWay && !allExits.has(l.to)) add(l.from, l.to);
  }
  const reached = new Set(exits);
  const queue = [...exits];
  while (queue.length) {
    const at = queue.pop() as string;
    for (const from of into.get(at) ?? []) {
      if (!reached.has(from)) {
        reached.add(from);
        queue.push(from);
      }
    }
  }
  return site.areas.filter((a) => !reached.has(a.id)).map((a) => a.id);
}

/** Checks a parsed site file (or object): returns it typed, or throws SiteError with every problem. */
export function validateSite(input: unknown): Site {
  const check = schemaCheck();
  if (!check(input)) throw new SiteError((check.errors ?? []).slice(0, 20).map((e) => describe(e, input)));
  const site = input as Site;
  const problems: string[] = [];
  const kinds = new Map<string, string>();
  for (const [list, what] of [[site.areas, 'area'], [site.exits, 'exit'], [site.links, 'link']] as const) {
    for (const el of list) {
      const before = kinds.get(el.id);
      if (before) problems.push(`${what} "${el.id}": id already used by a${before === 'area' || before === 'exit' ? 'n' : ''} ${before}`);
      else kinds.set(el.id, what);
    }
  }
  const exitIds = new Set(site.exits.map((e) => e.id));
  for (const l of site.links) {
    for (const end of ['from', 'to'] as const) {
      const kind = kinds.get(l[end]);
      if (kind === undefined) problems.push(`link "${l.id}": ${end} "${l[end]}" is no area or exit`);
      else if (kind === 'link') problems.push(`link "${l.id}": ${end} "${l[end]}" is a link, not an area or exit`);
    }
    if (l.from === l.to) problems.push(`link "${l.id}" joins "${l.from}" to itself`);
    if (exitIds.has(l.from)) problems.push(`link "${l.id}" leads out of exit "${l.from}": links go from areas to exits`);
    if (l.wallWidthM !== undefined && l.widthM > l.wallWidthM) problems.push(`door "${l.id}" is ${l.widthM} m wide, wider than its wall (${l.wallWidthM} m)`);
    if (l.kind === 'stairs' && (l.riserM === undefined || l.treadM === undefined)) problems.push(`stairs "${l.id}" need riserM and treadM`);
    if (l.kind === 'stairs' && !l.lengthM) problems.push(`stairs "${l.id}" need lengthM (the horizontal run)`);
    if ((l.kind === 'corridor' || l.kind === 'street' || l.kind === 'ramp') && l.lengthM === undefined) problems.push(`${l.kind} "${l.id}" needs lengthM`);
    if (l.capacity !== undefined) {
      if (!HOLDS_PEOPLE.has(l.kind)) problems.push(`${l.kind} "${l.id}": a capacity is for areas, corridors, stairs and ramps, not a ${l.kind}`);
      else if (l.lengthM) problems.push(...capacityProblem(`${l.kind} "${l.id}"`, l.capacity, l.widthM * l.lengthM, `${l.widthM} m × ${l.lengthM} m`));
    }
  }
  for (const a of site.areas) if (a.capacity !== undefined) problems.push(...capacityProblem(`area "${a.id}"`, a.capacity, a.areaM2, `${a.areaM2} m²`));
  for (const e of site.exits) {
    if (!site.links.some((l) => l.to === e.id)) problems.push(`exit "${e.id}" has no link leading to it`);
  }
  if (!site.exits.length) problems.push('the site has no exit');
  if (site.timesOfDay) problems.push(...timesOfDayProblems(site.timesOfDay, new Map(site.areas.map((a) => [a.id, a.areaM2])), MAX_DENSITY));
  if (!problems.length) {
    const stranded = areasWithoutExit(site);
    if (stranded.length) problems.push(`no way out from area${stranded.length > 1 ? 's' : ''} ${stranded.slice(0, 10).map((a) => `"${a}"`).join(', ')}${stranded.length > 10 ? ` and ${stranded.length - 10} more` : ''}`);
  }
  if (problems.length) throw new SiteError(problems);
  return site;
}

/**
 * A capacity the floor cannot hold is a typing error (a zero too many), not a generous
 * certificate: above MAX_DENSITY, the densest crowd the counters accept, it is refused.
 */
function capacityProblem(element: string, capacity: number, floorM2: number, floor: string): string[] {
  const most = Math.floor(floorM2 * MAX_DENSITY);
  return capacity > most ? [`${element}: capacity ${capacity} is more than its ${floor} can hold at ${MAX_DENSITY} people per m² (${most})`] : [];
}

/** Reads and checks a site from a file (a site JSON or a GeoJSON FeatureCollection). */
export function loadSiteFile(file: string): Site {
  const text = fs.readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SiteError([`${path.basename(file)} is not JSON: ${(err as Error).message}`]);
  }
  return parseSite(parsed);
}

/** A site JSON object or a GeoJSON FeatureCollection, checked. */
export function parseSite(input: unknown): Site {
  if (input && typeof input === 'object' && (input as { type?: unknown }).type === 'FeatureCollection') return siteFromGeoJSON(input);
  return validateSite(input);
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Positions to metres on a local equirectangular projection: good to well under 1 % over a site. */
function projector(lat0: number): (p: Position) => [number, number] {
  const k = (Math.PI / 180) * EARTH_RADIUS_M;
  const c = Math.cos((lat0 * Math.PI) / 180);
  return (p) => [p[0] * k * c, p[1] * k];
}

/** Area of a GeoJSON polygon (outer ring minus holes) in m². */
export function polygonAreaM2(rings: Position[][]): number {
  const project = projector(rings[0][0][1]);
  let total = 0;
  rings.forEach((ring, i) => {
    let twice = 0;
    const pts = ring.map(project);
    for (let j = 0; j < pts.length - 1; j++) twice += pts[j][0] * pts[j + 1][1] - pts[j + 1][0] * pts[j][1];
    total += (i === 0 ? 1 : -1) * Math.abs(twice / 2);
  });
  return total;
}

/** Length of a GeoJSON line in metres. */
export function lineLengthM(coords: Position[]): number {
  const project = projector(coords[0][1]);
  let length = 0;
  for (let i = 1; i < coords.length; i++) {
    const [x0, y0] = project(coords[i - 1]);
    const [x1, y1] = project(coords[i]);
    length += Math.hypot(x1 - x0, y1 - y0);
  }
  return length;
}

type Feature = { type?: string; id?: unknown; geometry?: { type?: string; coordinates?: unknown } | null; properties?: Record<string, unknown> | null };

/**
 * Import from GeoJSON: polygons with `properties.kind` "area" (or no kind) are areas, their m²
 * measured; points or polygons with kind "exit" are exits; lines are links (kind door,
 * corridor, stairs, ramp, street, opening) with `from` and `to`; a door line drawn across the
 * opening gives its width, any other line its length, unless widthM / lengthM say otherwise.
 * Site-level fields (siteId, name, sources, limits…) come from the collection's `properties`.
 */
export function siteFromGeoJSON(input: unknown): Site {
  const fc = input as { features?: unknown; properties?: Record<string, unknown> };
  if (!Array.isArray(fc.features)) throw new SiteError(['GeoJSON: a FeatureCollection needs a features array']);
  const problems: string[] = [];
  const site: Site = { siteId: 'site', name: 'Site', ...(fc.properties ?? {}), areas: [], exits: [], links: [] } as Site;
  (fc.features as Feature[]).forEach((f, i) => {
    const props = { ...(f?.properties ?? {}) };
    const id = String(props.id ?? f?.id ?? '');
    const where = `features[${i}]${id ? ` ("${id}")` : ''}`;
    const geom = f?.geometry;
    if (!geom || typeof geom.type !== 'string' || !Array.isArray(geom.coordinates)) {
      problems.push(`${where}: no geometry`);
      return;
    }
    if (!id) {
      problems.push(`${where}: needs an id (feature id or properties.id)`);
      return;
    }
    const kind = props.kind;
    delete props.kind;
    delete props.id;
    try {
      if (geom.type === 'Polygon' && kind !== 'exit') {
        const rings = geom.coordinates as Position[][];
        site.areas.push({ ...props, id, areaM2: (props.areaM2 as number | undefined) ?? Math.round(polygonAreaM2(rings) * 10) / 10, geometry: { type: 'Polygon', coordinates: rings } } as Area);
      } else if (kind === 'exit') {
        const c = geom.type === 'Point' ? (geom.coordinates as Position) : centroid((geom.coordinates as Position[][])[0]);
        site.exits.push({ ...props, id, geometry: { type: 'Point', coordinates: c } } as Exit);
      } else if (geom.type === 'LineString') {
        const coords = geom.coordinates as Position[];
        const measured = Math.round(lineLengthM(coords) * 100) / 100;
        const linkKind = (kind ?? 'door') as LinkKind;
        const acrossOpening = linkKind === 'door' || linkKind === 'opening';
        site.links.push({
          ...props,
          id,
          kind: linkKind,
          widthM: (props.widthM as number | undefined) ?? (acrossOpening ? measured : undefined),
          lengthM: (props.lengthM as number | undefined) ?? (acrossOpening ? undefined : measured),
          geometry: { type: 'LineString', coordinates: coords },
        } as Link);
      } else problems.push(`${where}: a ${geom.type} with kind ${JSON.stringify(kind)} is neither area, exit nor link`);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  });
  if (problems.length) throw new SiteError(problems);
  return validateSite(site);
}

/** Mean of a ring's vertices (the closing one counted once): a label point for a small, convex-ish area. */
export function centroid(ring: Position[]): Position {
  const n = ring.length - 1 || 1;
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    x += ring[i][0];
    y += ring[i][1];
  }
  return [x / n, y / n];
}
