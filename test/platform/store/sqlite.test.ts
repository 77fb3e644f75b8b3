import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { acknowledge, addComment, recordOccurrence } from '../../../nodes/platform/model/lifecycle';
import type { Alert } from '../../../nodes/platform/model/types';
import { SqliteAlertStore } from '../../../nodes/platform/store/sqlite';
import type { SqliteAlertStoreOptions } from '../../../nodes/platform/store/sqlite';
import { MIGRATIONS, migrate, schemaVersion } from '../../../nodes/platform/store/sqlite-migrations';
import { ConflictError } from '../../../nodes/platform/store/types';
import { alertStoreContract } from '../../contract/alert-store.contract';
import { repeatsSeeTheOtherRuntime } from '../../contract/open-alert-cache';

const tempDirs: string[] = [];

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-sqlite-'));
  tempDirs.push(dir);
  return path.join(dir, 'alerts.db');
}

after(function () {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function openStore(options: SqliteAlertStoreOptions): Promise<SqliteAlertStore> {
  const store = new SqliteAlertStore(options);
  await store.open();
  return store;
}

const HISTORY_WINDOW = 10;

alertStoreContract('sqlite', async () => {
  const file = tempFile();
  let current = await openStore({ file, historyWindow: HISTORY_WINDOW });
  return {
    store: current,
    historyWindow: HISTORY_WINDOW,
    async reopen() {
      await current.close();
      current = await openStore({ file, historyWindow: HISTORY_WINDOW });
      return current;
    },
    async cleanup() {
      await current.close();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
});

describe('SqliteAlertStore', function () {
  const now = '2025-03-01T10:00:00.000Z';

  function candidate(ref = 'cam-1', at = now): Alert {
    return buildAlert({ tool: 'firearm', event: 'Firearm detected', zone: 'Z1', source: { ref } }, { now: at, id: randomUUID() });
  }

  function ingest(store: SqliteAlertStore, c: Alert) {
    return store.ingest(c, (open) => recordOccurrence(open, c, c.lastSeen));
  }

  let stores: SqliteAlertStore[] = [];
  afterEach(async function () {
    for (const store of stores) await store.close();
    stores = [];
  });

  async function track(options: SqliteAlertStoreOptions): Promise<SqliteAlertStore> {
    const store = await openStore(options);
    stores.push(store);
    return store;
  }

  it('runs in WAL mode with a fresh database at the latest schema version', async function () {
    const file = tempFile();
    await track({ file });
    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(schemaVersion(raw), MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it('copies the write-ahead log into the database from its background thread while writes go on', async function () {
    const file = tempFile();
    const store = await track({ file, checkpointIntervalMs: 20 });
    const reports: number[] = [];
    store.onCheckpoint((r) => reports.push(r.checkpointed));
    for (let round = 0; round < 20 && !reports.length; round++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => ingest(store, candidate(`r${round}-${i}`))));
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(reports.length > 0 && reports[0] > 0, 'the worker checkpointed frames');
    await store.close();
    const raw = new Database(file, { readonly: true });
    try {
      assert.ok((raw.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n >= 200, 'and everything is still there after close');
    } finally {
      raw.close();
    }
  });

  it('resolves a write only once another connection can read it', async function () {
    const file = tempFile();
    const store = await track({ file, synchronous: 'full' });
    const c = candidate();
    await ingest(store, c);
    const raw = new Database(file, { readonly: true });
    try {
      const row = raw.prepare('SELECT version FROM alerts WHERE id = ?').get(c.id) as { version: number } | undefined;
      assert.equal(row?.version, 1);
    } finally {
      raw.close();
    }
  });

  it('commits the rest of a batch when one write in it fails', async function () {
    const file = tempFile();
    const store = await track({ file });
    const created = (await ingest(store, candidate())).alert;
    await store.replace(acknowledge(created, 'operator', now).alert);

    // Issued in one tick, so they share one transaction.
    const outcomes = await Promise.allSettled([
      ingest(store, candidate('cam-2')),
      store.replace(created),
      store.putSilence({ id: 'bad', matchers: {}, reason: 'r', createdBy: 'x', createdAt: now, startsAt: 'not a date', endsAt: now }),
      store.putMedia(Buffer.from('frame'), 'image/jpeg'),
      ingest(store, candidate('cam-3')),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof ConflictError);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /startsAt is not a valid date-time/);

    await store.close();
    const reopened = await track({ file });
    assert.equal((await reopened.query({})).total, 3);
    assert.equal((await reopened.get(created.id))?.state, 'acknowledged');
  });

  describe('repeats from the cache of open alerts', function () {
    it('sees what another runtime wrote on the same file: its repeats, its actions, its resolve, a purge', async function () {
      const file = tempFile();
      await repeatsSeeTheOtherRuntime(await track({ file }), await track({ file }), () => candidate(), now);
    });

    it('hands out objects the cache does not share: changing one changes no later write', async function () {
      const store = await track({ file: tempFile() });
      await ingest(store, candidate());
      const repeated = (await ingest(store, candidate())).alert;
      repeated.history.push({ seq: 99, at: now, action: 'commented' });
      repeated.occurrences!.first.length = 0;
      (repeated as { headline: string }).headline = 'changed by a flow';
      const next = (await ingest(store, candidate())).alert;
      assert.equal(next.history.length, 1);
      assert.deepEqual(next.occurrences!.first.map((o) => o.n), [1, 2, 3]);
      assert.deepEqual(next, await store.get(next.id));
    });

    it('shares the occurrence records between versions, frozen; the rest of each answer is its own', async function () {
      const store = await track({ file: tempFile() });
      await ingest(store, candidate());
      const answers: Alert[] = [];
      for (let i = 0; i < 14; i++) answers.push((await ingest(store, candidate())).alert);
      const [x, y] = answers.slice(-2);
      assert.deepEqual([x.count, y.count], [14, 15]);
      const first = y.occurrences!.first;
      assert.equal(x.occurrences!.first, first, 'the full list of the first occurrences is one array');
      assert.equal(x.occurrences!.last[0], y.occurrences!.last[0], 'a record of the last occurrences is one object');
      assert.ok(Object.isFrozen(first) && first.every((o) => Object.isFrozen(o)));
      assert.throws(() => { first[0].n = 0; }, TypeError);
      assert.throws(() => first.push({ n: 0, at: now }), TypeError);
      // The newest record, the lists and everything else are each answer's own.
      assert.ok(!Object.isFrozen(y.occurrences!.last[4]) && !Object.isFrozen(y.occurrences!.last));
      assert.notEqual(x.occurrences, y.occurrences);
      assert.notEqual(x.occurrences!.last, y.occurrences!.last);
      assert.notEqual(x.history, y.history);
      assert.notEqual(x.source, y.source);
      x.history.push({ seq: 99, at: now, action: 'commented' });
      y.occurrences!.last.length = 0;
      y.occurrences!.last.push({ n: 0, at: now });
      (y.source as { ref: string }).ref = 'changed by a flow';
      const next = (await ingest(store, candidate())).alert;
      assert.deepEqual(next, await store.get(next.id));
      assert.equal(next.history.length, 1);
      assert.equal(next.source.ref, 'cam-1');
      assert.deepEqual(next.occurrences!.last.map((o) => o.n), [11, 12, 13, 14, 15, 16]);
      assert.deepEqual(next.occurrences!.first.map((o) => o.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    /** Counts the UPDATEs of alert rows from here on. */
    function countUpdates(store: SqliteAlertStore): () => number {
      const db = store.connection();
      db.exec('CREATE TABLE IF NOT EXISTS probe_updates (id TEXT)');
      db.exec('CREATE TRIGGER IF NOT EXISTS probe_updates AFTER UPDATE ON alerts BEGIN INSERT INTO probe_updates VALUES (new.id); END');
      db.exec('DELETE FROM probe_updates');
      return () => (db.prepare('SELECT count(*) AS n FROM probe_updates').get() as { n: number }).n;
    }

    it('writes the repeats of one batch once a fingerprint, and each caller still gets its own version', async function () {
      const store = await track({ file: tempFile() });
      const a = (await ingest(store, candidate('cam-a'))).alert;
      const b = (await ingest(store, candidate('cam-b'))).alert;
      // Their first repeats read the rows and fill the cache.
      await Promise.all([ingest(store, candidate('cam-a')), ingest(store, candidate('cam-b'))]);
      const updates = countUpdates(store);
      // One tick, one transaction: 300 repeats over two fingerprints.
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => ingest(store, candidate(i % 3 ? 'cam-a' : 'cam-b'))));
      assert.equal(updates(), 2, 'one UPDATE per fingerprint');
      const ofA = results.filter((r) => r.alert.id === a.id).map((r) => r.alert);
      assert.deepEqual(ofA.map((x) => x.version), Array.from({ length: 200 }, (_, i) => i + 3));
      assert.deepEqual(ofA.map((x) => x.count), Array.from({ length: 200 }, (_, i) => i + 3));
      assert.deepEqual(ofA[ofA.length - 1], await store.get(a.id));
      const lastB = results.filter((r) => r.alert.id === b.id).pop()!.alert;
      assert.equal(lastB.count, 102);
      assert.deepEqual(lastB, await store.get(b.id));
      // Each answer is a version of its own, not the cache's object.
      assert.notEqual(ofA[0].occurrences, ofA[1].occurrences);
      assert.deepEqual(ofA[0].occurrences!.first.map((o) => o.n), [1, 2, 3]);
      const next = (await ingest(store, candidate('cam-a'))).alert;
      assert.equal(next.count, 203);
      assert.deepEqual(next, await store.get(a.id));
    });

    it('writes the batch’s repeats before any other write of the batch reads the row', async function () {
      const store = await track({ file: tempFile() });
      const created = (await ingest(store, candidate())).alert;
      await ingest(store, candidate());
      const read = (db: Database.Database) => db.prepare('SELECT version, doc FROM alerts WHERE id = ?').get(created.id) as { version: number; doc: string };
      const [, second, seen, after] = await Promise.all([ingest(store, candidate()), ingest(store, candidate()), store.transact(read), ingest(store, candidate())]);
      assert.equal(seen.version, second.alert.version);
      assert.deepEqual(JSON.parse(seen.doc), second.alert);
      assert.equal(after.alert.count, 5);
      assert.deepEqual(after.alert, await store.get(created.id));
    });

    it('counts each repeat once when its batch fails after the repeats were merged', async function () {
      const store = await track({ file: tempFile() });
      const created = (await ingest(store, candidate())).alert;
      await ingest(store, candidate());
      const outcomes = await Promise.allSettled([
        ingest(store, candidate()),
        ingest(store, candidate()),
        store.transact(() => {
          throw new Error('refused');
        }),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected']);
      const stored = await store.get(created.id);
      assert.equal(stored?.count, 4);
      assert.deepEqual((outcomes[1] as PromiseFulfilledResult<{ alert: Alert }>).value.alert, stored);
    });

    it('writes a merge that waits for the end of its batch when its cache entry is pushed out', async function () {
      this.timeout(60_000);
      const store = await track({ file: tempFile() });
      // 4,097 open alerts; the first 4,096 repeated once, which fills the cache (the first is the oldest entry).
      const refs = Array.from({ length: 4097 }, (_, i) => `cam-${i}`);
      await Promise.all(refs.map((ref) => ingest(store, candidate(ref))));
      await Promise.all(refs.slice(0, 4096).map((ref) => ingest(store, candidate(ref))));
      // One batch: the oldest entry's repeat waits; the last alert's first repeat then takes its
      // place, and the next repeat of the first reads its row again.
      const [oldest, , again] = await Promise.all([ingest(store, candidate('cam-0')), ingest(store, candidate('cam-4096')), ingest(store, candidate('cam-0'))]);
      assert.deepEqual([oldest.alert.count, again.alert.count], [3, 4]);
      assert.deepEqual(await store.get(oldest.alert.id), again.alert);
      assert.equal((await ingest(store, candidate('cam-0'))).alert.count, 5);
    });

    it('drops the cache when a write in the batch fails, and repeats stay exact', async function () {
      const store = await track({ file: tempFile() });
      const created = (await ingest(store, candidate())).alert;
      await ingest(store, candidate());
      const outcomes = await Promise.allSettled([
        ingest(store, candidate()),
        store.replace({ ...created, priority: 'P9' as never }),
        ingest(store, candidate()),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
      const last = (await ingest(store, candidate())).alert;
      assert.equal(last.count, 5);
      assert.deepEqual(last, await store.get(last.id));
    });
  });

  it('rolls back a failed write completely, history included', async function () {
    const store = await track({ file: tempFile() });
    const created = (await ingest(store, candidate())).alert;
    // The bad entry is only noticed after the row and the first new entry were written, so
    // this checks that the savepoint undoes both.
    const acked = acknowledge(created, 'operator', now).alert;
    const broken = { ...acked, history: [...acked.history, { seq: 2.5, at: now, action: 'commented' as const }] };
    await assert.rejects(store.replace(broken), /history entry without an integer seq/);
    assert.equal((await store.history(created.id)).total, 1);
    assert.equal((await store.get(created.id))?.version, 1);
  });

  it('undoes what a failed write did before it threw, and applies the rest of its batch once', async function () {
    const store = await track({ file: tempFile() });
    store.connection().exec('CREATE TABLE probe (n INTEGER)');
    const insert = (n: number) => (db: Database.Database) => db.prepare('INSERT INTO probe (n) VALUES (?)').run(n);
    // One tick, one transaction: the batch runs without savepoints first, then again with them.
    const outcomes = await Promise.allSettled([
      store.transact(insert(1)),
      ingest(store, candidate('cam-1')),
      store.transact((db) => {
        insert(2)(db);
        throw new Error('refused after writing');
      }),
      store.transact(insert(3)),
      ingest(store, candidate('cam-2')),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /refused after writing/);
    assert.deepEqual(store.connection().prepare('SELECT n FROM probe ORDER BY rowid').all(), [{ n: 1 }, { n: 3 }]);
    const page = await store.query({});
    assert.equal(page.total, 2);
    for (const alert of page.items) {
      assert.equal(alert.version, 1);
      assert.equal((await store.history(alert.id)).total, 1);
    }
  });

  it('keeps 50 history entries in the document by default', async function () {
    const store = await track({ file: tempFile() });
    let alert = (await ingest(store, candidate())).alert;
    for (let i = 1; i < 60; i++) alert = await store.replace(addComment(alert, `note ${i}`, 'operator', new Date(Date.parse(now) + i * 1000).toISOString()).alert);
    assert.equal(alert.history.length, 50);
    assert.equal(alert.history[0].seq, 11);
    assert.equal((await store.history(alert.id)).total, 60);
  });

  it('creates the folder of its file when it is missing', async function () {
    const file = path.join(path.dirname(tempFile()), 'new', 'folder', 'alerts.db');
    const store = await track({ file });
    await ingest(store, candidate());
    assert.ok(fs.existsSync(file));
  });

  it('rejects calls before open() with a clear error', async function () {
    const store = new SqliteAlertStore({ file: tempFile() });
    await assert.rejects(store.get('x'), /not open; call open\(\) first/);
    await assert.rejects(ingest(store, candidate()), /not open/);
  });

  it('rejects bad options at construction', function () {
    assert.throws(() => new SqliteAlertStore({ file: '' }), /file path/);
    assert.throws(() => new SqliteAlertStore({ file: 'x.db', historyWindow: 0 }), /historyWindow/);
    assert.throws(() => new SqliteAlertStore({ file: 'x.db', synchronous: 'off' as never }), /synchronous/);
  });

  describe('schema migrations', function () {
    it('upgrades a database created at migration 1, keeping its data', async function () {
      const file = tempFile();
      const bytes = Buffer.from('snapshot taken before the upgrade');
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const open: Alert = { ...candidate('cam-1'), version: 1, resources: [{ description: 'snapshot', mimeType: 'image/jpeg', digest }] };
      const closed: Alert = { ...candidate('cam-2'), version: 1, state: 'resolved', resolved: { by: 'operator', at: now, reason: 'done' } };

      const raw = new Database(file);
      migrate(raw, MIGRATIONS.slice(0, 1));
      assert.equal(schemaVersion(raw), 1);
      const insert = raw.prepare(`
        INSERT INTO alerts (id, fingerprint, tool, state, priority, severity, status, zone, first_seen, last_seen,
          resolved_at, escalation_next, silence_id, version, search, doc)
        VALUES (?, ?, 'firearm', ?, 3, 'medium', 'Actual', 'Z1', ?, ?, ?, NULL, NULL, 1, ?, ?)`);
      for (const a of [open, closed]) {
        const t = Date.parse(now);
        insert.run(a.id, a.fingerprint, a.state, t, t, a.state === 'resolved' ? t : null, a.headline.toLowerCase(), JSON.stringify(a));
        raw.prepare('INSERT INTO history (alert_id, seq, entry) VALUES (?, 1, ?)').run(a.id, JSON.stringify(a.history[0]));
      }
      raw.close();

      const store = await track({ file });
      const check = new Database(file, { readonly: true });
      try {
        assert.equal(schemaVersion(check), MIGRATIONS.length);
      } finally {
        check.close();
      }
      assert.deepEqual(await store.get(open.id), open);
      assert.deepEqual(await store.get(closed.id), closed);
      assert.equal((await store.history(open.id)).total, 1);

      const repeat = await ingest(store, candidate('cam-1'));
      assert.equal(repeat.alert.id, open.id);
      assert.equal(repeat.alert.version, 2);
      const successor = await ingest(store, candidate('cam-2'));
      assert.equal(successor.alert.previousId, closed.id);

      // Migration 2 back-filled the references of alerts written before it existed, so purge
      // keeps the media the migrated open alert points at.
      assert.equal((await store.putMedia(bytes, 'image/jpeg')).digest, digest);
      assert.deepEqual(await store.purge(new Date(Date.now() + 60_000)), { alerts: 1, media: 0 });
      assert.ok(await store.getMedia(digest));
      assert.equal(await store.get(closed.id), undefined);
    });

    it('refuses a database written by a newer release', async function () {
      const file = tempFile();
      const raw = new Database(file);
      migrate(raw);
      raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      raw.close();
      const store = new SqliteAlertStore({ file });
      await assert.rejects(store.open(), (err: Error) => {
        assert.match(err.message, new RegExp(`schema version ${MIGRATIONS.length + 1} is newer than this release supports \\(${MIGRATIONS.length}\\)`));
        assert.ok(err.message.includes(file));
        return true;
      });
    });

    it('leaves the database at the previous version when a migration fails', function () {
      const raw = new Database(tempFile());
      try {
        const failing = [...MIGRATIONS.slice(0, 1), { version: 2, description: 'broken', up: (db: Database.Database) => db.exec('CREATE TABLE nope (') }];
        assert.throws(() => migrate(raw, failing), /schema migration 2 \(broken\) failed/);
        assert.equal(schemaVersion(raw), 1);
        assert.equal(raw.inTransaction, false);
      } finally {
        raw.close();
      }
    });
  });

  it('gives a clear error for a file that is not a database', async function () {
    const file = tempFile();
    fs.writeFileSync(file, Buffer.alloc(8192, 'garbage! '));
    const store = new SqliteAlertStore({ file });
    await assert.rejects(store.open(), new RegExp(`cannot open alert store .*alerts\\.db: file is not a database`));
    await assert.rejects(store.get('x'), /closed|not open/);
  });
});
