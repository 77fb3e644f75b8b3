import { fingerprint } from '../model/fingerprint';
import { computePriority } from '../model/priority';
import type { Alert, AlertState, Category, Geometry, Resource } from '../model/types';
import { capToGeometry, geometryToCap } from './cap-geo';
import type {
  CapAlert, CapArea, CapCategory, CapInfo, CapMsgType, CapResource, CapResponseType, CapScope, CapStatus, CapValuePair,
} from './cap-model';
import {
  clip, compact, deepEqual, eventFromCap, headlineFromCap, idFromIdentifier, resourcesFromCap, resourcesToCap, severityFromCap, shapesOf,
  statusFromCap,
} from './cap-fields';
import { capDate, isoFromCap } from './time';

/**
 * The plain reading of a CAP message as an envelope, and what of the message that reading
 * leaves over (the residual, kept in `alert.cap`).
 */

/** Original values of the first `<area>` that the envelope cannot hold; `polygon`/`circle` are kept together. */
export interface CapAreaResidual {
  areaDesc?: string;
  polygon?: string[];
  circle?: string[];
  geocode?: CapValuePair[];
  altitude?: number;
  ceiling?: number;
}

/** The first `<info>` block's elements without an envelope home. A `null` headline means CAP had none. */
export interface CapInfoResidual {
  language?: string;
  category?: CapCategory[];
  event?: string;
  responseType?: CapResponseType[];
  audience?: string;
  eventCode?: CapValuePair[];
  effective?: string;
  onset?: string;
  expires?: string;
  senderName?: string;
  headline?: string | null;
  description?: string;
  instruction?: string;
  web?: string;
  contact?: string;
  /** Parameters other than our own `impetus:*` ones. */
  parameter?: CapValuePair[];
  resource?: CapResource[];
  area?: CapAreaResidual;
  /** `<area>` blocks after the first, verbatim. */
  moreAreas?: CapArea[];
}

/**
 * What `alert.cap` holds for an alert imported from CAP: the message's elements that have no
 * envelope field, and the originals of those the envelope could only approximate.
 */
export interface CapResidual {
  identifier?: string;
  sender?: string;
  sent?: string;
  status?: CapStatus;
  msgType?: CapMsgType;
  source?: string;
  scope?: CapScope;
  restriction?: string;
  addresses?: string;
  code?: string[];
  note?: string;
  references?: string;
  incidents?: string;
  /** The message had no `<info>` block. */
  noInfo?: true;
  info?: CapInfoResidual;
  /** `<info>` blocks after the first (other languages, other audiences), verbatim. */
  moreInfo?: CapInfo[];
}

export interface Derived {
  alert: Alert;
  residual: CapResidual;
}

function deriveArea(area: CapArea | undefined, residual: CapInfoResidual): { areaDesc?: string; location?: Geometry } {
  if (!area) return {};
  const out: { areaDesc?: string; location?: Geometry } = { areaDesc: clip(area.areaDesc, 1024) };
  const ra: CapAreaResidual = {};
  if (out.areaDesc !== area.areaDesc) ra.areaDesc = area.areaDesc;
  const shapes = shapesOf(area);
  const location = capToGeometry(shapes);
  if (location) out.location = location;
  if (!deepEqual(geometryToCap(location), shapes)) {
    ra.polygon = area.polygon ?? [];
    ra.circle = area.circle ?? [];
  }
  if (area.geocode) ra.geocode = area.geocode;
  if (area.altitude !== undefined) ra.altitude = area.altitude;
  if (area.ceiling !== undefined) ra.ceiling = area.ceiling;
  if (Object.keys(ra).length) residual.area = ra;
  return compact(out);
}

/** The plain reading of a CAP message (its `impetus:*` parameters already removed). */
export function deriveFromCap(cap: CapAlert, tool: string): Derived {
  const residual: CapResidual = compact({
    sender: cap.sender, sent: cap.sent, msgType: cap.msgType, source: cap.source, scope: cap.scope, restriction: cap.restriction,
    addresses: cap.addresses, code: cap.code, note: cap.note, references: cap.references, incidents: cap.incidents,
  });
  const id = idFromIdentifier(cap.identifier);
  if (id !== cap.identifier) residual.identifier = cap.identifier;
  const status = statusFromCap(cap.status);
  if (status !== cap.status) residual.status = cap.status;

  const info = cap.info?.[0];
  let classification: Pick<Alert, 'event' | 'headline' | 'category' | 'severity' | 'urgency' | 'certainty'>;
  let details: Partial<Pick<Alert, 'description' | 'instruction' | 'expires' | 'areaDesc' | 'location'>> = {};
  let resources: Resource[] = [];
  let occurred = cap.sent;
  if (!info) {
    residual.noInfo = true;
    classification = {
      event: cap.msgType, headline: clip(cap.note || `${cap.msgType} ${cap.identifier}`, 512),
      category: 'Other', severity: 'info', urgency: 'Unknown', certainty: 'Unknown',
    };
  } else {
    const ri: CapInfoResidual = compact({
      language: info.language, responseType: info.responseType, audience: info.audience, eventCode: info.eventCode,
      effective: info.effective, onset: info.onset, senderName: info.senderName, web: info.web, contact: info.contact, parameter: info.parameter,
    });
    if (info.category.length > 1) ri.category = info.category;
    const event = eventFromCap(info.event);
    if (event !== info.event) ri.event = info.event;
    const headline = headlineFromCap(info.headline, info.event);
    if (headline !== info.headline) ri.headline = info.headline ?? null;
    classification = {
      event, headline, category: info.category[0] as Category,
      severity: severityFromCap(info.severity), urgency: info.urgency, certainty: info.certainty,
    };
    for (const key of ['description', 'instruction'] as const) {
      const text = info[key];
      if (text === undefined) continue;
      details[key] = clip(text, 16384);
      if (details[key] !== text) ri[key] = text;
    }
    if (info.expires !== undefined) {
      details.expires = isoFromCap(info.expires);
      if (capDate(details.expires) !== info.expires) ri.expires = info.expires;
    }
    resources = resourcesFromCap(info.resource);
    if (!deepEqual(resourcesToCap(resources), info.resource ?? [])) ri.resource = info.resource;
    details = { ...details, ...deriveArea(info.area?.[0], ri) };
    if (info.area && info.area.length > 1) ri.moreAreas = info.area.slice(1);
    if (Object.keys(ri).length) residual.info = ri;
    occurred = info.onset ?? info.effective ?? cap.sent;
  }
  if (cap.info && cap.info.length > 1) residual.moreInfo = cap.info.slice(1);

  const sent = isoFromCap(cap.sent);
  const alert = {
    id,
    tool,
    source: {},
    ...classification,
    priority: computePriority(classification.severity, classification.urgency, classification.certainty),
    status,
    ...details,
    occurredAt: isoFromCap(occurred),
    resources,
    state: 'open' as AlertState,
    comments: [],
    history: [],
    count: 1,
    firstSeen: sent,
    lastSeen: sent,
    fingerprint: '',
    version: 0,
  } as Alert;
  alert.fingerprint = fingerprint(alert);
  return { alert, residual };
}
