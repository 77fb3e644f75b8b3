import { createHash } from 'node:crypto';
import type { Collection, Db, Filter, MongoClientOptions, Sort } from 'mongodb';
import { Binary, MongoClient } from 'mongodb';
import { priorityRank } from '../model/priority';
import type { Alert, HistoryEntry, Priority, Silence } from '../model/types';
import { clampInt, dateMs, DEFAULT_ESCALATION_LIMIT, DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_WINDOW, DEFAULT_QUERY_LIMIT, MAX_HISTORY_LIMIT, MAX_QUERY_LIMIT, priorityArg, toMs } from './args';
import { isDuplicateKey } from './mongodb-errors';
import { checkMongoOptions } from './mongodb-beside';
import type { ClaimRow } from './mongodb-claims';
import { claimVersion } from './mongodb-claims';
import { checkTlps, ConflictError, DuplicateIdError, lastSeq, NotFoundError, openCount } from './types';
import type { AlertQuery, AlertStore, HistoryPage, IngestItem, IngestResult, MediaRef, MergeOccurrence, OpenCount, Page, PurgeResult } from './types';

export interface MongoAlertStoreOptions {
  /** mongodb:// or mongodb+srv:// URL; a replica set in production (see docs/deployment.md). */
  url: string;
  database: string;
  credentials?: { username: string; password: string };
  /** Prefix of the collection names, so several platforms can share one database. Default `impetus_`. */
  collectionPrefix?: string;
  historyWindow?: number;
  /** How long an operation waits for a reachable server before it fails (an outage is reported, not hidden). Default 5000 ms. */
  serverSelectionTimeoutMs?: number;
  /** Extra driver options (TLS, pool size...). */
  clientOptions?: MongoClientOptions;
}

/** Rounds of the optimistic ingest loop before giving up; only reached under pathological contention. */
const MAX_INGEST_ATTEMPTS = 100;
/** Repeats of one fingerprint written as one update at most (as many as one SQLite group commit). */
const MAX_WRITTEN_TOGETHER = 1_000;
/**
 * One alert row. The alert itself is kept as JSON text (`doc`) so that what comes back is
 * byte-for-byte what went in, whatever keys a tool payload uses (MongoDB restricts `$` and `.`
 * in field names); the other fields exist to be indexed and queried.
 */
interface AlertRow {
  _id: string;
  doc: string;
  fp: string;
  /**
   * Holds the fingerprint while this alert is *the* open alert of that fingerprint, else
   * `~<id>`. A unique index on it is what makes ingest-with-dedup atomic across processes
   * without multi-document transactions (which FerretDB 1.x does not have).
   */
  openKey: string;
  /** Insertion stamp: orders alerts of one fingerprint (for previousId) and breaks sort ties. */
  ins: number;
  version: number;
  state: string;
  prio: number;
  tool: string;
  severity: string;
  status: string;
  zone: string | null;
  /** Absent on rows written before markings existed, and null: both are TLP:CLEAR. */
  tlp?: string | null;
  lastSeen: number;
  resolvedAt: number | null;
  escNext: number | null;
  silenceId: string | null;
  search: string;
  digests: string[];
  /** Highest history seq in the document: the log holds every entry up to it. */
  seqMax: number;
}

interface HistoryRow {
  _id: string;
  a: string;
  s: number;
  entry: string;
}

interface MediaRow {
  _id: string;
  mime: string;
  size: number;
  storedAt: number;
  data: Binary;
}

