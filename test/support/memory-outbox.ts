import { randomUUID } from 'node:crypto';
import { checkEnqueue } from '../../nodes/platform/store/outbox-check';
import type { DeliveryRef, OutboxEnqueue, OutboxEntry, OutboxPurgeResult, OutboxStore } from '../../nodes/platform/store/types';

/**
 * A non-durable outbox for unit tests and benchmarks of the delivery engine. It keeps the
 * contract (test/contract/outbox-store.contract.ts) except durability: nothing survives the process.
 */
export class MemoryOutboxStore implements OutboxStore {
  readonly kind = 'memory';
  private entries = new Map<string, OutboxEntry & { updatedAt: number }>();
  private refs = new Map<string, DeliveryRef>();
  private cursors = new Map<string, string>();
  private seq = 0;

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async enqueue(entry: OutboxEnqueue, now: number): Promise<{ entry: OutboxEntry; coalesced: boolean }> {
    checkEnqueue(entry);
    const payload = structuredClone(entry.payload);
    for (const e of this.entries.values()) {
      if (e.state === 'pending' && e.channel === entry.channel && e.chat === entry.chat && e.key === entry.key) {
        e.payload = payload;
        e.priority = Math.min(e.priority, entry.priority);
        e.version += 1;
        e.updatedAt = now;
        return { entry: this.copy(e), coalesced: true };
      }
    }
    const stored: OutboxEntry & { updatedAt: number } = {
      id: randomUUID(),
      channel: entry.channel,
      chat: entry.chat,
      key: entry.key,
      priority: entry.priority,
      seq: ++this.seq,
      version: 1,
      payload,
      attempts: 0,
      notBefore: now,
      createdAt: now,
      updatedAt: now,
      state: 'pending',
    };
    if (entry.alertId !== undefined) stored.alertId = entry.alertId;
    if (entry.origin !== undefined) stored.origin = entry.origin;
    this.entries.set(stored.id, stored);
    return { entry: this.copy(stored), coalesced: false };
  }

  private copy(e: OutboxEntry & { updatedAt?: number }): OutboxEntry {
    const copy: OutboxEntry & { updatedAt?: number } = structuredClone(e);
    delete copy.updatedAt;
    return copy;
  }

  async pending(channel: string): Promise<OutboxEntry[]> {
    return [...this.entries.values()].filter((e) => e.channel === channel && e.state === 'pending').sort((a, b) => a.seq - b.seq).map((e) => this.copy(e));
  }

  async failed(channel: string, limit = 100): Promise<OutboxEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.channel === channel && e.state === 'failed')
      .sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq)
      .slice(0, limit)
      .map((e) => this.copy(e));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const e = this.entries.get(id);
    return e ? this.copy(e) : undefined;
  }

  async complete(id: string, version: number): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e || e.version !== version || e.state !== 'pending') return false;
    this.entries.delete(id);
    return true;
  }

  async retry(id: string, attempts: number, notBefore: number, lastError: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.state !== 'pending') return;
    Object.assign(e, { attempts, notBefore, lastError, updatedAt: Date.now() });
  }

  async fail(id: string, version: number, error: string, now: number): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e || e.version !== version || e.state !== 'pending') return false;
    Object.assign(e, { state: 'failed', lastError: error, updatedAt: now });
    return true;
  }

  async putRef(ref: DeliveryRef): Promise<void> {
    this.refs.set(JSON.stringify([ref.channel, ref.chat, ref.key]), structuredClone({ ...ref, data: ref.data ?? {} }));
  }

  async getRef(channel: string, chat: string, key: string): Promise<DeliveryRef | undefined> {
    const ref = this.refs.get(JSON.stringify([channel, chat, key]));
    return ref ? structuredClone(ref) : undefined;
  }

  async refsForAlert(channel: string, alertId: string): Promise<DeliveryRef[]> {
    return [...this.refs.values()]
      .filter((r) => r.channel === channel && r.alertId === alertId)
      .sort((a, b) => (a.chat < b.chat ? -1 : a.chat > b.chat ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => structuredClone(r));
  }

  async refByMessage(channel: string, chat: string, messageId: string): Promise<DeliveryRef | undefined> {
    for (const r of this.refs.values()) if (r.channel === channel && r.chat === chat && r.messageId === messageId) return structuredClone(r);
    return undefined;
  }

  async purge(before: number): Promise<OutboxPurgeResult> {
    let refs = 0;
    let failed = 0;
    for (const [k, r] of this.refs) {
      if (r.updatedAt < before && this.refs.delete(k)) refs++;
    }
    for (const [k, e] of this.entries) {
      if (e.state === 'failed' && e.updatedAt < before && this.entries.delete(k)) failed++;
    }
    return { refs, failed };
  }

  async getCursor(name: string): Promise<string | undefined> {
    return this.cursors.get(name);
  }

  async setCursor(name: string, value: string): Promise<void> {
    this.cursors.set(name, value);
  }
}
