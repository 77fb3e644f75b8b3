/**
 * Grouping and inhibition rules: the defaults for the eight IMPETUS tools, what settings may
 * change (`impetus.incidents`), and where an alert is (zone, point) for both.
 */
import type { Alert, Geometry, Priority } from '../model/types';
import { PRIORITIES } from '../model/types';
import type { DigestLabel, DigestSpec, Incident, IncidentMember, IncidentRule, IncidentSettings, InhibitRule } from './types';
import { DIGEST_LABELS } from './types';

/**
 * The physical tools group by place: a shooting in the square is the firearm alerts of its
 * cameras, the crowd-flow anomaly, the threatening posts, the evacuation plan and the bacteria
 * reading of the same zone within twenty minutes. The cyber tools group by time (their assets
 * rarely have a map position). Operator workload joins either, for context only.
 *
 * What no place incident takes and is only P3 or P4 goes into a digest for the shift (eight
 * hours from its first alert): one per tool and event anywhere in the city ("Traffic anomaly ×7
 * in 5 zones"), and one per operator for workload, since an overloaded operator is about a
 * person: the supervisor relieves that person, and one operator's strain is not shown beside
 * another's.
 */
export const DEFAULT_RULES: readonly IncidentRule[] = [
  { id: 'city', tools: ['firearm', 'anomaly', 'social', 'evacuation', 'bacteria'], context: ['workload'], windowMinutes: 20, distanceMeters: 300 },
  { id: 'cyber', tools: ['cti', 'ctdr'], context: ['workload'], windowMinutes: 60, distanceMeters: 0 },
  { id: 'operator-digest', tools: ['workload'], windowMinutes: 480, distanceMeters: 0, digest: { priorities: ['P3', 'P4'], groupBy: ['tool', 'event', 'source'] } },
  {
    id: 'digest', tools: ['firearm', 'anomaly', 'social', 'evacuation', 'bacteria', 'cti', 'ctdr'], windowMinutes: 480, distanceMeters: 0,
    digest: { priorities: ['P3', 'P4'], groupBy: ['tool', 'event'] },
  },
];

/** What a digest takes when its rule does not say: the two lower priorities. */
export const DIGEST_PRIORITIES: readonly Priority[] = ['P3', 'P4'];

/**
 * Alertmanager-style inhibition: an open P1 incident with a firearm in a zone mutes the lower
 * crowd, anomaly and social alerts there (the incident already says it); a sensor that is down
 * mutes its own detector alerts (they describe the outage, not the city).
 */
export const DEFAULT_INHIBIT: readonly InhibitRule[] = [
  {
    id: 'armed-threat-zone',
    source: { incidentTypes: ['armed-threat'], minPriority: 'P1' },
    target: { tools: ['anomaly', 'social', 'evacuation'] },
    equal: 'zone',
    reason: 'an open P1 armed-threat incident in the same zone',
  },
  {
    // What impetus-sensor-in raises for a quiet sensor (data.kind), and availability alerts of other tools by their event.
    id: 'sensor-unavailable',
    source: { kind: 'sensor-availability', event: 'sensor quiet|availability|unavailable|offline' },
    target: {},
    equal: 'sensor',
    reason: 'its sensor is reported unavailable',
  },
];

export const DEFAULT_MAX_MEMBERS = 200;

/** What `impetus.incidents` may hold; every field has a default. */
export interface IncidentSettingsInput {
  enabled?: boolean;
  /** Replace the default grouping rules. */
  rules?: IncidentRule[];
  /** Replace the default inhibition rules (`[]` turns inhibition off). */
  inhibit?: InhibitRule[];
  maxMembers?: number;
}

function fail(message: string): never {
  throw new Error(`impetus settings: incidents.${message}`);
}

function names(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) fail(`${what} must be a list of tool names`);
  return [...(value as string[])];
}

function number(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(`${what} must be a number from ${min} to ${max}`);
  return value;
}

