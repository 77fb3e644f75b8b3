import { assertExportable, tlpLabel } from '../model/tlp';
import type { Alert, Category, Geometry, Severity } from '../model/types';
import { alertUrl } from './links';
import { epochMs, utcIso } from './time';

/**
 * Export to the FIWARE Smart Data Models `Alert` entity (dataModel.Alert 0.0.3), as NGSI-LD
 * key-values and NGSI-LD normalized. The model is far smaller than the envelope: it is a
 * notification for city platforms, not a round trip, so lifecycle fields are not carried.
 */

export const FIWARE_CATEGORIES = ['traffic', 'naturalDisaster', 'weather', 'environment', 'health', 'security', 'agriculture'] as const;
export const FIWARE_SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type FiwareCategory = (typeof FIWARE_CATEGORIES)[number];
export type FiwareSeverity = (typeof FIWARE_SEVERITIES)[number];

/** The @context of the model's NGSI-LD examples. */
export const FIWARE_ALERT_CONTEXT = [
  'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld',
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld',
] as const;

export interface FiwareOptions {
  /** Console base URL or `{id}` template; the alert's console page becomes `alertSource`. */
  consoleUrl?: string;
  /** `dataProvider`, e.g. the city's IMPETUS deployment. */
  dataProvider?: string;
  /** Include `@context` (default true). Leave it out for NGSI-v2 brokers or when sending a Link header. */
  context?: boolean;
}

export interface FiwareAlertKeyValues {
  id: string;
  type: 'Alert';
  category: FiwareCategory;
  subCategory?: string;
  severity: FiwareSeverity;
  name: string;
  description: string;
  location?: Geometry;
  areaServed?: string;
  dateIssued: string;
  validFrom: string;
  validTo?: string;
  alertSource: string;
  dataProvider?: string;
  seeAlso?: string[];
  data?: Record<string, unknown>;
  /** The alert's TLP marking as FIRST writes it (`TLP:AMBER`), when it has one: the receiving platform must honour it. */
  tlp?: string;
  '@context'?: readonly string[];
}

/**
 * FIWARE has no CAP-style Safety/Rescue/Infra/CBRNE/Other; these are urban-security
 * alerts, so they fall under `security`. Geo events are natural disasters.
 */
const CATEGORY: Record<Category, FiwareCategory> = {
  Geo: 'naturalDisaster', Met: 'weather', Safety: 'security', Security: 'security', Rescue: 'security', Fire: 'security',
  Health: 'health', Env: 'environment', Transport: 'traffic', Infra: 'security', CBRNE: 'security', Other: 'security',
};

/** Tools whose alerts are one kind of thing whatever CAP category the flow gave them. */
const TOOL_CATEGORY: Record<string, FiwareCategory> = { bacteria: 'health' };

/** A firearm seen on CCTV is a suspicious action until someone confirms a robbery or an assault. */
const TOOL_SUBCATEGORY: Record<string, string> = { firearm: 'suspiciousAction', bacteria: 'bacteria', evacuation: 'crowdRisk' };

/** Words in the event name that pick a FIWARE subCategory, first match wins. */
const EVENT_SUBCATEGORY: readonly [RegExp, string][] = [
  [/forest fire|wildfire/i, 'forestFire'],
  [/fire/i, 'buildingFire'],
  [/flood/i, 'flood'],
  [/earthquake/i, 'earthquake'],
  [/robbery/i, 'robbery'],
  [/assault|attack on person/i, 'assault'],
  [/riot|civil disorder|unrest/i, 'civilDisorder'],
  [/crowd/i, 'crowdRisk'],
  [/air quality|air pollution|pm10|pm2\.5|\bno2\b|ozone/i, 'airPollution'],
  [/water pollution|water quality/i, 'waterPollution'],
  [/heat ?wave/i, 'heatWave'],
  [/collision|accident/i, 'carAccident'],
  [/traffic jam|congestion/i, 'trafficJam'],
  [/bacteri/i, 'bacteria'],
  [/virus/i, 'virus'],
];

const SEVERITY: Record<Severity, FiwareSeverity> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low', info: 'informational' };

