import assert from 'node:assert/strict';
import { acknowledge, recordOccurrence, resolve } from '../../nodes/platform/model/lifecycle';
import type { Alert } from '../../nodes/platform/model/types';
import type { AlertStore } from '../../nodes/platform/store/types';

/**
 * Two runtimes on one store's storage, `a` repeating from its cache of open alerts (both SQLite
 * and MongoDB keep one): what `b` wrote meanwhile (a repeat, an acknowledgement, a resolve, a
 * purge) is seen, never overwritten. For the adapters' own tests, which open the two stores.
 */
export async function repeatsSeeTheOtherRuntime(a: AlertStore, b: AlertStore, candidate: () => Alert, now: string): Promise<void> {
  const ingest = (store: AlertStore, c: Alert) => store.ingest(c, (open) => recordOccurrence(open, c, c.lastSeen));
  const first = (await ingest(a, candidate())).alert;
  await ingest(a, candidate()); // a now holds the open alert in its cache
  await ingest(b, candidate());
  assert.equal((await ingest(a, candidate())).alert.count, 4, 'b\'s repeat counted, not overwritten');
  const stored = (await b.get(first.id))!;
  await b.replace(acknowledge(stored, 'olga', now).alert);
  const afterAck = (await ingest(a, candidate())).alert;
  assert.equal(afterAck.state, 'acknowledged', 'the ack by b is kept');
  assert.equal(afterAck.count, 5);
  assert.equal(afterAck.version, stored.version + 2);
  assert.deepEqual(afterAck, await b.get(first.id));
  await b.replace(resolve((await b.get(first.id))!, 'done', 'olga', now).alert);
  const next = await ingest(a, candidate());
  assert.equal(next.outcome, 'created', 'a resolved alert is not repeated from the cache');
  assert.equal(next.alert.previousId, first.id);
  // The new alert is cached by a, then resolved and purged by b: a's next repeat opens another.
  await ingest(a, candidate());
  await b.replace(resolve((await b.get(next.alert.id))!, 'done', 'olga', now).alert);
  await b.purge(new Date(Date.now() + 60_000));
  const after = await ingest(a, candidate());
  assert.equal(after.outcome, 'created');
  assert.equal(after.alert.count, 1);
}
