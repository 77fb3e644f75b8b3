/**
 * Optimistic concurrency on a MongoDB-wire server without transactions: writing version v+1 of a
 * document (an alert, an incident) first inserts the claim `<id>@<v+1>`. A unique insert is
 * atomic on every MongoDB-wire server, whereas a filtered update is not on FerretDB 1.x (it
 * reads, then writes back the whole document); whoever fails to insert the claim lost the race.
 */
import type { Collection, Filter } from 'mongodb';
import { isDuplicateKey } from './mongodb-errors';
import { ConflictError, NotFoundError } from './types';

/** The right to write version `v` of document `a` (`_id` = `<a>@<v>`). */
export interface ClaimRow {
  _id: string;
  a: string;
  at: number;
}

/**
 * A claim older than this whose version never landed belongs to a writer that died between
 * its claim and its write; the next writer takes it over. Far above any real write time.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * Inserts the claim on a version of the document `id` that the caller read at `expected`;
 * throws ConflictError when another writer holds it or the document moved on. Returns whether
 * a dead writer's stale claim was taken over (its half-done work is the caller's to undo).
 * The holder deletes its claim once its version is in place.
 */
export async function claimVersion<Row extends { _id: string; version: number }>(claims: Collection<ClaimRow>, rows: Collection<Row>, claim: string, id: string, expected: number): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let inserted = false;
    try {
      await claims.insertOne({ _id: claim, a: id, at: Date.now() });
      inserted = true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    if (inserted) {
      // The previous holder deletes its claim once its version is in place, so holding the
      // claim means nothing unless the document is still at the expected version.
      const now = await rows.findOne({ _id: id } as Filter<Row>, { projection: { version: 1 } });
      if (now?.version === expected) return attempt > 0;
      await claims.deleteOne({ _id: claim });
      if (!now) throw new NotFoundError(id);
      throw new ConflictError(id, expected, now.version);
    }
    const [held, now] = await Promise.all([claims.findOne({ _id: claim }), rows.findOne({ _id: id } as Filter<Row>, { projection: { version: 1 } })]);
    if (!now) throw new NotFoundError(id);
    if (now.version !== expected) throw new ConflictError(id, expected, now.version);
    // Someone else is writing this version right now.
    if (!held || Date.now() - held.at < CLAIM_LEASE_MS) throw new ConflictError(id, expected, expected + 1);
    // Its writer died before writing the version: remove exactly that claim (deletes count atomically) and retry.
    await claims.deleteOne({ _id: claim, at: held.at });
  }
  throw new ConflictError(id, expected, expected + 1);
}
