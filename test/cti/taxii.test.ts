import assert from 'node:assert/strict';
import { RateLimitedError } from '../../nodes/cti/feed';
import type { Indicator } from '../../nodes/cti/indicator';
import { TaxiiClient } from '../../nodes/cti/taxii';
import type { ObjectsPage , TaxiiError } from '../../nodes/cti/taxii';
import { FakeTaxii } from '../support/taxii-server';
import { collect, ctiNodes, helper, logLines, nextError, node, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const indicator = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  created: '2026-12-01T00:00:00Z', modified: '2026-12-01T00:00:00Z', pattern: `[domain-name:value = 'host-${i}.example.com']`,
  pattern_type: 'stix', valid_from: '2026-12-01T00:00:00Z', ...extra,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => indicator(from + k));

/** No real waiting in the client tests: the sleeps are recorded instead. */
function client(options: ConstructorParameters<typeof TaxiiClient>[0] = {}): { c: TaxiiClient; slept: number[] } {
  const slept: number[] = [];
  return { c: new TaxiiClient({ sleep: async (ms) => { slept.push(ms); }, ...options }), slept };
}

async function readAll(c: TaxiiClient, root: string, cursor: string | undefined, limit: number): Promise<{ pages: ObjectsPage[]; cursor?: string }> {
  const pages: ObjectsPage[] = [];
  const end = await c.readObjects(root, COLLECTION, cursor, limit, async (p) => { pages.push(p); });
  return { pages, cursor: end };
}

