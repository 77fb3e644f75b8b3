import assert from 'node:assert/strict';
import type { OutboxEnqueue, OutboxStore } from '../../nodes/platform/store/types';

/** An opened outbox over fresh storage. */
export interface OutboxHarness {
  store: OutboxStore;
  /** Whether `reopen` keeps what was written (false for the in-memory adapter only). */
  durable: boolean;
  /** Closes the store (and what it sits on) and opens a new one over the same storage. */
  reopen(): Promise<OutboxStore>;
  cleanup(): Promise<void>;
}

/**
 * What every OutboxStore adapter must do, written against the interface: the SQLite and
 * MongoDB adapters, and the in-memory one the engine's unit tests use, are held to it alike.
 */
export function outboxStoreContract(name: string, factory: () => Promise<OutboxHarness>): void {
  describe(`OutboxStore contract: ${name}`, function () {
    let harness: OutboxHarness;
    let store: OutboxStore;
    const T = 1_750_000_000_000;

    const entry = (over: Partial<OutboxEnqueue> = {}): OutboxEnqueue => ({
      channel: 'telegram:a',
      chat: '100',
      key: 'alert-1',
      alertId: 'alert-1',
      origin: 'node-1',
      priority: 3,
      payload: { headline: 'first', n: 1 },
      ...over,
    });

    beforeEach(async function () {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async function () {
      await harness.cleanup();
    });

    it('queues entries in FIFO order per channel, with what was given', async () => {
      const a = await store.enqueue(entry({ key: 'k1', payload: { v: 'a' } }), T);
      const b = await store.enqueue(entry({ key: 'k2', chat: '200', payload: { v: 'b' }, priority: 1 }), T + 1);
      await store.enqueue(entry({ channel: 'telegram:other', key: 'k3' }), T + 2);
      assert.equal(a.coalesced, false);
      assert.equal(b.coalesced, false);
      assert.ok(b.entry.seq > a.entry.seq, 'seq grows');
      const pending = await store.pending('telegram:a');
      assert.deepEqual(pending.map((e) => e.payload.v), ['a', 'b']);
      const [first] = pending;
      assert.equal(first.id, a.entry.id);
      assert.equal(first.chat, '100');
      assert.equal(first.key, 'k1');
      assert.equal(first.alertId, 'alert-1');
      assert.equal(first.origin, 'node-1');
      assert.equal(first.priority, 3);
      assert.equal(first.version, 1);
      assert.equal(first.attempts, 0);
      assert.equal(first.notBefore, T);
      assert.equal(first.createdAt, T);
      assert.equal(first.state, 'pending');
      assert.equal(first.lastError, undefined);
      assert.deepEqual(await store.get(a.entry.id), first);
    });

    it('coalesces a pending entry with the same key: newest payload, same place, higher priority, new version', async () => {
      const a = await store.enqueue(entry({ payload: { n: 1 }, priority: 3 }), T);
      const other = await store.enqueue(entry({ key: 'alert-2', payload: { n: 9 } }), T);
      const b = await store.enqueue(entry({ payload: { n: 2 }, priority: 1 }), T + 5);
      assert.equal(b.coalesced, true);
      assert.equal(b.entry.id, a.entry.id);
      assert.equal(b.entry.seq, a.entry.seq);
      assert.equal(b.entry.version, 2);
      assert.equal(b.entry.priority, 1);
      assert.deepEqual(b.entry.payload, { n: 2 });
      // A lower priority never demotes it.
      const c = await store.enqueue(entry({ payload: { n: 3 }, priority: 4 }), T + 6);
      assert.equal(c.entry.priority, 1);
      const pending = await store.pending('telegram:a');
      assert.deepEqual(pending.map((e) => e.id), [a.entry.id, other.entry.id]);
      assert.deepEqual(pending[0].payload, { n: 3 });
      // Another chat with the same key is another entry.
      const d = await store.enqueue(entry({ chat: '999' }), T);
      assert.equal(d.coalesced, false);
    });

    it('complete removes only the version it delivered; a coalesced newer payload stays pending', async () => {
      const a = await store.enqueue(entry(), T);
      const b = await store.enqueue(entry({ payload: { n: 2 } }), T);
      assert.equal(await store.complete(a.entry.id, a.entry.version), false);
      assert.deepEqual((await store.pending('telegram:a')).map((e) => e.payload.n), [2]);
      assert.equal(await store.complete(b.entry.id, b.entry.version), true);
      assert.deepEqual(await store.pending('telegram:a'), []);
      assert.equal(await store.get(a.entry.id), undefined);
      assert.equal(await store.complete(a.entry.id, b.entry.version), false, 'twice is harmless');
      const c = await store.enqueue(entry(), T);
      assert.equal(c.coalesced, false, 'a completed key takes a new entry');
    });

    it('retry records the attempt and the next time; fail moves it out of pending for good', async () => {
      const a = await store.enqueue(entry(), T);
      await store.retry(a.entry.id, 2, T + 4000, '502 Bad Gateway');
      const [e] = await store.pending('telegram:a');
      assert.equal(e.attempts, 2);
      assert.equal(e.notBefore, T + 4000);
      assert.equal(e.lastError, '502 Bad Gateway');
      assert.equal(await store.fail(a.entry.id, a.entry.version + 1, 'stale version', T), false);
      assert.equal(await store.fail(a.entry.id, a.entry.version, '403 Forbidden: bot was blocked by the user', T + 10), true);
      assert.deepEqual(await store.pending('telegram:a'), []);
      const failed = await store.failed('telegram:a');
      assert.equal(failed.length, 1);
      assert.equal(failed[0].state, 'failed');
      assert.equal(failed[0].lastError, '403 Forbidden: bot was blocked by the user');
      // A failed entry does not hold its key: the next notification queues afresh.
      const b = await store.enqueue(entry(), T + 20);
      assert.equal(b.coalesced, false);
      assert.notEqual(b.entry.id, a.entry.id);
      assert.equal(await store.complete(a.entry.id, a.entry.version), false, 'a failed entry is not completed');
    });

    it('keeps delivery refs, found by key, by alert and by message', async () => {
      await store.putRef({ channel: 'telegram:a', chat: '100', key: 'alert-1', alertId: 'alert-1', origin: 'n1', messageId: '42', data: { parts: [42, 43] }, updatedAt: T });
      await store.putRef({ channel: 'telegram:a', chat: '200', key: 'esc:alert-1:1', alertId: 'alert-1', data: {}, updatedAt: T });
      await store.putRef({ channel: 'telegram:a', chat: '100', key: 'alert-2', alertId: 'alert-2', messageId: '50', data: {}, updatedAt: T });
      await store.putRef({ channel: 'telegram:b', chat: '100', key: 'alert-1', alertId: 'alert-1', messageId: '42', data: { other: true }, updatedAt: T });
      const ref = await store.getRef('telegram:a', '100', 'alert-1');
      assert.deepEqual(ref, { channel: 'telegram:a', chat: '100', key: 'alert-1', alertId: 'alert-1', origin: 'n1', messageId: '42', data: { parts: [42, 43] }, updatedAt: T });
      assert.deepEqual((await store.refsForAlert('telegram:a', 'alert-1')).map((r) => [r.chat, r.key]), [['100', 'alert-1'], ['200', 'esc:alert-1:1']]);
      assert.equal((await store.refByMessage('telegram:a', '100', '42'))?.key, 'alert-1');
      assert.equal(await store.refByMessage('telegram:a', '200', '42'), undefined);
      assert.equal(await store.getRef('telegram:a', '300', 'alert-1'), undefined);
      // putRef replaces.
      await store.putRef({ ...ref!, data: { parts: [42, 43, 44] }, updatedAt: T + 1 });
      assert.deepEqual((await store.getRef('telegram:a', '100', 'alert-1'))?.data, { parts: [42, 43, 44] });
    });

    it('purges refs and failed entries older than the cutoff, never pending ones', async () => {
      await store.putRef({ channel: 'c', chat: '1', key: 'old', alertId: 'x', data: {}, updatedAt: T - 1000 });
      await store.putRef({ channel: 'c', chat: '1', key: 'new', alertId: 'y', data: {}, updatedAt: T + 1000 });
      const old = await store.enqueue(entry({ channel: 'c', key: 'f1' }), T - 1000);
      await store.fail(old.entry.id, old.entry.version, 'x', T - 1000);
      const pending = await store.enqueue(entry({ channel: 'c', key: 'p1' }), T - 5000);
      const result = await store.purge(T);
      assert.deepEqual(result, { refs: 1, failed: 1 });
      assert.equal(await store.getRef('c', '1', 'old'), undefined);
      assert.ok(await store.getRef('c', '1', 'new'));
      assert.deepEqual((await store.pending('c')).map((e) => e.id), [pending.entry.id]);
    });

    it('keeps named cursors', async () => {
      assert.equal(await store.getCursor('telegram:a:offset'), undefined);
      await store.setCursor('telegram:a:offset', '1001', T);
      await store.setCursor('telegram:a:offset', '1002', T + 1);
      assert.equal(await store.getCursor('telegram:a:offset'), '1002');
    });

    it('rejects malformed entries', async () => {
      await assert.rejects(store.enqueue(entry({ chat: '' }), T), /needs a chat/);
      await assert.rejects(store.enqueue(entry({ priority: 0 }), T), /priority/);
      await assert.rejects(store.enqueue(entry({ payload: null as never }), T), /payload/);
      assert.deepEqual(await store.pending('telegram:a'), []);
    });

    it('survives a reopen with the queue, its order, versions and refs (durable adapters)', async function () {
      if (!harness.durable) this.skip();
      const a = await store.enqueue(entry({ key: 'k1', payload: { v: 1 } }), T);
      await store.enqueue(entry({ key: 'k1', payload: { v: 2 } }), T);
      const b = await store.enqueue(entry({ key: 'k2', payload: { v: 3 } }), T);
      await store.putRef({ channel: 'telegram:a', chat: '100', key: 'k0', alertId: 'a0', messageId: '7', data: { x: 1 }, updatedAt: T });
      await store.setCursor('cur', 'v', T);
      store = await harness.reopen();
      const pending = await store.pending('telegram:a');
      assert.deepEqual(pending.map((e) => [e.id, e.version, e.payload.v]), [[a.entry.id, 2, 2], [b.entry.id, 1, 3]]);
      assert.equal((await store.refByMessage('telegram:a', '100', '7'))?.alertId, 'a0');
      assert.equal(await store.getCursor('cur'), 'v');
      // Seq keeps growing after the reopen.
      const c = await store.enqueue(entry({ key: 'k3' }), T);
      assert.ok(c.entry.seq > b.entry.seq);
    });

    it('answers many concurrent enqueues of one key with one pending entry', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.enqueue(entry({ payload: { n: i } }), T + i)));
      const pending = await store.pending('telegram:a');
      assert.equal(pending.length, 1);
      assert.equal(results.filter((r) => !r.coalesced).length, 1);
      assert.equal(pending[0].version, 20);
      assert.deepEqual(pending[0].payload, { n: 19 }, 'the last enqueue wins');
    });
  });
}
