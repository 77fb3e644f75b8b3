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
import type { Validators } from '../nodes/platform';

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

/**
 * Times `count` writes on a new store file in `dir` (the store itself makes it: the same schema,
 * indexes and pragmas as the measured run), in transactions of `perCommit`. `prepare` readies the
 * file and returns the write of item `j`; only the writes and their commits are timed. The file
 * is removed after.
 */
async function timedWrites(dir: string, name: string, count: number, perCommit: number, prepare: (db: Database.Database) => (j: number) => void): Promise<Floor> {
  const file = path.join(dir, name);
  const store = new SqliteAlertStore({ file, synchronous: 'full' });
  await store.open();
  try {
    const db = store.connection();
    const write = prepare(db);
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < count; i += perCommit) {
      begin.run();
      for (let j = i; j < Math.min(i + perCommit, count); j++) write(j);
      commit.run();
    }
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { alerts: count, group: perCommit, perSecond: (count / ms) * 1000, cpuMicros: (used.user + used.system) / count };
  } finally {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}

/**
 * What any alert path must do for each alert besides the database's work, whatever its code:
 * check the document against the alert schema and its tool's payload schema, and serialise it
 * (and, for a new alert, its audit entry). Alertmanager does neither; with them the floor says
 * what durability plus validation cost at the least, in the same run as Alertmanager's ingest.
 */
function checkAndSerialise(validators: Validators, doc: { tool: string; data?: unknown }): string {
  check(validators, doc);
  return JSON.stringify(doc);
}

/** The schema half of checkAndSerialise: a repeat is checked each time, serialised once a transaction. */
function check(validators: Validators, doc: { tool: string; data?: unknown }): void {
  validators.assert('alert', doc);
  validators.assertToolData(doc.tool, doc.data);
}

/** The alert path being measured is warm (it had its warm-up run); so are these checks. */
function warmUp(validators: Validators, docs: { tool: string; data?: unknown }[]): void {
  for (let i = 0; i < WARM_UP; i++) checkAndSerialise(validators, docs[i % docs.length]);
}
const WARM_UP = 2_000;

/**
 * Re-inserts the last `count` alerts of `sourceFile` (and their history) into a new store in `dir`.
 * With `validators`, each document and audit entry is parsed beforehand and, in the measured
 * loop, checked and serialised again before its insert (`checkAndSerialise`).
 */
export async function storeFloor(sourceFile: string, dir: string, count: number, group = MAX_BATCH, validators?: Validators): Promise<Floor> {
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
  const docs = validators ? alerts.map((a) => JSON.parse(a.doc as string) as { tool: string; data?: unknown }) : [];
  const entries = new Map<Row, unknown>();
  if (validators) for (const list of history.values()) for (const entry of list) entries.set(entry, JSON.parse(entry.entry as string));

  if (validators) warmUp(validators, docs);

  return timedWrites(dir, 'floor.db', alerts.length, perCommit, (db) => {
    const insertAlert = insertFor(db, 'alerts', alerts[0]);
    const firstEntry = [...history.values()].find((list) => list.length)?.[0];
    const insertEntry = firstEntry ? insertFor(db, 'history', firstEntry) : undefined;
    return (j) => {
      const alert = alerts[j];
      if (validators) alert.doc = checkAndSerialise(validators, docs[j]);
      insertAlert.run(alert);
      for (const entry of history.get(alert.id) ?? []) {
        if (validators) entry.entry = JSON.stringify(entries.get(entry));
        insertEntry!.run(entry);
      }
    };
  });
}

/**
 * The floor under a repeat: the `fingerprints` open alerts that were repeated last in
 * `sourceFile` (the dedup run's) copied into a new store in `dir`, then `count` repeats spread
 * over them in turn, `group` per transaction. Each repeat is what the database must be told for
 * it to be durable: the alert's count, lastSeen and version changed, and, once a fingerprint a
 * transaction as the store does it (its last repeat there; see docs/alert-storms.md), the
 * document serialised (its text holds the count) and written by an UPDATE of lastSeen, version
 * and the document, guarded by the version written before (the two indexes a repeat touches, as
 * the store's own UPDATE). With `validators`, every repeat's document is also checked.
 */
export async function repeatFloor(sourceFile: string, dir: string, fingerprints: number, count: number, group = MAX_BATCH, validators?: Validators): Promise<Floor> {
  const perCommit = Math.min(group, MAX_BATCH);
  const source = new Database(sourceFile, { readonly: true });
  let alerts: Row[];
  try {
    alerts = source.prepare("SELECT * FROM alerts WHERE state <> 'resolved' AND json_extract(doc, '$.count') > 1 ORDER BY last_seen DESC, rowid DESC LIMIT ?").all(fingerprints) as Row[];
  } finally {
    source.close();
  }
  if (alerts.length === 0) throw new Error(`no repeated open alert in ${sourceFile} to measure the repeat floor with`);
  const docs = alerts.map((a) => JSON.parse(a.doc as string) as { tool: string; data?: unknown; count: number; lastSeen: string; version: number });
  const written = docs.map((d) => d.version);

  if (validators) warmUp(validators, docs);

  return timedWrites(dir, 'repeat-floor.db', count, perCommit, (db) => {
    const insertAlert = insertFor(db, 'alerts', alerts[0]);
    for (const alert of alerts) insertAlert.run(alert);
    const update = db.prepare('UPDATE alerts SET last_seen = ?, version = ?, doc = ? WHERE id = ? AND version = ?');
    const firstSeen = Date.now();
    return (j) => {
      const k = j % alerts.length;
      const doc = docs[k];
      const at = firstSeen + j;
      doc.count += 1;
      doc.lastSeen = new Date(at).toISOString();
      doc.version += 1;
      if (validators) check(validators, doc);
      const commitEnd = Math.min((Math.floor(j / perCommit) + 1) * perCommit, count);
      if (j + alerts.length < commitEnd) return;
      if (update.run(at, doc.version, JSON.stringify(doc), alerts[k].id, written[k]).changes !== 1) throw new Error(`repeat floor: alert ${String(alerts[k].id)} not at version ${written[k]}`);
      written[k] = doc.version;
    };
  });
}