interface SilenceRow {
  _id: string;
  startsAt: number;
  endsAt: number;
  expiredAt: number | null;
  doc: string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A write the server refused for the moment, without writing anything: FerretDB's SQLite
 * backend answers "database is locked" when several connections write at once.
 */
function isBusy(err: unknown): boolean {
  return /database is locked|SQLITE_BUSY/i.test(String((err as Error)?.message));
}

/** Retries a whole operation (it re-reads what it needs) a few times while the server is busy. */
async function transient<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** An ingest that lost every round of MAX_INGEST_ATTEMPTS to other writers. */
function unsettled(fp: string): Error {
  return new Error(`ingest of fingerprint ${fp} did not settle after ${MAX_INGEST_ATTEMPTS} attempts (too much contention)`);
}

/** A draft waiting for its fingerprint's turn, with its caller's promise. */
interface WaitingIngest extends IngestItem {
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

function historyId(alertId: string, seq: number): string {
  // Zero-padded so the _id order is the seq order as well.
  return `${alertId}#${String(seq).padStart(12, '0')}`;
}

/**
 * The AlertStore for deployments that outgrow one machine: every runtime of a site points at
 * the same MongoDB (a replica set in production; FerretDB in CI), and they see one picture.
 *
 * Without multi-document transactions (FerretDB 1.x has none), atomicity comes from unique
 * inserts, the one operation that is atomic on every MongoDB-wire server:
 * - dedup: the unique `openKey` index admits one open alert per fingerprint;
 * - optimistic concurrency: writing version v+1 first inserts the claim `<id>@<v+1>`; whoever
 *   fails to insert it lost the race (ConflictError, or another round of the ingest loop);
 * - the audit log is written by the claim holder before the alert itself, so an alert never
 *   shows a history the log lacks; a writer that died in between leaves a stale claim, which
 *   the next writer takes over after CLAIM_LEASE_MS, overwriting the orphaned entries.
 * Inside one process, ingests of one fingerprint are queued, so the loop does not spin.
 */
/** Fingerprints whose open alert's row is cached; a storm has a few, so the oldest entry simply goes. */
const OPEN_CACHE_SIZE = 4096;

export class MongoAlertStore implements AlertStore {
  readonly kind = 'mongodb';
  private readonly historyWindow: number;
  private client?: MongoClient;
  private alerts!: Collection<AlertRow>;
  private historyLog!: Collection<HistoryRow>;
  private media!: Collection<MediaRow>;
  private silenceRows!: Collection<SilenceRow>;
  private claims!: Collection<ClaimRow>;
  private phase: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly fingerprintQueues = new Map<string, Promise<unknown>>();
  /** Per fingerprint, the drafts waiting for the write before them (see ingest). */
  private readonly waitingRepeats = new Map<string, WaitingIngest[]>();
  /**
   * The row of each recently repeated fingerprint's open alert, as this store last wrote it: a
   * repeat merges into it without reading it back. The version is the arbiter, as on SQLite: the
   * claim on `version + 1` and the update filtered by version refuse a stale row (another runtime
   * or an action wrote since), the entry is dropped and the repeat reads the alert again.
   */
  private readonly openCache = new Map<string, AlertRow>();
  private lastIns = 0;

  constructor(private readonly options: MongoAlertStoreOptions) {
    checkMongoOptions(options, 'MongoAlertStore');
    const window = options.historyWindow ?? DEFAULT_HISTORY_WINDOW;
    if (!Number.isInteger(window) || window < 1) throw new TypeError('historyWindow must be a positive integer');
    this.historyWindow = window;
  }

  private get where(): string {
    return `alert store mongodb ${this.options.database}`;
  }