/** NGSI entity ids outside the NGSI-v2 identifier pattern must at least be URIs. */
const NGSI_ID = /^[\w\-.{}$+*[\]`|~^@!,:\\]+$/;
const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/;

export function fiwareCategory(alert: Pick<Alert, 'tool' | 'category'>): FiwareCategory {
  return TOOL_CATEGORY[alert.tool] ?? CATEGORY[alert.category];
}

export function fiwareSubCategory(alert: Pick<Alert, 'tool' | 'event'>): string | undefined {
  return TOOL_SUBCATEGORY[alert.tool] ?? EVENT_SUBCATEGORY.find(([words]) => words.test(alert.event))?.[1];
}

export function fiwareSeverity(severity: Severity): FiwareSeverity {
  return SEVERITY[severity];
}

/** Percent-encodes what a URN may not contain, so any envelope id gives a valid entity id. */
function urnPart(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(c) && byte < 0x80 ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

export function fiwareEntityId(alertId: string): string {
  return `urn:ngsi-ld:Alert:${urnPart(alertId)}`;
}

function alertSource(alert: Alert, opts: FiwareOptions): string {
  if (opts.consoleUrl) return alertUrl(opts.consoleUrl, alert.id);
  const ref = alert.source.ref;
  if (ref && ref.length <= 256 && (NGSI_ID.test(ref) || URI.test(ref))) return ref;
  if (alert.source.node) return `urn:impetus:node:${urnPart(alert.source.node)}`;
  return `urn:impetus:tool:${alert.tool}`;
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return epochMs(a) <= epochMs(b) ? a : b;
}

/** NGSI-LD key-values form, shaped like the model's example.jsonld. Throws TlpExportError for a TLP:RED alert. */
export function alertToFiwareKeyValues(alert: Alert, opts: FiwareOptions = {}): FiwareAlertKeyValues {
  assertExportable(alert);
  const entity: FiwareAlertKeyValues = {
    id: fiwareEntityId(alert.id),
    type: 'Alert',
    category: fiwareCategory(alert),
    severity: fiwareSeverity(alert.severity),
    name: alert.headline,
    description: alert.description ?? alert.headline,
    // The model asks for UTC; envelope timestamps may carry any offset.
    dateIssued: utcIso(alert.firstSeen),
    validFrom: utcIso(alert.occurredAt),
    alertSource: alertSource(alert, opts),
  };
  const subCategory = fiwareSubCategory(alert);
  if (subCategory) entity.subCategory = subCategory;
  if (alert.location) entity.location = alert.location;
  const area = alert.areaDesc ?? alert.zone;
  if (area) entity.areaServed = area;
  // A resolved alert stops being valid when it was resolved, even if it was due to expire later.
  const validTo = earliest(alert.resolved?.at, alert.expires);
  if (validTo) entity.validTo = utcIso(validTo);
  if (opts.dataProvider) entity.dataProvider = opts.dataProvider;
  const links = alert.resources.map((r) => r.uri).filter((uri): uri is string => uri !== undefined && URI.test(uri));
  if (links.length) entity.seeAlso = links;
  if (alert.data) entity.data = alert.data;
  if (alert.tlp) entity.tlp = tlpLabel(alert.tlp);
  if (opts.context !== false) entity['@context'] = FIWARE_ALERT_CONTEXT;
  return entity;
}

export type NgsiLdAttribute =
  | { type: 'Property'; value: unknown }
  | { type: 'GeoProperty'; value: Geometry };

export type FiwareAlertNormalized = { id: string; type: 'Alert'; '@context'?: readonly string[] } & Record<string, unknown>;

const DATE_TIME_ATTRIBUTES = new Set(['dateIssued', 'validFrom', 'validTo']);

/** NGSI-LD normalized form, shaped like the model's example-normalized.jsonld. */
export function alertToFiwareNgsiLd(alert: Alert, opts: FiwareOptions = {}): FiwareAlertNormalized {
  const { id, type, '@context': context, ...attributes } = alertToFiwareKeyValues(alert, opts);
  const entity: FiwareAlertNormalized = { id, type };
  for (const [name, value] of Object.entries(attributes)) {
    let attribute: NgsiLdAttribute;
    if (name === 'location') attribute = { type: 'GeoProperty', value: value as Geometry };
    else if (DATE_TIME_ATTRIBUTES.has(name)) attribute = { type: 'Property', value: { '@type': 'DateTime', '@value': value } };
    else attribute = { type: 'Property', value };
    entity[name] = attribute;
  }
  if (context) entity['@context'] = context;
  return entity;
}

export const FIWARE_REPRESENTATIONS = ['normalized', 'keyValues'] as const;
export type FiwareRepresentation = (typeof FIWARE_REPRESENTATIONS)[number];

/**
 * The one entry point the console route and the impetus-fiware node share: NGSI-LD normalized
 * (the default of NGSI-LD brokers) or key-values (`options=keyValues`), with or without `@context`.
 */
export function alertToFiware(alert: Alert, representation: FiwareRepresentation, opts: FiwareOptions = {}): FiwareAlertKeyValues | FiwareAlertNormalized {
  if (!FIWARE_REPRESENTATIONS.includes(representation)) throw new TypeError(`FIWARE representation must be ${FIWARE_REPRESENTATIONS.join(' or ')}, got ${String(representation)}`);
  return representation === 'keyValues' ? alertToFiwareKeyValues(alert, opts) : alertToFiwareNgsiLd(alert, opts);
}
