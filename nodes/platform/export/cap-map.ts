import { assertExportable, tlpLabel } from '../model/tlp';
import type { Alert } from '../model/types';
import { Validators } from '../model/validate';
import { capToGeometry, geometryToCap } from './cap-geo';
import type { CapAlert, CapArea, CapCategory, CapInfo, CapScope, CapStatus, CapValuePair } from './cap-model';
import { CapError, CapFormatError, checkCap, xmlText } from './cap-model';
import {
  TOOL, capUri, clip, compact, deepEqual, eventFromCap, headlineFromCap, idFromIdentifier, keep, latest, resourcesFromCap, resourcesToCap,
  severityToCap, shapesOf, statusFromCap,
} from './cap-fields';
import type { CapInfoResidual, CapResidual } from './cap-residual';
import { deriveFromCap } from './cap-residual';
import { alertUrl } from './links';
import { capDate, isoFromCap } from './time';

/**
 * Envelope ↔ CAP 1.2, lossless both ways.
 *
 * How losslessness works: `deriveFromCap` is the one plain reading of a CAP message as an
 * envelope. On export we build the CAP message, read it back with `deriveFromCap`, and every
 * envelope field that does not come back identical is written as an `impetus:<field>`
 * parameter holding its exact JSON. Import applies those parameters over the plain reading.
 * So envelope → CAP → envelope is exact by construction, and a message from another agency
 * gets no parameters at all. CAP elements the envelope has no place for travel in
 * `alert.cap` (a `CapResidual`), so CAP → envelope → CAP is exact as well.
 */

export const PARAMETER_PREFIX = 'impetus:';
/** Tool key of alerts imported from CAP, unless the importer names another. */
export const DEFAULT_IMPORT_TOOL = 'cap';
const DEFAULT_RESTRICTION = 'IMPETUS operators and authorised responders';

export interface AlertToCapOptions {
  /** CAP `sender`: this system's identifier, e.g. "impetus@oslo.example". No spaces or commas. */
  sender: string;
  /** Console base URL or `{id}` template; gives native alerts a CAP `web` link. */
  consoleUrl?: string;
  /** Scope of messages raised here; default Restricted, since these are operational alerts. */
  scope?: CapScope;
  restriction?: string;
  addresses?: string;
}

export interface CapToAlertOptions {
  /** Tool key for imported alerts, default "cap". */
  tool?: string;
  /**
   * Apply `impetus:*` parameters (default true). Turn off for messages from parties who should
   * not be able to set lifecycle fields such as `ack` or `history`; the parameters are then kept
   * in `alert.cap` like any other.
   */
  trustParameters?: boolean;
  /** The runtime's validators; a shared instance is created when left out. */
  validators?: Validators;
}

// ---------------------------------------------------------------------------------------------
// Envelope → CAP

/**
 * msgType: a new, untouched alert is an Alert; once it repeats (count > 1) or an operator
 * changes its state (acknowledged, reopened) it is an Update; once resolved it is a Cancel,
 * which in CAP withdraws the earlier message. Updates and Cancels are new messages from us, so
 * they get their own identifier and reference the first message.
 */
export function capMsgTypeFor(alert: Alert): 'Alert' | 'Update' | 'Cancel' {
  if (alert.state === 'resolved') return 'Cancel';
  const touched = alert.history.some((h) => h.action === 'acknowledged' || h.action === 'resolved' || h.action === 'reopened');
  return alert.count > 1 || alert.state !== 'open' || touched ? 'Update' : 'Alert';
}