  async open(): Promise<void> {
    if (this.phase === 'open') return;
    if (this.phase !== 'new') throw this.unavailable();
    const { url, credentials } = this.options;
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? 5000,
      // A write is answered once a majority of the replica set has it, so an alert output by
      // the alert node survives the loss of the primary.
      writeConcern: { w: 'majority' },
      readConcern: { level: 'majority' },
      ...(credentials ? { auth: { username: credentials.username, password: credentials.password } } : {}),
      ...this.options.clientOptions,
    });
    try {
      await client.connect();
      const db = client.db(this.options.database);
      this.bind(db);
      await this.createIndexes();
      this.client = client;
      this.phase = 'open';
    } catch (err) {
      this.phase = 'new';
      this.client = undefined;
      await client.close().catch(() => undefined);
      throw new Error(`cannot open ${this.where} at ${redact(url)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Waits for every operation already issued, then disconnects; later calls reject. */
  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    if (this.phase === 'new') {
      this.phase = 'closed';
      return;
    }
    this.phase = 'closing';
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    this.phase = 'closed';
    this.openCache.clear();
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
  }

  // ---- alerts ----

  /**
   * The drafts of one fingerprint are stored one after another, in order. Those that arrive while
   * the one before them is being written wait together and are then written together when they
   * all repeat the open alert (repeatTogether): in a storm the queue behind each write becomes
   * one write, not one write each.
   */
  ingest(candidate: Alert, merge: MergeOccurrence): Promise<IngestResult> {
    return this.op(() => {
      const fp = candidate?.fingerprint;
      if (typeof fp !== 'string' || fp === '') return this.ingestLoop(candidate, merge);
      return new Promise<IngestResult>((resolve, reject) => {
        const waiting = this.waitingRepeats.get(fp);
        if (waiting && waiting.length < MAX_WRITTEN_TOGETHER) {
          waiting.push({ candidate, merge, resolve, reject });
          return;
        }
        const items: WaitingIngest[] = [{ candidate, merge, resolve, reject }];
        this.waitingRepeats.set(fp, items);
        void this.serialised(fp, () => {
          // From here on, new arrivals wait for this write as the next group.
          if (this.waitingRepeats.get(fp) === items) this.waitingRepeats.delete(fp);
          return this.ingestGroup(items);
        });
      });
    });
  }

  private async ingestGroup(items: WaitingIngest[]): Promise<void> {
    if (items.length > 1) {
      let together: IngestResult[] | undefined;
      try {
        together = await transient(() => this.repeatTogether(items));
      } catch (err) {
        for (const item of items) item.reject(err);
        return;
      }
      if (together) {
        items.forEach((item, i) => item.resolve(together[i]));
        return;
      }
    }
    for (const item of items) {
      try {
        item.resolve(await transient(() => this.ingestLoop(item.candidate, item.merge)));
      } catch (err) {
        item.reject(err);
      }
    }
  }

  /**
   * Repeats of the open alert holding the fingerprint's slot, merged in order and written as one
   * update from the stored version v to v + n (one claim on v + 1, as any writer of v claims):
   * each caller still gets its own version, what get() would have returned had each been
   * written. Undefined, and nothing written, when they are not all plain repeats of such an
   * alert (no open alert yet, a merge that adds an audit entry or fails): those go one at a time.
   */
  private async repeatTogether(items: WaitingIngest[]): Promise<IngestResult[] | undefined> {
    const fp = items[0].candidate.fingerprint;
    for (let attempt = 0; attempt < MAX_INGEST_ATTEMPTS; attempt++) {
      const cached = this.openCache.get(fp);
      this.openCache.delete(fp);
      const open = cached ?? (await this.alerts.findOne({ openKey: fp }));
      if (!open) return undefined;
      const stored = JSON.parse(open.doc) as Alert;
      const versions: Alert[] = [];
      let current = stored;
      for (const item of items) {
        let merged: Alert;
        try {
          merged = item.merge(current);
        } catch {
          return undefined;
        }
        if (merged?.id !== stored.id || lastSeq(merged) !== lastSeq(stored)) return undefined;
        current = { ...merged, version: current.version + 1 };
        versions.push(current);
      }
      try {
        const { row } = await this.updateRow({ ...current, version: current.version - 1 }, open, 'keep', stored.version);
        this.cacheOpen(fp, row);
        const last = versions.length - 1;
        return versions.map((alert, i) => ({ alert: i === last ? (JSON.parse(row.doc) as Alert) : (JSON.parse(JSON.stringify(alert)) as Alert), outcome: 'deduplicated' }));
      } catch (err) {
        if ((cached && open === cached && err instanceof NotFoundError) || err instanceof ConflictError || isDuplicateKey(err)) continue;
        throw err;
      }
    }
    throw unsettled(fp);
  }

  private cacheOpen(fp: string, row: AlertRow): void {
    if (row.openKey !== fp || row.state === 'resolved') return;
    if (this.openCache.size >= OPEN_CACHE_SIZE) this.openCache.delete(this.openCache.keys().next().value!);
    this.openCache.set(fp, row);
  }

  /**
   * Each item through ingest, all issued at once: MongoDB has no group commit to share, and
   * ingest already runs the items of one fingerprint one after another, in order.
   */
  ingestMany(items: readonly IngestItem[]): Promise<PromiseSettledResult<IngestResult>[]> {
    return Promise.allSettled(items.map((item) => this.ingest(item.candidate, item.merge)));
  }

  replace(alert: Alert): Promise<Alert> {
    return this.op(() => transient(() => this.replaceOnce(alert)));
  }

  private replaceOnce(alert: Alert): Promise<Alert> {
    // An action or a lifecycle change: the next repeat reads the alert again.
    if (typeof alert?.fingerprint === 'string') this.openCache.delete(alert.fingerprint);
    return (async () => {
      const row = await this.alerts.findOne({ _id: alert.id });
      if (!row) throw new NotFoundError(alert.id);
      if (row.version !== alert.version) throw new ConflictError(alert.id, alert.version, row.version);
      const wantsSlot = alert.state !== 'resolved' && row.openKey !== row.fp;
      try {
        return await this.update(alert, row, wantsSlot ? 'claim' : 'keep');
      } catch (err) {
        // Reopened while a newer alert holds the fingerprint: it stays open without the slot.
        if (wantsSlot && isDuplicateKey(err)) return this.update(alert, row, 'release');
        throw err;
      }
    })();
  }

  get(id: string): Promise<Alert | undefined> {
    return this.op(async () => {
      const row = await this.alerts.findOne({ _id: id }, { projection: { doc: 1 } });
      return row ? (JSON.parse(row.doc) as Alert) : undefined;
    });
  }

  query(query: AlertQuery): Promise<Page<Alert>> {
    return this.op(async () => {
      const q = query ?? {};
      const filter: Filter<AlertRow> = {};
      const anyOf = (field: keyof AlertRow, value: unknown, map: (v: never) => unknown = (v) => v) => {
        if (value === undefined) return;
        const values = (Array.isArray(value) ? value : [value]).map((v) => map(v as never));
        (filter as Record<string, unknown>)[field] = { $in: values };
      };
      anyOf('state', q.state);
      anyOf('prio', q.priority, priorityArg);
      anyOf('tool', q.tool);
      if (q.notTool?.length) filter.tool = { ...(filter.tool as object | undefined), $nin: q.notTool };
      anyOf('severity', q.severity);
      anyOf('status', q.status);
      anyOf('zone', q.zone);
      if (q.tlp !== undefined) {
        const tlps: Array<string | null> = checkTlps(q.tlp);
        // `$in` with null also selects rows without the field: both are TLP:CLEAR.
        if (tlps.includes('clear')) tlps.push(null);
        filter.tlp = { $in: tlps };
      }
      const seen: Record<string, number> = {};
      if (q.from !== undefined) seen.$gte = toMs(q.from, 'from');
      if (q.to !== undefined) seen.$lt = toMs(q.to, 'to');
      if (Object.keys(seen).length) filter.lastSeen = seen;
      if (q.text !== undefined && q.text !== '') {
        if (typeof q.text !== 'string') throw new TypeError('text must be a string');
        // `search` is lower-cased at write time; the escaped regex matches the text literally.
        filter.search = { $regex: escapeRegex(q.text.toLowerCase()) };
      }
      const sortBy = q.sort ?? 'priority';
      if (sortBy !== 'priority' && sortBy !== 'recent') throw new TypeError(`unknown sort ${String(sortBy)}`);
      const limit = clampInt(q.limit, DEFAULT_QUERY_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
      const offset = clampInt(q.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
      const sort: Sort = sortBy === 'priority' ? { prio: 1, lastSeen: -1, ins: -1 } : { lastSeen: -1, ins: -1 };
      const total = await this.alerts.countDocuments(filter);
      const rows = limit === 0 || offset >= total
        ? []
        : await this.alerts.find(filter, { projection: { doc: 1 } }).sort(sort).skip(offset).limit(limit).toArray();
      return { items: rows.map((r) => JSON.parse(r.doc) as Alert), total, limit, offset };
    });
  }

  history(alertId: string, options: { limit?: number; offset?: number } = {}): Promise<HistoryPage> {
    return this.op(async () => {
      const limit = clampInt(options.limit, DEFAULT_HISTORY_LIMIT, 0, MAX_HISTORY_LIMIT, 'limit');
      const offset = clampInt(options.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
      const total = await this.historyLog.countDocuments({ a: alertId });
      const rows = limit === 0 ? [] : await this.historyLog.find({ a: alertId }).sort({ s: 1 }).skip(offset).limit(limit).toArray();
      return { entries: rows.map((r) => JSON.parse(r.entry) as HistoryEntry), total };
    });
  }

  dueEscalations(now: Date, limit?: number): Promise<Alert[]> {
    return this.op(async () => {
      const at = dateMs(now, 'now');
      const n = clampInt(limit, DEFAULT_ESCALATION_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
      if (n === 0) return [];
      const active = new Set((await this.activeSilenceRows(at)).map((s) => s._id));
      const due: Alert[] = [];
      const cursor = this.alerts
        .find({ state: 'open', escNext: { $ne: null, $lte: at } }, { projection: { doc: 1, silenceId: 1 } })
        .sort({ escNext: 1, ins: 1 });
      for await (const row of cursor) {
        if (row.silenceId !== null && row.silenceId !== undefined && active.has(row.silenceId)) continue;
        due.push(JSON.parse(row.doc) as Alert);
        if (due.length >= n) break;
      }
      await cursor.close();
      return due;
    });
  }

  // ---- media ----

  openCounts(): Promise<OpenCount[]> {
    return this.op(async () => {
      // Grouped by silence id rather than by a computed "silenced" flag: FerretDB 1.x groups by
      // fields but not by every expression; the few silences fold together here.
      type Key = { tool: string; prio: number; status: string; zone: string | null; tlp?: string | null; state: string; silenceId: string | null };
      const rows = await this.alerts
        .aggregate<{ _id: Key; n: number }>([
          { $match: { state: { $ne: 'resolved' } } },
          { $group: { _id: { tool: '$tool', prio: '$prio', status: '$status', zone: '$zone', tlp: '$tlp', state: '$state', silenceId: '$silenceId' }, n: { $sum: 1 } } },
        ])
        .toArray();
      const groups = new Map<string, OpenCount>();
      for (const { _id: k, n } of rows) {
        const silenced = k.silenceId !== null && k.silenceId !== undefined;
        const tlp = k.tlp ?? 'clear';
        const key = JSON.stringify([k.tool, k.prio, k.status, k.zone ?? null, tlp, k.state, silenced]);
        const known = groups.get(key);
        if (known) known.n += n;
        else groups.set(key, openCount(k.tool, `P${k.prio}` as Priority, k.status, k.zone, k.state, silenced, n, tlp));
      }
      return [...groups.values()];
    });
  }

  putMedia(data: Buffer, mimeType: string): Promise<MediaRef> {
    if (!Buffer.isBuffer(data)) return Promise.reject(new TypeError('media data must be a Buffer'));
    if (typeof mimeType !== 'string' || mimeType === '') return Promise.reject(new TypeError('media needs a MIME type'));
    // Copied at once: the caller may reuse its buffer (frame pools do) before the write.
    const bytes = Buffer.from(data);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return this.op(async () => {
      // A re-put refreshes storedAt so that purge does not take an upload about to be referenced.
      try {
        await this.media.insertOne({ _id: digest, mime: mimeType, size: bytes.length, storedAt: Date.now(), data: new Binary(bytes) });
        return { digest, size: bytes.length, mimeType };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      await this.media.updateOne({ _id: digest }, { $set: { storedAt: Date.now() } });
      const row = await this.media.findOne({ _id: digest }, { projection: { mime: 1, size: 1 } });
      return { digest, size: row?.size ?? bytes.length, mimeType: row?.mime ?? mimeType };
    });
  }

  getMedia(digest: string): Promise<{ data: Buffer; mimeType: string } | undefined> {
    return this.op(async () => {
      const row = await this.media.findOne({ _id: digest });
      return row ? { data: Buffer.from(row.data.buffer), mimeType: row.mime } : undefined;
    });
  }

  purge(resolvedBefore: Date): Promise<PurgeResult> {
    let cutoff: number;
    try {
      cutoff = dateMs(resolvedBefore, 'resolvedBefore');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.op(async () => {
      const doomed = await this.alerts.find({ state: 'resolved', resolvedAt: { $lt: cutoff } }, { projection: { _id: 1, digests: 1 } }).toArray();
      const ids = doomed.map((r) => r._id);
      let alerts = 0;
      if (ids.length) {
        // The log goes after the alert, so a purge interrupted half-way leaves no alert without its log.
        alerts = (await this.alerts.deleteMany({ _id: { $in: ids }, state: 'resolved' })).deletedCount;
        await this.historyLog.deleteMany({ a: { $in: ids } });
        await this.claims.deleteMany({ a: { $in: ids } });
      }
      let media = 0;
      const candidates = new Set(doomed.flatMap((r) => r.digests ?? []));
      // Media never attached to any alert is only dropped once it is as old as the cutoff: a
      // fresh upload may be waiting for the ingest that references it.
      for (const row of await this.media.find({ storedAt: { $lt: cutoff } }, { projection: { _id: 1 } }).toArray()) candidates.add(row._id);
      for (const digest of candidates) {
        if (await this.alerts.findOne({ digests: digest }, { projection: { _id: 1 } })) continue;
        media += (await this.media.deleteOne({ _id: digest })).deletedCount;
      }
      return { alerts, media };
    });
  }

  // ---- silences ----

  putSilence(silence: Silence): Promise<void> {
    let row: SilenceRow;
    try {
      if (typeof silence?.id !== 'string' || silence.id === '') throw new TypeError('silence needs an id');
      row = {
        _id: silence.id,
        startsAt: toMs(silence.startsAt, `silence ${silence.id} startsAt`),
        endsAt: toMs(silence.endsAt, `silence ${silence.id} endsAt`),
        expiredAt: silence.expiredAt === undefined ? null : toMs(silence.expiredAt, `silence ${silence.id} expiredAt`),
        doc: JSON.stringify(silence),
      };
    } catch (err) {
      return Promise.reject(err);
    }
    return this.op(async () => {
      try {
        await this.silenceRows.replaceOne({ _id: row._id }, row, { upsert: true });
      } catch (err) {
        // Two first puts of one id raced to insert it; the loser's put is now an update.
        if (!isDuplicateKey(err)) throw err;
        await this.silenceRows.replaceOne({ _id: row._id }, row);
      }
    });
  }

  silences(at?: Date): Promise<Silence[]> {
    return this.op(async () => {
      const rows = at === undefined
        ? await this.silenceRows.find({}).sort({ startsAt: 1, _id: 1 }).toArray()
        : await this.activeSilenceRows(dateMs(at, 'at'));
      return rows.map((r) => JSON.parse(r.doc) as Silence);
    });
  }

  getSilence(id: string): Promise<Silence | undefined> {
    return this.op(async () => {
      const row = await this.silenceRows.findOne({ _id: id });
      return row ? (JSON.parse(row.doc) as Silence) : undefined;
    });
  }

  // ---- internals ----

  private bind(db: Db): void {
    const prefix = this.options.collectionPrefix ?? 'impetus_';
    this.alerts = db.collection<AlertRow>(`${prefix}alerts`);
    this.historyLog = db.collection<HistoryRow>(`${prefix}history`);
    this.media = db.collection<MediaRow>(`${prefix}media`);
    this.silenceRows = db.collection<SilenceRow>(`${prefix}silences`);
    this.claims = db.collection<ClaimRow>(`${prefix}claims`);
  }

  /**
   * Idempotent: every runtime runs it at start; an existing index with the same spec is a
   * no-op. One index per command: FerretDB 1.24 drops the connection when one createIndexes
   * command names several indexes that already exist.
   */
  private async createIndexes(): Promise<void> {
    const specs: [Collection<never>, Record<string, 1 | -1>, string, boolean?][] = [
      [this.alerts as never, { openKey: 1 }, 'open_fingerprint', true],
      [this.alerts as never, { fp: 1, ins: -1 }, 'fingerprint'],
      [this.alerts as never, { state: 1, prio: 1, lastSeen: -1 }, 'state_priority'],
      [this.alerts as never, { lastSeen: -1 }, 'last_seen'],
      [this.alerts as never, { tool: 1 }, 'tool'],
      [this.alerts as never, { zone: 1 }, 'zone'],
      [this.alerts as never, { resolvedAt: 1 }, 'resolved_at'],
      [this.alerts as never, { escNext: 1 }, 'escalation'],
      [this.alerts as never, { digests: 1 }, 'media_refs'],
      [this.historyLog as never, { a: 1, s: 1 }, 'alert_seq', true],
      [this.media as never, { storedAt: 1 }, 'stored_at'],
      [this.silenceRows as never, { startsAt: 1, endsAt: 1 }, 'window'],
      [this.claims as never, { a: 1 }, 'alert'],
    ];
    for (const [collection, key, name, unique] of specs) await collection.createIndex(key, { name, unique: unique ?? false });
  }

  private activeSilenceRows(at: number): Promise<SilenceRow[]> {
    return this.silenceRows
      .find({ startsAt: { $lte: at }, endsAt: { $gt: at }, $or: [{ expiredAt: null }, { expiredAt: { $gt: at } }] })
      .sort({ startsAt: 1, _id: 1 })
      .toArray();
  }

  private unavailable(): Error {
    if (this.phase === 'new') return new Error(`${this.where} is not open; call open() first`);
    return new Error(`${this.where} is closed`);
  }

  /** Runs an operation only while open, and keeps it in view so close() can wait for it. */
  private op<T>(run: () => Promise<T>): Promise<T> {
    if (this.phase !== 'open') return Promise.reject(this.unavailable());
    let promise: Promise<T>;
    try {
      promise = run();
    } catch (err) {
      return Promise.reject(err);
    }
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private serialised<T>(key: unknown, run: () => Promise<T>): Promise<T> {
    const k = String(key);
    const previous = this.fingerprintQueues.get(k) ?? Promise.resolve();
    const next = previous.then(run, run);
    const tail = next.catch(() => undefined);
    this.fingerprintQueues.set(k, tail);
    void tail.then(() => {
      if (this.fingerprintQueues.get(k) === tail) this.fingerprintQueues.delete(k);
    });
    return next;
  }

  private nextIns(): number {
    // Time-based so that runtimes agree roughly on order; strictly increasing within one.
    this.lastIns = Math.max(Date.now() * 1000, this.lastIns + 1);
    return this.lastIns;
  }

  private async ingestLoop(candidate: Alert, merge: MergeOccurrence): Promise<IngestResult> {
    if (typeof candidate?.fingerprint !== 'string' || candidate.fingerprint === '') throw new TypeError('candidate alert has no fingerprint');
    const fp = candidate.fingerprint;
    for (let attempt = 0; attempt < MAX_INGEST_ATTEMPTS; attempt++) {
      const cached = this.openCache.get(fp);
      this.openCache.delete(fp);
      const holder = cached ?? await this.alerts.findOne({ openKey: fp });
      // An open alert without the slot exists only after a reopen; the newest one is merged into.
      const open = holder ?? (await this.alerts.findOne({ fp, state: { $ne: 'resolved' } }, { sort: { ins: -1 } }));
      try {
        if (open) {
          const existing = JSON.parse(open.doc) as Alert;
          const merged = merge(existing);
          if (merged?.id !== existing.id) throw new Error(`merge must keep the alert id ${existing.id}`);
          const { alert, row } = await this.updateRow({ ...merged, version: existing.version }, open, open.openKey === fp ? 'keep' : 'claim');
          this.cacheOpen(fp, row);
          return { alert, outcome: 'deduplicated' };
        }
        const previous = await this.alerts.findOne({ fp }, { sort: { ins: -1 }, projection: { _id: 1 } });
        const next = previous ? { ...candidate, previousId: previous._id } : candidate;
        return { alert: await this.insert(next), outcome: 'created' };
      } catch (err) {
        // The cached row's alert was purged meanwhile (by another runtime): look again.
        if (cached && open === cached && err instanceof NotFoundError) continue;
        // Another writer (in this process or another runtime) got there first: look again.
        if (err instanceof ConflictError || isDuplicateKey(err)) {
          if (!open && (await this.alerts.findOne({ _id: candidate.id }, { projection: { _id: 1 } }))) {
            throw new DuplicateIdError(candidate.id);
          }
          continue;
        }
        throw err;
      }
    }
    throw unsettled(fp);
  }

  /** The row for `alert` stored as version `alert.version + 1`. */
  private row(alert: Alert, openKey: string, ins: number): AlertRow {
    if (!Number.isInteger(alert.version) || alert.version < 0) throw new TypeError(`alert ${alert.id} has no valid version`);
    const history = Array.isArray(alert.history) ? alert.history : [];
    for (const entry of history) {
      if (!Number.isInteger(entry?.seq)) throw new TypeError(`alert ${alert.id} has a history entry without an integer seq`);
    }
    const stored: Alert = {
      ...alert,
      version: alert.version + 1,
      history: history.length > this.historyWindow ? history.slice(-this.historyWindow) : history,
    };
    const prio = priorityRank(stored.priority);
    if (!Number.isInteger(prio)) throw new TypeError(`alert ${stored.id} has an unknown priority ${String(stored.priority)}`);
    return {
      _id: stored.id,
      doc: JSON.stringify(stored),
      fp: stored.fingerprint,
      openKey,
      ins,
      version: stored.version,
      state: stored.state,
      prio,
      tool: stored.tool,
      severity: stored.severity,
      status: stored.status,
      zone: stored.zone ?? null,
      tlp: stored.tlp ?? null,
      lastSeen: toMs(stored.lastSeen, `alert ${stored.id} lastSeen`),
      resolvedAt: stored.state === 'resolved' && stored.resolved ? toMs(stored.resolved.at, `alert ${stored.id} resolved.at`) : null,
      escNext: stored.escalation?.nextAt !== undefined ? toMs(stored.escalation.nextAt, `alert ${stored.id} escalation.nextAt`) : null,
      silenceId: stored.silenced?.silenceId ?? null,
      search: [stored.headline, stored.description, stored.event, stored.areaDesc].filter((s) => typeof s === 'string').join('\u001f').toLowerCase(),
      digests: [...new Set((stored.resources ?? []).map((r) => r.digest).filter((d): d is string => typeof d === 'string'))],
      seqMax: history.reduce((max, e) => Math.max(max, e.seq), 0),
    };
  }

  private async insert(alert: Alert): Promise<Alert> {
    const row = this.row(alert, alert.fingerprint, this.nextIns());
    // The log first, so that an alert is never visible without its history.
    await this.writeLog(row._id, alert.history ?? [], 0);
    try {
      await this.alerts.insertOne(row);
    } catch (err) {
      // Lost the race for the fingerprint (or the id): withdraw the entries, unless the alert
      // under this id is real (then they are its own).
      if (!(await this.alerts.findOne({ _id: row._id }, { projection: { _id: 1 } }))) await this.historyLog.deleteMany({ a: row._id });
      throw err;
    }
    return JSON.parse(row.doc) as Alert;
  }

  /**
   * Compare-and-set of an existing alert: claim version v+1, log the new entries, then write
   * the alert. `slot`: keep the row's openKey, claim the fingerprint (may raise a duplicate key
   * error, after which the claim is withdrawn), or release it.
   */
  private async update(alert: Alert, current: AlertRow, slot: 'keep' | 'claim' | 'release'): Promise<Alert> {
    return (await this.updateRow(alert, current, slot)).alert;
  }

  /**
   * update(), also answering the row as now stored. `base`: the stored version it replaces, when
   * that is older than `alert.version` (repeats written together); the claim is always on
   * base + 1, the one every writer of that version contends for.
   */
  private async updateRow(alert: Alert, current: AlertRow, slot: 'keep' | 'claim' | 'release', base = alert.version): Promise<{ alert: Alert; row: AlertRow }> {
    const resolved = alert.state === 'resolved';
    const openKey = resolved || slot === 'release' ? `~${alert.id}` : slot === 'claim' ? alert.fingerprint : current.openKey;
    const { _id, ...fields } = this.row(alert, openKey, current.ins) as Partial<AlertRow> & Pick<AlertRow, '_id' | 'doc' | 'version'>;
    delete fields.ins;
    const claim = `${_id}@${base + 1}`;
    const tookOver = await this.claim(claim, _id, base);
    // Entries a dead writer logged beyond the stored document are not part of the history.
    try {
      if (tookOver) await this.historyLog.deleteMany({ a: _id, s: { $gt: current.seqMax ?? 0 } });
      await this.writeLog(_id, alert.history ?? [], current.seqMax ?? 0);
      const result = await this.alerts.updateOne({ _id, version: base }, { $set: fields });
      if (result.matchedCount === 0) throw new NotFoundError(_id);
    } catch (err) {
      // Withdraw what this write did, so the next writer does not wait out the claim's lease.
      await this.historyLog.deleteMany({ a: _id, s: { $gt: current.seqMax ?? 0 } }).catch(() => undefined);
      await this.claims.deleteOne({ _id: claim }).catch(() => undefined);
      throw err;
    }
    // The claim has done its job once the version is in place; dropping it keeps the collection
    // small. A failure here must not fail the write, which is stored: an error would have the
    // caller (or transient()) write the repeats again and count them twice. A claim left behind
    // is on a version already passed, which nobody can take any more; the purge removes it.
    await this.claims.deleteOne({ _id: claim }).catch(() => undefined);
    return { alert: JSON.parse(fields.doc) as Alert, row: { ...current, ...fields, _id } as AlertRow };
  }

  /** Inserts the claim on a version; returns whether a dead writer's stale claim was taken over. */
  private claim(claim: string, alertId: string, expected: number): Promise<boolean> {
    return claimVersion(this.claims, this.alerts, claim, alertId, expected);
  }

  /** Writes the entries above `after`; replaces (not skips) an entry a dead writer left under the same seq. */
  private async writeLog(alertId: string, history: HistoryEntry[], after: number): Promise<void> {
    const fresh = history.filter((e) => e.seq > after);
    if (fresh.length === 0) return;
    await this.historyLog.bulkWrite(
      fresh.map((e) => {
        const row = { _id: historyId(alertId, e.seq), a: alertId, s: e.seq, entry: JSON.stringify(e) };
        return { replaceOne: { filter: { _id: row._id }, replacement: row, upsert: true } };
      }),
      { ordered: true },
    );
  }
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
