import type { Collection, Filter, MongoClient } from 'mongodb';
import type { MongoBesideOptions } from './mongodb-beside';
import { checkMongoOptions, connectBeside } from './mongodb-beside';
import type { Incident } from '../incidents/types';
import { priorityRank } from '../model/priority';
import { clampInt, dateMs, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, priorityArg, toMs } from './args';
import type { ClaimRow } from './mongodb-claims';
import { claimVersion } from './mongodb-claims';
import { isDuplicateKey } from './mongodb-errors';
import { ConflictError, DuplicateIdError, IncidentKeyTakenError, NotFoundError } from './types';
import type { IncidentQuery, IncidentStore, Page } from './types';

export type MongoIncidentStoreOptions = MongoBesideOptions;

interface Row {
  _id: string;
  /** The key while accepting, `~<id>` otherwise: its unique index admits one accepting incident per key. */
  openKey: string;
  state: string;
  status: string;
  prio: number;
  lastSeen: number;
  resolvedAt: number | null;
  version: number;
  doc: string;
}

function toRow(incident: Incident): Row {
  if (typeof incident?.id !== 'string' || !incident.id) throw new TypeError('an incident needs an id');
  if (!Number.isInteger(incident.version) || incident.version < 0) throw new TypeError(`incident ${incident.id} has no valid version`);
  const stored: Incident = { ...incident, version: incident.version + 1 };
  return {
    _id: stored.id,
    openKey: stored.accepting ? stored.key : `~${stored.id}`,
    state: stored.state,
    status: stored.status,
    prio: priorityRank(stored.priority),
    lastSeen: toMs(stored.lastSeen, `incident ${stored.id} lastSeen`),
    resolvedAt: stored.state === 'resolved' && stored.resolved ? toMs(stored.resolved.at, `incident ${stored.id} resolved.at`) : null,
    version: stored.version,
    doc: JSON.stringify(stored),
  };
}

/**
 * Incidents beside the MongoDB alert store, in the same database, with its own client (as the
 * outbox). Atomicity comes from unique inserts, which FerretDB 1.x makes atomic where it does not
 * make filtered updates so: the `openKey` index arbitrates between runtimes opening an incident
 * for the same event, and a version claim guards every replace.
 */
export class MongoIncidentStore implements IncidentStore {
  readonly kind = 'mongodb';
  private client?: MongoClient;
  private rows!: Collection<Row>;
  private claims!: Collection<ClaimRow>;
  private phase: 'new' | 'open' | 'closed' = 'new';

  constructor(private readonly options: MongoIncidentStoreOptions) {
    checkMongoOptions(options, 'MongoIncidentStore');
  }

  async open(): Promise<void> {
    if (this.phase === 'open') return;
    if (this.phase === 'closed') throw new Error('incident store is closed');
    const { client, db, prefix } = await connectBeside(this.options, { writeConcern: { w: 'majority' } });
    this.rows = db.collection<Row>(`${prefix}incidents`);
    this.claims = db.collection<ClaimRow>(`${prefix}incident_claims`);
    try {
      await this.rows.createIndex({ openKey: 1 }, { unique: true, name: 'open_key' });
      await this.rows.createIndex({ state: 1, prio: 1, lastSeen: -1 }, { name: 'state_prio_seen' });
      await this.rows.createIndex({ resolvedAt: 1 }, { name: 'resolved' });
    } catch (err) {
      await client.close();
      throw err;
    }
    this.client = client;
    this.phase = 'open';
  }

  async close(): Promise<void> {
    const client = this.client;
    this.phase = 'closed';
    this.client = undefined;
    await client?.close();
  }

  private ready(): void {
    if (this.phase !== 'open') throw new Error(this.phase === 'new' ? 'incident store is not open' : 'incident store is closed');
  }

  async createIncident(incident: Incident): Promise<Incident> {
    this.ready();
    const row = toRow(incident);
    try {
      await this.rows.insertOne(row);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (await this.rows.findOne({ _id: row._id }, { projection: { _id: 1 } })) throw new DuplicateIdError(row._id);
      throw new IncidentKeyTakenError(incident.key);
    }
    return JSON.parse(row.doc) as Incident;
  }

