import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { addMember, closeToNew, openIncident, resolveIncident } from '../../nodes/platform/incidents/model';
import { DEFAULT_RULES, incidentKey } from '../../nodes/platform/incidents/rules';
import type { Incident } from '../../nodes/platform/incidents/types';
import { buildAlert } from '../../nodes/platform/model/draft';
import type { Alert } from '../../nodes/platform/model/types';
import { ConflictError, DuplicateIdError, IncidentKeyTakenError, NotFoundError } from '../../nodes/platform/store/types';
import type { IncidentStore } from '../../nodes/platform/store/types';

export interface IncidentStoreHarness {
  store: IncidentStore;
  /** Closes the store and opens a new one over the same storage. */
  reopen(): Promise<IncidentStore>;
  cleanup(): Promise<void>;
}

/**
 * What every IncidentStore adapter must do: versions start at 1 and grow by one per write, a
 * stale write is a ConflictError, one accepting incident per key (the arbiter between runtimes),
 * and incidents survive a reopen.
 */
export function incidentStoreContract(name: string, factory: () => Promise<IncidentStoreHarness>): void {
  describe(`IncidentStore contract: ${name}`, function () {
    const T0 = Date.parse('2025-03-01T10:00:00.000Z');
    const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
    const rule = DEFAULT_RULES[0];
    let harness: IncidentStoreHarness;
    let store: IncidentStore;

    beforeEach(async function () {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async function () {
      await harness.cleanup();
    });

    function alert(draft: Record<string, unknown> = {}, minutes = 0): Alert {
      return buildAlert(
        { tool: 'firearm', event: 'Firearm detected', headline: 'Handgun on camera 4', zone: 'square', severity: 'critical', urgency: 'Immediate', certainty: 'Observed', ...draft },
        { now: at(minutes), id: randomUUID(), instance: 'contract' },
      );
    }

    function incident(a = alert(), id = `inc-${randomUUID()}`): Incident {
      return openIncident(rule, a, { id, key: incidentKey(a, rule), at: a.firstSeen });
    }

    it('stores a new incident as version 1 and reads it back whole', async function () {
      const created = await store.createIncident(incident());
      assert.equal(created.version, 1);
      assert.deepEqual(await store.getIncident(created.id), created);
      assert.equal(await store.getIncident('nope'), undefined);
    });

    it('refuses a second incident with the same id', async function () {
      const first = incident();
      await store.createIncident(first);
      await assert.rejects(store.createIncident({ ...first, key: 'Actual|city|zone:elsewhere' }), DuplicateIdError);
    });

    it('admits one accepting incident per key, and another once the first stops accepting', async function () {
      const first = await store.createIncident(incident());
      await assert.rejects(store.createIncident(incident()), (err: unknown) => err instanceof IncidentKeyTakenError && err.key === first.key);
      assert.equal((await store.incidentByKey(first.key))?.id, first.id);
      const closed = await store.replaceIncident(closeToNew(first, at(30), 'grouping window passed'));
      assert.equal(closed.accepting, false);
      assert.equal(await store.incidentByKey(first.key), undefined);
      const second = await store.createIncident(incident(alert({}, 31)));
      assert.equal(second.key, first.key);
      assert.equal((await store.incidentByKey(first.key))?.id, second.id);
    });

    it('lets only one of two racing creators hold a key', async function () {
      const results = await Promise.allSettled([store.createIncident(incident()), store.createIncident(incident())]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof IncidentKeyTakenError);
    });

    it('compare-and-sets on the version', async function () {
      const created = await store.createIncident(incident());
      const grown = await store.replaceIncident(addMember(created, alert({ tool: 'anomaly', event: 'Crowd-flow anomaly', severity: 'high' }, 1), rule, at(1)));
      assert.equal(grown.version, 2);
      assert.equal(grown.members.length, 2);
      await assert.rejects(store.replaceIncident(addMember(created, alert({ tool: 'social', event: 'Online threat' }, 2), rule, at(2))), ConflictError);
      assert.equal((await store.getIncident(created.id))?.members.length, 2);
      await assert.rejects(store.replaceIncident({ ...created, id: 'missing' }), NotFoundError);
    });

    it('lets one of two concurrent writers of one version win', async function () {
      const created = await store.createIncident(incident());
      const a = addMember(created, alert({ tool: 'anomaly', event: 'Crowd-flow anomaly' }, 1), rule, at(1));
      const b = addMember(created, alert({ tool: 'social', event: 'Online threat' }, 1), rule, at(1));
      const results = await Promise.allSettled([store.replaceIncident(a), store.replaceIncident(b)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof ConflictError);
      assert.equal((await store.getIncident(created.id))?.version, 2);
    });

    it('loses no update when many writers read, change and retry at once', async function () {
      // Each writer adds its own member, retrying on ConflictError as the incident service does.
      // A writer that read an old version must never overwrite a newer one, even when its claim
      // on the version after the one it read is free again because that version was written.
      const created = await store.createIncident(incident());
      const writers = Array.from({ length: 12 }, (_, i) => alert({ tool: 'anomaly', event: 'Crowd-flow anomaly', source: { ref: `counter-${i}` } }, 1));
      await Promise.all(writers.map(async (member) => {
        for (;;) {
          const current = (await store.getIncident(created.id))!;
          try {
            return await store.replaceIncident(addMember(current, member, rule, at(1)));
          } catch (err) {
            if (!(err instanceof ConflictError)) throw err;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }));
      const stored = (await store.getIncident(created.id))!;
      assert.equal(stored.version, 1 + writers.length, 'one version per write');
      assert.deepEqual(stored.members.map((m) => m.alertId).sort(), [created.members[0].alertId, ...writers.map((w) => w.id)].sort());
    });

    it('queries by state, status, accepting and time, P1 first', async function () {
      const p1 = await store.createIncident(incident());
      const p3 = await store.createIncident(incident(alert({ tool: 'anomaly', zone: 'park', severity: 'medium' }, 5)));
      const exercise = await store.createIncident(incident(alert({ status: 'Exercise', zone: 'hall' }, 6)));
      const done = await store.replaceIncident(resolveIncident(await store.createIncident(incident(alert({ zone: 'gate' }, 7))), 'false alarm', 'ops', at(8)));
      const ids = (page: { items: Incident[] }) => page.items.map((i) => i.id);
      assert.deepEqual(ids(await store.queryIncidents({ state: ['open', 'acknowledged'], status: 'Actual' })), [p1.id, p3.id]);
      assert.deepEqual(ids(await store.queryIncidents({ status: 'Exercise' })), [exercise.id]);
      assert.deepEqual(ids(await store.queryIncidents({ accepting: false })), [done.id]);
      assert.deepEqual(ids(await store.queryIncidents({ since: at(6), sort: 'recent' })), [done.id, exercise.id]);
      const page = await store.queryIncidents({ limit: 2, offset: 1 });
      assert.equal(page.total, 4);
      assert.equal(page.items.length, 2);
      assert.deepEqual(ids(await store.queryIncidents({ state: [] })), []);
      assert.deepEqual(ids(await store.queryIncidents({ priority: ['P3', 'P4'] })), [p3.id]);
      assert.deepEqual(ids(await store.queryIncidents({ priority: 'P1', state: 'open' })), [exercise.id, p1.id]);
      assert.deepEqual(ids(await store.queryIncidents({ priority: [] })), []);
      await assert.rejects(store.queryIncidents({ priority: 'P9' as never }), /unknown priority/);
    });

    it('holds a low-priority digest like any incident: its key admits one accepting digest, its digest part is kept whole', async function () {
      const digestRule = DEFAULT_RULES.find((r) => r.id === 'digest')!;
      const low = (zone: string, minutes: number) => alert({ tool: 'anomaly', event: 'Traffic anomaly', zone, severity: 'low', urgency: 'Expected', certainty: 'Possible' }, minutes);
      const first = low('market', 0);
      const digest = openIncident(digestRule, first, { id: `inc-${randomUUID()}`, key: incidentKey(first, digestRule), at: first.firstSeen });
      assert.equal(digest.key, 'Actual|digest|["anomaly","Traffic anomaly"]');
      const created = await store.createIncident(digest);
      assert.deepEqual(created.digest, { labels: { tool: 'anomaly', event: 'Traffic anomaly' }, priorities: ['P3', 'P4'], until: at(480) });
      // The same labels from another zone: the same key, held by the first digest.
      const other = low('park', 60);
      assert.equal(incidentKey(other, digestRule), created.key);
      await assert.rejects(store.createIncident(openIncident(digestRule, other, { id: `inc-${randomUUID()}`, key: incidentKey(other, digestRule), at: other.firstSeen })), IncidentKeyTakenError);
      const grown = await store.replaceIncident(addMember(created, other, digestRule, at(60)));
      assert.deepEqual(await store.getIncident(created.id), grown);
      assert.deepEqual(await store.incidentByKey(created.key), grown);
      assert.equal(grown.title, 'Traffic anomaly ×2 in 2 zones');
      assert.deepEqual((await store.queryIncidents({ accepting: true, priority: 'P4' })).items.map((i) => i.id), [created.id]);
      store = await harness.reopen();
      assert.deepEqual((await store.getIncident(created.id))?.digest, grown.digest);
    });

    it('keeps incidents across a reopen, and purges resolved ones past the cutoff', async function () {
      const open = await store.createIncident(incident());
      const done = await store.replaceIncident(resolveIncident(await store.createIncident(incident(alert({ zone: 'gate' }))), 'handled', 'ops', at(10)));
      store = await harness.reopen();
      assert.deepEqual(await store.getIncident(open.id), open);
      assert.equal((await store.incidentByKey(open.key))?.id, open.id);
      assert.equal(await store.purgeIncidents(new Date(at(5))), 0);
      assert.equal(await store.purgeIncidents(new Date(at(11))), 1);
      assert.equal(await store.getIncident(done.id), undefined);
      assert.ok(await store.getIncident(open.id));
    });
  });
}
