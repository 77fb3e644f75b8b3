import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { checkEnqueue } from './outbox-check';
import type { SqliteAlertStore } from './sqlite';
import type { DeliveryRef, OutboxEnqueue, OutboxEntry, OutboxPurgeResult, OutboxState, OutboxStore } from './types';

interface EntryRow {
  seq: number;
  id: string;
  channel: string;
  chat: string;
  key: string;
  alert_id: string | null;
  origin: string | null;
  priority: number;
  version: number;
  state: string;
  attempts: number;
  not_before: number;
  created_at: number;
  last_error: string | null;
  payload: string;
}

interface RefRow {
  channel: string;
  chat: string;
  key: string;
  alert_id: string;
  origin: string | null;
  message_id: string | null;
  updated_at: number;
  data: string;
}

const ENTRY_COLUMNS = 'seq, id, channel, chat, key, alert_id, origin, priority, version, state, attempts, not_before, created_at, last_error, payload';
const REF_COLUMNS = 'channel, chat, key, alert_id, origin, message_id, updated_at, data';
const DEFAULT_FAILED_LIMIT = 100;

function prepare(db: Database.Database) {
  return {
    pendingByKey: db.prepare<[string, string, string], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM notify_outbox WHERE channel = ? AND chat = ? AND key = ? AND state = 'pending'`,
    ),
    coalesce: db.prepare<[string, number, number, string]>(
      'UPDATE notify_outbox SET payload = ?, priority = min(priority, ?), version = version + 1, updated_at = ? WHERE id = ?',
    ),
    insert: db.prepare(`
      INSERT INTO notify_outbox (id, channel, chat, key, alert_id, origin, priority, version, state, attempts, not_before, created_at, updated_at, payload)
      VALUES (@id, @channel, @chat, @key, @alert_id, @origin, @priority, 1, 'pending', 0, @now, @now, @now, @payload)`),
    byId: db.prepare<[string], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM notify_outbox WHERE id = ?`),
    pending: db.prepare<[string], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM notify_outbox WHERE channel = ? AND state = 'pending' ORDER BY seq`),
    failed: db.prepare<[string, number], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM notify_outbox WHERE channel = ? AND state = 'failed' ORDER BY updated_at DESC, seq DESC LIMIT ?`,
    ),
    complete: db.prepare<[string, number]>("DELETE FROM notify_outbox WHERE id = ? AND version = ? AND state = 'pending'"),
    retry: db.prepare<[number, number, string, number, string]>(
      "UPDATE notify_outbox SET attempts = ?, not_before = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
    ),
    fail: db.prepare<[string, number, string, number]>(
      "UPDATE notify_outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND version = ? AND state = 'pending'",
    ),
    putRef: db.prepare(`
      INSERT INTO notify_refs (${REF_COLUMNS}) VALUES (@channel, @chat, @key, @alert_id, @origin, @message_id, @updated_at, @data)
      ON CONFLICT (channel, chat, key) DO UPDATE SET alert_id = excluded.alert_id, origin = excluded.origin,
        message_id = excluded.message_id, updated_at = excluded.updated_at, data = excluded.data`),
    getRef: db.prepare<[string, string, string], RefRow>(`SELECT ${REF_COLUMNS} FROM notify_refs WHERE channel = ? AND chat = ? AND key = ?`),
    refsForAlert: db.prepare<[string, string], RefRow>(`SELECT ${REF_COLUMNS} FROM notify_refs WHERE channel = ? AND alert_id = ? ORDER BY chat, key`),
    refByMessage: db.prepare<[string, string, string], RefRow>(
      `SELECT ${REF_COLUMNS} FROM notify_refs WHERE channel = ? AND chat = ? AND message_id = ? LIMIT 1`,
    ),
    purgeRefs: db.prepare<[number]>('DELETE FROM notify_refs WHERE updated_at < ?'),
    purgeFailed: db.prepare<[number]>("DELETE FROM notify_outbox WHERE state = 'failed' AND updated_at < ?"),
    getCursor: db.prepare<[string], { value: string }>('SELECT value FROM notify_cursors WHERE name = ?'),
    setCursor: db.prepare<[string, string, number]>(`
      INSERT INTO notify_cursors (name, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
  };
}

type Statements = ReturnType<typeof prepare>;

function toEntry(row: EntryRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: row.id,
    channel: row.channel,
    chat: row.chat,
    key: row.key,
    priority: row.priority,
    seq: row.seq,
    version: row.version,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    state: row.state as OutboxState,
  };
  if (row.alert_id !== null) entry.alertId = row.alert_id;
  if (row.origin !== null) entry.origin = row.origin;
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

function toRef(row: RefRow): DeliveryRef {
  const ref: DeliveryRef = {
    channel: row.channel,
    chat: row.chat,
    key: row.key,
    alertId: row.alert_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    updatedAt: row.updated_at,
  };
  if (row.origin !== null) ref.origin = row.origin;
  if (row.message_id !== null) ref.messageId = row.message_id;
  return ref;
}

/**
 * The outbox in the SQLite alert database. Its tables come from the store's migrations (step
 * 4) and its writes ride the store's group commit, so an outbox write costs no fsync of its own
 * in a burst and is durable exactly when an alert write would be.
 */
export class SqliteOutboxStore implements OutboxStore {
  readonly kind = 'sqlite';
  private stmts?: { db: Database.Database; s: Statements };

  constructor(private readonly store: SqliteAlertStore) {}

  /** The alert store owns the file: it is opened and closed with it. */
  async open(): Promise<void> {
    this.statements();
  }

  async close(): Promise<void> {
    this.stmts = undefined;
  }

  private statements(): Statements {
    const db = this.store.connection();
    // A reopened alert store has a new connection; statements of the old one are dead.
    if (this.stmts?.db !== db) this.stmts = { db, s: prepare(db) };
    return this.stmts.s;
  }

  enqueue(entry: OutboxEnqueue, now: number): Promise<{ entry: OutboxEntry; coalesced: boolean }> {
    try {
      checkEnqueue(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    const payload = JSON.stringify(entry.payload);
    return this.store.transact(() => {
      const s = this.statements();
      const existing = s.pendingByKey.get(entry.channel, entry.chat, entry.key);
      if (existing) {
        s.coalesce.run(payload, entry.priority, now, existing.id);
        return { entry: toEntry(s.byId.get(existing.id)!), coalesced: true };
      }
      const id = randomUUID();
      s.insert.run({ id, channel: entry.channel, chat: entry.chat, key: entry.key, alert_id: entry.alertId ?? null, origin: entry.origin ?? null, priority: entry.priority, now, payload });
      return { entry: toEntry(s.byId.get(id)!), coalesced: false };
    });
  }

  async pending(channel: string): Promise<OutboxEntry[]> {
    return this.statements().pending.all(channel).map(toEntry);
  }

  async failed(channel: string, limit = DEFAULT_FAILED_LIMIT): Promise<OutboxEntry[]> {
    return this.statements().failed.all(channel, Math.max(0, Math.floor(limit))).map(toEntry);
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const row = this.statements().byId.get(id);
    return row ? toEntry(row) : undefined;
  }

  complete(id: string, version: number): Promise<boolean> {
    return this.store.transact(() => this.statements().complete.run(id, version).changes === 1);
  }

  retry(id: string, attempts: number, notBefore: number, lastError: string): Promise<void> {
    return this.store.transact(() => {
      this.statements().retry.run(attempts, notBefore, lastError, Date.now(), id);
    });
  }

  fail(id: string, version: number, error: string, now: number): Promise<boolean> {
    return this.store.transact(() => this.statements().fail.run(error, now, id, version).changes === 1);
  }

  putRef(ref: DeliveryRef): Promise<void> {
    const row = {
      channel: ref.channel,
      chat: ref.chat,
      key: ref.key,
      alert_id: ref.alertId,
      origin: ref.origin ?? null,
      message_id: ref.messageId ?? null,
      updated_at: ref.updatedAt,
      data: JSON.stringify(ref.data ?? {}),
    };
    return this.store.transact(() => {
      this.statements().putRef.run(row);
    });
  }

  async getRef(channel: string, chat: string, key: string): Promise<DeliveryRef | undefined> {
    const row = this.statements().getRef.get(channel, chat, key);
    return row ? toRef(row) : undefined;
  }

  async refsForAlert(channel: string, alertId: string): Promise<DeliveryRef[]> {
    return this.statements().refsForAlert.all(channel, alertId).map(toRef);
  }

  async refByMessage(channel: string, chat: string, messageId: string): Promise<DeliveryRef | undefined> {
    const row = this.statements().refByMessage.get(channel, chat, messageId);
    return row ? toRef(row) : undefined;
  }

  purge(before: number): Promise<OutboxPurgeResult> {
    return this.store.transact(() => {
      const s = this.statements();
      return { refs: s.purgeRefs.run(before).changes, failed: s.purgeFailed.run(before).changes };
    });
  }

  async getCursor(name: string): Promise<string | undefined> {
    return this.statements().getCursor.get(name)?.value;
  }

  setCursor(name: string, value: string, now: number): Promise<void> {
    return this.store.transact(() => {
      this.statements().setCursor.run(name, value, now);
    });
  }
}
