import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { buildAlert } from '../../nodes/platform/model/draft';
import { acknowledge, addComment, escalate, markSilenced, OCCURRENCE_SAMPLES, recordOccurrence, reopen, resolve } from '../../nodes/platform/model/lifecycle';
import type { Alert, Silence } from '../../nodes/platform/model/types';
import { Validators } from '../../nodes/platform/model/validate';
import { ConflictError, DuplicateIdError, NotFoundError } from '../../nodes/platform/store/types';
import type { AlertStore, IngestResult, MergeOccurrence, OpenCount, Page } from '../../nodes/platform/store/types';

/**
 * What an adapter's test hands the contract: an opened store over fresh, empty storage.
 */
export interface AlertStoreHarness {
  store: AlertStore;
  /** The adapter's `historyWindow` setting: how many audit entries an alert document keeps. */
  historyWindow: number;
  /** Closes the store if it is still open, then opens a new store over the same storage. */
  reopen(): Promise<AlertStore>;
  /** Closes whatever store is open and removes the storage. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every AlertStore adapter must show, written against the interface only, so
 * that the SQLite and MongoDB adapters (and any later one) are held to the same semantics.
 *
 * Semantics pinned here beyond the interface's comments:
 * - stored versions start at 1 and grow by one per write;
 * - query: an empty list filter matches nothing; `limit` defaults to 50 and is capped at
 *   1000; the returned page carries the effective limit and offset;
 * - history of an unknown alert is empty (total 0), as it is after a purge;
 * - a silence is in effect on [startsAt, min(endsAt, expiredAt)), end excluded;
 * - dueEscalations skips alerts marked silenced only while that silence is in effect, and
 *   lists the most overdue first;
 * - purge drops media that only purged alerts referenced, and media no alert ever
 *   referenced once it was stored before the cutoff (a newer upload may still be waiting for
 *   the alert that will reference it);
 * - close() commits writes already issued; every call after it rejects with an error that
 *   says the store is closed; closing twice is harmless.
 */
export function alertStoreContract(name: string, factory: () => Promise<AlertStoreHarness>): void {
  describe(`AlertStore contract: ${name}`, function () {
    const T0 = Date.parse('2025-03-01T10:00:00.000Z');
    const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
    let validators: Validators;
    let harness: AlertStoreHarness;
    let store: AlertStore;

    before(function () {
      validators = new Validators();
    });

    beforeEach(async function () {
      harness = await factory();
      store = harness.store;
    });

    afterEach(async function () {
      await harness.cleanup();
    });

    function candidate(draft: Record<string, unknown> = {}, now = at(0)): Alert {
      return buildAlert(
        {
          tool: 'firearm',
          event: 'Firearm detected',
          zone: 'Z1',
          areaDesc: 'North Gate',
          source: { ref: 'cam-1' },
          severity: 'critical',
          urgency: 'Immediate',
          certainty: 'Observed',
          ...draft,
        },
        { now, id: randomUUID(), instance: 'contract' },
      );
    }

    function occurrence(repeat: Alert): MergeOccurrence {
      return (open) => recordOccurrence(open, repeat, repeat.lastSeen);
    }

    function ingest(alert: Alert): Promise<IngestResult> {
      return store.ingest(alert, occurrence(alert));
    }

    function valid(alert: Alert): Alert {
      validators.assert('alert', alert);
      return alert;
    }

    async function save(change: { alert: Alert }): Promise<Alert> {
      return valid(await store.replace(change.alert));
    }

    function ids(page: Page<Alert> | Alert[]): string[] {
      return (Array.isArray(page) ? page : page.items).map((a) => a.id);
    }

    function sameSet(actual: string[], expected: string[]): void {
      assert.deepEqual([...actual].sort(), [...expected].sort());
    }

    function silence(id: string, startsAt: string, endsAt: string, extra: Partial<Silence> = {}): Silence {
      return { id, matchers: { tool: 'firearm' }, reason: 'maintenance', createdBy: 'supervisor', createdAt: startsAt, startsAt, endsAt, ...extra };
    }

    describe('ingest', function () {
      it('creates a new alert at version 1 and returns what it stored', async function () {
        const c = candidate();
        const result = await ingest(c);
        assert.equal(result.outcome, 'created');
        assert.equal(result.alert.id, c.id);
        assert.equal(result.alert.version, 1);
        assert.equal(result.alert.count, 1);
        assert.equal(result.alert.previousId, undefined);
        valid(result.alert);
        assert.deepEqual(await store.get(c.id), result.alert);
      });

      it('ingestMany: each item as ingest would take it, in order, a refused one alone, all durable in one answer', async function () {
        const taken = (await ingest(candidate({ source: { ref: 'cam-9' } }))).alert;
        const first = candidate({}, at(1));
        const items = [
          first,
          candidate({ headline: 'Second sighting' }, at(2)),
          candidate({ source: { ref: 'cam-2' } }, at(3)),
          // A new alert under an id already taken: refused, alone.
          { ...candidate({ source: { ref: 'cam-3' } }, at(4)), id: taken.id },
          candidate({ headline: 'Third sighting' }, at(5)),
        ];
        const results = await store.ingestMany(items.map((c) => ({ candidate: c, merge: occurrence(c) })));
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
        const value = (i: number) => (results[i] as PromiseFulfilledResult<IngestResult>).value;
        assert.ok((results[3] as PromiseRejectedResult).reason instanceof DuplicateIdError);
        assert.deepEqual([0, 1, 2, 4].map((i) => value(i).outcome), ['created', 'deduplicated', 'created', 'deduplicated']);
        assert.deepEqual([0, 1, 4].map((i) => value(i).alert.id), [first.id, first.id, first.id]);
        assert.deepEqual([0, 1, 4].map((i) => [value(i).alert.count, value(i).alert.version]), [[1, 1], [2, 2], [3, 3]]);
        assert.equal(value(4).alert.headline, 'Third sighting');
        valid(value(4).alert);
        const reopened = await harness.reopen();
        assert.deepEqual(await reopened.get(first.id), value(4).alert);
        assert.deepEqual(await reopened.get(value(2).alert.id), value(2).alert);
        assert.equal((await reopened.query({})).total, 3);
        assert.deepEqual(await reopened.ingestMany([]), []);
      });

      it('merges a repeat of an open alert: count, lastSeen, occurrences and version advance, the audit log does not', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        const repeat = candidate({ headline: 'Second sighting' }, at(5));
        const result = await ingest(repeat);
        assert.equal(result.outcome, 'deduplicated');
        assert.equal(result.alert.id, first.id);
        assert.equal(result.alert.count, 2);
        assert.equal(result.alert.version, 2);
        assert.equal(result.alert.firstSeen, at(0));
        assert.equal(result.alert.lastSeen, at(5));
        assert.equal(result.alert.headline, 'Second sighting');
        assert.deepEqual(result.alert.history.map((h) => [h.seq, h.action]), [[1, 'created']]);
        // The same source as the alert's is not repeated in each occurrence.
        assert.deepEqual(result.alert.occurrences, { first: [{ n: 1, at: at(0) }, { n: 2, at: at(5) }], last: [] });
        valid(result.alert);
        assert.deepEqual(await store.get(first.id), result.alert);
        assert.equal(await store.get(repeat.id), undefined, 'the repeat must not be stored under its own id');
        assert.equal((await store.history(first.id)).total, 1);
      });

      it('merges into an acknowledged alert, since only resolution closes it', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        await save(acknowledge(first, 'operator', at(1)));
        const result = await ingest(candidate({}, at(2)));
        assert.equal(result.outcome, 'deduplicated');
        assert.equal(result.alert.id, first.id);
        assert.equal(result.alert.state, 'acknowledged');
        assert.equal(result.alert.version, 3);
      });

      it('returns exactly what get() returns, even for values JSON would drop or change', async function () {
        const c = { ...candidate({ data: { score: 0.9, note: undefined, offset: -0 } }), description: undefined };
        const created = await ingest(c);
        assert.deepStrictEqual(await store.get(c.id), created.alert);
        assert.equal('description' in created.alert, false);
        assert.deepStrictEqual(created.alert.data, { score: 0.9, offset: 0 });
        const repeat = await ingest({ ...candidate({ data: { when: undefined } }, at(1)), instruction: undefined });
        assert.deepStrictEqual(await store.get(c.id), repeat.alert);
      });

      it('keeps alerts with different fingerprints apart', async function () {
        const a = await ingest(candidate({ source: { ref: 'cam-1' } }));
        const b = await ingest(candidate({ source: { ref: 'cam-2' } }));
        assert.equal(b.outcome, 'created');
        assert.notEqual(a.alert.id, b.alert.id);
        assert.equal((await store.query({})).total, 2);
      });

      it('refuses a new alert whose id is taken with DuplicateIdError, and keeps the stored one', async function () {
        const a = await ingest(candidate({ source: { ref: 'cam-1' } }));
        const clash = { ...candidate({ source: { ref: 'cam-2' }, event: 'Something else' }), id: a.alert.id };
        await assert.rejects(ingest(clash), (err: Error) => err instanceof DuplicateIdError && (err as DuplicateIdError).code === 'IMPETUS_DUPLICATE_ID' && err.message.includes(a.alert.id));
        assert.deepEqual(await store.get(a.alert.id), a.alert);
        assert.equal((await store.query({})).total, 1);
      });

      it('starts a new alert after resolution, linked to the most recent resolved one by previousId', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        await save(resolve(first, 'false alarm', 'operator', at(1)));

        const second = await ingest(candidate({}, at(2)));
        assert.equal(second.outcome, 'created');
        assert.notEqual(second.alert.id, first.id);
        assert.equal(second.alert.previousId, first.id);
        assert.equal(second.alert.count, 1);
        assert.equal(second.alert.version, 1);
        valid(second.alert);
        const old = await store.get(first.id);
        assert.equal(old?.state, 'resolved');
        assert.equal(old?.count, 1);

        await save(resolve(second.alert, 'handled', 'operator', at(3)));
        const third = await ingest(candidate({}, at(4)));
        assert.equal(third.outcome, 'created');
        assert.equal(third.alert.previousId, second.alert.id);
      });

      it('merges into a reopened alert instead of starting a new one', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        const resolved = await save(resolve(first, 'done', 'operator', at(1)));
        await save(reopen(resolved, 'supervisor', at(2), 'not done'));
        const result = await ingest(candidate({}, at(3)));
        assert.equal(result.outcome, 'deduplicated');
        assert.equal(result.alert.id, first.id);
        assert.equal(result.alert.count, 2);
      });

      it('deduplicates atomically under concurrency (200 ingests over 5 fingerprints)', async function () {
        const candidates = Array.from({ length: 200 }, (_, i) => candidate({ source: { ref: `cam-${i % 5}` } }, at(i)));
        const results = await Promise.all(candidates.map((c) => ingest(c)));
        assert.equal(results.filter((r) => r.outcome === 'created').length, 5);
        assert.equal(results.filter((r) => r.outcome === 'deduplicated').length, 195);

        const page = await store.query({ limit: 1000 });
        assert.equal(page.total, 5);
        assert.equal(page.items.reduce((sum, a) => sum + a.count, 0), 200);
        for (const alert of page.items) {
          valid(alert);
          assert.equal(alert.count, 40);
          assert.equal(alert.version, 40, 'one version per write');
          assert.equal((await store.history(alert.id)).total, 1);
          // Every occurrence counted once: the samples are distinct numbers, the last one is the total.
          const samples = [...alert.occurrences!.first, ...alert.occurrences!.last].map((o) => o.n);
          assert.deepEqual(samples, [...Array.from({ length: OCCURRENCE_SAMPLES }, (_, i) => i + 1), ...Array.from({ length: OCCURRENCE_SAMPLES }, (_, i) => 40 - OCCURRENCE_SAMPLES + 1 + i)]);
        }
      });

      it('a storm of one fingerprint at full speed leaves the alert and its log bounded, with exact counts', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        const storm = async (from: number, to: number) => {
          const results = await Promise.all(Array.from({ length: to - from }, (_, i) => ingest(candidate({ source: { ref: 'cam-1', node: `n${from + i}` } }, at(from + i)))));
          assert.ok(results.every((r) => r.outcome === 'deduplicated' && r.alert.id === first.id));
          // Each caller gets its own version, whether or not the store wrote each one to disk.
          const expected = Array.from({ length: to - from }, (_, i) => from + i + 1);
          assert.deepEqual(results.map((r) => r.alert.version), expected);
          assert.deepEqual(results.map((r) => r.alert.count), expected);
          assert.deepEqual(results.at(-1)!.alert, await store.get(first.id));
        };
        await storm(1, 100);
        const early = (await store.get(first.id))!;
        await storm(100, 600);
        const late = (await store.get(first.id))!;
        valid(late);
        assert.equal(late.count, 600);
        assert.equal(late.version, 600, 'one version per write');
        assert.equal(late.lastSeen, at(599));
        assert.deepEqual((await store.history(first.id)).entries.map((e) => e.action), ['created'], 'a repeat adds no audit-log row');
        const n = (list: { n: number }[]) => list.map((o) => o.n);
        assert.deepEqual(n(late.occurrences!.first), Array.from({ length: OCCURRENCE_SAMPLES }, (_, i) => i + 1));
        assert.deepEqual(n(late.occurrences!.last), Array.from({ length: OCCURRENCE_SAMPLES }, (_, i) => 600 - OCCURRENCE_SAMPLES + 1 + i));
        assert.deepEqual(late.occurrences!.first, early.occurrences!.first, 'the first occurrences are kept for good');
        assert.equal(late.occurrences!.last.at(-1)?.source?.node, 'n599');
        // Five times the repeats, the same size (give or take the digits of the larger numbers).
        const size = (a: Alert) => JSON.stringify(a).length;
        assert.ok(size(late) <= size(early) + 4 * OCCURRENCE_SAMPLES + 16, `document grew from ${size(early)} to ${size(late)} bytes`);
      });

