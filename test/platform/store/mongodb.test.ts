import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { acknowledge, recordOccurrence, reopen, resolve } from '../../../nodes/platform/model/lifecycle';
import type { Alert } from '../../../nodes/platform/model/types';
import { MongoAlertStore } from '../../../nodes/platform/store/mongodb';
import { ConflictError } from '../../../nodes/platform/store/types';
import { alertStoreContract } from '../../contract/alert-store.contract';
import { repeatsSeeTheOtherRuntime } from '../../contract/open-alert-cache';
import { dropDatabase, mongoHarness } from '../../support/mongo';
import { mongoUrl, unique } from '../../support/services';

const HISTORY_WINDOW = 10;
let url = '';

describe('MongoDB alert store (real server)', function () {
  this.timeout(60000);
  before(function () {
    url = mongoUrl(this);
  });

  alertStoreContract('mongodb', async () => ({
    ...(await mongoHarness(url, 'impetus_contract', (database) => new MongoAlertStore({ url, database, historyWindow: HISTORY_WINDOW }))),
    historyWindow: HISTORY_WINDOW,
  }));

  describe('beyond the contract', function () {
    let database: string;
    const stores: MongoAlertStore[] = [];
    beforeEach(function () {
      database = unique('impetus_mongo').replace(/-/g, '_');
    });
    afterEach(async function () {
      for (const s of stores.splice(0)) await s.close();
      await dropDatabase(url, database);
    });
    async function open(): Promise<MongoAlertStore> {
      const store = new MongoAlertStore({ url, database, historyWindow: HISTORY_WINDOW });
      await store.open();
      stores.push(store);
      return store;
    }
    const now = '2025-03-01T10:00:00.000Z';
    const candidate = (ref = 'cam-1') => buildAlert({ tool: 'firearm', event: 'Firearm detected', zone: 'Z1', source: { ref } }, { now, id: randomUUID() });
    const ingest = (store: MongoAlertStore, c: Alert) => store.ingest(c, (o) => recordOccurrence(o, c, c.lastSeen));

    it('deduplicates atomically across two processes-worth of stores on one database', async function () {
      // Two stores = two runtimes: no shared in-process queue, only the unique index and CAS.
      const [a, b] = [await open(), await open()];
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => ingest(i % 2 ? a : b, candidate(`cam-${i % 3}`))));
      assert.equal(results.filter((r) => r.outcome === 'created').length, 3);
      const page = await a.query({ limit: 100 });
      assert.equal(page.total, 3);
      for (const alert of page.items) {
        assert.equal(alert.count, 20);
        assert.equal(alert.version, 20);
        assert.equal((await b.history(alert.id)).total, 1, 'repeats add no audit-log row');
        assert.deepEqual([...alert.occurrences!.first, ...alert.occurrences!.last].map((o) => o.n), Array.from({ length: 20 }, (_, i) => i + 1));
      }
    });

    it('repeats from its cache of open alerts yet sees what another runtime wrote: repeats, actions, a resolve, a purge', async function () {
      await repeatsSeeTheOtherRuntime(await open(), await open(), () => candidate(), now);
    });

    it('writes the repeats waiting behind a write together, and each caller still gets its own version', async function () {
      const store = await open();
      const a = (await ingest(store, candidate('cam-a'))).alert;
      const b = (await ingest(store, candidate('cam-b'))).alert;
      // Counts the updates of alert documents from here on.
      const alerts = (store as unknown as { alerts: { updateOne: (...args: unknown[]) => Promise<unknown> } }).alerts;
      const updateOne = alerts.updateOne.bind(alerts);
      let updates = 0;
      alerts.updateOne = (...args: unknown[]) => {
        updates++;
        return updateOne(...args);
      };
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => ingest(store, candidate(i % 3 ? 'cam-a' : 'cam-b'))));
      assert.ok(updates <= 4, `300 repeats over two fingerprints, issued at once: ${updates} updates`);
      const ofA = results.filter((r) => r.alert.id === a.id).map((r) => r.alert);
      assert.deepEqual(ofA.map((x) => x.version), Array.from({ length: 200 }, (_, i) => i + 2));
      assert.deepEqual(ofA.map((x) => x.count), Array.from({ length: 200 }, (_, i) => i + 2));
      assert.ok(results.every((r) => r.outcome === 'deduplicated'));
      assert.deepEqual(ofA[ofA.length - 1], await store.get(a.id));
      assert.deepEqual(ofA[5].occurrences!.first.map((o) => o.n), [1, 2, 3, 4, 5, 6, 7]);
      assert.notEqual(ofA[0].occurrences, ofA[1].occurrences, 'each answer is an object of its own');
      const lastB = results.filter((r) => r.alert.id === b.id).pop()!.alert;
      assert.equal(lastB.count, 101);
      assert.deepEqual(lastB, await store.get(b.id));
      // The next one alone, and another runtime's repeat in between, still count exactly.
      const other = await open();
      assert.equal((await ingest(other, candidate('cam-a'))).alert.count, 202);
      const [x, y] = await Promise.all([ingest(store, candidate('cam-a')), ingest(store, candidate('cam-a'))]);
      assert.deepEqual([x.alert.count, y.alert.count, x.alert.version, y.alert.version], [203, 204, 203, 204]);
      assert.deepEqual(y.alert, await other.get(a.id));
      // Two runtimes' groups contending for the same versions: every repeat counted once.
      const both = await Promise.all(Array.from({ length: 200 }, (_, i) => ingest(i % 2 ? store : other, candidate('cam-a'))));
      const versions = both.map((r) => r.alert.version).sort((p, q) => p - q);
      assert.deepEqual(versions, Array.from({ length: 200 }, (_, i) => i + 205), 'each version answered once');
      assert.equal((await store.get(a.id))?.count, 404);
      // At most 1,000 repeats a write: 2,100 at once are three writes.
      updates = 0;
      const many = await Promise.all(Array.from({ length: 2_100 }, () => ingest(store, candidate('cam-b'))));
      assert.equal(updates, 3);
      assert.equal(many[2_099].alert.count, 2_201);
    });

    it('counts a write once when removing its claim fails after the update', async function () {
      const store = await open();
      const created = (await ingest(store, candidate())).alert;
      const claims = (store as unknown as { claims: { deleteOne: (...args: unknown[]) => Promise<unknown> } }).claims;
      const deleteOne = claims.deleteOne.bind(claims);
      let failed = 0;
      claims.deleteOne = (...args: unknown[]) => {
        if (failed++ < 2) return Promise.reject(new Error('database is locked'));
        return deleteOne(...args);
      };
      // One alone and a group of three, each write's claim removal failing once.
      assert.equal((await ingest(store, candidate())).alert.count, 2);
      const group = await Promise.all([ingest(store, candidate()), ingest(store, candidate()), ingest(store, candidate())]);
      assert.deepEqual(group.map((r) => r.alert.count), [3, 4, 5]);
      assert.equal((await store.get(created.id))?.count, 5);
      assert.equal(failed, 2);
    });

    it('writes a waiting repeat that adds an audit entry on its own, after the ones before it', async function () {
      const store = await open();
      const created = (await ingest(store, candidate())).alert;
      const stricter: Alert = { ...candidate(), tlp: 'amber' };
      const results = await Promise.all([ingest(store, candidate()), ingest(store, candidate()), ingest(store, stricter), ingest(store, candidate())]);
      assert.deepEqual(results.map((r) => r.alert.count), [2, 3, 4, 5]);
      assert.equal(results[3].alert.tlp, 'amber');
      assert.deepEqual((await store.history(created.id)).entries.map((e) => e.action), ['created', 'marked']);
      assert.deepEqual(results[3].alert, await store.get(created.id));
    });

    it('keeps a reopened alert open next to a newer one and merges into the newer first', async function () {
      const store = await open();
      const first = (await ingest(store, candidate())).alert;
      const resolvedFirst = await store.replace(resolve(first, 'done', 'op', now).alert);
      const second = (await ingest(store, candidate())).alert;
      assert.notEqual(second.id, first.id);
      const reopened = await store.replace(reopen(resolvedFirst, 'op', now).alert);
      assert.equal(reopened.state, 'open');
      assert.equal((await ingest(store, candidate())).alert.id, second.id);
      await store.replace(resolve((await store.get(second.id))!, 'done', 'op', now).alert);
      // With the newer one resolved, the reopened alert takes the repeats again.
      assert.equal((await ingest(store, candidate())).alert.id, first.id);
    });

    it('takes over the claim of a writer that died mid-write, and discards what it logged', async function () {
      const store = await open();
      const created = (await ingest(store, candidate())).alert;
      // What a runtime killed between its claim on version 2 and its alert update leaves behind.
      const client = new MongoClient(url);
      await client.connect();
      const db = client.db(database);
      const claims = db.collection<{ _id: string; a: string; at: number }>('impetus_claims');
      try {
        await claims.insertOne({ _id: `${created.id}@2`, a: created.id, at: Date.now() - 120_000 });
        await db.collection('impetus_history').insertOne({ _id: `${created.id}#3` as never, a: created.id, s: 3, entry: JSON.stringify({ seq: 3, at: now, action: 'commented' }) });
        const merged = (await ingest(store, candidate())).alert;
        assert.equal(merged.version, 2);
        assert.deepEqual((await store.history(created.id)).entries.map((e) => [e.seq, e.action]), [[1, 'created']], 'the orphaned entry is discarded');
        assert.equal(await claims.countDocuments({ a: created.id }), 0, 'claims are removed once their version is written');

        // A live claim (a writer still at work) is a conflict, not something to take over.
        await claims.insertOne({ _id: `${created.id}@3`, a: created.id, at: Date.now() });
        await assert.rejects(store.replace(acknowledge(merged, 'op', now).alert), ConflictError);
        assert.equal((await store.get(created.id))?.version, 2);
      } finally {
        await client.close();
      }
    });

    it('reports an unreachable server as a failed open naming the URL without its password', async function () {
      const store = new MongoAlertStore({ url: 'mongodb://user:secret@127.0.0.1:1/', database, serverSelectionTimeoutMs: 500 });
      await assert.rejects(store.open(), (err: Error) => {
        assert.match(err.message, /cannot open alert store mongodb/);
        assert.ok(!err.message.includes('secret'));
        return true;
      });
    });
  });
});
