import { randomUUID } from 'node:crypto';
import type { Collection, MongoClient } from 'mongodb';
import type { MongoBesideOptions } from './mongodb-beside';
import { checkMongoOptions, connectBeside } from './mongodb-beside';
import { isDuplicateKey } from './mongodb-errors';
import { checkEnqueue } from './outbox-check';
import { toEntry, toRef, toRefFields } from './outbox-rows';
import type { EntryFields, RefFields } from './outbox-rows';
import type { DeliveryRef, OutboxEnqueue, OutboxEntry, OutboxPurgeResult, OutboxStore } from './types';

export type MongoOutboxStoreOptions = MongoBesideOptions;

interface EntryRow extends EntryFields {
  _id: string;
  /**
   * `channel\nchat\nkey` while pending, `~<id>` otherwise. Its unique index makes "one pending
   * entry per key" hold without multi-document transactions, which FerretDB 1.x lacks.
   */
  pendingKey: string;
  updatedAt: number;
}

interface RefRow extends RefFields {
  _id: string;
}

interface CursorRow {
  _id: string;
  value: string;
  updatedAt: number;
}

function pendingKeyOf(channel: string, chat: string, key: string): string {
  return `${channel}\n${chat}\n${key}`;
}

/**
 * The outbox beside the MongoDB alert store, in the same database. It opens its own client
 * because the alert store keeps its connection to itself; both point at the same server.
 *
 * Writes are serialised in this process: FerretDB 1.x applies a filtered update as a read and
 * a write-back, so two writes to one entry must not interleave. The outbox's write rate is
 * bounded by the chat services' rate limits (tens per second), far below what that costs.
 * Each runtime owns its channels (their names include the runtime instance), so no two
 * processes write one entry.
 */
export class MongoOutboxStore implements OutboxStore {
  readonly kind = 'mongodb';
  private client?: MongoClient;
  private entries!: Collection<EntryRow>;
  private refs!: Collection<RefRow>;
  private cursors!: Collection<CursorRow>;
  private chain: Promise<unknown> = Promise.resolve();
  private lastSeq = 0;
  private phase: 'new' | 'open' | 'closed' = 'new';

  constructor(private readonly options: MongoOutboxStoreOptions) {
    checkMongoOptions(options, 'MongoOutboxStore');
  }

  async open(): Promise<void> {
    if (this.phase === 'open') return;
    if (this.phase === 'closed') throw new Error('outbox store is closed');
    const { client, db, prefix } = await connectBeside(this.options);
    this.entries = db.collection<EntryRow>(`${prefix}notify_outbox`);
    this.refs = db.collection<RefRow>(`${prefix}notify_refs`);
    this.cursors = db.collection<CursorRow>(`${prefix}notify_cursors`);
    try {
      await this.entries.createIndex({ pendingKey: 1 }, { unique: true, name: 'pending_key' });
      await this.entries.createIndex({ channel: 1, state: 1, seq: 1 }, { name: 'channel_state_seq' });
      await this.entries.createIndex({ state: 1, updatedAt: 1 }, { name: 'state_updated' });
      await this.refs.createIndex({ channel: 1, alertId: 1 }, { name: 'channel_alert' });
      await this.refs.createIndex({ channel: 1, chat: 1, messageId: 1 }, { name: 'channel_chat_message' });
      await this.refs.createIndex({ updatedAt: 1 }, { name: 'updated' });
      // Seq continues after the highest stored one, so the FIFO order survives a restart even
      // if the clock went back.
      const last = await this.entries.find({}, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).toArray();
      this.lastSeq = last[0]?.seq ?? 0;
    } catch (err) {
      await client.close();
      throw err;
    }
    this.client = client;
    this.phase = 'open';
  }

  async close(): Promise<void> {
    if (this.phase !== 'open') {
      this.phase = 'closed';
      return;
    }
    this.phase = 'closed';
    await this.chain.catch(() => undefined);
    await this.client?.close();
    this.client = undefined;
  }

  private ready(): void {
    if (this.phase !== 'open') throw new Error(this.phase === 'new' ? 'outbox store is not open' : 'outbox store is closed');
  }