  async replaceIncident(incident: Incident): Promise<Incident> {
    this.ready();
    const row = toRow(incident);
    const current = await this.rows.findOne({ _id: row._id }, { projection: { version: 1 } });
    if (!current) throw new NotFoundError(row._id);
    if (current.version !== incident.version) throw new ConflictError(row._id, incident.version, current.version);
    // A dead writer's stale claim taken over needs no undoing: an incident has no log beside it.
    const claim = `${row._id}@${row.version}`;
    await claimVersion(this.claims, this.rows, claim, row._id, incident.version);
    try {
      const result = await this.rows.replaceOne({ _id: row._id, version: incident.version }, row);
      if (result.matchedCount === 0) throw new ConflictError(row._id, incident.version, incident.version + 1);
    } catch (err) {
      // The version was not written: give the claim back so the next writer is not held up.
      await this.claims.deleteOne({ _id: claim }).catch(() => undefined);
      if (isDuplicateKey(err)) throw new IncidentKeyTakenError(incident.key);
      throw err;
    }
    // The claim has done its job once the version is in place; dropping it keeps the collection small.
    await this.claims.deleteOne({ _id: claim }).catch(() => undefined);
    return JSON.parse(row.doc) as Incident;
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    this.ready();
    const row = await this.rows.findOne({ _id: id }, { projection: { doc: 1 } });
    return row ? (JSON.parse(row.doc) as Incident) : undefined;
  }

  async incidentByKey(key: string): Promise<Incident | undefined> {
    this.ready();
    const row = await this.rows.findOne({ openKey: key }, { projection: { doc: 1 } });
    return row ? (JSON.parse(row.doc) as Incident) : undefined;
  }

  async queryIncidents(query: IncidentQuery): Promise<Page<Incident>> {
    this.ready();
    const q = query ?? {};
    const filter: Filter<Row> = {};
    if (q.state !== undefined) filter.state = { $in: ([] as string[]).concat(q.state) };
    if (q.status !== undefined) filter.status = { $in: ([] as string[]).concat(q.status) };
    if (q.priority !== undefined) filter.prio = { $in: ([] as unknown[]).concat(q.priority).map(priorityArg) };
    if (q.accepting !== undefined) filter.openKey = q.accepting ? { $not: /^~/ } : { $regex: '^~' };
    if (q.since !== undefined) filter.lastSeen = { $gte: toMs(q.since, 'since') };
    const sort = q.sort ?? 'priority';
    if (sort !== 'priority' && sort !== 'recent') throw new TypeError(`unknown sort ${String(sort)}`);
    const limit = clampInt(q.limit, DEFAULT_QUERY_LIMIT, 0, MAX_QUERY_LIMIT, 'limit');
    const offset = clampInt(q.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
    const total = await this.rows.countDocuments(filter);
    const rows = limit === 0 || offset >= total
      ? []
      : await this.rows.find(filter, { projection: { doc: 1 } }).sort(sort === 'priority' ? { prio: 1, lastSeen: -1, _id: -1 } : { lastSeen: -1, _id: -1 }).skip(offset).limit(limit).toArray();
    return { items: rows.map((r) => JSON.parse(r.doc) as Incident), total, limit, offset };
  }

  async purgeIncidents(resolvedBefore: Date): Promise<number> {
    this.ready();
    const cutoff = dateMs(resolvedBefore, 'resolvedBefore');
    const doomed = await this.rows.find({ state: 'resolved', resolvedAt: { $lt: cutoff } }, { projection: { _id: 1 } }).toArray();
    if (!doomed.length) return 0;
    const ids = doomed.map((r) => r._id);
    const n = (await this.rows.deleteMany({ _id: { $in: ids }, state: 'resolved' })).deletedCount;
    await this.claims.deleteMany({ _id: { $regex: `^(${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})@` } });
    return n;
  }
}