      it('rejects only the ingest whose merge throws', async function () {
        const first = (await ingest(candidate({}, at(0)))).alert;
        const boom: MergeOccurrence = () => {
          throw new Error('merge failed');
        };
        const [bad, good, other] = await Promise.allSettled([
          store.ingest(candidate({}, at(1)), boom),
          ingest(candidate({}, at(2))),
          ingest(candidate({ source: { ref: 'cam-9' } }, at(3))),
        ]);
        assert.equal(bad.status, 'rejected');
        assert.match(String((bad as PromiseRejectedResult).reason), /merge failed/);
        assert.equal(good.status, 'fulfilled');
        assert.equal(other.status, 'fulfilled');
        const stored = await store.get(first.id);
        assert.equal(stored?.count, 2);
        assert.equal(stored?.version, 2);
        assert.equal(stored?.occurrences?.first.length, 2);
        assert.equal((await store.history(first.id)).total, 1);
      });
    });

    describe('get and replace', function () {
      it('get returns undefined for an unknown id', async function () {
        assert.equal(await store.get('no-such-alert'), undefined);
      });

      it('replace stores the change and returns it at version + 1', async function () {
        const created = (await ingest(candidate())).alert;
        const acked = await save(acknowledge(created, 'operator', at(1), 'on it'));
        assert.equal(acked.version, 2);
        assert.equal(acked.state, 'acknowledged');
        assert.deepEqual(acked.ack, { by: 'operator', at: at(1), note: 'on it' });
        assert.deepEqual(await store.get(created.id), acked);
      });

      it('replace with a stale version raises ConflictError and changes nothing', async function () {
        const created = (await ingest(candidate())).alert;
        const acked = await save(acknowledge(created, 'operator', at(1)));
        await assert.rejects(store.replace(resolve(created, 'stale', 'other', at(2)).alert), (err: unknown) => {
          assert.ok(err instanceof ConflictError);
          assert.equal(err.code, 'IMPETUS_CONFLICT');
          assert.equal(err.alertId, created.id);
          assert.equal(err.expected, 1);
          assert.equal(err.actual, 2);
          return true;
        });
        assert.deepEqual(await store.get(created.id), acked);
        assert.equal((await store.history(created.id)).total, 2);
      });

      it('two concurrent replaces from the same version: exactly one wins', async function () {
        const created = (await ingest(candidate())).alert;
        const outcomes = await Promise.allSettled([
          store.replace(acknowledge(created, 'alice', at(1)).alert),
          store.replace(resolve(created, 'duplicate', 'bob', at(1)).alert),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        assert.ok(lost[0].reason instanceof ConflictError);
        const stored = await store.get(created.id);
        assert.equal(stored?.version, 2);
        assert.deepEqual(stored, (won[0] as PromiseFulfilledResult<Alert>).value);
      });

      it('replace of an unknown alert raises NotFoundError', async function () {
        const ghost = candidate();
        await assert.rejects(store.replace(ghost), (err: unknown) => {
          assert.ok(err instanceof NotFoundError);
          assert.equal(err.code, 'IMPETUS_NOT_FOUND');
          assert.equal(err.alertId, ghost.id);
          return true;
        });
        assert.equal(await store.get(ghost.id), undefined);
      });
    });

    describe('query', function () {
      const fixture: Record<string, Alert> = {};

      async function seed(): Promise<void> {
        const put = async (key: string, draft: Record<string, unknown>, minute: number) => {
          fixture[key] = (await ingest(candidate({ source: { ref: key }, ...draft }, at(minute)))).alert;
        };
        await put('q1', { headline: 'Pistol seen at North Gate' }, 1);
        await put('q2', {
          tool: 'bacteria', event: 'Airborne bacteria', zone: 'Z2', areaDesc: 'Metro hall', severity: 'high', urgency: 'Expected', certainty: 'Likely',
          status: 'Exercise', description: 'Concentration at 120% of baseline',
        }, 2);
        await put('q3', {
          tool: 'anomaly', event: 'Sensor anomaly', headline: 'Anomaly on water_flow_3', areaDesc: 'Pump station', severity: 'medium', urgency: 'Unknown',
          certainty: 'Unknown', status: 'Test',
        }, 3);
        await put('q4', { tool: 'social', event: 'Threatening post', zone: undefined, areaDesc: 'Piazza dei Signori', severity: 'low' }, 4);
        await put('q5', { zone: 'Z2', areaDesc: 'South Gate' }, 5);
        fixture.q5 = await save(acknowledge(fixture.q5, 'operator', at(6)));
        await put('q6', { tool: 'cti', event: 'Phishing campaign', zone: 'Z3', areaDesc: 'City hall', severity: 'high', urgency: 'Expected', certainty: 'Likely' }, 6);
        fixture.q6 = await save(resolve(fixture.q6, 'blocked', 'analyst', at(7)));
      }

      const idsOf = (...keys: string[]) => keys.map((k) => fixture[k].id);

      it('filters on every field, by single value and by list', async function () {
        await seed();
        const cases: [Parameters<AlertStore['query']>[0], string[]][] = [
          [{ state: 'open' }, ['q1', 'q2', 'q3', 'q4']],
          [{ state: ['acknowledged', 'resolved'] }, ['q5', 'q6']],
          [{ priority: 'P1' }, ['q1', 'q5']],
          [{ priority: ['P3', 'P4'] }, ['q3', 'q4']],
          [{ tool: 'firearm' }, ['q1', 'q5']],
          [{ tool: ['bacteria', 'cti'] }, ['q2', 'q6']],
          [{ severity: 'critical' }, ['q1', 'q5']],
          [{ severity: ['medium', 'low'] }, ['q3', 'q4']],
          [{ status: 'Exercise' }, ['q2']],
          [{ status: ['Test', 'Exercise'] }, ['q2', 'q3']],
          [{ zone: 'Z1' }, ['q1', 'q3']],
          [{ zone: ['Z2', 'Z3'] }, ['q2', 'q5', 'q6']],
          [{ tool: 'firearm', state: 'open' }, ['q1']],
          [{ zone: 'Z2', priority: 'P1' }, ['q5']],
          [{ tool: [] }, []],
          [{ notTool: ['firearm', 'cti'] }, ['q2', 'q3', 'q4']],
          [{ tool: ['firearm', 'bacteria'], notTool: ['firearm'] }, ['q2']],
          [{}, ['q1', 'q2', 'q3', 'q4', 'q5', 'q6']],
        ];
        for (const [query, expected] of cases) {
          const page = await store.query(query);
          sameSet(ids(page), idsOf(...expected));
          assert.equal(page.total, expected.length, JSON.stringify(query));
          page.items.forEach(valid);
        }
      });

      it('bounds lastSeen with an inclusive from and an exclusive to', async function () {
        await seed();
        sameSet(ids(await store.query({ from: at(2), to: at(5) })), idsOf('q2', 'q3', 'q4'));
        sameSet(ids(await store.query({ from: at(5) })), idsOf('q5', 'q6'));
        sameSet(ids(await store.query({ to: at(2) })), idsOf('q1'));
      });

      it('searches headline, description, event and areaDesc case-insensitively', async function () {
        await seed();
        sameSet(ids(await store.query({ text: 'PISTOL' })), idsOf('q1'));
        sameSet(ids(await store.query({ text: 'baseline' })), idsOf('q2'));
        sameSet(ids(await store.query({ text: 'sensor ANOMALY' })), idsOf('q3'));
        sameSet(ids(await store.query({ text: 'signori' })), idsOf('q4'));
        sameSet(ids(await store.query({ text: 'gate' })), idsOf('q1', 'q5'));
        sameSet(ids(await store.query({ text: 'gate', state: 'open' })), idsOf('q1'));
        assert.equal((await store.query({ text: 'no such words' })).total, 0);
      });

      it('treats % and _ in the search text literally', async function () {
        await seed();
        sameSet(ids(await store.query({ text: '%' })), idsOf('q2'));
        sameSet(ids(await store.query({ text: '120%' })), idsOf('q2'));
        sameSet(ids(await store.query({ text: '_' })), idsOf('q3'));
        sameSet(ids(await store.query({ text: 'water_flow' })), idsOf('q3'));
        assert.equal((await store.query({ text: 'water%flow' })).total, 0);
        assert.equal((await store.query({ text: 'p_stol' })).total, 0);
      });

      it('sorts by priority then newest lastSeen by default, or newest first with sort recent', async function () {
        await seed();
        assert.deepEqual(ids(await store.query({})), idsOf('q5', 'q1', 'q6', 'q2', 'q3', 'q4'));
        assert.deepEqual(ids(await store.query({ sort: 'priority' })), idsOf('q5', 'q1', 'q6', 'q2', 'q3', 'q4'));
        assert.deepEqual(ids(await store.query({ sort: 'recent' })), idsOf('q6', 'q5', 'q4', 'q3', 'q2', 'q1'));
      });

      it('pages with limit and offset and reports the total', async function () {
        const created = await Promise.all(
          Array.from({ length: 60 }, (_, i) => ingest(candidate({ source: { ref: `page-${i}` } }, at(i)))),
        );
        const newestFirst = created.map((r) => r.alert.id).reverse();

        const first = await store.query({ sort: 'recent' });
        assert.equal(first.total, 60);
        assert.equal(first.limit, 50);
        assert.equal(first.offset, 0);
        assert.deepEqual(ids(first), newestFirst.slice(0, 50));

        const rest = await store.query({ sort: 'recent', limit: 25, offset: 50 });
        assert.equal(rest.total, 60);
        assert.equal(rest.offset, 50);
        assert.deepEqual(ids(rest), newestFirst.slice(50));

        const middle = await store.query({ sort: 'recent', limit: 7, offset: 20, tool: 'firearm' });
        assert.deepEqual(ids(middle), newestFirst.slice(20, 27));
        assert.equal(middle.total, 60);

        const beyond = await store.query({ offset: 100 });
        assert.deepEqual(beyond.items, []);
        assert.equal(beyond.total, 60);

        assert.equal((await store.query({ limit: 5000 })).limit, 1000);
      });
    });

    describe('query input', function () {
      it('rejects an unknown sort, an unknown priority and a from or to that is not a date', async function () {
        await assert.rejects(store.query({ sort: 'loudest' as never }), /sort/);
        await assert.rejects(store.query({ priority: 'P9' as never }), /priority/);
        await assert.rejects(store.query({ from: 'yesterday' }), /from/);
        await assert.rejects(store.query({ to: 'tomorrow' }), /to/);
      });
    });

    describe('history', function () {
      it('keeps the last historyWindow entries in the alert and the whole log in history()', async function () {
        const window = harness.historyWindow;
        const total = window + 15;
        let alert = (await ingest(candidate({}, at(0)))).alert;
        for (let i = 1; i < total; i++) alert = await save(addComment(alert, `note ${i}`, 'operator', at(i)));

        valid(alert);
        assert.equal(alert.history.length, window);
        assert.deepEqual(alert.history.map((h) => h.seq), Array.from({ length: window }, (_, i) => total - window + 1 + i));
        assert.deepEqual(await store.get(alert.id), alert);

        const log = await store.history(alert.id);
        assert.equal(log.total, total);
        assert.deepEqual(log.entries.map((e) => e.seq), Array.from({ length: total }, (_, i) => i + 1));
        assert.equal(log.entries[0].action, 'created');
        assert.ok(log.entries.slice(1).every((e) => e.action === 'commented'));

        const page = await store.history(alert.id, { limit: 5, offset: total - 3 });
        assert.equal(page.total, total);
        assert.deepEqual(page.entries.map((e) => e.seq), [total - 2, total - 1, total]);
        const second = await store.history(alert.id, { limit: 4, offset: 4 });
        assert.deepEqual(second.entries.map((e) => e.seq), [5, 6, 7, 8]);

        // A lifecycle change made from the windowed document continues the same log.
        const acked = await save(acknowledge(alert, 'operator', at(total + 1)));
        assert.equal(acked.history.length, window);
        assert.equal(acked.history[window - 1].seq, total + 1);
        const after = await store.history(alert.id, { offset: total });
        assert.equal(after.total, total + 1);
        assert.deepEqual(after.entries.map((e) => [e.seq, e.action, e.by]), [[total + 1, 'acknowledged', 'operator']]);
      });

      it('appends only entries newer than the stored log', async function () {
        const created = (await ingest(candidate())).alert;
        const acked = await save(acknowledge(created, 'operator', at(1)));
        // Re-sending the same entries with a further change must not duplicate them.
        const resolved = await save(resolve(acked, 'done', 'operator', at(2)));
        const log = await store.history(created.id);
        assert.deepEqual(log.entries.map((e) => e.action), ['created', 'acknowledged', 'resolved']);
        assert.deepEqual(resolved.history.map((e) => e.seq), [1, 2, 3]);
      });

      it('is empty for an unknown alert', async function () {
        assert.deepEqual(await store.history('no-such-alert'), { entries: [], total: 0 });
      });
    });

    describe('media', function () {
      it('stores bytes under their sha256 digest and returns them', async function () {
        const bytes = Buffer.from('\xff\xd8 fake jpeg bytes', 'latin1');
        const ref = await store.putMedia(bytes, 'image/jpeg');
        assert.equal(ref.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
        assert.equal(ref.size, bytes.length);
        assert.equal(ref.mimeType, 'image/jpeg');
        const back = await store.getMedia(ref.digest);
        assert.ok(back);
        assert.ok(Buffer.isBuffer(back.data));
        assert.ok(back.data.equals(bytes));
        assert.equal(back.mimeType, 'image/jpeg');
      });

      it('keeps one copy of the same bytes stored twice', async function () {
        const a = await store.putMedia(Buffer.from('same frame'), 'image/png');
        const b = await store.putMedia(Buffer.from('same frame'), 'image/png');
        const c = await store.putMedia(Buffer.from('other frame'), 'image/png');
        assert.deepEqual(b, a);
        assert.notEqual(c.digest, a.digest);
        assert.ok((await store.getMedia(a.digest))?.data.equals(Buffer.from('same frame')));
      });

      it('stores the bytes as they were when putMedia was called', async function () {
        const bytes = Buffer.from('frame from a reused pool buffer');
        const pending = store.putMedia(bytes, 'image/jpeg');
        bytes.fill(0);
        const ref = await pending;
        assert.ok((await store.getMedia(ref.digest))?.data.equals(Buffer.from('frame from a reused pool buffer')));
      });

      it('returns undefined for an unknown digest', async function () {
        assert.equal(await store.getMedia(`sha256:${'0'.repeat(64)}`), undefined);
      });
    });

    describe('purge', function () {
      async function withMedia(ref: string, digests: string[], minute: number): Promise<Alert> {
        const resources = digests.map((digest) => ({ description: 'snapshot', mimeType: 'image/jpeg', digest }));
        return (await ingest(candidate({ source: { ref }, resources }, at(minute)))).alert;
      }

      it('removes only alerts resolved before the cutoff, their history, and media only they referenced', async function () {
        const onlyOld = await store.putMedia(Buffer.from('old'), 'image/jpeg');
        const shared = await store.putMedia(Buffer.from('shared'), 'image/jpeg');
        const recentMedia = await store.putMedia(Buffer.from('recent'), 'image/jpeg');
        const unattached = await store.putMedia(Buffer.from('upload awaiting its alert'), 'image/jpeg');

        const old = await withMedia('old', [onlyOld.digest, shared.digest], 0);
        await save(resolve(old, 'done', 'operator', at(10)));
        const recent = await withMedia('recent', [recentMedia.digest], 1);
        await save(resolve(recent, 'done', 'operator', at(200)));
        const open = await withMedia('open', [shared.digest], 2);
        const reopened = await withMedia('reopened', [], 3);
        const r = await save(resolve(reopened, 'done', 'operator', at(11)));
        await save(reopen(r, 'supervisor', at(12)));

        const result = await store.purge(new Date(at(100)));
        assert.deepEqual(result, { alerts: 1, media: 1 });

        assert.equal(await store.get(old.id), undefined);
        assert.deepEqual(await store.history(old.id), { entries: [], total: 0 });
        assert.equal(await store.getMedia(onlyOld.digest), undefined);
        assert.ok(await store.get(recent.id));
        assert.ok(await store.get(open.id));
        assert.equal((await store.get(reopened.id))?.state, 'open');
        assert.equal((await store.history(recent.id)).total, 2);
        assert.ok(await store.getMedia(shared.digest), 'still referenced by an open alert');
        assert.ok(await store.getMedia(recentMedia.digest), 'still referenced by a recent resolved alert');
        assert.ok(await store.getMedia(unattached.digest), 'an upload newer than the cutoff is kept');

        assert.deepEqual(await store.purge(new Date(at(100))), { alerts: 0, media: 0 });
      });

      it('with a cutoff after every write, also drops media no alert references', async function () {
        const kept = await store.putMedia(Buffer.from('kept'), 'image/jpeg');
        const orphan = await store.putMedia(Buffer.from('orphan'), 'image/jpeg');
        const resolvedOne = await withMedia('gone', [], 0);
        await save(resolve(resolvedOne, 'done', 'operator', at(1)));
        const open = await withMedia('open', [kept.digest], 2);

        const result = await store.purge(new Date(Date.now() + 60_000));
        assert.deepEqual(result, { alerts: 1, media: 1 });
        assert.equal(await store.getMedia(orphan.digest), undefined);
        assert.ok(await store.getMedia(kept.digest));
        assert.ok(await store.get(open.id));
      });
    });

    describe('silences', function () {
      it('stores, returns and upserts silences by id', async function () {
        const s1 = silence('s1', at(0), at(60));
        await store.putSilence(s1);
        assert.deepEqual(await store.getSilence('s1'), s1);
        assert.equal(await store.getSilence('nope'), undefined);

        const updated = { ...s1, reason: 'extended', endsAt: at(90) };
        await store.putSilence(updated);
        assert.deepEqual(await store.getSilence('s1'), updated);
        assert.deepEqual(await store.silences(), [updated]);
      });

      it('lists the silences in effect at a time: startsAt included, endsAt and expiredAt excluded', async function () {
        const window = silence('window', at(0), at(60));
        const expired = silence('expired', at(0), at(120), { expiredAt: at(30) });
        const later = silence('later', at(100), at(200));
        await Promise.all([store.putSilence(window), store.putSilence(expired), store.putSilence(later)]);

        const active = async (minute: number) => (await store.silences(new Date(at(minute)))).map((s) => s.id).sort();
        assert.deepEqual(await active(-1), []);
        assert.deepEqual(await active(0), ['expired', 'window']);
        assert.deepEqual(await active(29), ['expired', 'window']);
        assert.deepEqual(await active(30), ['window']);
        assert.deepEqual(await active(59), ['window']);
        assert.deepEqual(await active(60), []);
        assert.deepEqual(await active(100), ['later']);
        assert.deepEqual(await active(200), []);
        assert.deepEqual((await store.silences()).map((s) => s.id).sort(), ['expired', 'later', 'window']);

        // Expiring a silence early is an upsert that sets expiredAt.
        await store.putSilence({ ...later, expiredAt: at(150) });
        assert.deepEqual(await active(149), ['later']);
        assert.deepEqual(await active(150), []);
      });
    });

    describe('dueEscalations', function () {
      it('lists open, unsilenced alerts whose next escalation is due, most overdue first', async function () {
        const now = new Date(at(30));
        const make = async (ref: string, nextAt: string | undefined) => {
          const created = (await ingest(candidate({ source: { ref } }, at(0)))).alert;
          return nextAt === undefined ? created : save(escalate(created, 1, at(1), nextAt));
        };
        const overdue = await make('overdue', at(5));
        await make('future', at(40));
        const exact = await make('exact', at(30));
        const acked = await make('acked', at(5));
        await save(acknowledge(acked, 'operator', at(6)));
        const resolved = await make('resolved', at(5));
        // resolve() clears escalation; keep it to check that the store itself skips resolved alerts.
        await save({ alert: { ...resolve(resolved, 'done', 'operator', at(6)).alert, escalation: resolved.escalation } });
        await make('none', undefined);

        const active = silence('active', at(0), at(60));
        const ended = silence('ended', at(0), at(60), { expiredAt: at(20) });
        await store.putSilence(active);
        await store.putSilence(ended);
        const muted = await make('muted', at(5));
        await save({ alert: markSilenced(muted, active, at(7)) });
        const unmuted = await make('unmuted', at(10));
        await save({ alert: markSilenced(unmuted, ended, at(7)) });

        const due = await store.dueEscalations(now);
        assert.deepEqual(ids(due), [overdue.id, unmuted.id, exact.id]);
        due.forEach(valid);
        assert.deepEqual(ids(await store.dueEscalations(now, 2)), [overdue.id, unmuted.id]);
        assert.deepEqual(ids(await store.dueEscalations(new Date(at(0)))), []);
        // Once the silence ends, the muted alert is due again.
        assert.ok(ids(await store.dueEscalations(new Date(at(60)))).includes(muted.id));
      });
    });

    describe('TLP markings', function () {
      it('selects by marking (no marking is clear), counts by marking, and a repeat makes an open alert stricter, never laxer, in its log', async function () {
        const none = (await ingest(candidate({ source: { ref: 't0' } }))).alert;
        const green = (await ingest(candidate({ source: { ref: 't1' }, tlp: 'green' }))).alert;
        const amber = (await ingest(candidate({ source: { ref: 't2' }, tlp: 'amber' }))).alert;
        const red = (await ingest(candidate({ source: { ref: 't3' }, tlp: 'red' }))).alert;
        assert.equal(none.tlp, undefined);
        assert.deepEqual(red.history[0].details, { tlp: 'red' }, 'the creation records its marking');
        const ids = async (tlp: Parameters<AlertStore['query']>[0]['tlp']) => (await store.query({ tlp })).items.map((a) => a.id).sort();
        assert.deepEqual(await ids(['clear']), [none.id]);
        assert.deepEqual(await ids(['clear', 'green', 'amber']), [none.id, green.id, amber.id].sort());
        assert.deepEqual(await ids(['red']), [red.id]);
        assert.deepEqual(await ids([]), [], 'an empty list selects nothing');
        await assert.rejects(store.query({ tlp: ['purple' as never] }), /unknown TLP marking purple/);

        // A repeat under RED restricts the amber alert from now on; a later CLEAR repeat does not open it up.
        const raised = (await ingest(candidate({ source: { ref: 't2' }, tlp: 'red' }, at(1)))).alert;
        assert.equal(raised.id, amber.id);
        assert.equal(raised.tlp, 'red');
        const again = (await ingest(candidate({ source: { ref: 't2' } }, at(2)))).alert;
        assert.equal(again.tlp, 'red', 'never laxer while open');
        const log = (await store.history(amber.id)).entries.map((e) => [e.action, e.details]);
        assert.deepEqual(log, [['created', { tlp: 'amber' }], ['marked', { tlp: { from: 'amber', to: 'red' } }]]);
        assert.deepEqual(await ids(['red']), [amber.id, red.id].sort());
        valid(again);

        const counts = (await store.openCounts()).map((c) => [c.tlp ?? 'clear', c.n]).sort();
        assert.deepEqual(counts, [['clear', 1], ['green', 1], ['red', 2]]);
      });
    });

    describe('openCounts', function () {
      it('counts unresolved alerts grouped by tool, priority, status, zone, state and silence', async function () {
        assert.deepEqual(await store.openCounts(), []);
        const a = (await ingest(candidate({ source: { ref: 'a' } }))).alert;
        await ingest(candidate({ source: { ref: 'b' } }));
        await ingest(candidate({ source: { ref: 'a' } }, at(1)));
        await ingest(candidate({ source: { ref: 'c' }, zone: undefined, tool: 'bacteria', severity: 'medium', status: 'Exercise' }));
        const acked = (await ingest(candidate({ source: { ref: 'd' } }))).alert;
        await save(acknowledge(acked, 'operator', at(2)));
        const gone = (await ingest(candidate({ source: { ref: 'e' } }))).alert;
        await save(resolve(gone, 'done', 'operator', at(2)));
        const muted = (await ingest(candidate({ source: { ref: 'f' } }))).alert;
        const quiet = silence('quiet', at(0), at(60));
        await store.putSilence(quiet);
        await save({ alert: markSilenced(muted, quiet, at(3)) });

        const key = (c: OpenCount) => `${c.tool}/${c.priority}/${c.status}/${c.zone ?? '-'}/${c.state}/${c.silenced}`;
        const counts = Object.fromEntries((await store.openCounts()).map((c) => [key(c), c.n]));
        const p = a.priority;
        const bacteria = (await store.query({ tool: 'bacteria' })).items[0].priority;
        assert.deepEqual(counts, {
          [`firearm/${p}/Actual/Z1/open/false`]: 2,
          [`firearm/${p}/Actual/Z1/acknowledged/false`]: 1,
          [`firearm/${p}/Actual/Z1/open/true`]: 1,
          [`bacteria/${bacteria}/Exercise/-/open/false`]: 1,
        });
      });
    });

    describe('durability and lifecycle', function () {
      it('keeps everything written across close and reopen', async function () {
        const media = await store.putMedia(Buffer.from('evidence'), 'video/mp4');
        const first = (await ingest(candidate({ resources: [{ description: 'clip', mimeType: 'video/mp4', digest: media.digest }] }, at(0)))).alert;
        await ingest(candidate({}, at(1)));
        const acked = await save(acknowledge((await store.get(first.id))!, 'operator', at(2)));
        const other = (await ingest(candidate({ source: { ref: 'cam-2' } }, at(3)))).alert;
        const s = silence('s', at(0), at(60));
        await store.putSilence(s);
        await store.close();

        store = await harness.reopen();
        assert.deepEqual(await store.get(first.id), acked);
        assert.deepEqual(await store.get(other.id), other);
        assert.equal((await store.history(first.id)).total, 2);
        assert.ok((await store.getMedia(media.digest))?.data.equals(Buffer.from('evidence')));
        assert.deepEqual(await store.getSilence('s'), s);
        assert.equal((await store.query({})).total, 2);
        // And the reopened store carries on where the old one stopped.
        const again = await ingest(candidate({}, at(4)));
        assert.equal(again.alert.id, first.id);
        assert.equal(again.alert.version, acked.version + 1);
      });

      it('close() commits the writes already issued', async function () {
        const pending = Array.from({ length: 20 }, (_, i) => ingest(candidate({ source: { ref: `cam-${i % 4}` } }, at(i))));
        const silencing = store.putSilence(silence('s', at(0), at(60)));
        await store.close();
        const results = await Promise.all(pending);
        await silencing;
        assert.equal(results.filter((r) => r.outcome === 'created').length, 4);

        store = await harness.reopen();
        const page = await store.query({});
        assert.equal(page.total, 4);
        assert.equal(page.items.reduce((sum, a) => sum + a.count, 0), 20);
        assert.ok(await store.getSilence('s'));
      });

      it('rejects every call after close with an error that says so', async function () {
        const created = (await ingest(candidate())).alert;
        await store.close();
        await store.close();
        const calls: [string, () => Promise<unknown>][] = [
          ['get', () => store.get(created.id)],
          ['ingest', () => ingest(candidate())],
          // Each item fails alone, with the same error.
          ['ingestMany', async () => {
            const c = candidate();
            const [result] = await store.ingestMany([{ candidate: c, merge: occurrence(c) }]);
            if (result.status === 'rejected') throw result.reason;
          }],
          ['replace', () => store.replace(created)],
          ['query', () => store.query({})],
          ['history', () => store.history(created.id)],
          ['putMedia', () => store.putMedia(Buffer.from('x'), 'image/png')],
          ['getMedia', () => store.getMedia(`sha256:${'0'.repeat(64)}`)],
          ['purge', () => store.purge(new Date())],
          ['putSilence', () => store.putSilence(silence('s', at(0), at(1)))],
          ['silences', () => store.silences()],
          ['getSilence', () => store.getSilence('s')],
          ['dueEscalations', () => store.dueEscalations(new Date())],
        ];
        for (const [what, call] of calls) await assert.rejects(call(), /closed/, what);
      });
    });
  });
}
