import type Database from 'better-sqlite3';
import type { Incident } from '../incidents/types';
import { priorityRank } from '../model/priority';
import { clampInt, dateMs, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, priorityArg, toMs } from './args';
import type { SqliteAlertStore } from './sqlite';
import { jsonClean } from './sqlite';
import { ConflictError, DuplicateIdError, IncidentKeyTakenError, NotFoundError } from './types';
import type { IncidentQuery, IncidentStore, Page } from './types';

interface Row {
  id: string;
  open_key: string | null;
  state: string;
  status: string;
  priority: number;
  last_seen: number;
  resolved_at: number | null;
  version: number;
  doc: string;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The next stored version of `incident` (version + 1) as a row, and as the object get() would return. */
function toRow(incident: Incident): Row & { stored: Incident } {
  if (typeof incident?.id !== 'string' || !incident.id) throw new TypeError('an incident needs an id');
  if (!Number.isInteger(incident.version) || incident.version < 0) throw new TypeError(`incident ${incident.id} has no valid version`);
  const stored: Incident = { ...incident, version: incident.version + 1 };
  return {
    id: stored.id,
    open_key: stored.accepting ? stored.key : null,
    state: stored.state,
    status: stored.status,
    priority: priorityRank(stored.priority),
    last_seen: toMs(stored.lastSeen, `incident ${stored.id} lastSeen`),
    resolved_at: stored.state === 'resolved' && stored.resolved ? toMs(stored.resolved.at, `incident ${stored.id} resolved.at`) : null,
    version: stored.version,
    doc: JSON.stringify(stored),
    stored,
  };
}

/**
 * What get() returns for the row: the written object itself when JSON keeps it as it is (a walk,
 * much cheaper than parsing an incident of a few hundred members back), else the parsed text.
 */
function written(row: Row & { stored: Incident }): Incident {
  return jsonClean(row.stored, false) ? row.stored : (JSON.parse(row.doc) as Incident);
}

function prepare(db: Database.Database) {
  return {
    get: db.prepare<[string], { doc: string }>('SELECT doc FROM incidents WHERE id = ?'),
    version: db.prepare<[string], { version: number; open_key: string | null }>('SELECT version, open_key FROM incidents WHERE id = ?'),
    byKey: db.prepare<[string], { doc: string; id: string }>('SELECT id, doc FROM incidents WHERE open_key = ?'),
    insert: db.prepare(`INSERT INTO incidents (id, open_key, state, status, priority, last_seen, resolved_at, version, doc)
      VALUES (@id, @open_key, @state, @status, @priority, @last_seen, @resolved_at, @version, @doc)`),
    update: db.prepare(`UPDATE incidents SET open_key = @open_key, state = @state, status = @status, priority = @priority,
      last_seen = @last_seen, resolved_at = @resolved_at, version = @version, doc = @doc WHERE id = @id`),
    purge: db.prepare<[number]>("DELETE FROM incidents WHERE state = 'resolved' AND resolved_at < ?"),
  };
}

/**
 * Incidents in the alert store's SQLite file, written in its group commits (as the outbox is),
 * so an incident is exactly as durable as the alerts it groups.
 */
export class SqliteIncidentStore implements IncidentStore {
  readonly kind = 'sqlite';
  private stmts?: ReturnType<typeof prepare>;

  constructor(private readonly alerts: SqliteAlertStore) {}

  async open(): Promise<void> {
    this.stmts ??= prepare(this.alerts.connection());
  }

  async close(): Promise<void> {
    this.stmts = undefined;
  }

  private ready(): ReturnType<typeof prepare> {
    if (!this.stmts) throw new Error('incident store is not open');
    return this.stmts;
  }

  // async: a document toRow refuses is a rejection, like every other store failure.
  async createIncident(incident: Incident): Promise<Incident> {
    const row = toRow(incident);
    const s = this.ready();
    return this.alerts.transact(() => {
      if (s.version.get(row.id)) throw new DuplicateIdError(row.id);
      try {
        s.insert.run(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw new IncidentKeyTakenError(incident.key);
        throw err;
      }
      return written(row);
    });
  }

  async replaceIncident(incident: Incident): Promise<Incident> {
    const row = toRow(incident);
    const s = this.ready();
    return this.alerts.transact(() => {
      const current = s.version.get(row.id);
      if (!current) throw new NotFoundError(row.id);
      if (current.version !== incident.version) throw new ConflictError(row.id, incident.version, current.version);
      try {
        s.update.run(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw new IncidentKeyTakenError(incident.key);
        throw err;
      }
      return written(row);
    });
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const row = this.ready().get.get(id);
    return row ? (JSON.parse(row.doc) as Incident) : undefined;
  }

  async incidentByKey(key: string): Promise<Incident | undefined> {
    const row = this.ready().byKey.get(key);
    return row ? (JSON.parse(row.doc) as Incident) : undefined;
  }

  async queryIncidents(query: IncidentQuery): Promise<Page<Incident>> {
    this.ready();
    const q = query ?? {};
    const where: string[] = [];
    const params: unknown[] = [];
    const anyOf = (column: string, value: unknown) => {
      if (value === undefined) return;
      const values = Array.isArray(value) ? value : [value];
      where.push(values.length ? `${column} IN (${values.map(() => '?').join(', ')})` : '0');
      params.push(...values);
    };
    anyOf('state', q.state);
    anyOf('status', q.status);
    anyOf('priority', q.priority === undefined ? undefined : ([] as unknown[]).concat(q.priority).map(priorityArg));
    if (q.accepting !== undefined) where.push(q.accepting ? 'open_key IS NOT NULL' : 'open_key IS NULL');
    if (q.since !== undefined) {
      where.push('last_seen >= ?');
      params.push(toMs(q.since, 'since'));
    }
    const sort = q.sort ?? 'priority';
    if (sort !== 'priority' && sort !== 'recent') throw new TypeError(`unknown sort ${String(sort)}`);
    const limit = clampInt(q.limit, DEFAULT_QUERY_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
    const offset = clampInt(q.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
    const db = this.alerts.connection();
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const order = sort === 'priority' ? 'priority ASC, last_seen DESC, rowid DESC' : 'last_seen DESC, rowid DESC';
    const total = (db.prepare(`SELECT count(*) AS n FROM incidents ${clause}`).get(...params) as { n: number }).n;
    const rows = limit === 0 || offset >= total ? [] : (db.prepare(`SELECT doc FROM incidents ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, limit, offset) as { doc: string }[]);
    return { items: rows.map((r) => JSON.parse(r.doc) as Incident), total, limit, offset };
  }

  purgeIncidents(resolvedBefore: Date): Promise<number> {
    let cutoff: number;
    try {
      cutoff = dateMs(resolvedBefore, 'resolvedBefore');
    } catch (err) {
      return Promise.reject(err);
    }
    const s = this.ready();
    return this.alerts.transact(() => s.purge.run(cutoff).changes);
  }
}
