import type { Incident } from '../incidents/types';
import type { Alert, AlertState, HistoryEntry, MessageStatus, Priority, Severity, Silence, Tlp } from '../model/types';
import { isTlp } from '../model/tlp';

export interface AlertQuery {
  state?: AlertState | AlertState[];
  priority?: Priority | Priority[];
  tool?: string | string[];
  /** Tools left out: a role view of every tool but some ("*", "!workload"), plug-in tools included. */
  notTool?: string[];
  severity?: Severity | Severity[];
  status?: MessageStatus | MessageStatus[];
  zone?: string | string[];
  /** TLP markings selected; an alert without a marking is `clear`. A viewer's clearance narrows every query to it. */
  tlp?: Tlp[];
  /** Inclusive lower bound on `lastSeen` (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on `lastSeen` (ISO 8601). */
  to?: string;
  /** Case-insensitive substring of headline, description, event or areaDesc. */
  text?: string;
  /** `priority` (P1 first, then newest `lastSeen`) is the default; `recent` is newest `lastSeen` first. */
  sort?: 'priority' | 'recent';
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface IngestResult {
  alert: Alert;
  /** `created`: a new alert; `deduplicated`: merged into the open alert with the same fingerprint. */
  outcome: 'created' | 'deduplicated';
}

/**
 * Turns the open alert with the candidate's fingerprint into its next version. Called inside
 * the store's atomic section, so it must be pure and synchronous.
 */
export type MergeOccurrence = (open: Alert) => Alert;

/** One candidate of `AlertStore.ingestMany`, with the merge for its repeat. */
export interface IngestItem {
  candidate: Alert;
  merge: MergeOccurrence;
}

export interface MediaRef {
  digest: string;
  size: number;
  mimeType: string;
}

export interface PurgeResult {
  alerts: number;
  media: number;
}

export interface HistoryPage {
  /** Oldest first. */
  entries: HistoryEntry[];
  total: number;
}

/** Raised when a write carries a version other than the stored one. */
export class ConflictError extends Error {
  readonly code = 'IMPETUS_CONFLICT';
  constructor(readonly alertId: string, readonly expected: number, readonly actual: number) {
    super(`alert ${alertId} was changed concurrently (expected version ${expected}, stored ${actual})`);
    this.name = 'ConflictError';
  }
}

/** A new alert whose id another alert already has: ids are unique, a draft's id is never merged or overwritten. */
export class DuplicateIdError extends Error {
  readonly code = 'IMPETUS_DUPLICATE_ID';
  constructor(readonly alertId: string) {
    super(`an alert with id ${alertId} already exists (leave id out of the draft and the platform assigns one)`);
    this.name = 'DuplicateIdError';
  }
}

export class NotFoundError extends Error {
  readonly code = 'IMPETUS_NOT_FOUND';
  constructor(readonly alertId: string) {
    super(`unknown alert ${alertId}`);
    this.name = 'NotFoundError';
  }
}

/**
 * Persistence for alerts, their audit log, media, silences and escalation state. Every
 * adapter passes the same contract suite (test/contract/alert-store.contract.ts).
 *
 * Writes resolve only once they are durable, so a caller may acknowledge upstream.
 * History: `alert.history` entries whose `seq` is above the stored maximum are appended to
 * the audit log; the stored document keeps only the most recent `historyWindow` entries.
 */
export interface AlertStore {
  readonly kind: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Atomically either merges the candidate into the open (not resolved) alert with the same
   * fingerprint, or inserts it. When it inserts and a resolved alert with that fingerprint
   * exists, the new alert's `previousId` names the most recent one.
   */
  ingest(candidate: Alert, merge: MergeOccurrence): Promise<IngestResult>;

  /**
   * `ingest` of each item, in order, as if each were called on its own (a repeat of an alert
   * created earlier in the list merges into it), with one promise for all: each item fails
   * alone, and the answer settles once every item's write is durable or refused.
   */
  ingestMany(items: readonly IngestItem[]): Promise<PromiseSettledResult<IngestResult>[]>;

  get(id: string): Promise<Alert | undefined>;

  /**
   * Compare-and-set: stores `alert` if the stored version equals `alert.version`, and
   * returns it with `version + 1`. Throws ConflictError or NotFoundError otherwise.
   */
  replace(alert: Alert): Promise<Alert>;

  query(query: AlertQuery): Promise<Page<Alert>>;

