import type Database from 'better-sqlite3';

/**
 * One step of the SQLite schema. `version` is the `PRAGMA user_version` the database has once
 * the step has run; steps are numbered 1, 2, 3… and never edited once released, because
 * databases in the field have already run them. A change to the schema is a new step.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Database.Database): void;
}

/**
 * The steps are split by concern rather than squashed into one, so that the upgrade path
 * (which every later step takes) is exercised by the tests from the first release on.
 *
 * Time columns hold epoch milliseconds rather than ISO strings: ISO strings only sort
 * correctly when every writer uses the same offset and precision, and drafts come from many
 * tools.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'alerts and their audit log',
    up(db) {
      db.exec(`
        CREATE TABLE alerts (
          id TEXT PRIMARY KEY NOT NULL,
          fingerprint TEXT NOT NULL,
          tool TEXT NOT NULL,
          state TEXT NOT NULL,
          priority INTEGER NOT NULL,
          severity TEXT NOT NULL,
          status TEXT NOT NULL,
          zone TEXT,
          first_seen INTEGER NOT NULL,
          last_seen INTEGER NOT NULL,
          resolved_at INTEGER,
          escalation_next INTEGER,
          silence_id TEXT,
          version INTEGER NOT NULL,
          search TEXT NOT NULL,
          doc TEXT NOT NULL
        );
        -- Deduplication looks up the open alert of a fingerprint on every ingest; the partial
        -- index stays small however many resolved repeats a noisy fingerprint piles up.
        CREATE INDEX alerts_open_fingerprint ON alerts (fingerprint) WHERE state <> 'resolved';
        CREATE INDEX alerts_fingerprint ON alerts (fingerprint);
        CREATE INDEX alerts_state_priority ON alerts (state, priority, last_seen);
        CREATE INDEX alerts_last_seen ON alerts (last_seen);
        -- Not extended with last_seen: every repeat moves last_seen, and each index holding it
        -- is rewritten on every deduplicated ingest. A tool's or zone's alerts are sorted after lookup.
        CREATE INDEX alerts_tool ON alerts (tool);
        CREATE INDEX alerts_zone ON alerts (zone);
        CREATE INDEX alerts_resolved_at ON alerts (resolved_at) WHERE resolved_at IS NOT NULL;
        CREATE INDEX alerts_escalation ON alerts (escalation_next) WHERE state = 'open' AND escalation_next IS NOT NULL;

        CREATE TABLE history (
          alert_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          entry TEXT NOT NULL,
          PRIMARY KEY (alert_id, seq)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'content-addressed media and the alerts that reference it',
    up(db) {
      db.exec(`
        CREATE TABLE media (
          digest TEXT PRIMARY KEY NOT NULL,
          mime TEXT NOT NULL,
          size INTEGER NOT NULL,
          stored_at INTEGER NOT NULL,
          data BLOB NOT NULL
        );
        CREATE INDEX media_stored_at ON media (stored_at);

        -- Purge needs "is this digest still referenced?" without parsing every alert document.
        CREATE TABLE alert_media (
          digest TEXT NOT NULL,
          alert_id TEXT NOT NULL,
          PRIMARY KEY (digest, alert_id)
        ) WITHOUT ROWID;
        CREATE INDEX alert_media_alert ON alert_media (alert_id);

        INSERT OR IGNORE INTO alert_media (digest, alert_id)
          SELECT json_extract(r.value, '$.digest'), a.id
          FROM alerts a, json_each(a.doc, '$.resources') r
          WHERE json_extract(r.value, '$.digest') IS NOT NULL;
      `);
    },
  },
  {
    version: 3,
    description: 'silences',
    up(db) {
      db.exec(`
        CREATE TABLE silences (
          id TEXT PRIMARY KEY NOT NULL,
          starts_at INTEGER NOT NULL,
          ends_at INTEGER NOT NULL,
          expired_at INTEGER,
          doc TEXT NOT NULL
        );
        CREATE INDEX silences_window ON silences (starts_at, ends_at);
      `);
    },
  },
  {
    version: 4,
    description: 'notification outbox, delivered-message references and cursors',
    up(db) {
      db.exec(`
        -- seq is the rowid, so the FIFO order is the insertion order and costs no extra index.
        CREATE TABLE notify_outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          channel TEXT NOT NULL,
          chat TEXT NOT NULL,
          key TEXT NOT NULL,
          alert_id TEXT,
          origin TEXT,
          priority INTEGER NOT NULL,
          version INTEGER NOT NULL,
          state TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          not_before INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          last_error TEXT,
          payload TEXT NOT NULL
        );
        -- At most one pending entry per (channel, chat, key): the one later repeats coalesce into.
        CREATE UNIQUE INDEX notify_outbox_pending_key ON notify_outbox (channel, chat, key) WHERE state = 'pending';
        CREATE INDEX notify_outbox_channel ON notify_outbox (channel, state, seq);
        CREATE INDEX notify_outbox_failed ON notify_outbox (updated_at) WHERE state = 'failed';

        CREATE TABLE notify_refs (
          channel TEXT NOT NULL,
          chat TEXT NOT NULL,
          key TEXT NOT NULL,
          alert_id TEXT NOT NULL,
          origin TEXT,
          message_id TEXT,
          updated_at INTEGER NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (channel, chat, key)
        ) WITHOUT ROWID;
        CREATE INDEX notify_refs_alert ON notify_refs (channel, alert_id);
        CREATE INDEX notify_refs_message ON notify_refs (channel, chat, message_id) WHERE message_id IS NOT NULL;
        CREATE INDEX notify_refs_updated ON notify_refs (updated_at);

        CREATE TABLE notify_cursors (
          name TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'TLP marking of alerts',
    up(db) {
      // NULL is TLP:CLEAR (an alert without a marking). Not indexed: a handful of values, read
      // only as a filter beside the indexed ones.
      db.exec(`
        ALTER TABLE alerts ADD COLUMN tlp TEXT;
        UPDATE alerts SET tlp = json_extract(doc, '$.tlp') WHERE json_extract(doc, '$.tlp') IS NOT NULL;
      `);
    },
  },
  {
    version: 6,
    description: 'incidents',
    up(db) {
      db.exec(`
        -- open_key is the incident's key while it accepts members, else NULL: the unique index
        -- admits one accepting incident per key, whichever runtime writes it.
        CREATE TABLE incidents (
          id TEXT PRIMARY KEY NOT NULL,
          open_key TEXT UNIQUE,
          state TEXT NOT NULL,
          status TEXT NOT NULL,
          priority INTEGER NOT NULL,
          last_seen INTEGER NOT NULL,
          resolved_at INTEGER,
          version INTEGER NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX incidents_state ON incidents (state, priority, last_seen);
        CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE resolved_at IS NOT NULL;
      `);
    },
  },
];

/** Raised when a database was written by a newer release than this one. */
export class SchemaTooNewError extends Error {
  readonly code = 'IMPETUS_SCHEMA_TOO_NEW';
  constructor(readonly found: number, readonly supported: number) {
    super(
      `its schema version ${found} is newer than this release supports (${supported}); ` +
        'upgrade node-red-contrib-impetus or point the store at another file',
    );
    this.name = 'SchemaTooNewError';
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` up to the last of `migrations`, each step in its own transaction so that a
 * failing step leaves the database at the previous version rather than half-upgraded.
 * Returns the versions before and after.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is out of order: position ${i + 1} holds version ${m.version}`);
  });
  const latest = migrations.length;
  const from = schemaVersion(db);
  if (from > latest) throw new SchemaTooNewError(from, latest);
  for (const step of migrations) {
    if (step.version <= from) continue;
    // IMMEDIATE takes the write lock before re-reading the version, so two runtimes opening
    // the same file at once cannot both run a step.
    db.exec('BEGIN IMMEDIATE');
    try {
      const current = schemaVersion(db);
      if (current > latest) throw new SchemaTooNewError(current, latest);
      if (current < step.version) {
        step.up(db);
        db.pragma(`user_version = ${step.version}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      if (err instanceof SchemaTooNewError) throw err;
      throw new Error(`schema migration ${step.version} (${step.description}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return { from, to: schemaVersion(db) };
}
