/**
 * OASIS CAP 1.2 as plain typed objects, and the one structural check shared by the XML and the
 * JSON readers. The element tables below follow CAP-v1.2.xsd in element order, so the XML writer
 * can walk them and always emit a schema-valid sequence.
 */

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';

export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export const CAP_CATEGORIES = [
  'Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other',
] as const;
export const CAP_RESPONSE_TYPES = [
  'Shelter', 'Evacuate', 'Prepare', 'Execute', 'Avoid', 'Monitor', 'Assess', 'AllClear', 'None',
] as const;
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

export type CapStatus = (typeof CAP_STATUSES)[number];
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];
export type CapScope = (typeof CAP_SCOPES)[number];
export type CapCategory = (typeof CAP_CATEGORIES)[number];
export type CapResponseType = (typeof CAP_RESPONSE_TYPES)[number];
export type CapUrgency = (typeof CAP_URGENCIES)[number];
export type CapSeverity = (typeof CAP_SEVERITIES)[number];
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

/** `<eventCode>`, `<parameter>` and `<geocode>` share this shape. */
export interface CapValuePair {
  valueName: string;
  value: string;
}

export interface CapResource {
  resourceDesc: string;
  mimeType: string;
  size?: number;
  uri?: string;
  derefUri?: string;
  digest?: string;
}

export interface CapArea {
  areaDesc: string;
  /** "lat,lon lat,lon …", first and last pair equal. */
  polygon?: string[];
  /** "lat,lon radiusKm". */
  circle?: string[];
  geocode?: CapValuePair[];
  altitude?: number;
  ceiling?: number;
}

export interface CapInfo {
  language?: string;
  category: CapCategory[];
  event: string;
  responseType?: CapResponseType[];
  urgency: CapUrgency;
  severity: CapSeverity;
  certainty: CapCertainty;
  audience?: string;
  eventCode?: CapValuePair[];
  effective?: string;
  onset?: string;
  expires?: string;
  senderName?: string;
  headline?: string;
  description?: string;
  instruction?: string;
  web?: string;
  contact?: string;
  parameter?: CapValuePair[];
  resource?: CapResource[];
  area?: CapArea[];
}

/**
 * One CAP 1.2 message. Repeatable elements are always arrays and absent when empty, so two
 * equal messages are deep-equal whichever reader produced them. This object, serialised with
 * JSON.stringify, is our CAP-JSON.
 */
export interface CapAlert {
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: CapMsgType;
  source?: string;
  scope: CapScope;
  restriction?: string;
  addresses?: string;
  code?: string[];
  note?: string;
  references?: string;
  incidents?: string;
  info?: CapInfo[];
}

export class CapError extends Error {
  readonly code: string = 'IMPETUS_CAP';
  constructor(message: string) {
    super(message);
    this.name = 'CapError';
  }
}

/** The input is not acceptable XML: too large, a DTD, malformed, bad characters. */
export class CapXmlError extends CapError {
  override readonly code = 'IMPETUS_CAP_XML';
  constructor(message: string) {
    super(message);
    this.name = 'CapXmlError';
  }
}

/** Well-formed input that is not a CAP 1.2 message; `path` names the offending element. */
export class CapFormatError extends CapError {
  override readonly code = 'IMPETUS_CAP_FORMAT';
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'CapFormatError';
  }
}

export type FieldKind =
  | 'text'
  | 'dateTime'
  | 'integer'
  | 'decimal'
  | 'language'
  | { enum: readonly string[] }
  | { fields: readonly Field[] };

export interface Field {
  name: string;
  kind: FieldKind;
  required?: true;
  many?: true;
}

const VALUE_PAIR: readonly Field[] = [
  { name: 'valueName', kind: 'text', required: true },
  { name: 'value', kind: 'text', required: true },
];

const RESOURCE: readonly Field[] = [
  { name: 'resourceDesc', kind: 'text', required: true },
  { name: 'mimeType', kind: 'text', required: true },
  { name: 'size', kind: 'integer' },
  { name: 'uri', kind: 'text' },
  { name: 'derefUri', kind: 'text' },
  { name: 'digest', kind: 'text' },
];

const AREA: readonly Field[] = [
  { name: 'areaDesc', kind: 'text', required: true },
  { name: 'polygon', kind: 'text', many: true },
  { name: 'circle', kind: 'text', many: true },
  { name: 'geocode', kind: { fields: VALUE_PAIR }, many: true },
  { name: 'altitude', kind: 'decimal' },
  { name: 'ceiling', kind: 'decimal' },
];

const INFO: readonly Field[] = [
  { name: 'language', kind: 'language' },
  { name: 'category', kind: { enum: CAP_CATEGORIES }, required: true, many: true },
  { name: 'event', kind: 'text', required: true },
  { name: 'responseType', kind: { enum: CAP_RESPONSE_TYPES }, many: true },
  { name: 'urgency', kind: { enum: CAP_URGENCIES }, required: true },
  { name: 'severity', kind: { enum: CAP_SEVERITIES }, required: true },
  { name: 'certainty', kind: { enum: CAP_CERTAINTIES }, required: true },
  { name: 'audience', kind: 'text' },
  { name: 'eventCode', kind: { fields: VALUE_PAIR }, many: true },
  { name: 'effective', kind: 'dateTime' },
  { name: 'onset', kind: 'dateTime' },
  { name: 'expires', kind: 'dateTime' },
  { name: 'senderName', kind: 'text' },
  { name: 'headline', kind: 'text' },
  { name: 'description', kind: 'text' },
  { name: 'instruction', kind: 'text' },
  { name: 'web', kind: 'text' },
  { name: 'contact', kind: 'text' },
  { name: 'parameter', kind: { fields: VALUE_PAIR }, many: true },
  { name: 'resource', kind: { fields: RESOURCE }, many: true },
  { name: 'area', kind: { fields: AREA }, many: true },
];

