import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { repeatFloor, storeFloor } from '../../../bench/store-floor';
import { Validators } from '../../../nodes/platform';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { recordOccurrence } from '../../../nodes/platform/model/lifecycle';
import { SqliteAlertStore } from '../../../nodes/platform/store/sqlite';

// The floors are what bench:alert-throughput holds our alert path to (issue 21): they must write
// what they claim to write, and the checked floors must really check.
describe('bench floors (store-floor)', function () {
  let dir: string;
  let file: string;
  const validators = new Validators();

  beforeEach(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-floor-'));
    file = path.join(dir, 'alerts.db');
    const store = new SqliteAlertStore({ file });
    await store.open();
    const raise = (ref: string, at: string) => {
      const c = buildAlert({ tool: 'firearm', event: 'Firearm detected', zone: 'Z1', source: { ref } }, { now: at, id: randomUUID() });
      return store.ingest(c, (open) => recordOccurrence(open, c, c.lastSeen));
    };
    for (let i = 0; i < 30; i++) await raise(`cam-${i}`, '2025-03-01T10:00:00.000Z');
    // Three fingerprints repeated: the repeat floor takes the open alerts repeated last.
    for (let i = 0; i < 9; i++) await raise(`cam-${i % 3}`, `2025-03-01T10:00:${String(10 + i).padStart(2, '0')}.000Z`);
    await store.close();
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('re-inserts the store rows, bare and with the schema check', async function () {
    const bare = await storeFloor(file, dir, 20, 7);
    const checked = await storeFloor(file, dir, 20, 7, validators);
    for (const floor of [bare, checked]) {
      assert.equal(floor.alerts, 20);
      assert.equal(floor.group, 7);
      assert.ok(floor.cpuMicros > 0 && floor.perSecond > 0);
    }
    assert.equal(fs.existsSync(path.join(dir, 'floor.db')), false, 'the floor file is removed');
  });

  it('repeats the open alerts repeated last, each update guarded by its version', async function () {
    const floor = await repeatFloor(file, dir, 3, 50, 10, validators);
    assert.equal(floor.alerts, 50);
    assert.ok(floor.cpuMicros > 0);
  });

  it('the checked floors refuse a document the alert schema refuses', async function () {
    const db = new Database(file);
    db.prepare("UPDATE alerts SET doc = json_set(doc, '$.priority', 'P9')").run();
    db.close();
    await assert.rejects(storeFloor(file, dir, 20, 7, validators), /priority/);
    await assert.rejects(repeatFloor(file, dir, 3, 10, 10, validators), /priority/);
    // The bare floors do not check: they stand for the database's work alone.
    await storeFloor(file, dir, 20, 7);
  });

  it('says so when the store holds no repeated alert', async function () {
    const db = new Database(file);
    db.prepare("UPDATE alerts SET doc = json_set(doc, '$.count', 1)").run();
    db.close();
    await assert.rejects(repeatFloor(file, dir, 3, 10, 10), /no repeated open alert/);
  });
});
