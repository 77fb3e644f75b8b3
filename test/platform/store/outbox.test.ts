import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryOutboxStore } from '../../support/memory-outbox';
import { SqliteAlertStore } from '../../../nodes/platform/store/sqlite';
import { MIGRATIONS, migrate, schemaVersion } from '../../../nodes/platform/store/sqlite-migrations';
import { SqliteOutboxStore } from '../../../nodes/platform/store/sqlite-outbox';
import { outboxStoreContract } from '../../contract/outbox-store.contract';

const dirs: string[] = [];
after(function () {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-outbox-'));
  dirs.push(dir);
  return path.join(dir, 'alerts.db');
}

outboxStoreContract('memory', async () => {
  const store = new MemoryOutboxStore();
  return { store, durable: false, reopen: async () => store, cleanup: async () => undefined };
});

outboxStoreContract('sqlite', async () => {
  const file = tempFile();
  let alerts = new SqliteAlertStore({ file });
  await alerts.open();
  let outbox = new SqliteOutboxStore(alerts);
  await outbox.open();
  return {
    store: outbox,
    durable: true,
    async reopen() {
      await outbox.close();
      await alerts.close();
      alerts = new SqliteAlertStore({ file });
      await alerts.open();
      outbox = new SqliteOutboxStore(alerts);
      await outbox.open();
      return outbox;
    },
    async cleanup() {
      await outbox.close();
      await alerts.close();
    },
  };
});

describe('SQLite outbox beyond the contract', function () {
  it('adds its tables to a database of the previous schema version without touching the alerts', async () => {
    const file = tempFile();
    const raw = new Database(file);
    migrate(raw, MIGRATIONS.slice(0, 3));
    raw.prepare("INSERT INTO silences (id, starts_at, ends_at, expired_at, doc) VALUES ('s1', 1, 2, NULL, ?)").run(JSON.stringify({ id: 's1' }));
    raw.close();
    const alerts = new SqliteAlertStore({ file });
    await alerts.open();
    const outbox = new SqliteOutboxStore(alerts);
    await outbox.open();
    await outbox.enqueue({ channel: 'c', chat: '1', key: 'k', priority: 1, payload: {} }, 1);
    assert.equal((await outbox.pending('c')).length, 1);
    assert.equal((await alerts.getSilence('s1'))?.id, 's1');
    await alerts.close();
    const check = new Database(file, { readonly: true });
    assert.equal(schemaVersion(check), MIGRATIONS.length);
    check.close();
  });

  it('writes in the same group commit as alert writes, and fails once the alert store is closed', async () => {
    const file = tempFile();
    const alerts = new SqliteAlertStore({ file });
    await alerts.open();
    const outbox = new SqliteOutboxStore(alerts);
    await outbox.open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.enqueue({ channel: 'c', chat: String(i % 5), key: `k${i}`, priority: 2, payload: { i } }, i)));
    assert.equal((await outbox.pending('c')).length, 50);
    await alerts.close();
    await assert.rejects(outbox.enqueue({ channel: 'c', chat: '1', key: 'late', priority: 2, payload: {} }, 1), /closed/);
    await assert.rejects(outbox.pending('c'), /closed/);
  });
});
