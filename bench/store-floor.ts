/**
 * The floor under any alert path on the SQLite store: the rows the benchmark's unique alerts
 * wrote (each alert's row with its index entries, and its audit-log row), read back and inserted
 * again into a fresh store file by a bare better-sqlite3 loop, in transactions of `group` alerts
 * (at most the store's own group commit, MAX_BATCH) with `synchronous=full`. No validation, no
 * JSON, no events, no Node-RED: only what the database must do for the alerts to be durable and
 * queryable. An alert node on this store cannot be faster than this, so floor ÷ change-node rate
 * is a ceiling on the ratio the benchmark reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
// eslint-disable-next-line impetus/one-door -- the floor is measured on the SQLite adapter itself, under the public API
import { MAX_BATCH, SqliteAlertStore } from '../nodes/platform/store/sqlite';

export interface Floor {
  alerts: number;
  /** Alerts per transaction. */
  group: number;
  perSecond: number;
  /** Process CPU time (all threads) per alert. */
  cpuMicros: number;
}

type Row = Record<string, unknown>;

function insertFor(db: Database.Database, table: string, sample: Row): Database.Statement {
  const columns = Object.keys(sample);
  return db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
}

/** Re-inserts the last `count` alerts of `sourceFile` (and their history) into a new store in `dir`. */
export async function storeFloor(sourceFile: string, dir: string, count: number, group = MAX_BATCH): Promise<Floor> {
  const perCommit = Math.min(group, MAX_BATCH);
  const source = new Database(sourceFile, { readonly: true });
  let alerts: Row[];
  let history: Map<unknown, Row[]>;
  try {
    alerts = source.prepare('SELECT * FROM alerts ORDER BY rowid DESC LIMIT ?').all(count) as Row[];
    alerts.reverse();
    history = new Map(alerts.map((a) => [a.id, [] as Row[]]));
    const entries = source.prepare('SELECT h.* FROM history h WHERE h.alert_id IN (SELECT id FROM alerts ORDER BY rowid DESC LIMIT ?)').all(count) as Row[];
    for (const entry of entries) history.get(entry.alert_id)?.push(entry);
  } finally {
    source.close();
  }
  if (alerts.length === 0) throw new Error(`no alerts in ${sourceFile} to measure the floor with`);

  const file = path.join(dir, 'floor.db');
  // The store itself makes the file: the same schema, indexes and pragmas as the measured run.
  const store = new SqliteAlertStore({ file, synchronous: 'full' });
  await store.open();
  try {
    const db = store.connection();
    const insertAlert = insertFor(db, 'alerts', alerts[0]);
    const firstEntry = [...history.values()].find((list) => list.length)?.[0];
    const insertEntry = firstEntry ? insertFor(db, 'history', firstEntry) : undefined;
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < alerts.length; i += perCommit) {
      begin.run();
      for (const alert of alerts.slice(i, i + perCommit)) {
        insertAlert.run(alert);
        for (const entry of history.get(alert.id) ?? []) insertEntry!.run(entry);
      }
      commit.run();
    }
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { alerts: alerts.length, group: perCommit, perSecond: (alerts.length / ms) * 1000, cpuMicros: (used.user + used.system) / alerts.length };
  } finally {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}
