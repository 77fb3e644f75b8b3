import { randomUUID } from 'node:crypto';
import { copyOwn } from './copy';
import { priorityRank } from './priority';
import { stricterTlp, tlpOf, tlpRank } from './tlp';
import type { Alert, AlertSource, HistoryAction, HistoryEntry, LifecycleType, Occurrence, Silence } from './types';

/**
 * Occurrences an alert keeps at each end of its run of repeats: the first N (the creation
 * included) and the last N, plus the total in `count`. A storm of one fingerprint therefore
 * costs a bounded document and no audit-log rows, however long it lasts (docs/alert-storms.md).
 */
export const OCCURRENCE_SAMPLES = 10;

export class TransitionError extends Error {
  readonly code = 'IMPETUS_FORBIDDEN_TRANSITION';
  constructor(readonly alertId: string, readonly action: string, readonly state: string, detail?: string) {
    super(`cannot ${action} alert ${alertId}: it is ${state}${detail ? ` (${detail})` : ''}`);
    this.name = 'TransitionError';
  }
}

/** A change to an alert and the lifecycle event that announces it. */
export interface Change {
  alert: Alert;
  type: LifecycleType;
  actor?: string;
  details?: Record<string, unknown>;
}

function append(alert: Alert, at: string, action: HistoryAction, by?: string, details?: Record<string, unknown>): HistoryEntry[] {
  const seq = (alert.history[alert.history.length - 1]?.seq ?? 0) + 1;
  const entry: HistoryEntry = { seq, at, action };
  if (by !== undefined) entry.by = by;
  if (details !== undefined) entry.details = details;
  return [...alert.history, entry];
}

