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