function buildInfo(alert: Alert, ri: CapInfoResidual, native: boolean, opts: AlertToCapOptions): CapInfo {
  // Envelope strings may hold characters XML cannot carry (JSON can); they go out replaced,
  // and the exact text travels in an impetus: parameter because it no longer reads back equal.
  const text = (value: string | undefined) => (value === undefined ? undefined : xmlText(value));
  const event = keep(ri.event, alert.event, (v) => eventFromCap(v ?? ''), xmlText(alert.event)) as string;
  const resources = keep(ri.resource, alert.resources, resourcesFromCap, resourcesToCap(alert.resources));
  const areas: CapArea[] = [];
  if (alert.location || alert.areaDesc !== undefined || alert.zone !== undefined || ri.area) {
    const ra = ri.area ?? {};
    const residualShapes = ra.polygon !== undefined || ra.circle !== undefined ? { polygon: ra.polygon, circle: ra.circle } : undefined;
    const shapes = residualShapes && deepEqual(capToGeometry(shapesOf(residualShapes)), alert.location)
      ? shapesOf(residualShapes)
      : geometryToCap(alert.location);
    areas.push(compact({
      areaDesc: keep(ra.areaDesc, alert.areaDesc, (v) => (v === undefined ? undefined : clip(v, 1024)), xmlText(alert.areaDesc ?? alert.zone ?? 'unspecified')) as string,
      ...shapes,
      geocode: ra.geocode,
      altitude: ra.altitude,
      ceiling: ra.ceiling,
    }));
  }
  areas.push(...(ri.moreAreas ?? []));
  return compact({
    language: ri.language,
    category: keep(ri.category, alert.category, (v) => v?.[0], [alert.category]) as CapCategory[],
    event,
    responseType: ri.responseType,
    urgency: alert.urgency,
    severity: severityToCap(alert.severity),
    certainty: alert.certainty,
    audience: ri.audience,
    eventCode: ri.eventCode,
    effective: ri.effective,
    onset: native ? capDate(alert.occurredAt) : ri.onset,
    expires: keep(ri.expires, alert.expires, (v) => (v === undefined ? undefined : isoFromCap(v)), alert.expires === undefined ? undefined : capDate(alert.expires)),
    senderName: ri.senderName,
    headline: keep(ri.headline, alert.headline, (v) => headlineFromCap(v, event), xmlText(alert.headline)),
    description: keep(ri.description, alert.description, (v) => (v === undefined ? undefined : clip(v, 16384)), text(alert.description)),
    instruction: keep(ri.instruction, alert.instruction, (v) => (v === undefined ? undefined : clip(v, 16384)), text(alert.instruction)),
    web: native && opts.consoleUrl ? capUri(alertUrl(opts.consoleUrl, alert.id)) : ri.web,
    contact: ri.contact,
    parameter: ri.parameter,
    resource: resources?.length ? resources : undefined,
    area: areas.length ? areas : undefined,
  });
}

/**
 * CAP's `restriction` is the rule for limiting distribution: a marked alert's TLP label leads it
 * (`TLP:AMBER+STRICT; IMPETUS operators and authorised responders`), as CAP profiles for
 * restricted exchange do. The exact marking travels in the `impetus:tlp` parameter too.
 */
function restrictionFor(alert: Alert, opts: AlertToCapOptions): string {
  const text = opts.restriction ?? DEFAULT_RESTRICTION;
  return alert.tlp ? `${tlpLabel(alert.tlp)}; ${text}` : text;
}

function buildCap(alert: Alert, opts: AlertToCapOptions, forceInfo: boolean): CapAlert {
  const r: CapResidual = (alert.cap as CapResidual | undefined) ?? {};
  const native = alert.cap === undefined;
  const msgType = capMsgTypeFor(alert);
  const identifier = keep(r.identifier, alert.id, (v) => idFromIdentifier(v ?? ''), xmlText(alert.id)) as string;
  const sender = r.sender ?? opts.sender;
  const sent = r.sent ?? capDate(alert.firstSeen);
  const scope = r.scope ?? opts.scope ?? 'Restricted';
  const header: CapAlert = compact({
    identifier,
    sender,
    sent,
    status: keep(r.status, alert.status, (v) => (v === undefined ? undefined : statusFromCap(v)), alert.status) as CapStatus,
    msgType: r.msgType ?? 'Alert',
    source: r.source,
    scope,
    restriction: native && scope === 'Restricted' ? xmlText(restrictionFor(alert, opts)) : r.restriction,
    addresses: native && opts.addresses !== undefined ? xmlText(opts.addresses) : r.addresses,
    code: r.code,
    note: r.note,
    references: r.references,
    incidents: r.incidents,
  });
  if (msgType !== 'Alert') {
    // A follow-up message about the alert: sent by us now, pointing at the first message.
    header.identifier = `${xmlText(alert.id)}-v${alert.version}`;
    header.sender = opts.sender;
    header.sent = capDate(latest([alert.lastSeen, alert.ack?.at, alert.resolved?.at, ...alert.history.map((h) => h.at)]));
    header.msgType = msgType;
    header.references = [`${sender},${identifier},${sent}`, r.references].filter(Boolean).join(' ');
    if (msgType === 'Cancel' && alert.resolved) header.note = xmlText(alert.resolved.reason);
  }
  if (!r.noInfo || forceInfo) header.info = [buildInfo(alert, r.info ?? {}, native, opts), ...(r.moreInfo ?? [])];
  return checkCap(header);
}

const ENVELOPE_KEYS = [
  'id', 'tool', 'source', 'event', 'headline', 'description', 'instruction', 'category', 'severity', 'urgency', 'certainty',
  'priority', 'status', 'location', 'areaDesc', 'zone', 'occurredAt', 'expires', 'resources', 'data', 'state', 'ack',
  'resolved', 'assignee', 'comments', 'history', 'count', 'occurrences', 'firstSeen', 'lastSeen', 'fingerprint', 'version', 'previousId',
  'silenced', 'escalation', 'cap', 'tlp', 'incidentId', 'muted',
] as const satisfies readonly (keyof Alert)[];
const ENVELOPE_KEY_SET: ReadonlySet<string> = new Set(ENVELOPE_KEYS);

