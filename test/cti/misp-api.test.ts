import assert from 'node:assert/strict';
import { Rng } from '../../bench/random';
import { RateLimitedError } from '../../nodes/cti/feed';
import type { Indicator } from '../../nodes/cti/indicator';
import { mispSearchKey, parseMispFilters, readMispApi, restSearchEvents } from '../../nodes/cti/misp-api';
import type { MispApiCursor } from '../../nodes/cti/misp-api';
import { MISP_AUTH_FAILED, startMispServer } from '../support/misp-server';
import type { MispEvent, MispServer } from '../support/misp-server';
import { collect, ctiNodes, helper, nextError, node, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

const KEY = 'x'.repeat(40);
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const event = (i: number, timestamp: number, extra: Partial<MispEvent> = {}): MispEvent => ({
  id: i, uuid: uuid(i), info: `event ${i}`, timestamp, Tag: [{ name: 'tlp:green' }],
  Attribute: [{ uuid: `${uuid(i)}-a`, type: 'domain', value: `host-${i}.example.com`, to_ids: true }], ...extra,
});

describe('CTI from a MISP server\'s REST API (events/restSearch)', function () {
  this.timeout(60_000);
  let misp: MispServer;
  beforeEach(async () => { misp = await startMispServer(KEY); });
  afterEach(async () => { await misp.close(); });

  const fresh = (): MispApiCursor => ({ of: 'test', seen: {} });
  async function read(cursor: MispApiCursor, options: { apiKey?: string; filters?: Record<string, unknown>; limit?: number } = {}) {
    const sent: Array<{ uuid: string; values: string[] }> = [];
    let pages = 0;
    const result = await readMispApi(misp.url, cursor, { apiKey: KEY, source: 'ISAC', limit: 100, ...options }, async (n, id) => {
      sent.push({ uuid: id, values: n.indicators.map((i) => i.value) });
    }, () => pages++);
    return { ...result, sent, pages };
  }

  it('reads every page once, then only what changed, asking MISP for events since the cursor', async () => {
    for (let i = 1; i <= 250; i++) misp.events.push(event(i, 1_000 + i));
    const cursor = fresh();
    const first = await read(cursor);
    assert.equal(first.sent.length, 250);
    assert.equal(new Set(first.sent.map((s) => s.uuid)).size, 250, 'each event once');
    assert.equal(first.pages, 3, 'pages of 100 until a short one');
    assert.deepEqual(misp.searches.map((s) => [s.page, s.limit, s.returnFormat, s.timestamp]), [[1, 100, 'json', undefined], [2, 100, 'json', undefined], [3, 100, 'json', undefined]]);
    assert.equal(cursor.since, 1_250, 'the cursor is the newest timestamp read');
    assert.deepEqual(Object.keys(cursor.seen), [uuid(250)], 'only what is at the cursor stays in seen');

    const again = await read(cursor);
    assert.equal(again.sent.length, 0, 'nothing new: nothing sent, the event at the cursor not sent twice');
    assert.equal(misp.searches.at(-1)?.timestamp, 1_250);

    misp.events[9].timestamp = 2_000;
    misp.events[9].Attribute = [{ uuid: 'changed', type: 'ip-dst', value: '203.0.113.9' }];
    misp.events.push(event(251, 1_999));
    const changed = await read(cursor);
    assert.deepEqual(changed.sent.map((s) => s.values), [['203.0.113.9'], ['host-251.example.com']], 'the changed and the new event, in MISP\'s order');
    assert.equal(cursor.since, 2_000);
  });

  it('stops with a clear error when the server ignores paging, instead of asking again and again', async () => {
    for (let i = 1; i <= 150; i++) misp.events.push(event(i, 500));
    misp.ignorePaging(true);
    const cursor = fresh();
    await assert.rejects(read(cursor), /page 2 is the same as page 1: the server ignores paging/);
    assert.equal(misp.searches.length, 2);
    assert.equal(Object.keys(cursor.seen).length, 100, 'what was sent is remembered');
  });

  it('a read stopped by a 429 half-way goes on without sending an event twice', async () => {
    for (let i = 1; i <= 150; i++) misp.events.push(event(i, 500));
    const cursor = fresh();
    // The first page passes; the second is refused.
    const seen: string[] = [];
    let calls = 0;
    await assert.rejects(readMispApi(misp.url, cursor, { apiKey: KEY, source: 'ISAC', limit: 100 }, async (_n, id) => {
      seen.push(id);
      if (++calls === 100) misp.limitNext(1, 120);
    }), (err: unknown) => err instanceof RateLimitedError && err.until > Date.now() + 100_000);
    assert.equal(seen.length, 100);
    assert.equal(cursor.since, undefined, 'since does not move until a read ends');
    assert.equal(Object.keys(cursor.seen).length, 100, 'but what was sent is remembered');
    const rest = await read(cursor);
    assert.equal(rest.sent.length, 50);
    assert.equal(new Set([...seen, ...rest.sent.map((s) => s.uuid)]).size, 150);
  });

  it('names a wrong API key with MISP\'s own message, broken JSON, and answers that are not a search', async () => {
    await assert.rejects(read(fresh(), { apiKey: 'wrong' }), (err: Error) => /authentication failed: check the API key/.test(err.message) && err.message.includes(MISP_AUTH_FAILED));
    misp.events.push(event(1, 1));
    misp.breakNext();
    await assert.rejects(read(fresh()), /the answer is not JSON/);
    await assert.rejects(readMispApi(`${misp.url}moved/`, fresh(), { apiKey: KEY, source: 'x' }, async () => undefined), /answered 301, a redirect to https:\/\/elsewhere\.example\/events\/restSearch: .*API key is not sent on/);
    assert.throws(() => restSearchEvents({ name: 'Invalid filter', message: 'The filter foo is not valid' }), /not a MISP restSearch answer .*The filter foo is not valid/);
    assert.deepEqual(restSearchEvents([{ Event: {} }]), [{ Event: {} }], 'a bare list, as some versions answer');
  });

  it('an event it cannot read is named, and asked for again next time', async () => {
    misp.events.push(event(1, 10), event(2, 20, { Attribute: [{ uuid: 'x', type: 'domain' } as never] }), event(3, 30));
    const cursor = fresh();
    const first = await read(cursor);
    assert.deepEqual(first.sent.map((s) => s.uuid), [uuid(1), uuid(3)]);
    assert.match(first.errors[0], new RegExp(`${uuid(2)}: .*attribute without type or value`));
    assert.equal(cursor.since, 20, 'the cursor stops at the event that failed');
    misp.events[1].Attribute = [{ uuid: 'y', type: 'domain', value: 'fixed.example.com' }];
    misp.events[1].timestamp = 21;
    const second = await read(cursor);
    assert.deepEqual(second.sent.map((s) => s.values), [['fixed.example.com']], 'the fixed event, and not event 3 again');
  });

  it('passes the filters through and refuses ones that would break the paging', async () => {
    misp.events.push(event(1, 1), event(2, 2, { Tag: [{ name: 'tlp:red' }] }));
    const got = await read(fresh(), { filters: parseMispFilters('{"tags": ["tlp:green"], "published": true}') });
    assert.deepEqual(got.sent.map((s) => s.uuid), [uuid(1)]);
    assert.equal(misp.searches[0].published, true);
    assert.throws(() => parseMispFilters('{"timestamp": 5}'), /may not set timestamp/);
    assert.throws(() => parseMispFilters('[1]'), /must be a JSON object/);
    assert.throws(() => parseMispFilters('{tags'), /not JSON/);
    assert.notEqual(mispSearchKey('https://a/', { tags: ['x'] }), mispSearchKey('https://a/', {}), 'other filters, another cursor');
  });

  it('never fails with anything but a clear error, whatever MISP answers (fuzz)', async () => {
    const rng = new Rng(23);
    const valid = { response: [1, 2, 3].map((i) => ({ Event: { ...event(i, i * 10), Object: [{ Attribute: [{ type: 'ip-src|port', value: '198.51.100.1|443' }] }] } })) };
    const hostile = [null, 5, -1, 'x', '', [], {}, true, { Event: null }, '9'.repeat(400), [[[[[]]]]], { __proto__: { x: 1 } }, 1e308, '2026-13-45'];
    /** A copy of `v` with one value somewhere in it replaced by a hostile one. */
    const mutate = (v: unknown): unknown => {
      if (v === null || typeof v !== 'object' || rng.next() < 0.15) return hostile[Math.floor(rng.next() * hostile.length)];
      const copy: Record<string, unknown> = Array.isArray(v) ? [...v] as never : { ...v };
      const keys = Object.keys(copy);
      if (!keys.length) return copy;
      const k = keys[Math.floor(rng.next() * keys.length)];
      copy[k] = mutate(copy[k]);
      return copy;
    };
    let answered = 0;
    for (let i = 0; i < 300; i++) {
      let text = JSON.stringify(i % 3 === 0 ? valid : mutate(valid));
      if (i % 5 === 0) {
        const at = Math.floor(rng.next() * text.length);
        text = text.slice(0, at) + '{"]'[i % 3] + text.slice(at + 1);
      }
      misp.answerNext(text);
      try {
        await readMispApi(misp.url, fresh(), { apiKey: KEY, source: 'fuzz', limit: 100 }, async (n) => {
          for (const ind of n.indicators) assert.equal(typeof ind.value, 'string');
        });
        answered++;
      } catch (err) {
        assert.ok(err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError), `${text.slice(0, 200)}: ${String(err)}`);
      }
    }
    assert.ok(answered > 100, `${answered} of 300 answers read (the valid ones at least)`);
  });

  describe('the impetus-cti-feed node', () => {
    useRuntime();
    const flow = (extra: Record<string, unknown> = {}) => [
      { id: 'f', type: 'tab' },
      { id: 'feed', z: 'f', type: 'impetus-cti-feed', format: 'misp-api', location: misp.url, filters: '{"tags": ["tlp:green"]}', batchSize: 1000, wires: [['out']], ...extra },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['feed'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ];
    const credentials = { feed: { token: KEY } };

    it('sends one message per event with the API key from its credentials, and keeps the cursor across a restart', async () => {
      misp.events.push(event(1, 100), event(2, 200));
      await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
      let out = collect<{ payload: Indicator[]; event: string; topic: string }>('out');
      node('feed').receive({});
      await waitFor(() => out.length === 2, 'two events');
      assert.deepEqual(out.map((m) => [m.event, m.payload[0].value, m.payload[0].tlp]), [[uuid(1), 'host-1.example.com', 'green'], [uuid(2), 'host-2.example.com', 'green']]);
      assert.deepEqual(misp.searches[0].tags, ['tlp:green'], 'the configured filters were sent');

      misp.events.push(event(3, 300));
      await helper.unload();
      await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
      out = collect('out');
      node('feed').receive({});
      await waitFor(() => out.length === 1, 'the new event only');
      assert.equal(out[0].event, uuid(3));
      assert.equal(misp.searches.at(-1)?.timestamp, 200, 'asked for what changed since the saved cursor');

      node('feed').receive({ reset: true });
      await waitFor(() => out.length === 4, 'msg.reset reads everything again');
    });

    it('refuses a node without an API key, with filters that are not JSON, or a MISP server that is not a URL', async () => {
      for (const [extra, creds, why] of [
        [{}, {}, /needs an API key/],
        [{ filters: '{"page": 2}' }, credentials, /may not set page/],
        [{ location: 'misp.json' }, credentials, /give its http\(s\) URL/],
      ] as const) {
        await helper.load([...ctiNodes, catchNode] as never, flow(extra) as never, creds as never);
        const error = nextError(node('feed'));
        node('feed').receive({});
        assert.match(await error, why);
        await helper.unload();
      }
    });

    it('on 429 fails the read and holds the next one, without asking MISP again', async () => {
      misp.events.push(event(1, 100));
      await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
      misp.limitNext(1, 600);
      let error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /answered 429: rate limited until/);
      const asked = misp.searches.length;
      error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /asked us to wait until/);
      assert.equal(misp.searches.length, asked);
    });
  });
});