  /** The full audit log, oldest first, paged from the start. */
  history(alertId: string, options?: { limit?: number; offset?: number }): Promise<HistoryPage>;

  /** Content-addressed media; storing the same bytes twice keeps one copy. */
  putMedia(data: Buffer, mimeType: string): Promise<MediaRef>;
  getMedia(digest: string): Promise<{ data: Buffer; mimeType: string } | undefined>;

  /** Deletes alerts resolved before `resolvedBefore`, their history, and media no alert references any more. */
  purge(resolvedBefore: Date): Promise<PurgeResult>;

  putSilence(silence: Silence): Promise<void>;
  /** Silences whose window contains `at` and that were not expired before it; all when `at` is absent. */
  silences(at?: Date): Promise<Silence[]>;
  getSilence(id: string): Promise<Silence | undefined>;

  /** Unresolved, unacknowledged alerts whose `escalation.nextAt` is at or before `now`. */
  dueEscalations(now: Date, limit?: number): Promise<Alert[]>;

  /** How many alerts are unresolved, grouped as the console's tiles count them. */
  openCounts(): Promise<OpenCount[]>;
}

/** One group of unresolved alerts that share everything the console's tiles count by. */
export interface OpenCount {
  tool: string;
  priority: Priority;
  status: Alert['status'];
  zone?: string;
  /** Left out for TLP:CLEAR. */
  tlp?: Tlp;
  state: 'open' | 'acknowledged';
  silenced: boolean;
  n: number;
}

// ---- incidents ----

export interface IncidentQuery {
  state?: AlertState | AlertState[];
  status?: MessageStatus | MessageStatus[];
  /** Only incidents that still take new members by rule (true) or only those that do not (false). */
  accepting?: boolean;
  /** Only incidents of these priorities (the inhibitor reads only those that may mute). */
  priority?: Priority | Priority[];
  /** Inclusive lower bound on `lastSeen` (ISO 8601). */
  since?: string;
  /** Priority first (P1, then newest lastSeen), the default; or newest lastSeen first. */
  sort?: 'priority' | 'recent';
  limit?: number;
  offset?: number;
}

/** Another accepting incident already holds the key (IncidentStore.createIncident). */
export class IncidentKeyTakenError extends Error {
  readonly code = 'IMPETUS_INCIDENT_KEY_TAKEN';
  constructor(readonly key: string) {
    super(`an accepting incident already holds the key ${key}`);
    this.name = 'IncidentKeyTakenError';
  }
}

/**
 * Incidents, beside the alerts in the same database (test/contract/incident-store.contract.ts).
 * While an incident is `accepting`, no other accepting incident may have its `key`: that unique
 * constraint is what makes two runtimes open one incident for one event, not two.
 */
export interface IncidentStore {
  readonly kind: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Stores a new incident as version 1. DuplicateIdError for a taken id; IncidentKeyTakenError when its key is held. */
  createIncident(incident: Incident): Promise<Incident>;
  getIncident(id: string): Promise<Incident | undefined>;
  /** The accepting incident holding `key`, if any. */
  incidentByKey(key: string): Promise<Incident | undefined>;
  /** Compare-and-set on `version`, as AlertStore.replace; IncidentKeyTakenError when it would accept under a held key. */
  replaceIncident(incident: Incident): Promise<Incident>;
  queryIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  /** Deletes incidents resolved before `resolvedBefore`; returns how many. */
  purgeIncidents(resolvedBefore: Date): Promise<number>;
}

// ---- notification outbox ----

export type OutboxState = 'pending' | 'failed';

/**
 * One notification waiting for delivery. It means "bring chat `chat` of `channel` up to date
 * with `payload`": while it is pending, a newer entry with the same channel, chat and key
 * replaces its payload (coalescing), so a burst of repeats of one alert becomes one message or
 * one edit, never a flood.
 */
export interface OutboxEntry {
  id: string;
  /** The account the notification goes out through, e.g. `telegram:<config node id>`. */
  channel: string;
  chat: string;
  key: string;
  alertId?: string;
  /** The node that queued it, so delivery outcomes reach that node's status and Catch nodes. */
  origin?: string;
  /** 1 (P1) to 4; P1 entries jump the queue of their chat. */
  priority: number;
  /** Enqueue order, assigned by the store: the FIFO order within a chat. Kept when the entry coalesces. */
  seq: number;
  /**
   * Raised by every coalesce, so that finishing the delivery of an older payload does not remove
   * the newer one that arrived meanwhile (see `complete`).
   */
  version: number;
  payload: Record<string, unknown>;
  attempts: number;
  /** Epoch ms before which it is not tried again (back-off). */
  notBefore: number;
  createdAt: number;
  state: OutboxState;
  lastError?: string;
}

export interface OutboxEnqueue {
  channel: string;
  chat: string;
  key: string;
  alertId?: string;
  origin?: string;
  priority: number;
  payload: Record<string, unknown>;
}

/** What was delivered for one (channel, chat, key): the message ids a later edit or a chat action refers to. */
export interface DeliveryRef {
  channel: string;
  chat: string;
  key: string;
  alertId: string;
  origin?: string;
  /** The message people act on (the alert card), for callbacks, replies and reactions. */
  messageId?: string;
  /** Transport-specific progress: ids of the parts and media already sent, hashes of what they show. */
  data: Record<string, unknown>;
  updatedAt: number;
}

export interface OutboxPurgeResult {
  refs: number;
  failed: number;
}

/**
 * The durable side of the notification engine (nodes/notify/delivery). It lives in the same
 * database as the alerts, so a notification accepted by a notifier node survives a restart just
 * as the alert does. Writes resolve once durable. Every adapter passes
 * test/contract/outbox-store.contract.ts.
 */
export interface OutboxStore {
  readonly kind: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Queues an entry, or, when a pending entry with the same channel, chat and key exists,
   * replaces that entry's payload, keeps its place (seq), raises its version and takes the
   * higher priority of the two. A notification that must never merge uses a unique key.
   */
  enqueue(entry: OutboxEnqueue, now: number): Promise<{ entry: OutboxEntry; coalesced: boolean }>;
  /** Pending entries of a channel in seq order. */
  pending(channel: string): Promise<OutboxEntry[]>;
  /** Entries that failed for good, newest first. */
  failed(channel: string, limit?: number): Promise<OutboxEntry[]>;
  get(id: string): Promise<OutboxEntry | undefined>;
  /**
   * Removes the entry if its version is still `version`. Returns false when it was coalesced
   * meanwhile (it stays pending, with the newer payload) or is gone.
   */
  complete(id: string, version: number): Promise<boolean>;
  /** Records a failed attempt and when to try again. */
  retry(id: string, attempts: number, notBefore: number, lastError: string): Promise<void>;
  /** Moves the entry to `failed` (kept for inspection, never retried) if its version is still `version`. */
  fail(id: string, version: number, error: string, now: number): Promise<boolean>;

