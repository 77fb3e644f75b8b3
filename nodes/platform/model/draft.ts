import { copyOwn } from './copy';
import { computePriority } from './priority';
import { fingerprint } from './fingerprint';
import { closeRings } from './geometry';
import type { Alert, AlertDraft, Category, Certainty, MessageStatus, Severity, Urgency } from './types';
import { ValidationError } from './validate';

/** Defaults a node or the settings supply for fields a draft leaves out. */
export interface DraftDefaults {
  tool?: string;
  event?: string;
  category?: Category;
  severity?: Severity;
  urgency?: Urgency;
  certainty?: Certainty;
  status?: MessageStatus;
}

export interface DraftContext {
  now: string;
  id: string;
  defaults?: DraftDefaults;
  fingerprintKeys?: readonly string[];
  /** Fills `source.node` / `source.instance` when the draft does not. */
  sourceNode?: string;
  instance?: string;
}

/** Fields only the platform may set; a draft that carries them is rejected rather than silently overridden. */
const COMPUTED = ['priority', 'state', 'ack', 'resolved', 'comments', 'history', 'count', 'occurrences', 'firstSeen', 'lastSeen', 'version', 'previousId', 'silenced', 'escalation', 'incidentId', 'muted'] as const;

/** A draft's own fingerprint key counts only together with its tool. */
const SCOPED_KEYS = ['tool', 'key'] as const;

/**
 * The CAP message header a draft's `cap` block may not set: who sends, to whom, under which
 * identifier. The platform writes them (impetus.sender, Restricted) on every export.
 */
const CAP_HEADER = ['identifier', 'sender', 'sent', 'msgType', 'scope', 'restriction', 'addresses', 'references'] as const;

function reject(path: string, message: string): never {
  throw new ValidationError('alert', [
    { instancePath: path, schemaPath: '#/draft', keyword: 'draft', params: {}, message } as never,
  ]);
}

function toIso(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'string') return value;
  return reject(path, 'must be an ISO 8601 date-time string or epoch milliseconds');
}

/**
 * Turns a tool's draft into a complete, not yet validated, alert envelope in state `open`.
 * The caller validates the result against schemas/alert.schema.json.
 */
export function buildAlert(draft: unknown, ctx: DraftContext): Alert {
  if (draft === null || typeof draft !== 'object' || Array.isArray(draft) || Buffer.isBuffer(draft)) {
    reject('', 'alert draft must be a JSON object');
  }
  const d = draft as AlertDraft & Record<string, unknown>;
  for (const field of COMPUTED) if (field in d) reject(`/${field}`, 'is computed by the platform and must not be set in a draft');
  const cap = d.cap as Record<string, unknown> | undefined;
  if (cap !== null && typeof cap === 'object') {
    for (const field of CAP_HEADER) if (field in cap) reject(`/cap/${field}`, 'is set by the platform on export and must not be set in a draft');
  }

  const defaults = ctx.defaults ?? {};
  const severity = (d.severity ?? defaults.severity ?? 'medium') as Severity;
  const urgency = (d.urgency ?? defaults.urgency ?? 'Unknown') as Urgency;
  const certainty = (d.certainty ?? defaults.certainty ?? 'Unknown') as Certainty;
  const event = d.event ?? defaults.event;
  const source = copyOwn({} as NonNullable<AlertDraft['source']>, d.source ?? {});
  if (ctx.sourceNode && source.node === undefined) source.node = ctx.sourceNode;
  if (ctx.instance && source.instance === undefined) source.instance = ctx.instance;

  // The same object as `{ ...d, id, tool, …, version }` with `expires` left out when unset,
  // built by plain stores on a copy (see copy.ts for why spread syntax is avoided here). The
  // draft's own keys keep their places; the platform's keys follow in this order.
  const alert = copyOwn({} as Record<string, unknown>, d);
  alert.id = d.id ?? ctx.id;
  alert.tool = d.tool ?? defaults.tool;
  alert.source = source;
  alert.event = event;
  alert.headline = d.headline ?? (event !== undefined ? [event, d.areaDesc].filter(Boolean).join(' – ') : undefined);
  alert.category = d.category ?? defaults.category ?? 'Security';
  alert.severity = severity;
  alert.urgency = urgency;
  alert.certainty = certainty;
  alert.priority = computePriority(severity, urgency, certainty);
  alert.status = d.status ?? defaults.status ?? 'Actual';
  alert.occurredAt = toIso(d.occurredAt, '/occurredAt') ?? ctx.now;
  const expires = toIso(d.expires, '/expires');
  if (expires !== undefined) alert.expires = expires;
  else if (Object.prototype.hasOwnProperty.call(alert, 'expires')) delete alert.expires;
  if (d.location !== undefined) alert.location = closeRings(d.location);
  alert.resources = d.resources ?? [];
  alert.state = 'open';
  alert.comments = [];
  // The marking the alert was created under is part of its audit log (a repeat that makes it stricter adds `marked`).
  alert.history = [d.tlp !== undefined ? { seq: 1, at: ctx.now, action: 'created', details: { tlp: d.tlp } } : { seq: 1, at: ctx.now, action: 'created' }];
  alert.count = 1;
  alert.firstSeen = ctx.now;
  alert.lastSeen = ctx.now;
  alert.version = 0;
  // A draft's fingerprint is a key of the tool's own, never the fingerprint itself: hashed with
  // the tool, so no draft can dedup into (and rewrite) another tool's alert.
  if (d.fingerprint !== undefined && typeof d.fingerprint !== 'string') reject('/fingerprint', 'must be a string: a deduplication key of the tool\'s own');
  alert.fingerprint = d.fingerprint !== undefined ? fingerprint({ tool: alert.tool, key: d.fingerprint }, SCOPED_KEYS) : fingerprint(alert, ctx.fingerprintKeys);
  return alert as unknown as Alert;
}
