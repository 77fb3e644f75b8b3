import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { checkEnqueue } from './outbox-check';
import { toEntry, toRef, toRefFields } from './outbox-rows';
import type { EntryFields, RefFields } from './outbox-rows';
import type { SqliteAlertStore } from './sqlite';
import type { DeliveryRef, OutboxEnqueue, OutboxEntry, OutboxPurgeResult, OutboxStore } from './types';

interface EntryRow extends EntryFields {
  id: string;
}

// Read under the names of EntryFields and RefFields, which the MongoDB outbox shares.
const ENTRY_COLUMNS =
  'seq, id, channel, chat, key, alert_id AS alertId, origin, priority, version, state, attempts, not_before AS notBefore, created_at AS createdAt, last_error AS lastError, payload';
const REF_COLUMNS = 'channel, chat, key, alert_id AS alertId, origin, message_id AS messageId, updated_at AS updatedAt, data';
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
      INSERT INTO notify_refs (channel, chat, key, alert_id, origin, message_id, updated_at, data) VALUES (@channel, @chat, @key, @alertId, @origin, @messageId, @updatedAt, @data)
      ON CONFLICT (channel, chat, key) DO UPDATE SET alert_id = excluded.alert_id, origin = excluded.origin,
        message_id = excluded.message_id, updated_at = excluded.updated_at, data = excluded.data`),
    getRef: db.prepare<[string, string, string], RefFields>(`SELECT ${REF_COLUMNS} FROM notify_refs WHERE channel = ? AND chat = ? AND key = ?`),
    refsForAlert: db.prepare<[string, string], RefFields>(`SELECT ${REF_COLUMNS} FROM notify_refs WHERE channel = ? AND alert_id = ? ORDER BY chat, key`),
    refByMessage: db.prepare<[string, string, string], RefFields>(
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
        return { entry: toEntry(existing.id, s.byId.get(existing.id)!), coalesced: true };
      }
      const id = randomUUID();
      s.insert.run({ id, channel: entry.channel, chat: entry.chat, key: entry.key, alert_id: entry.alertId ?? null, origin: entry.origin ?? null, priority: entry.priority, now, payload });
      return { entry: toEntry(id, s.byId.get(id)!), coalesced: false };
    });
  }

  async pending(channel: string): Promise<OutboxEntry[]> {
    return this.statements().pending.all(channel).map((row) => toEntry(row.id, row));
  }

  async failed(channel: string, limit = DEFAULT_FAILED_LIMIT): Promise<OutboxEntry[]> {
    return this.statements().failed.all(channel, Math.max(0, Math.floor(limit))).map((row) => toEntry(row.id, row));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const row = this.statements().byId.get(id);
    return row ? toEntry(row.id, row) : undefined;
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
    const row = toRefFields(ref);
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