describe('TAXII 2.1 client (against a local TAXII 2.1 server)', function () {
  let server: FakeTaxii;
  beforeEach(async () => {
    server = await new FakeTaxii({ users: ['cert:s3cret'], tokens: ['tok-1'], maxPage: 100 }).start();
    server.addCollection({ id: COLLECTION, title: 'Indicators' });
    server.addCollection({ id: 'secret', title: 'Embargoed', can_read: false });
    server.add(COLLECTION, range(1, 5));
  });
  afterEach(() => server.stop());

  it('discovers the default API root, lists collections, and finds one by title or id, readable or not', async () => {
    const { c } = client({ auth: { username: 'cert', password: 's3cret' } });
    const d = await c.discover(server.url);
    assert.equal(d.title, 'Local CERT TAXII');
    assert.equal(d.api_roots.length, 2);
    const root = await c.apiRoot(server.url);
    assert.equal(root, `${server.url}/api1/`);
    assert.equal(await c.apiRoot(server.url, '/api2/'), `${server.url}/api2/`, 'an API root named by path');
    assert.equal((await c.collection(root, 'Indicators')).id, COLLECTION);
    assert.equal((await c.collection(root, COLLECTION)).title, 'Indicators');
    await assert.rejects(c.collection(root, 'Embargoed'), /'Embargoed' is not readable with these credentials/);
    await assert.rejects(c.collection(root, 'Nope'), /no collection 'Nope' \(there are: Indicators \(91a7b528.*\), Embargoed \(secret\)\)/);
    for (const r of server.requests) {
      assert.equal(r.auth, `Basic ${Buffer.from('cert:s3cret').toString('base64')}`);
    }
  });

  it('pages with limit and next, then reads only what was added after the cursor', async () => {
    const { c } = client({ auth: { token: 'tok-1' } });
    const root = `${server.url}/api1/`;
    const first = await readAll(c, root, undefined, 2);
    assert.deepEqual(first.pages.map((p) => p.objects.length), [2, 2, 1]);
    assert.deepEqual(first.pages.map((p) => p.more), [true, true, false]);
    const objects = server.requests.filter((r) => r.path.endsWith('/objects/'));
    assert.deepEqual(objects.map((r) => r.query.next ?? '-'), ['-', 'n1', 'n2'], 'follows next');
    assert.ok(objects.every((r) => r.query.limit === '2' && r.auth === 'Bearer tok-1'));
    assert.ok(first.cursor && first.cursor === first.pages[2].addedLast, 'the cursor is the last page\'s X-TAXII-Date-Added-Last');

    const none = await readAll(c, root, first.cursor, 2);
    assert.deepEqual(none.pages.map((p) => p.objects.length), [0], 'nothing new');
    assert.equal(none.cursor, first.cursor);
    server.add(COLLECTION, range(6, 8));
    const later = await readAll(c, root, first.cursor, 2);
    assert.deepEqual(later.pages.flatMap((p) => p.objects.map((o) => (o as { id: string }).id)), range(6, 8).map((o) => o.id));
    assert.equal(server.requests[server.requests.length - 2].query.added_after, first.cursor, 'asked with added_after');
  });

  it('follows a server that pages without next by added_after', async () => {
    await server.stop();
    server = await new FakeTaxii({ maxPage: 2, noNext: true }).start();
    server.addCollection({ id: COLLECTION, title: 'Indicators' });
    server.add(COLLECTION, range(1, 5));
    const { c } = client();
    const read = await readAll(c, `${server.url}/api1/`, undefined, 10);
    assert.deepEqual(read.pages.map((p) => p.objects.length), [2, 2, 1]);
    assert.equal(new Set(read.pages.flatMap((p) => p.objects.map((o) => (o as { id: string }).id))).size, 5, 'every object once');
  });

  it('names authentication failures, a wrong API root, a server that is not TAXII 2.1, and broken JSON', async () => {
    const root = `${server.url}/api1/`;
    await assert.rejects(client({ auth: { username: 'cert', password: 'wrong' } }).c.collections(root), (err: TaxiiError) => err.status === 401 && /authentication failed .*\(unauthorized: give valid credentials\)/.test(err.message));
    await assert.rejects(client().c.collections(root), /401|authentication failed/);
    const ok = client({ auth: { token: 'tok-1' } }).c;
    await assert.rejects(ok.objectsPage(root, 'secret', {}), (err: TaxiiError) => err.status === 403 && /access refused/.test(err.message));
    await assert.rejects(ok.collections(`${server.url}/nope/`), /not found/);
    server.fail({ kind: 'media-type', type: 'text/html' });
    await assert.rejects(ok.collections(root), /answered text\/html, not application\/taxii\+json;version=2\.1/);
    server.fail({ kind: 'status', status: 406 });
    await assert.rejects(ok.collections(root), /does not offer TAXII 2\.1 \(406 Not Acceptable\)/);
    server.fail({ kind: 'broken-json' });
    await assert.rejects(ok.objectsPage(root, COLLECTION, {}), /the answer is not JSON/);
    const small = client({ auth: { token: 'tok-1' }, maxBytes: 200 }).c;
    await assert.rejects(small.objectsPage(root, COLLECTION, {}), /larger than 200 bytes; ask for fewer objects a page/);
  });

  it('waits out a short 429 and retries 5xx with exponential back-off; a long 429 holds the reader', async () => {
    const root = `${server.url}/api1/`;
    const { c, slept } = client({ auth: { token: 'tok-1' }, backoffBaseMs: 100 });
    server.fail({ kind: 'status', status: 429, retryAfter: '2' }, 1, /objects/);
    server.fail({ kind: 'status', status: 500 }, 2, /objects/);
    const page = await c.objectsPage(root, COLLECTION, {});
    assert.equal(page.objects.length, 5);
    assert.deepEqual(slept.map((ms) => Math.round(ms / 100) * 100), [2000, 100, 200], 'Retry-After, then 100 and 200 ms');

    server.fail({ kind: 'status', status: 503 }, 3, /objects/);
    await assert.rejects(client({ auth: { token: 'tok-1' }, retries: 2, backoffBaseMs: 1 }).c.objectsPage(root, COLLECTION, {}), /answered 503/);

    server.fail({ kind: 'status', status: 429, retryAfter: '3600' }, 1);
    await assert.rejects(c.objectsPage(root, COLLECTION, {}), (err: RateLimitedError) => err instanceof RateLimitedError && err.until > Date.now() + 3_500_000);
  });

  it('reports a server it cannot reach', async () => {
    await server.stop();
    await assert.rejects(client({ retries: 1, backoffBaseMs: 1 }).c.discover(server.url), /cannot reach .*taxii2\//);
  });
});

describe('impetus-cti-taxii node', function () {
  this.timeout(60_000);
  useRuntime();
  let server: FakeTaxii;
  beforeEach(async () => {
    server = await new FakeTaxii({ users: ['cert:s3cret'], maxPage: 100 }).start();
    server.addCollection({ id: COLLECTION, title: 'Indicators' });
  });
  afterEach(() => server.stop());

  const flow = () => [
    { id: 'f', type: 'tab' },
    { id: 'srv', type: 'impetus-cti-taxii-server', url: server.url, apiRoot: '', timeout: 5 },
    { id: 'taxii', z: 'f', type: 'impetus-cti-taxii', server: 'srv', collection: 'Indicators', pageSize: 2, defaultTlp: 'green', wires: [['out']] },
    { id: 'out', z: 'f', type: 'helper' },
    { id: 'c', z: 'f', type: 'catch', scope: ['taxii'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
  const credentials = { srv: { username: 'cert', password: 's3cret' } };

  it('sends each page\'s indicators, keeps its cursor across a restart, and withdraws what a revoked object raised', async () => {
    server.add(COLLECTION, [...range(1, 3), { type: 'identity', spec_version: '2.1', id: 'identity--1', name: 'CERT' }]);
    await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
    let out = collect<{ payload: Indicator[]; batch: number; taxii: { collection: string } }>('out');
    node('taxii').receive({});
    await waitFor(() => out.length === 2, 'two pages of indicators (the identity carries none)');
    assert.deepEqual(out.flatMap((m) => m.payload.map((i) => i.value)), ['host-1.example.com', 'host-2.example.com', 'host-3.example.com']);
    assert.deepEqual(out.map((m) => m.batch), [0, 1]);
    assert.ok(out.every((m) => m.payload.every((i) => i.tlp === 'green' && i.source === 'TAXII Indicators') && m.taxii.collection === COLLECTION));

    // A restart: the cursor is read back; only what the server added since is sent.
    server.add(COLLECTION, [indicator(4), indicator(1, { revoked: true, modified: '2026-12-02T00:00:00Z' })]);
    await helper.unload();
    await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
    out = collect('out');
    const before = server.requests.length;
    node('taxii').receive({});
    await waitFor(() => out.length === 1, 'the new page');
    const values = out[0].payload.map((i) => [i.value, i.withdrawn]);
    assert.deepEqual(values, [['host-4.example.com', false], ['host-1.example.com', true]]);
    const asked = server.requests.slice(before).find((r) => r.path.endsWith('/objects/'))!;
    assert.ok(asked.query.added_after, 'the read after the restart asked for added_after its cursor');
  });

  it('fails a read with the server\'s reason (Catch nodes see it), and holds reads while the server asks to wait', async () => {
    server.add(COLLECTION, range(1, 2));
    await helper.load([...ctiNodes, catchNode] as never, flow() as never, { srv: { username: 'cert', password: 'nope' } } as never);
    let error = nextError(node('taxii'));
    node('taxii').receive({});
    assert.match(await error, /authentication failed/);

    await helper.unload();
    await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
    server.fail({ kind: 'status', status: 429, retryAfter: '600' }, 1, /objects/);
    error = nextError(node('taxii'));
    node('taxii').receive({});
    assert.match(await error, /rate limited until/);
    const asked = server.requests.length;
    error = nextError(node('taxii'));
    node('taxii').receive({});
    assert.match(await error, /the server asked us to wait until/);
    assert.equal(server.requests.length, asked, 'without asking the server again');
  });

  it('a close stops a read that is backing off, rather than waiting for it', async () => {
    server.add(COLLECTION, range(1, 2));
    server.fail({ kind: 'status', status: 500 }, 100, /objects/);
    await helper.load([...ctiNodes, catchNode] as never, flow() as never, credentials as never);
    const caught = collect<{ error: { message: string } }>('caught');
    node('taxii').receive({});
    await waitFor(() => server.requests.some((r) => r.path.endsWith('/objects/')), 'the read asked for objects and is backing off');
    await helper.unload();
    assert.ok(!logLines().some((l) => /timed out|Close timed out/i.test(l)), 'the close did not wait for the back-off');
    assert.ok(caught.every((m) => /stopped/.test(m.error.message)));
  });

  it('refuses a node without a collection or with a bad page size, naming it', async () => {
    const bad = flow().map((n) => (n.id === 'taxii' ? { ...n, collection: '', pageSize: 2 } : n));
    await helper.load([...ctiNodes, catchNode] as never, bad as never, credentials as never);
    const error = nextError(node('taxii'));
    node('taxii').receive({});
    assert.match(await error, /no collection: give its id or title/);
  });
});