/** Checks one grouping rule (from settings or an impetus-incident-rules node) and returns a clean copy. */
export function checkRule(raw: unknown, where = 'rules'): IncidentRule {
  const r = raw as Partial<IncidentRule> | null;
  if (r === null || typeof r !== 'object') fail(`${where} entries must be objects`);
  if (typeof r.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(r.id)) fail(`${where}: id must be lower-case letters, digits and -`);
  const tools = names(r.tools, `${where}.${r.id}.tools`);
  if (!tools.length) fail(`${where}.${r.id}.tools must name at least one tool`);
  const rule: IncidentRule = {
    id: r.id,
    tools,
    context: r.context === undefined ? [] : names(r.context, `${where}.${r.id}.context`),
    windowMinutes: number(r.windowMinutes, `${where}.${r.id}.windowMinutes`, 1, 7 * 24 * 60),
    distanceMeters: number(r.distanceMeters ?? 0, `${where}.${r.id}.distanceMeters`, 0, 100_000),
  };
  if (r.digest === undefined) return rule;
  // A digest gathers alerts from anywhere: a place or context tools would mean nothing there.
  if (rule.context!.length) fail(`${where}.${r.id}: a digest rule has no context tools`);
  if (rule.distanceMeters !== 0) fail(`${where}.${r.id}: a digest rule has no distance (it gathers alerts anywhere in the city)`);
  return { ...rule, digest: checkDigest(r.digest, `${where}.${r.id}.digest`) };
}

function checkDigest(raw: unknown, where: string): DigestSpec {
  const d = raw as Partial<DigestSpec> | null;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) fail(`${where} must be an object {priorities?, groupBy?}`);
  const priorities = d.priorities ?? [...DIGEST_PRIORITIES];
  if (!Array.isArray(priorities) || !priorities.length || !priorities.every((p) => (PRIORITIES as readonly unknown[]).includes(p))) fail(`${where}.priorities must be a non-empty list of P3, P4`);
  if (priorities.some((p) => p === 'P1' || p === 'P2')) fail(`${where}.priorities may hold only P3 and P4: a P1 or P2 alert is never folded into a digest`);
  const groupBy = d.groupBy ?? ['tool', 'event'];
  if (!Array.isArray(groupBy) || !groupBy.every((l) => (DIGEST_LABELS as readonly unknown[]).includes(l))) fail(`${where}.groupBy must be a list of ${DIGEST_LABELS.join(', ')}`);
  return { priorities: [...new Set(priorities)], groupBy: [...new Set(groupBy)] };
}

function checkInhibit(raw: unknown): InhibitRule {
  const r = raw as Partial<InhibitRule> | null;
  if (r === null || typeof r !== 'object') fail('inhibit entries must be objects');
  if (typeof r.id !== 'string' || !r.id) fail('inhibit: every rule needs an id');
  if (r.equal !== 'zone' && r.equal !== 'sensor') fail(`inhibit.${r.id}.equal must be zone or sensor`);
  const source = r.source ?? {};
  if (source.minPriority !== undefined && !(PRIORITIES as readonly string[]).includes(source.minPriority)) fail(`inhibit.${r.id}.source.minPriority must be P1–P4`);
  if (source.event !== undefined) {
    try {
      new RegExp(source.event, 'i');
    } catch (err) {
      fail(`inhibit.${r.id}.source.event is not a valid pattern: ${(err as Error).message}`);
    }
  }
  if (!source.incidentTypes && !source.tool && !source.kind && !source.event) fail(`inhibit.${r.id}.source must name incident types, a tool, a kind or an event`);
  return { id: r.id, source: { ...source }, target: { ...(r.target ?? {}) }, equal: r.equal, reason: typeof r.reason === 'string' && r.reason ? r.reason : r.id };
}

export function resolveIncidentSettings(raw: IncidentSettingsInput | undefined): IncidentSettings {
  const s = raw ?? {};
  if (s.enabled !== undefined && typeof s.enabled !== 'boolean') fail('enabled must be true or false');
  if (s.rules !== undefined && !Array.isArray(s.rules)) fail('rules must be a list');
  if (s.inhibit !== undefined && !Array.isArray(s.inhibit)) fail('inhibit must be a list');
  const rules = (s.rules ?? DEFAULT_RULES).map((r) => checkRule(r));
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) fail(`rules: two rules are named ${r.id}`);
    ids.add(r.id);
  }
  return {
    enabled: s.enabled ?? true,
    rules,
    inhibit: (s.inhibit ?? DEFAULT_INHIBIT).map(checkInhibit),
    maxMembers: s.maxMembers === undefined ? DEFAULT_MAX_MEMBERS : Math.floor(number(s.maxMembers, 'maxMembers', 2, 10_000)),
  };
}

// ---- place ----