  putRef(ref: DeliveryRef): Promise<void>;
  getRef(channel: string, chat: string, key: string): Promise<DeliveryRef | undefined>;
  refsForAlert(channel: string, alertId: string): Promise<DeliveryRef[]>;
  refByMessage(channel: string, chat: string, messageId: string): Promise<DeliveryRef | undefined>;
  /** Refs not updated and failed entries not touched since `before` (epoch ms). */
  purge(before: number): Promise<OutboxPurgeResult>;

  /** Small named positions kept across restarts (update offsets, sync times). */
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string, now: number): Promise<void>;
}

/** The seq of an alert's newest audit entry (0 without one): a merge that leaves it adds no audit entry. */
export function lastSeq(alert: Alert): number {
  return alert.history?.[alert.history.length - 1]?.seq ?? 0;
}

/** An OpenCount from a store's grouped row; the zone and a TLP:CLEAR marking are left out. */
export function openCount(tool: string, priority: Priority, status: string, zone: string | null | undefined, state: string, silenced: boolean, n: number, tlp?: string | null): OpenCount {
  const count: OpenCount = { tool, priority, status: status as OpenCount['status'], state: state as OpenCount['state'], silenced, n };
  if (zone !== null && zone !== undefined) count.zone = zone;
  if (tlp !== null && tlp !== undefined && tlp !== 'clear') count.tlp = tlp as Tlp;
  return count;
}

/** The `tlp` of a query, checked: a list of TLP 2.0 markings. */
export function checkTlps(value: unknown): Tlp[] {
  const list = Array.isArray(value) ? value : [value];
  for (const v of list) if (!isTlp(v)) throw new TypeError(`unknown TLP marking ${String(v)}`);
  return list as Tlp[];
}