  /** Runs writes one after another (see the class comment). */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    try {
      this.ready();
    } catch (err) {
      return Promise.reject(err);
    }
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return this.lastSeq;
  }

  enqueue(entry: OutboxEnqueue, now: number): Promise<{ entry: OutboxEntry; coalesced: boolean }> {
    try {
      checkEnqueue(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    const payload = JSON.stringify(entry.payload);
    const pendingKey = pendingKeyOf(entry.channel, entry.chat, entry.key);
    return this.serial(async () => {
      const existing = await this.entries.findOne({ pendingKey });
      if (existing) {
        const next: EntryRow = { ...existing, payload, priority: Math.min(existing.priority, entry.priority), version: existing.version + 1, updatedAt: now };
        const result = await this.entries.replaceOne({ _id: existing._id, version: existing.version }, next);
        if (result.matchedCount === 1) return { entry: toEntry(next._id, next), coalesced: true };
      }
      const id = randomUUID();
      const row: EntryRow = {
        _id: id,
        pendingKey,
        seq: this.nextSeq(),
        channel: entry.channel,
        chat: entry.chat,
        key: entry.key,
        alertId: entry.alertId ?? null,
        origin: entry.origin ?? null,
        priority: entry.priority,
        version: 1,
        state: 'pending',
        attempts: 0,
        notBefore: now,
        createdAt: now,
        updatedAt: now,
        lastError: null,
        payload,
      };
      try {
        await this.entries.insertOne(row);
      } catch (err) {
        // Another process still holds a pending entry under that key (the contract forbids it,
        // but a stale one from a runtime renamed since would do it): queue beside it.
        if (!isDuplicateKey(err)) throw err;
        row.pendingKey = `~${id}`;
        await this.entries.insertOne(row);
      }
      return { entry: toEntry(row._id, row), coalesced: false };
    });
  }

  async pending(channel: string): Promise<OutboxEntry[]> {
    this.ready();
    return (await this.entries.find({ channel, state: 'pending' }).sort({ seq: 1 }).toArray()).map((row) => toEntry(row._id, row));
  }

  async failed(channel: string, limit = 100): Promise<OutboxEntry[]> {
    this.ready();
    return (await this.entries.find({ channel, state: 'failed' }).sort({ updatedAt: -1, seq: -1 }).limit(Math.max(0, Math.floor(limit))).toArray()).map((row) => toEntry(row._id, row));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    this.ready();
    const row = await this.entries.findOne({ _id: id });
    return row ? toEntry(row._id, row) : undefined;
  }

  complete(id: string, version: number): Promise<boolean> {
    return this.serial(async () => (await this.entries.deleteOne({ _id: id, version, state: 'pending' })).deletedCount === 1);
  }

  retry(id: string, attempts: number, notBefore: number, lastError: string): Promise<void> {
    return this.serial(async () => {
      await this.entries.updateOne({ _id: id, state: 'pending' }, { $set: { attempts, notBefore, lastError, updatedAt: Date.now() } });
    });
  }

  fail(id: string, version: number, error: string, now: number): Promise<boolean> {
    return this.serial(async () => {
      const result = await this.entries.updateOne({ _id: id, version, state: 'pending' }, { $set: { state: 'failed', pendingKey: `~${id}`, lastError: error, updatedAt: now } });
      return result.matchedCount === 1;
    });
  }

  putRef(ref: DeliveryRef): Promise<void> {
    const row: RefRow = { _id: JSON.stringify([ref.channel, ref.chat, ref.key]), ...toRefFields(ref) };
    return this.serial(async () => {
      await this.refs.replaceOne({ _id: row._id }, row, { upsert: true });
    });
  }

  async getRef(channel: string, chat: string, key: string): Promise<DeliveryRef | undefined> {
    this.ready();
    const row = await this.refs.findOne({ _id: JSON.stringify([channel, chat, key]) });
    return row ? toRef(row) : undefined;
  }

  async refsForAlert(channel: string, alertId: string): Promise<DeliveryRef[]> {
    this.ready();
    return (await this.refs.find({ channel, alertId }).sort({ chat: 1, key: 1 }).toArray()).map(toRef);
  }

  async refByMessage(channel: string, chat: string, messageId: string): Promise<DeliveryRef | undefined> {
    this.ready();
    const row = await this.refs.findOne({ channel, chat, messageId });
    return row ? toRef(row) : undefined;
  }

  purge(before: number): Promise<OutboxPurgeResult> {
    return this.serial(async () => {
      const refs = (await this.refs.deleteMany({ updatedAt: { $lt: before } })).deletedCount;
      const failed = (await this.entries.deleteMany({ state: 'failed', updatedAt: { $lt: before } })).deletedCount;
      return { refs, failed };
    });
  }

  async getCursor(name: string): Promise<string | undefined> {
    this.ready();
    return (await this.cursors.findOne({ _id: name }))?.value;
  }

  setCursor(name: string, value: string, now: number): Promise<void> {
    return this.serial(async () => {
      await this.cursors.replaceOne({ _id: name }, { value, updatedAt: now }, { upsert: true });
    });
  }
}