/** The first position of a geometry, [longitude, latitude]; good enough to measure hundreds of metres. */
export function pointOf(geometry: Geometry | undefined): [number, number] | undefined {
  if (!geometry) return undefined;
  let c: unknown = geometry.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number') return undefined;
  return [c[0], c[1]];
}

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export type Placed = Pick<Alert, 'zone' | 'location'>;

/**
 * Whether an alert is where the incident is: the same zone, or within the rule's distance of
 * the incident's centre. An alert with no place at all (a post without geotag, a cyber alert
 * on an asset) joins by time alone, and so does any alert an incident without a place.
 */
export function samePlace(incident: Pick<Incident, 'zone' | 'center'>, alert: Placed, rule: IncidentRule): boolean {
  const point = pointOf(alert.location);
  if (alert.zone === undefined && !point) return true;
  if (incident.zone === undefined && !incident.center) return true;
  if (alert.zone !== undefined && alert.zone === incident.zone) return true;
  return !!point && !!incident.center && rule.distanceMeters > 0 && distanceMeters(point, incident.center) <= rule.distanceMeters;
}

/**
 * The place part of an incident's key: the zone, else a grid cell about the rule's distance
 * wide, else `anywhere`. Two runtimes that open an incident for the first alerts of one event
 * compute the same key, and the store lets only one of them hold it.
 */
export function placeKey(alert: Placed, rule: IncidentRule): string {
  if (alert.zone !== undefined) return `zone:${alert.zone}`;
  const point = pointOf(alert.location);
  if (!point || rule.distanceMeters <= 0) return 'anywhere';
  const cell = rule.distanceMeters / 111_320;
  return `cell:${Math.floor(point[0] / cell)}:${Math.floor(point[1] / cell)}`;
}

/** What a digest's members share: the alert's values of the rule's `groupBy`. */
export function digestLabels(alert: Pick<Alert, 'tool' | 'event' | 'source'>, digest: DigestSpec): Partial<Record<DigestLabel, string>> {
  const value: Record<DigestLabel, string> = { tool: alert.tool, event: alert.event, source: alert.source?.ref ?? '' };
  return Object.fromEntries(digest.groupBy.map((label) => [label, value[label]]));
}

type Keyed = Pick<Alert, 'status' | 'zone' | 'location' | 'tool' | 'event' | 'source'>;

/** `<status>|<rule>|<place>`, or for a digest `<status>|<rule>|<its labels' values>`: one accepting incident per key. */
export function incidentKey(alert: Keyed, rule: IncidentRule): string {
  if (rule.digest) return `${alert.status}|${rule.id}|${JSON.stringify(rule.digest.groupBy.map((l) => digestLabels(alert, rule.digest!)[l]))}`;
  return `${alert.status}|${rule.id}|${placeKey(alert, rule)}`;
}

/** The place rules an alert's tool takes part in, with whether it may open an incident of that rule. */
export function rulesFor(tool: string, rules: readonly IncidentRule[]): Array<{ rule: IncidentRule; opens: boolean }> {
  return rules.flatMap((rule): Array<{ rule: IncidentRule; opens: boolean }> =>
    rule.digest ? [] : rule.tools.includes(tool) ? [{ rule, opens: true }] : rule.context?.includes(tool) ? [{ rule, opens: false }] : []);
}

/** The first digest rule that takes the alert (its tool, its priority), if any. */
export function digestFor(alert: Pick<Alert, 'tool' | 'priority'>, rules: readonly IncidentRule[]): IncidentRule | undefined {
  return rules.find((r) => r.digest && r.tools.includes(alert.tool) && r.digest.priorities.includes(alert.priority));
}

/**
 * Whether a digest member and a new alert are at one place by a place rule, so that the alert's
 * new incident takes the member out of the digest. Unlike joining, this needs evidence: both
 * located, in the same zone or within the rule's distance. Two alerts without a place are at one
 * place only for a rule without a distance (cyber), which groups by time alone; a post without a
 * geotag does not drag an anomaly out of a digest.
 */
export function atOnePlace(member: Pick<IncidentMember, 'zone' | 'point'>, alert: Placed, rule: IncidentRule): boolean {
  const alertPlaced = alert.zone !== undefined || !!pointOf(alert.location);
  const memberPlaced = member.zone !== undefined || !!member.point;
  if (!alertPlaced && !memberPlaced) return rule.distanceMeters === 0;
  if (!alertPlaced || !memberPlaced) return false;
  return samePlace({ zone: member.zone, center: member.point }, alert, rule);
}