function requireState(alert: Alert, action: string, allowed: Alert['state'][]): void {
  if (!allowed.includes(alert.state)) {
    const who = alert.state === 'acknowledged' ? alert.ack?.by : alert.state === 'resolved' ? alert.resolved?.by : undefined;
    throw new TransitionError(alert.id, action, alert.state, who ? `by ${who}` : undefined);
  }
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} is required`);
  return value.trim();
}

/**
 * A repeat of an open alert: one more occurrence. The newest draft's descriptive fields win,
 * since they describe the situation now, but priority never drops while the alert is open, and
 * neither does its TLP marking: a repeat under a stricter marking restricts the alert from now on
 * (a `marked` audit entry), one under a laxer marking does not open it up.
 */
export function recordOccurrence(open: Alert, repeat: Alert, at: string): Alert {
  const keepOldPriority = priorityRank(open.priority) < priorityRank(repeat.priority);
  // The same object as `{ ...open, headline, …, lastSeen }` followed by deleting the optional
  // fields that end up undefined, built without spread syntax and without deleting keys that
  // were only just added (see copy.ts): both cost microseconds per alert on a dedup flood.
  const next = copyOwn({} as Record<string, unknown>, open);
  const set = (key: string, value: unknown, optional: boolean) => {
    if (!optional || value !== undefined) next[key] = value;
    else if (Object.prototype.hasOwnProperty.call(next, key)) delete next[key];
  };
  set('headline', repeat.headline, false);
  set('description', repeat.description, true);
  set('instruction', repeat.instruction, true);
  set('severity', keepOldPriority ? open.severity : repeat.severity, false);
  set('urgency', keepOldPriority ? open.urgency : repeat.urgency, false);
  set('certainty', keepOldPriority ? open.certainty : repeat.certainty, false);
  set('priority', keepOldPriority ? open.priority : repeat.priority, false);
  set('location', repeat.location ?? open.location, true);
  set('areaDesc', repeat.areaDesc ?? open.areaDesc, true);
  set('expires', repeat.expires ?? open.expires, true);
  set('resources', repeat.resources.length ? repeat.resources : open.resources, false);
  set('data', repeat.data ?? open.data, true);
  set('count', open.count + 1, false);
  set('lastSeen', at, false);
  if (tlpRank(repeat.tlp) > tlpRank(open.tlp)) {
    const tlp = stricterTlp(open.tlp, repeat.tlp);
    set('tlp', tlp, false);
    set('history', append(open, at, 'marked', undefined, { tlp: { from: tlpOf(open), to: tlp } }), false);
  }
  const occurred = next as unknown as Alert;
  // The source is kept only where it differs from the alert's: the usual repeat comes from the
  // same node about the same ref, and the record then stays a few bytes an occurrence.
  const latest: Occurrence = sameSource(open.source, repeat.source) ? { n: occurred.count, at } : { n: occurred.count, at, source: repeat.source };
  occurred.occurrences = nextOccurrences(open, latest);
  return occurred;
}

function sameSource(a: AlertSource | undefined, b: AlertSource | undefined): boolean {
  return a?.node === b?.node && a?.instance === b?.instance && a?.ref === b?.ref;
}

/** The compacted occurrence record after `latest`: first N kept for good, last N as a sliding window. */
function nextOccurrences(open: Alert, latest: Occurrence): NonNullable<Alert['occurrences']> {
  const first = open.occurrences?.first ?? [{ n: 1, at: open.firstSeen }];
  if (latest.n <= OCCURRENCE_SAMPLES) return { first: [...first, latest], last: [] };
  const last = open.occurrences?.last ?? [];
  return { first, last: last.length < OCCURRENCE_SAMPLES ? [...last, latest] : [...last.slice(1), latest] };
}

export function acknowledge(alert: Alert, by: string, at: string, note?: string): Change {
  requireState(alert, 'acknowledge', ['open']);
  const ack = note ? { by, at, note } : { by, at };
  return { alert: { ...alert, state: 'acknowledged', ack, history: append(alert, at, 'acknowledged', by, note ? { note } : undefined) }, type: 'acknowledged', actor: by };
}

export function assign(alert: Alert, assignee: string, by: string, at: string): Change {
  requireState(alert, 'assign', ['open', 'acknowledged']);
  const to = requireText(assignee, 'assignee');
  return { alert: { ...alert, assignee: to, history: append(alert, at, 'assigned', by, { assignee: to }) }, type: 'assigned', actor: by, details: { assignee: to } };
}

export function addComment(alert: Alert, text: string, by: string, at: string): Change {
  const comment = { id: randomUUID(), by, at, text: requireText(text, 'comment text') };
  return {
    alert: { ...alert, comments: [...alert.comments, comment], history: append(alert, at, 'commented', by, { commentId: comment.id }) },
    type: 'commented',
    actor: by,
    details: { comment },
  };
}

export function resolve(alert: Alert, reason: string, by: string, at: string): Change {
  requireState(alert, 'resolve', ['open', 'acknowledged']);
  const why = requireText(reason, 'resolution reason');
  const next: Alert = { ...alert, state: 'resolved', resolved: { by, at, reason: why }, history: append(alert, at, 'resolved', by, { reason: why }) };
  delete next.escalation;
  return { alert: next, type: 'resolved', actor: by, details: { reason: why } };
}

export function reopen(alert: Alert, by: string, at: string, reason?: string): Change {
  requireState(alert, 'reopen', ['resolved']);
  const next: Alert = { ...alert, state: 'open', history: append(alert, at, 'reopened', by, reason ? { reason } : undefined) };
  delete next.resolved;
  delete next.ack;
  return { alert: next, type: 'reopened', actor: by, details: reason ? { reason } : undefined };
}

export function escalate(alert: Alert, level: number, at: string, nextAt: string | undefined): Change {
  const escalation = nextAt ? { level, nextAt } : { level };
  return { alert: { ...alert, escalation, history: append(alert, at, 'escalated', undefined, { level }) }, type: 'escalated', details: { level } };
}

export function markSilenced(alert: Alert, silence: Silence, at: string): Alert {
  return {
    ...alert,
    silenced: { silenceId: silence.id, reason: silence.reason, at },
    history: append(alert, at, 'silenced', silence.createdBy, { silenceId: silence.id, reason: silence.reason }),
  };
}
