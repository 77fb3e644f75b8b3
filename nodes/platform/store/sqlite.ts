import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { priorityRank } from '../model/priority';
import type { Alert, HistoryEntry, Priority, Silence } from '../model/types';
import { clampInt, dateMs, priorityArg, DEFAULT_ESCALATION_LIMIT, DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_WINDOW, DEFAULT_QUERY_LIMIT, MAX_HISTORY_LIMIT, MAX_QUERY_LIMIT, toMs } from './args';
import type { CheckpointReport } from './sqlite-background';
import { BackgroundConnection } from './sqlite-background';
import { MIGRATIONS, migrate } from './sqlite-migrations';
import type { OpenCountRow } from './sqlite-queries';
import { OPEN_COUNTS_SQL } from './sqlite-queries';
import { checkTlps, ConflictError, DuplicateIdError, lastSeq, NotFoundError, openCount } from './types';
import type { AlertQuery, AlertStore, HistoryPage, IngestItem, IngestResult, MediaRef, MergeOccurrence, OpenCount, Page, PurgeResult } from './types';

export interface SqliteAlertStoreOptions {
  /** Database file, usually in the Node-RED user directory. `:memory:` works for throw-away stores. */
  file: string;
  /**
   * `full` (default) fsyncs the WAL on every commit, so a resolved write survives power loss.
   * `normal` survives a crash of the process but may lose the last commits on power loss.
   */
  synchronous?: 'full' | 'normal';
  /** Audit entries kept inside each alert document; the full log stays in the history table. Default 50. */
  historyWindow?: number;
  /** How long a write waits for another process holding the database lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** How often the background thread copies the write-ahead log into the database. Default 200 ms. */
  checkpointIntervalMs?: number;
  /** Where problems that fail no call (a checkpoint that failed) are reported. */
  log?: (message: string) => void;
}

/**
 * Bounds one group commit: a transaction holds the event loop for its whole duration, so a
 * flood of writes is cut into transactions that each stay short.
 */
export const MAX_BATCH = 1000;
const STATEMENT_CACHE_SIZE = 256;
/** Joins the searchable fields; a control character no search text is expected to contain. */
const SEARCH_SEPARATOR = '\u001f';

interface PendingWrite {
  run(): unknown;
  /** An ingest: its repeat may stay unwritten until the end of the batch (see repeatLater). */
  ingest: boolean;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

type Statements = ReturnType<typeof prepareStatements>;

/**
 * An open alert as this store last merged it: a private copy nobody else holds, and the columns
 * of its row as last written (a repeat merged later in the running batch is not written yet).
 */
interface CachedOpen {
  alert: Alert;
  columns: AlertColumns;
  /** The batch (batchSerial) in which the row was last written or found at `columns.version`. */
  checkedIn: number;
}
/** Fingerprints whose open alert is cached; a storm has a few, so the oldest entry simply goes. */
const OPEN_CACHE_SIZE = 4096;

/** The columns derived from an alert document, besides `id` and `doc`. */
const ALERT_COLUMNS = [
  'fingerprint', 'tool', 'state', 'priority', 'severity', 'status', 'zone', 'tlp', 'first_seen', 'last_seen',
  'resolved_at', 'escalation_next', 'silence_id', 'version', 'search',
] as const;
type AlertColumns = Record<(typeof ALERT_COLUMNS)[number], string | number | null>;

function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT impetus_op'),
    release: db.prepare('RELEASE impetus_op'),
    rollbackTo: db.prepare('ROLLBACK TO impetus_op'),

