import type { Alert, AlertState, HistoryEntry, MessageStatus, Priority, Severity, Silence } from '../model/types';

export interface AlertQuery {
  state?: AlertState | AlertState[];
  priority?: Priority | Priority[];
  tool?: string | string[];
  severity?: Severity | Severity[];
  status?: MessageStatus | MessageStatus[];
  zone?: string | string[];
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
}