/** The `<alert>` element, in XSD order. */
export const ALERT_FIELDS: readonly Field[] = [
  { name: 'identifier', kind: 'text', required: true },
  { name: 'sender', kind: 'text', required: true },
  { name: 'sent', kind: 'dateTime', required: true },
  { name: 'status', kind: { enum: CAP_STATUSES }, required: true },
  { name: 'msgType', kind: { enum: CAP_MSG_TYPES }, required: true },
  { name: 'source', kind: 'text' },
  { name: 'scope', kind: { enum: CAP_SCOPES }, required: true },
  { name: 'restriction', kind: 'text' },
  { name: 'addresses', kind: 'text' },
  { name: 'code', kind: 'text', many: true },
  { name: 'note', kind: 'text' },
  { name: 'references', kind: 'text' },
  { name: 'incidents', kind: 'text' },
  { name: 'info', kind: { fields: INFO }, many: true },
];

/** CAP's dateTime: seconds precision and a numeric offset, never "Z" (CAP 1.2 §3.3.2). */
const CAP_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})[-+](\d{2}):(\d{2})$/;
const LANGUAGE = /^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/;
/** XML 1.0 `Char`: anything else cannot be written to XML at all, not even as a reference. */
const NON_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlSafe(text: string): boolean {
  return !NON_XML_CHAR.test(text);
}

/** Replaces what XML cannot carry with U+FFFD; callers keep the exact text elsewhere when it matters. */
export function xmlText(text: string): string {
  return isXmlSafe(text) ? text : text.replace(new RegExp(NON_XML_CHAR.source, 'gu'), '\uFFFD');
}

export function isCapDate(text: string): boolean {
  const m = CAP_DATE.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offH, offM] = m.slice(1).map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day &&
    hour < 24 && minute < 60 && second < 60 && offH < 24 && offM < 60
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

function checkLeaf(kind: FieldKind, value: unknown, path: string): unknown {
  if (typeof kind === 'object' && 'fields' in kind) return checkGroup(kind.fields, value, path);
  if (kind === 'integer' || kind === 'decimal') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new CapFormatError(path, `must be a finite number, got ${describeValue(value)}`);
    if (kind === 'integer' && !Number.isSafeInteger(value)) throw new CapFormatError(path, `must be an integer, got ${value}`);
    return value;
  }
  if (typeof value !== 'string') throw new CapFormatError(path, `must be a string, got ${describeValue(value)}`);
  if (!isXmlSafe(value)) throw new CapFormatError(path, 'contains a character that XML 1.0 cannot carry');
  if (kind === 'dateTime' && !isCapDate(value)) {
    throw new CapFormatError(path, `must be a CAP date-time like 2003-06-11T22:39:00-07:00 (seconds, numeric offset), got ${JSON.stringify(value)}`);
  }
  if (kind === 'language' && !LANGUAGE.test(value)) throw new CapFormatError(path, `must be an RFC 3066 language tag, got ${JSON.stringify(value)}`);
  if (typeof kind === 'object' && !kind.enum.includes(value)) {
    throw new CapFormatError(path, `must be one of ${kind.enum.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkGroup(fields: readonly Field[], value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new CapFormatError(path, `must be an object, got ${describeValue(value)}`);
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new CapFormatError(`${path}/${key}`, 'is not a CAP 1.2 element here');
  }
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = value[field.name];
    const where = `${path}/${field.name}`;
    if (raw === undefined) {
      if (field.required) throw new CapFormatError(where, 'is required');
      continue;
    }
    if (field.many) {
      if (!Array.isArray(raw)) throw new CapFormatError(where, `must be an array, got ${describeValue(raw)}`);
      if (raw.length === 0) {
        if (field.required) throw new CapFormatError(where, 'needs at least one entry');
        continue;
      }
      out[field.name] = raw.map((item, i) => checkLeaf(field.kind, item, `${where}[${i}]`));
    } else {
      out[field.name] = checkLeaf(field.kind, raw, where);
    }
  }
  return out;
}

/**
 * Checks that `value` is a CAP 1.2 message and returns a normalised copy (keys in XSD order,
 * empty optional arrays dropped). Throws CapFormatError naming the first offending path.
 */
export function checkCap(value: unknown): CapAlert {
  return checkGroup(ALERT_FIELDS, value, '/alert') as unknown as CapAlert;
}

/** CAP-JSON: the CapAlert object as JSON. */
export function capToJson(cap: CapAlert, space?: number): string {
  return JSON.stringify(checkCap(cap), null, space);
}

/** Reads CAP-JSON (text or an already parsed value) and checks its structure. */
export function jsonToCap(json: string | unknown): CapAlert {
  let value = json;
  if (typeof json === 'string') {
    // Same bound as the XML reader: nothing from outside gets parsed unbounded.
    if (json.length > 1024 * 1024) throw new CapFormatError('/', `CAP-JSON is ${json.length} characters, more than the 1048576 allowed`);
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new CapFormatError('/', `not JSON: ${(err as Error).message}`);
    }
  }
  return checkCap(value);
}