/** JSON that is also valid XML text: U+FFFE and U+FFFF are the only characters JSON leaves raw that XML forbids. */
function xmlSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function parametersFor(alert: Alert, cap: CapAlert): CapValuePair[] {
  const plain = deriveFromCap(cap, DEFAULT_IMPORT_TOOL);
  const read = { ...plain.alert, cap: plain.residual } as unknown as Record<string, unknown>;
  const source = alert as unknown as Record<string, unknown>;
  return ENVELOPE_KEYS.filter((key) => !deepEqual(source[key], read[key])).map((key) => ({
    valueName: `${PARAMETER_PREFIX}${key}`,
    value: xmlSafeJson(source[key] === undefined ? null : source[key]),
  }));
}

function assertSender(sender: unknown): asserts sender is string {
  if (typeof sender !== 'string' || !/^[^\s,<&]+$/u.test(sender)) {
    throw new CapError(`CAP sender must be a non-empty string without spaces, commas, '<' or '&', got ${JSON.stringify(sender)}`);
  }
}

/** `alert.cap` comes from storage or from a peer; a damaged one must fail as a CAP error, not a TypeError. */
function guarded(build: () => CapAlert): CapAlert {
  try {
    return build();
  } catch (err) {
    if (err instanceof CapError) throw err;
    throw new CapError(`alert.cap does not hold a usable CAP residual: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The CAP 1.2 message for an alert. Reading it back with `capToAlert` gives the same alert.
 * Throws TlpExportError for a TLP:RED alert: it never leaves the platform.
 */
export function alertToCap(alert: Alert, opts: AlertToCapOptions): CapAlert {
  assertExportable(alert);
  assertSender(opts?.sender);
  let cap = guarded(() => buildCap(alert, opts, false));
  let parameters = parametersFor(alert, cap);
  if (parameters.length && !cap.info) {
    // Parameters need an <info> block, even for an alert that came from an info-less message.
    cap = guarded(() => buildCap(alert, opts, true));
    parameters = parametersFor(alert, cap);
  }
  if (parameters.length) {
    const info = (cap.info as CapInfo[])[0];
    info.parameter = [...(info.parameter ?? []), ...parameters];
  }
  return cap;
}

// ---------------------------------------------------------------------------------------------
// CAP → envelope

let sharedValidators: Validators | undefined;

function splitParameters(info: CapInfo | undefined, trust: boolean): { own: CapValuePair[]; foreign: CapValuePair[] } {
  const own: CapValuePair[] = [];
  const foreign: CapValuePair[] = [];
  for (const p of info?.parameter ?? []) {
    const isOwn = trust && p.valueName.startsWith(PARAMETER_PREFIX) && ENVELOPE_KEY_SET.has(p.valueName.slice(PARAMETER_PREFIX.length));
    (isOwn ? own : foreign).push(p);
  }
  return { own, foreign };
}

/**
 * The alert for a CAP 1.2 message: the plain reading plus our `impetus:*` parameters. Throws
 * CapFormatError for a message that is not CAP 1.2 or carries a broken parameter, and the
 * platform's ValidationError when the result is not a valid envelope.
 */
export function capToAlert(input: CapAlert, opts: CapToAlertOptions = {}): Alert {
  const cap = checkCap(input);
  const tool = opts.tool ?? DEFAULT_IMPORT_TOOL;
  if (!TOOL.test(tool)) throw new CapError(`tool must match ${TOOL}, got ${JSON.stringify(tool)}`);
  const first = cap.info?.[0];
  const { own, foreign } = splitParameters(first, opts.trustParameters !== false);
  const plainCap: CapAlert = first ? { ...cap, info: [compact({ ...first, parameter: foreign.length ? foreign : undefined }), ...(cap.info as CapInfo[]).slice(1)] } : cap;
  const { alert, residual } = deriveFromCap(plainCap, tool);
  const result = { ...alert, cap: residual } as unknown as Record<string, unknown>;
  const seen = new Set<string>();
  for (const p of own) {
    const key = p.valueName.slice(PARAMETER_PREFIX.length);
    const where = `/alert/info[0]/parameter[${p.valueName}]`;
    if (seen.has(key)) throw new CapFormatError(where, 'appears more than once');
    seen.add(key);
    let value: unknown;
    try {
      value = JSON.parse(p.value);
    } catch (err) {
      throw new CapFormatError(where, `value is not JSON: ${(err as Error).message}`);
    }
    if (value === null) delete result[key];
    else result[key] = value;
  }
  const validators = opts.validators ?? (sharedValidators ??= new Validators());
  validators.assert('alert', result);
  return result as unknown as Alert;
}