    getAlert: db.prepare<[string], { doc: string }>('SELECT doc FROM alerts WHERE id = ?'),
    getColumns: db.prepare<[string], AlertColumns>(`SELECT ${ALERT_COLUMNS.join(', ')} FROM alerts WHERE id = ?`),
    getVersion: db.prepare<[string], { version: number }>('SELECT version FROM alerts WHERE id = ?'),
    openByFingerprint: db.prepare<[string], AlertColumns & { doc: string }>(
      `SELECT ${ALERT_COLUMNS.join(', ')}, doc FROM alerts WHERE fingerprint = ? AND state <> 'resolved' ORDER BY rowid DESC LIMIT 1`,
    ),
    latestByFingerprint: db.prepare<[string], { id: string }>(
      'SELECT id FROM alerts WHERE fingerprint = ? ORDER BY rowid DESC LIMIT 1',
    ),
    // Positional (writeAlert passes the values in this order): binding 17 values by name looks
    // each up on an object, ~1 µs of every new alert.
    insertAlert: db.prepare<(string | number | null)[]>(`
      INSERT INTO alerts (id, fingerprint, tool, state, priority, severity, status, zone, tlp, first_seen, last_seen,
        resolved_at, escalation_next, silence_id, version, search, doc)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    maxSeq: db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM history WHERE alert_id = ?'),
    insertHistory: db.prepare<[string, number, string]>('INSERT INTO history (alert_id, seq, entry) VALUES (?, ?, ?)'),
    historyPage: db.prepare<[string, number, number], { entry: string }>(
      'SELECT entry FROM history WHERE alert_id = ? ORDER BY seq LIMIT ? OFFSET ?',
    ),
    historyCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM history WHERE alert_id = ?'),
    unlinkMedia: db.prepare<[string]>('DELETE FROM alert_media WHERE alert_id = ?'),
    linkMedia: db.prepare<[string, string]>('INSERT OR IGNORE INTO alert_media (digest, alert_id) VALUES (?, ?)'),

    putMedia: db.prepare<[string, string, number, number, Buffer], { mime: string; size: number }>(`
      INSERT INTO media (digest, mime, size, stored_at, data) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (digest) DO UPDATE SET stored_at = excluded.stored_at
      RETURNING mime, size`),
    getMedia: db.prepare<[string], { mime: string; data: Buffer }>('SELECT mime, data FROM media WHERE digest = ?'),

    purgeDigests: db.prepare<[number], { digest: string }>(`
      SELECT DISTINCT digest FROM alert_media
      WHERE alert_id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < ?)`),
    purgeHistory: db.prepare<[number]>(`
      DELETE FROM history WHERE alert_id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < ?)`),
    purgeLinks: db.prepare<[number]>(`
      DELETE FROM alert_media WHERE alert_id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < ?)`),
    purgeAlerts: db.prepare<[number]>("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?"),
    deleteMediaIfUnreferenced: db.prepare<[string]>(
      'DELETE FROM media WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM alert_media WHERE alert_media.digest = media.digest)',
    ),
    purgeOrphanMedia: db.prepare<[number]>(
      'DELETE FROM media WHERE stored_at < ? AND NOT EXISTS (SELECT 1 FROM alert_media WHERE alert_media.digest = media.digest)',
    ),

    putSilence: db.prepare<[string, number, number, number | null, string]>(`
      INSERT INTO silences (id, starts_at, ends_at, expired_at, doc) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at,
        expired_at = excluded.expired_at, doc = excluded.doc`),
    getSilence: db.prepare<[string], { doc: string }>('SELECT doc FROM silences WHERE id = ?'),
    allSilences: db.prepare<[], { doc: string }>('SELECT doc FROM silences ORDER BY starts_at, id'),
    activeSilences: db.prepare<[number, number, number], { doc: string }>(`
      SELECT doc FROM silences
      WHERE starts_at <= ? AND ends_at > ? AND (expired_at IS NULL OR expired_at > ?)
      ORDER BY starts_at, id`),

    dueEscalations: db.prepare<[number, number, number, number, number], { doc: string }>(`
      SELECT doc FROM alerts a
      WHERE a.state = 'open' AND a.escalation_next IS NOT NULL AND a.escalation_next <= ?
        AND (a.silence_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM silences s
          WHERE s.id = a.silence_id AND s.starts_at <= ? AND s.ends_at > ? AND (s.expired_at IS NULL OR s.expired_at > ?)))
      ORDER BY a.escalation_next, a.rowid
      LIMIT ?`),

    openCounts: db.prepare<[], OpenCountRow>(OPEN_COUNTS_SQL),
  };
}

function searchText(alert: Alert): string {
  return [alert.headline, alert.description, alert.event, alert.areaDesc]
    .filter((s): s is string => typeof s === 'string')
    .join(SEARCH_SEPARATOR)
    .toLowerCase();
}

/**
 * Occurrence records (and the full list of an alert's first occurrences) the store has checked
 * and frozen: plain JSON that never changes, shared by every later version of their alert rather
 * than copied with each repeat. A storm's repeat otherwise copies 20 such records for the cache
 * and keeps another 20 in each answer it holds until the COMMIT (docs/alert-storms.md).
 */
const SHARED = new WeakSet<object>();

function freezeShared(value: object): void {
  if (SHARED.has(value)) return;
  for (const item of Object.values(value)) if (typeof item === 'object' && item !== null) freezeShared(item as object);
  Object.freeze(value);
  SHARED.add(value);
}

/**
 * The cache's own copy of `stored` (undefined when it is not plain JSON), its occurrence records
 * frozen and shared (see SHARED).
 */
function cacheCopy(stored: Alert): Alert | undefined {
  const copy = jsonClean(stored, true) as Alert | undefined;
  const o = copy?.occurrences;
  if (o) {
    // Lists are never changed in place (lifecycle.ts builds a new one), and the first list stops
    // growing at OCCURRENCE_SAMPLES: from then on every version holds this very array.
    freezeShared(o.first);
    for (const entry of o.last) freezeShared(entry);
  }
  return copy;
}

/**
 * `value` itself (or, with `copy`, a deep copy of it) when `JSON.parse(JSON.stringify(value))`
 * would deep-equal it: only plain objects, arrays, strings, booleans, null and finite numbers,
 * no undefined properties. Undefined otherwise. The copy is cheaper than parsing the stored text.
 * What SHARED holds is clean and immutable: returned as it is, not walked.
 */
export function jsonClean(value: unknown, copy: boolean): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : undefined;
    case 'object': {
      if (SHARED.has(value)) return value;
      if (Array.isArray(value)) {
        const out = copy ? new Array<unknown>(value.length) : value;
        for (let i = 0; i < value.length; i++) {
          const item = jsonClean(value[i], copy);
          if (item === undefined) return undefined;
          if (copy) out[i] = item;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return undefined;
      const out: Record<string, unknown> = copy ? {} : (value as Record<string, unknown>);
      for (const key in value) {
        const item = jsonClean((value as Record<string, unknown>)[key], copy);
        if (item === undefined) return undefined;
        if (copy) out[key] = item;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Whether two versions of an alert reference the same stored media: a repeat then leaves the links alone. */
function sameDigests(a: Alert, b: Alert): boolean {
  const x = a.resources ?? [];
  const y = b.resources ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i].digest !== y[i].digest) return false;
  return true;
}

/**
 * The embedded AlertStore.
 *
 * Writes are group-committed: every write issued before the next `setImmediate` runs, in
 * order, inside one transaction, and all their promises settle once COMMIT has returned. One
 * fsync then covers many alerts, which is what lets a single file keep up with bursts while
 * still resolving each write only when it is durable. One write that fails is rolled back alone
 * and the rest of its batch still commits (runBatch: the batch is run again, each write under
 * its own savepoint).
 *
 * Reads run at once on the same connection and see every committed write; a write that has
 * not resolved yet may not be visible to them.
 */
export class SqliteAlertStore implements AlertStore {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly synchronous: 'full' | 'normal';
  private readonly historyWindow: number;
  private readonly busyTimeoutMs: number;
  private readonly checkpointIntervalMs: number;
  private readonly log: (message: string) => void;
  /** The worker-thread connection of a file store (none for `:memory:`). */
  private background?: BackgroundConnection;
  private db?: Database.Database;
  private stmts?: Statements;
  private phase: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly queryCache = new Map<string, Database.Statement>();
  /** Open alerts of recent repeats by fingerprint, as last merged by this store: see ingestNow(). */
  private readonly openCache = new Map<string, CachedOpen>();
  /** Cached alerts with repeats merged in the running batch and not written yet: see repeatLater(). */
  private readonly unwritten = new Map<string, CachedOpen>();
  /** Numbers the batches, so that a cached row checked in this one is not checked again. */
  private batchSerial = 0;
  /** True while a batch runs without savepoints, the only time a repeat may wait to be written. */
  private deferring = false;

  constructor(options: SqliteAlertStoreOptions) {
    if (typeof options?.file !== 'string' || options.file.trim() === '') throw new TypeError('SqliteAlertStore needs a file path');
    const synchronous = options.synchronous ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') throw new TypeError(`synchronous must be 'full' or 'normal', not ${String(synchronous)}`);
    const window = options.historyWindow ?? DEFAULT_HISTORY_WINDOW;
    if (!Number.isInteger(window) || window < 1) throw new TypeError('historyWindow must be a positive integer');
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busy) || busy < 0) throw new TypeError('busyTimeoutMs must be a non-negative integer');
    this.file = options.file;
    this.synchronous = synchronous;
    this.historyWindow = window;
    this.busyTimeoutMs = busy;
    const interval = options.checkpointIntervalMs ?? 200;
    if (!Number.isInteger(interval) || interval < 1) throw new TypeError('checkpointIntervalMs must be a positive integer');
    this.checkpointIntervalMs = interval;
    this.log = options.log ?? (() => undefined);
  }

  async open(): Promise<void> {
    if (this.phase === 'open') return;
    if (this.phase !== 'new') throw this.unavailable();
    let db: Database.Database;
    try {
      // A first start with a fresh Node-RED user directory may not have the folder yet.
      if (this.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      db = new Database(this.file, { timeout: this.busyTimeoutMs });
    } catch (err) {
      throw new Error(`cannot open alert store ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      // The first statement that reads the file is where a garbage file is noticed.
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && this.file !== ':memory:') throw new Error(`the file refuses WAL mode (journal_mode is ${String(mode)})`);
      db.pragma(`synchronous = ${this.synchronous.toUpperCase()}`);
      // Checkpointing every 10000 pages rather than 1000 lets a hot alert rewritten by many
      // batches be copied into the database once; the size limit then trims the WAL back.
      db.pragma('wal_autocheckpoint = 10000');
      db.pragma('journal_size_limit = 67108864');
      // SQLite's default 2 MB page cache holds a few thousand alerts' worth of index pages; past
      // that, every insert reads index leaves back from the OS. 32 MB keeps the hot part of the
      // nine indexes in memory for a store of millions of alerts, and bounds what it costs.
      db.pragma('cache_size = -32768');
      // A batch with a failed write runs again, each write under its own savepoint, whose
      // statement journal holds the pages that write touched. A new alert touches a dozen (its
      // row, nine indexes, the audit log): past 64 KB SQLite spills that journal to a temporary
      // file, and the rest of the batch then writes every page it touches into that file; it was
      // 20 of a new alert's ~35 µs of SQLite CPU (docs/alert-storms.md). In memory, the journal is
      // truncated at each RELEASE, so it holds one write's pages at a time. Temporary tables and
      // sorts of this connection's queries live in memory too; the large scans (open counts) run
      // on the background connection.
      db.pragma('temp_store = MEMORY');
      migrate(db, MIGRATIONS);
      this.stmts = prepareStatements(db);
    } catch (err) {
      db.close();
      throw new Error(`cannot open alert store ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    this.db = db;
    this.phase = 'open';
    if (this.file !== ':memory:') {
      this.background = new BackgroundConnection({ file: this.file, checkpointIntervalMs: this.checkpointIntervalMs, busyTimeoutMs: this.busyTimeoutMs, onError: this.log });
    }
  }

  /** Listens to the background thread's checkpoints (none for `:memory:`). */
  onCheckpoint(listener: (report: CheckpointReport) => void): () => void {
    return this.background?.onCheckpoint(listener) ?? (() => undefined);
  }

  /** Commits every write already issued, then closes the file; later calls reject. */
  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    if (this.phase === 'new') {
      this.phase = 'closed';
      return;
    }
    this.phase = 'closing';
    await this.background?.stop();
    this.background = undefined;
    while (this.queue.length) this.runBatch(this.queue.splice(0, MAX_BATCH));
    this.queryCache.clear();
    this.openCache.clear();
    this.unwritten.clear();
    this.db?.close();
    this.db = undefined;
    this.stmts = undefined;
    this.phase = 'closed';
  }

  // ---- companion stores on the same file ----

  /**
   * Runs `run` inside the next group commit, failing alone and with the durability of the
   * store's own writes (see runBatch: `run` may run twice, so it must keep nothing outside the
   * database). For stores that keep their tables in this database (the notification outbox),
   * so that one file and one fsync serve both.
   */
  transact<T>(run: (db: Database.Database) => T): Promise<T> {
    return this.write(() => run(this.db!));
  }

  /** The open connection, for companion stores' reads; throws when the store is not open. */
  connection(): Database.Database {
    this.ready();
    return this.db!;
  }

  // ---- writes (group-committed) ----

  ingest(candidate: Alert, merge: MergeOccurrence): Promise<IngestResult> {
    return this.write(() => this.ingestNow(candidate, merge), true);
  }

  /**
   * Every item is a write of its own in the queue, so the items share group commits (a list
   * longer than MAX_BATCH spans several) and each fails alone; one promise answers for all,
   * once the last of them is durable or refused.
   */
  ingestMany(items: readonly IngestItem[]): Promise<PromiseSettledResult<IngestResult>[]> {
    const results = new Array<PromiseSettledResult<IngestResult>>(items.length);
    if (this.phase !== 'open') {
      const reason = this.unavailable();
      return Promise.resolve(results.fill({ status: 'rejected', reason }));
    }
    if (items.length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      let left = items.length;
      const settle = (i: number, result: PromiseSettledResult<IngestResult>) => {
        results[i] = result;
        left -= 1;
        if (left === 0) resolve(results);
      };
      for (let i = 0; i < items.length; i++) {
        const { candidate, merge } = items[i];
        this.queue.push({
          run: () => this.ingestNow(candidate, merge),
          ingest: true,
          resolve: (value) => settle(i, { status: 'fulfilled', value: value as IngestResult }),
          reject: (reason) => settle(i, { status: 'rejected', reason }),
        });
      }
      this.scheduleFlush();
    });
  }

  private ingestNow(candidate: Alert, merge: MergeOccurrence): IngestResult {
    const s = this.stmts!;
    // A storm repeats a few fingerprints: their open alert is kept here as last merged, and the
    // row's version (checked once a batch by repeatLater, or by the UPDATE's condition) is the
    // check that nobody (another runtime on the same file included) wrote it since. A miss
    // costs the read below, never a wrong write.
    let cached = this.openCache.get(candidate.fingerprint);
    if (cached && this.deferring) {
      const later = this.repeatLater(cached, merge);
      if (later) return later;
      // Written the usual way: what the batch merged so far goes to the row first.
      this.writeUnwritten(candidate.fingerprint);
      cached = this.openCache.get(candidate.fingerprint);
    }
    if (cached) {
      const repeated = this.repeat(cached.alert, cached.columns, merge);
      if (repeated) return repeated;
      this.openCache.delete(candidate.fingerprint);
    }
    const open = s.openByFingerprint.get(candidate.fingerprint);
    if (open) {
      const repeated = this.repeat(JSON.parse(open.doc) as Alert, open, merge);
      // Inside this write transaction nobody else writes: the row read above is current.
      if (!repeated) throw new Error(`the open alert of fingerprint ${String(open.fingerprint)} changed under a write transaction`);
      return repeated;
    }
    if (s.getColumns.get(candidate.id)) throw new DuplicateIdError(candidate.id);
    const previous = s.latestByFingerprint.get(candidate.fingerprint);
    const next = previous ? { ...candidate, previousId: previous.id } : candidate;
    return { alert: this.writeAlert(next, undefined)!, outcome: 'created' } satisfies IngestResult;
  }

  /** Merges a repeat into `existing`, stored as `columns`; undefined when the row is no longer that version. */
  private repeat(existing: Alert, columns: AlertColumns, merge: MergeOccurrence): IngestResult | undefined {
    const merged = merge(existing);
    if (merged?.id !== existing.id) throw new Error(`merge must keep the alert id ${existing.id}`);
    // The document holds the log's most recent entries, so its last seq is the stored maximum:
    // a repeat, which adds no audit entry, then costs no lookup of the log.
    const storedMax = lastSeq(existing);
    const alert = this.writeAlert({ ...merged, version: existing.version }, columns, storedMax, true, sameDigests(existing, merged));
    return alert && { alert, outcome: 'deduplicated' };
  }

  /**
   * A storm repeats a few fingerprints many times a batch: each repeat is merged into the cached
   * alert and answered at once, and the row is written once, with the batch's last merge, before
   * the COMMIT (writeUnwritten). Every caller still gets its own version, exactly what get()
   * would have returned had each repeat been written, and nothing is acknowledged before the
   * COMMIT that holds it; only the intermediate versions never reach the file, as a reader
   * between two repeats of one transaction could not have seen them anyway. The row's version
   * is checked once a batch (another runtime may have written it since), and a repeat that
   * writes more than the row (an audit entry, media links) or whose copy is not plain JSON is
   * written the usual way. Undefined when this repeat cannot wait; the entry is dropped when
   * the row was no longer that version.
   */
  private repeatLater(cached: CachedOpen, merge: MergeOccurrence): IngestResult | undefined {
    const existing = cached.alert;
    if (cached.checkedIn !== this.batchSerial) {
      if (this.stmts!.getVersion.get(existing.id)?.version !== cached.columns.version) {
        this.openCache.delete(existing.fingerprint);
        return undefined;
      }
      cached.checkedIn = this.batchSerial;
    }
    const merged = merge(existing);
    if (merged?.id !== existing.id) throw new Error(`merge must keep the alert id ${existing.id}`);
    if (lastSeq(merged) !== lastSeq(existing) || !sameDigests(existing, merged)) return undefined;
    const stored: Alert = { ...merged, version: existing.version + 1 };
    const copy = cacheCopy(stored);
    if (!copy) return undefined;
    cached.alert = copy;
    this.unwritten.set(existing.fingerprint, cached);
    return { alert: stored, outcome: 'deduplicated' };
  }

  /** Writes the merges repeatLater() kept, of one fingerprint or of all. */
  private writeUnwritten(fingerprint?: string): void {
    if (this.unwritten.size === 0) return;
    const entries = fingerprint === undefined ? [...this.unwritten.values()] : [this.unwritten.get(fingerprint)].filter((e) => e !== undefined);
    for (const entry of entries) {
      this.unwritten.delete(entry.alert.fingerprint);
      const row = this.rowOf(entry.alert, entry.columns.version as number);
      // This transaction checked the row's version and nobody else writes inside it.
      if (!this.updateRow(row, entry.columns)) throw new Error(`alert ${entry.alert.id} changed under a write transaction`);
      row.doc = '';
      entry.columns = row;
    }
  }

  replace(alert: Alert): Promise<Alert> {
    return this.write(() => {
      const current = this.stmts!.getColumns.get(alert.id);
      if (!current) throw new NotFoundError(alert.id);
      if (current.version !== alert.version) throw new ConflictError(alert.id, alert.version, current.version as number);
      // An action or a lifecycle change: the next repeat reads the row again.
      this.openCache.delete(current.fingerprint as string);
      return this.writeAlert(alert, current)!;
    });
  }

  putMedia(data: Buffer, mimeType: string): Promise<MediaRef> {
    if (!Buffer.isBuffer(data)) return Promise.reject(new TypeError('media data must be a Buffer'));
    if (typeof mimeType !== 'string' || mimeType === '') return Promise.reject(new TypeError('media needs a MIME type'));
    // Copied because the bytes are written at the next batch and the caller may reuse its buffer
    // (frame pools do) before then; the digest must describe what is stored.
    const bytes = Buffer.from(data);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return this.write(() => {
      // A re-put refreshes stored_at so that purge does not take an upload the caller is about to reference.
      const row = this.stmts!.putMedia.get(digest, mimeType, bytes.length, Date.now(), bytes)!;
      return { digest, size: row.size, mimeType: row.mime } satisfies MediaRef;
    });
  }

  purge(resolvedBefore: Date): Promise<PurgeResult> {
    let cutoff: number;
    try {
      cutoff = dateMs(resolvedBefore, 'resolvedBefore');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => {
      const s = this.stmts!;
      const digests = s.purgeDigests.all(cutoff).map((r) => r.digest);
      s.purgeHistory.run(cutoff);
      s.purgeLinks.run(cutoff);
      const alerts = s.purgeAlerts.run(cutoff).changes;
      let media = 0;
      for (const digest of digests) media += s.deleteMediaIfUnreferenced.run(digest).changes;
      // Media never attached to any alert is only dropped once it is as old as the cutoff: a
      // fresh upload may be waiting for the ingest that references it.
      media += s.purgeOrphanMedia.run(cutoff).changes;
      return { alerts, media } satisfies PurgeResult;
    });
  }

  putSilence(silence: Silence): Promise<void> {
    let row: [string, number, number, number | null, string];
    try {
      if (typeof silence?.id !== 'string' || silence.id === '') throw new TypeError('silence needs an id');
      const startsAt = toMs(silence.startsAt, `silence ${silence.id} startsAt`);
      const endsAt = toMs(silence.endsAt, `silence ${silence.id} endsAt`);
      const expiredAt = silence.expiredAt === undefined ? null : toMs(silence.expiredAt, `silence ${silence.id} expiredAt`);
      row = [silence.id, startsAt, endsAt, expiredAt, JSON.stringify(silence)];
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => {
      this.stmts!.putSilence.run(...row);
    });
  }

  // ---- reads ----

  async get(id: string): Promise<Alert | undefined> {
    const row = this.ready().getAlert.get(id);
    return row ? (JSON.parse(row.doc) as Alert) : undefined;
  }

  async query(query: AlertQuery): Promise<Page<Alert>> {
    this.ready();
    const q = query ?? {};
    const where: string[] = [];
    const params: unknown[] = [];
    const anyOf = (column: string, value: unknown, map: (v: unknown) => unknown = (v) => v) => {
      if (value === undefined) return;
      const values = (Array.isArray(value) ? value : [value]).map(map);
      // An empty list selects nothing, as `$in: []` does in MongoDB.
      if (values.length === 0) where.push('0');
      else where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    anyOf('state', q.state);
    anyOf('priority', q.priority, priorityArg);
    anyOf('tool', q.tool);
    if (q.notTool?.length) {
      where.push(`tool NOT IN (${q.notTool.map(() => '?').join(', ')})`);
      params.push(...q.notTool);
    }
    anyOf('severity', q.severity);
    anyOf('status', q.status);
    anyOf('zone', q.zone);
    if (q.tlp !== undefined) {
      // A row without a marking is TLP:CLEAR.
      const tlps = checkTlps(q.tlp);
      where.push(tlps.length ? `coalesce(tlp, 'clear') IN (${tlps.map(() => '?').join(', ')})` : '0');
      params.push(...tlps);
    }
    if (q.from !== undefined) {
      where.push('last_seen >= ?');
      params.push(toMs(q.from, 'from'));
    }
    if (q.to !== undefined) {
      where.push('last_seen < ?');
      params.push(toMs(q.to, 'to'));
    }
    if (q.text !== undefined && q.text !== '') {
      if (typeof q.text !== 'string') throw new TypeError('text must be a string');
      // instr() matches literally, so `%` and `_` in the search need no LIKE escaping.
      where.push('instr(search, ?) > 0');
      params.push(q.text.toLowerCase());
    }
    const sort = q.sort ?? 'priority';
    if (sort !== 'priority' && sort !== 'recent') throw new TypeError(`unknown sort ${String(sort)}`);
    const limit = clampInt(q.limit, DEFAULT_QUERY_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
    const offset = clampInt(q.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');

    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const order = sort === 'priority' ? 'priority ASC, last_seen DESC, rowid DESC' : 'last_seen DESC, rowid DESC';
    const total = (this.statement(`SELECT count(*) AS n FROM alerts ${clause}`).get(...params) as { n: number }).n;
    // The page's rows are picked by their sort keys alone, then their documents read: sorting
    // the documents themselves moved every open alert's text through the sorter (a quarter of a
    // second for 77,000 open alerts, docs/alert-storms.md).
    const rows = limit === 0 || offset >= total
      ? []
      : (this.statement(`SELECT doc FROM alerts WHERE rowid IN (SELECT rowid FROM alerts ${clause} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`)
        .all(...params, limit, offset) as { doc: string }[]);
    return { items: rows.map((r) => JSON.parse(r.doc) as Alert), total, limit, offset };
  }

  async history(alertId: string, options: { limit?: number; offset?: number } = {}): Promise<HistoryPage> {
    const s = this.ready();
    const limit = clampInt(options.limit, DEFAULT_HISTORY_LIMIT, 0, MAX_HISTORY_LIMIT, 'limit');
    const offset = clampInt(options.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
    const total = s.historyCount.get(alertId)!.n;
    const entries = limit === 0 ? [] : s.historyPage.all(alertId, limit, offset).map((r) => JSON.parse(r.entry) as HistoryEntry);
    return { entries, total };
  }

  async getMedia(digest: string): Promise<{ data: Buffer; mimeType: string } | undefined> {
    const row = this.ready().getMedia.get(digest);
    return row ? { data: row.data, mimeType: row.mime } : undefined;
  }

  async silences(at?: Date): Promise<Silence[]> {
    const s = this.ready();
    let rows: { doc: string }[];
    if (at === undefined) rows = s.allSilences.all();
    else {
      const ms = dateMs(at, 'at');
      rows = s.activeSilences.all(ms, ms, ms);
    }
    return rows.map((r) => JSON.parse(r.doc) as Silence);
  }

  async getSilence(id: string): Promise<Silence | undefined> {
    const row = this.ready().getSilence.get(id);
    return row ? (JSON.parse(row.doc) as Silence) : undefined;
  }

  async dueEscalations(now: Date, limit?: number): Promise<Alert[]> {
    const s = this.ready();
    const at = dateMs(now, 'now');
    const n = clampInt(limit, DEFAULT_ESCALATION_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
    return s.dueEscalations.all(at, at, at, at, n).map((r) => JSON.parse(r.doc) as Alert);
  }

  /** In the background thread for a file: a full scan of the open alerts must not hold the event loop. */
  async openCounts(): Promise<OpenCount[]> {
    const s = this.ready();
    const rows = this.background ? await this.background.read<OpenCountRow>('openCounts') : s.openCounts.all();
    return rows.map((r) => openCount(r.tool, `P${r.priority}` as Priority, r.status, r.zone, r.state, r.silenced === 1, r.n, r.tlp));
  }

  // ---- internals ----

  private unavailable(): Error {
    if (this.phase === 'new') return new Error(`alert store ${this.file} is not open; call open() first`);
    return new Error(`alert store ${this.file} is closed`);
  }

  private ready(): Statements {
    if (this.phase !== 'open' || !this.stmts) throw this.unavailable();
    return this.stmts;
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.queryCache.get(sql);
    if (!stmt) {
      // Array filters make the SQL text vary with list length; a full cache is simply dropped.
      if (this.queryCache.size >= STATEMENT_CACHE_SIZE) this.queryCache.clear();
      stmt = this.db!.prepare(sql);
      this.queryCache.set(sql, stmt);
    }
    return stmt;
  }

  private write<T>(run: () => T, ingest = false): Promise<T> {
    if (this.phase !== 'open') return Promise.reject(this.unavailable());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, ingest, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.phase !== 'open' || this.queue.length === 0) return;
      this.runBatch(this.queue.splice(0, MAX_BATCH));
      // One batch per turn of the event loop, so reads and I/O are served between batches.
      if (this.queue.length) this.scheduleFlush();
    });
  }

  /**
   * One group commit. The batch first runs without savepoints: a savepoint per write costs every
   * write a statement journal (a few µs each, docs/alert-storms.md), and writes rarely fail. If
   * one does, the whole transaction is rolled back and the batch runs again, each write under its
   * own savepoint, so that the failed one fails alone and the others commit. A write's `run` must
   * therefore be safe to run twice: it does its work in the database and keeps nothing outside
   * it that the rollback would leave stale (the cache of open alerts is dropped).
   */
  private runBatch(batch: PendingWrite[]): void {
    const s = this.stmts!;
    const db = this.db!;
    try {
      s.begin.run();
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    const values = new Array<unknown>(batch.length);
    let failed = false;
    this.batchSerial += 1;
    this.deferring = true;
    for (let i = 0; i < batch.length && !failed; i++) {
      try {
        // Any other write sees the rows as the batch left them (replace() reads its row).
        if (!batch[i].ingest) this.writeUnwritten();
        values[i] = batch[i].run();
      } catch {
        failed = true;
      }
    }
    this.deferring = false;
    if (!failed) {
      try {
        this.writeUnwritten();
      } catch {
        failed = true;
      }
    }
    if (failed) {
      // What the cache holds may be a rolled-back write or an unwritten merge; the rows are re-read.
      this.openCache.clear();
      this.unwritten.clear();
      try {
        if (db.inTransaction) s.rollback.run();
        s.begin.run();
      } catch (err) {
        for (const op of batch) op.reject(err);
        return;
      }
      const settled = this.runWithSavepoints(batch);
      if (!settled) return;
      if (this.commit(batch)) settled.forEach((result, i) => (result.ok ? batch[i].resolve(result.value) : batch[i].reject(result.error)));
      return;
    }
    if (this.commit(batch)) for (let i = 0; i < batch.length; i++) batch[i].resolve(values[i]);
  }

  /** Runs every write under its own savepoint; undefined when SQLite gave up the whole transaction (the batch is settled then). */
  private runWithSavepoints(batch: PendingWrite[]): Settled[] | undefined {
    const s = this.stmts!;
    const db = this.db!;
    const settled: Settled[] = [];
    for (let i = 0; i < batch.length; i++) {
      s.savepoint.run();
      try {
        const value = batch[i].run();
        s.release.run();
        settled.push({ ok: true, value });
      } catch (err) {
        this.openCache.clear();
        try {
          if (!db.inTransaction) throw err;
          s.rollbackTo.run();
          s.release.run();
          settled.push({ ok: false, error: err });
        } catch (fatal) {
          // SQLite gave up the whole transaction (disk full, I/O error): nothing done so far in
          // this batch is durable, and the writes not yet run get a fresh transaction.
          if (db.inTransaction) s.rollback.run();
          for (let j = 0; j <= i; j++) batch[j].reject(fatal);
          this.queue.unshift(...batch.slice(i + 1));
          if (this.phase === 'open' && this.queue.length) this.scheduleFlush();
          return undefined;
        }
      }
    }
    return settled;
  }

  /** Commits the batch's transaction; false, with every write rejected, when the commit fails. */
  private commit(batch: PendingWrite[]): boolean {
    const s = this.stmts!;
    try {
      s.commit.run();
      return true;
    } catch (err) {
      this.openCache.clear();
      if (this.db!.inTransaction) s.rollback.run();
      for (const op of batch) op.reject(err);
      return false;
    }
  }

  /**
   * Stores `alert` as version `alert.version + 1`, over the row `current` when the alert exists
   * (the caller has checked the version). The new part of its history goes to the audit log;
   * the document keeps the last `historyWindow` entries. A `repeat` is written only over
   * `alert.version` and cached; undefined when the row is no longer at that version.
   */
  private writeAlert(alert: Alert, current: AlertColumns | undefined, knownMax?: number, repeat = false, sameMedia = false): Alert | undefined {
    const s = this.stmts!;
    if (!Number.isInteger(alert.version) || alert.version < 0) throw new TypeError(`alert ${alert.id} has no valid version`);
    const history = Array.isArray(alert.history) ? alert.history : [];
    const stored: Alert = {
      ...alert,
      version: alert.version + 1,
      history: history.length > this.historyWindow ? history.slice(-this.historyWindow) : history,
    };
    const row = this.rowOf(stored, alert.version);
    if (current) {
      if (!this.updateRow(row, current)) return undefined;
      if (!sameMedia) s.unlinkMedia.run(stored.id);
    } else {
      // In the statement's column order.
      s.insertAlert.run(
        row.id, row.fingerprint, row.tool, row.state, row.priority, row.severity, row.status, row.zone, row.tlp, row.first_seen, row.last_seen,
        row.resolved_at, row.escalation_next, row.silence_id, row.version, row.search, row.doc,
      );
    }
    if (!sameMedia) {
      for (const resource of stored.resources ?? []) {
        if (typeof resource.digest === 'string') s.linkMedia.run(resource.digest, stored.id);
      }
    }
    // A new alert has no log yet: one lookup fewer on the path every new alert takes.
    const storedMax = !current ? 0 : knownMax ?? (s.maxSeq.get(stored.id)?.seq ?? 0);
    for (const entry of history) {
      if (!Number.isInteger(entry?.seq)) throw new TypeError(`alert ${stored.id} has a history entry without an integer seq`);
      if (entry.seq > storedMax) s.insertHistory.run(stored.id, entry.seq, JSON.stringify(entry));
    }
    // Callers get exactly what get() would return. Re-parsing the document would guarantee that
    // but doubles the JSON work of a repeat, the hot path; a walk proves it is not needed in the
    // usual case, where the alert holds nothing JSON would drop or change. A repeat's walk also
    // copies, for the cache: callers may change what they get, the cache must not change.
    if (!repeat) return jsonClean(stored, false) ? stored : (JSON.parse(row.doc) as Alert);
    const copy = cacheCopy(stored);
    if (!copy) return JSON.parse(row.doc) as Alert;
    row.doc = '';
    this.openCache.delete(stored.fingerprint);
    if (this.openCache.size >= OPEN_CACHE_SIZE) {
      const oldest = this.openCache.keys().next().value!;
      // A merge still to be written is written before its entry goes.
      this.writeUnwritten(oldest);
      this.openCache.delete(oldest);
    }
    this.openCache.set(stored.fingerprint, { alert: copy, columns: row, checkedIn: this.batchSerial });
    return stored;
  }

  /** The row of `stored`, to be written over version `expected`. */
  private rowOf(stored: Alert, expected: number): AlertColumns & { id: string; doc: string; expected: number } {
    const row = {
      id: stored.id,
      expected,
      fingerprint: stored.fingerprint,
      tool: stored.tool,
      state: stored.state,
      priority: priorityRank(stored.priority),
      severity: stored.severity,
      status: stored.status,
      zone: stored.zone ?? null,
      tlp: stored.tlp ?? null,
      first_seen: toMs(stored.firstSeen, `alert ${stored.id} firstSeen`),
      last_seen: toMs(stored.lastSeen, `alert ${stored.id} lastSeen`),
      resolved_at: stored.state === 'resolved' && stored.resolved ? toMs(stored.resolved.at, `alert ${stored.id} resolved.at`) : null,
      escalation_next: stored.escalation?.nextAt !== undefined ? toMs(stored.escalation.nextAt, `alert ${stored.id} escalation.nextAt`) : null,
      silence_id: stored.silenced?.silenceId ?? null,
      version: stored.version,
      search: searchText(stored),
      doc: JSON.stringify(stored),
    };
    if (!Number.isInteger(row.priority)) throw new TypeError(`alert ${stored.id} has an unknown priority ${String(stored.priority)}`);
    return row;
  }

  /** Updates the row `current` to `row` if it is still at `row.expected`; false when it is not. */
  private updateRow(row: AlertColumns & { id: string; doc: string; expected: number }, current: AlertColumns): boolean {
    // SQLite rewrites every index that covers a column named in SET, changed or not; naming
    // only the changed columns keeps a repeat (new lastSeen, version and doc) to two indexes.
    const changed = ALERT_COLUMNS.filter((c) => row[c] !== current[c]);
    const sql = `UPDATE alerts SET ${changed.map((c) => `${c} = @${c}`).join(', ')}, doc = @doc WHERE id = @id AND version = @expected`;
    return this.statement(sql).run(row).changes === 1;
  }
}
