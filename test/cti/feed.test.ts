import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { openFeed, RateLimitedError, readFeed, readFeedFrom, retryAfter } from '../../nodes/cti/feed';
import type { FeedCursor } from '../../nodes/cti/feed';
import type { Indicator } from '../../nodes/cti/indicator';
import { collect, ctiNodes, helper, load, nextError, node, tempDir, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

/** A full collection without --expose-gc on the command line (npm test runs mocha without it). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const indicator = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  created: '2026-12-01T00:00:00Z', modified: '2026-12-01T00:00:00Z', pattern: `[domain-name:value = 'host-${i}.example.com']`,
  pattern_type: 'stix', valid_from: '2026-12-01T00:00:00Z', ...extra,
});
const bundle = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects });

/** A bundle of about `bytes`, generated as it is read: the test never holds it either. */
function bigBundle(bytes: number): { stream: Readable; count: () => number } {
  let sent = 0;
  let n = 0;
  let done = false;
  const pad = 'x'.repeat(600);
  const stream = new Readable({
    read() {
      if (done) return;
      if (n === 0) this.push('{"type":"bundle","id":"bundle--1","objects":[');
      const parts: string[] = [];
      for (let k = 0; k < 200 && sent < bytes; k++) {
        const text = (n ? ',' : '') + JSON.stringify(indicator(n, { description: pad }));
        sent += text.length;
        parts.push(text);
        n++;
      }
      this.push(parts.join(''));
      if (sent >= bytes) {
        this.push(']}');
        this.push(null);
        done = true;
      }
    },
  });
  return { stream, count: () => n };
}

describe('CTI feeds: STIX bundles and lists streamed from files and HTTP', function () {
  this.timeout(300_000);

  it('streams a large bundle in bounded memory, every indicator once', async () => {
    const mb = Number(process.env.IMPETUS_CTI_BUNDLE_MB ?? 100);
    const { stream, count } = bigBundle(mb * 1024 * 1024);
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let samples = 0;
    let seen = 0;
    const started = Date.now();
    // Sampled at every tenth batch, after a full collection: what is retained, not the garbage V8
    // has not collected yet. Timers seldom fire during the parse, so the sampling is done here.
    const { objects } = await readFeed(stream, 'stix', { source: 'big', batchSize: 1000 }, async (n) => {
      seen += n.indicators.length;
      if (samples++ % 10 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      assert.deepEqual(n.errors, []);
    });
    assert.equal(objects, count());
    assert.equal(seen, count());
    const growth = (peak - base) / 2 ** 20;
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(`      ${mb} MB bundle, ${seen} indicators in ${((Date.now() - started) / 1000).toFixed(1)} s: heap ${mib(base)} MiB before, peak ${mib(peak)} MiB (${samples} samples)`);
    assert.ok(samples > 10, 'the heap was sampled while the bundle was read');
    assert.ok(growth < mb / 2 && growth < 64, `the heap grew ${growth.toFixed(1)} MiB for a ${mb} MB bundle`);
  });

  it('numbers list lines across batches and names the bad ones', async () => {
    const text = ['# blocklist', 'evil.example.com', 'not a value', '10.0.0.0/8', 'also bad!', 'd41d8cd98f00b204e9800998ecf8427e'].join('\n');
    const got: Indicator[] = [];
    const errors: string[] = [];
    await readFeed(Readable.from([text]), 'list', { source: 'bl', batchSize: 2 }, async (n) => { got.push(...n.indicators); errors.push(...n.errors); });
    assert.deepEqual(got.map((i) => [i.ref, i.kind]), [['bl:2', 'domain'], ['bl:4', 'ip'], ['bl:6', 'hash']]);
    assert.deepEqual(errors.map((e) => e.split(':').slice(0, 2).join(':')), ['bl:3', 'bl:5']);
  });

  it('reads a file again only when its time or size changed', async () => {
    const file = path.join(tempDir(), 'list.txt');
    fs.writeFileSync(file, 'one.example.com\n');
    const cursor: FeedCursor = { of: 'test', done: 0, complete: false };
    const values: string[] = [];
    const readOnce = () => readFeedFrom(file, 'list', cursor, { source: 'bl', batchSize: 10 }, async (n) => { values.push(...n.indicators.map((i) => i.value)); }, () => undefined);
    assert.equal((await readOnce()).unchanged, false);
    assert.equal((await readOnce()).unchanged, true, 'the same time and size: not read');
    fs.writeFileSync(file, 'one.example.com\ntwo.example.com\n');
    assert.deepEqual(await readOnce(), { objects: 2, unchanged: false, resumedAt: 0 });
    assert.deepEqual(values, ['one.example.com', 'one.example.com', 'two.example.com']);
    assert.deepEqual(cursor, { of: 'test', version: cursor.version, done: 2, complete: true });
    assert.match(String(cursor.version), /^file:/);
  });

  it('reads Retry-After in seconds and as a date', () => {
    assert.equal(retryAfter('120', 1000), 121_000);
    assert.equal(retryAfter(new Date(50_000).toUTCString(), 1000), 50_000);
    assert.equal(retryAfter(undefined, 1000), 61_000);
  });

  describe('the node, against a local HTTP server', function () {
    useRuntime();
    let server: http.Server;
    let base = '';
    const hits: string[] = [];
    before((done) => {
      server = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        if (req.url === '/bundle.json') {
          res.end(bundle([indicator(1), indicator(2, { revoked: true }), { type: 'identity', id: 'identity--1', name: 'CERT' }]));
        } else if (req.url?.startsWith('/misp/')) {
          const name = req.url.slice('/misp/'.length);
          if (name === 'manifest.json') res.end(JSON.stringify(Object.fromEntries(Object.entries(misp).map(([u, e]) => [u, { info: 'x', timestamp: e.stamp }]))));
          else if (misp[name.replace(/\.json$/, '')]) res.end(misp[name.replace(/\.json$/, '')].body);
          else res.writeHead(404).end();
        } else if (req.url === '/versioned.json' || req.url === '/dated.txt') {
          const etag = req.url === '/versioned.json';
          const validator = etag ? `"v${version}"` : new Date(Date.UTC(2026, 11, version)).toUTCString();
          conditional.push(String(req.headers[etag ? 'if-none-match' : 'if-modified-since'] ?? ''));
          if (req.headers[etag ? 'if-none-match' : 'if-modified-since'] === validator) return res.writeHead(304).end();
          res.setHeader(etag ? 'etag' : 'last-modified', validator);
          if (etag) {
            const objects = range(version * 10, 5);
            // `cut`: the body breaks off after three objects, as a dropped connection leaves it.
            if (cut) {
              res.write(bundle(objects).slice(0, bundle(objects).indexOf(JSON.stringify(objects[3])) - 1));
              return setTimeout(() => res.end(' garbage'), 100);
            }
            return res.end(bundle(objects));
          }
          res.end(['a.example.com', 'b.example.com', `v${version}.example.com`].join('\n'));
        } else if (req.url === '/private.json') {
          auths.push(req.headers.authorization ?? '');
          const ok = req.headers.authorization === `Basic ${Buffer.from('cert:s3cret').toString('base64')}` || req.headers.authorization === 'Bearer t0ken';
          if (!ok) return res.writeHead(401, { 'www-authenticate': 'Basic realm="feed"' }).end();
          res.end(bundle([indicator(7)]));
        } else if (req.url === '/misp-limited/manifest.json') {
          res.writeHead(429, { 'retry-after': '600' }).end();
        } else if (req.url === '/limited') {
          res.writeHead(429, { 'retry-after': '3600' }).end();
        } else if (req.url === '/down') {
          res.writeHead(500).end('oops');
        } else if (req.url === '/broken.json') {
          // Two whole indicators, then garbage a moment later: what was read before it went on.
          res.write(bundle([indicator(1), indicator(2)]).slice(0, -2));
          setTimeout(() => res.end(', {"type": "ind}}'), 100);
        } else {
          res.writeHead(404).end();
        }
      }).listen(0, '127.0.0.1', () => {
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        done();
      });
    });
    after((done) => { server.close(() => done()); });
    let version = 1;
    let cut = false;
    const conditional: string[] = [];
    const auths: string[] = [];
    const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => indicator(from + k));

    const U1 = '11111111-1111-4111-8111-111111111111';
    const U2 = '22222222-2222-4222-8222-222222222222';
    const event = (uuid: string, value: string) => JSON.stringify({ Event: { uuid, info: 'feed event', Tag: [{ name: 'tlp:green' }], Attribute: [{ uuid: `${uuid.slice(0, 8)}-a`, type: 'domain', value, to_ids: true }] } });
    const misp: Record<string, { stamp: number; body: string }> = {};

    it('reads a MISP feed: new and changed events only, a broken one named and tried again, the cursor kept across a restart', async () => {
      misp[U1] = { stamp: 100, body: event(U1, 'one.example.com') };
      misp[U2] = { stamp: 100, body: '{"Event": {"uuid": ' };
      const mispFlow = flow(`${base}/misp/`, { format: 'misp' });
      await load([...ctiNodes, catchNode], mispFlow);
      let out = collect<{ payload: Indicator[]; event: string }>('out');
      let error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, new RegExp(`1 events could not be read .*${U2}: .*is not JSON`));
      assert.deepEqual(out.map((m) => [m.event, m.payload[0].value, m.payload[0].tlp]), [[U1, 'one.example.com', 'green']]);

      misp[U2].body = event(U2, 'two.example.com');
      await helper.unload();
      await load([...ctiNodes, catchNode], mispFlow);
      out = collect<{ payload: Indicator[]; event: string }>('out');
      const fetched = hits.length;
      node('feed').receive({});
      await waitFor(() => out.length === 1, 'the event that failed, read again');
      assert.equal(out[0].event, U2, 'the cursor survived the restart: the first event was not sent again');
      assert.ok(!hits.slice(fetched).includes(`/misp/${U1}.json`), 'nor fetched');

      misp[U1] = { stamp: 200, body: event(U1, 'one-changed.example.com') };
      node('feed').receive({});
      await waitFor(() => out.length === 2, 'the changed event');
      assert.equal(out[1].payload[0].value, 'one-changed.example.com');
      error = nextError(node('feed'));
      misp['not-a-uuid'] = { stamp: 1, body: '' };
      node('feed').receive({});
      assert.match(await error, /'not-a-uuid' is not an event uuid/);
      delete misp['not-a-uuid'];
    });

    const flow = (location: string, extra: Record<string, unknown> = {}) => [
      { id: 'f', type: 'tab' },
      { id: 'feed', z: 'f', type: 'impetus-cti-feed', format: 'stix', location, batchSize: 1, wires: [['out']], ...extra },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['feed'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ];

    it('sends a bundle\'s indicators in batches, a revoked one withdrawn', async () => {
      await load([...ctiNodes, catchNode], flow(`${base}/bundle.json`));
      const out = collect<{ payload: Indicator[] }>('out');
      node('feed').receive({});
      await waitFor(() => out.length === 2, 'two batches');
      assert.deepEqual(out.map((m) => [m.payload[0].value, m.payload[0].withdrawn]), [['host-1.example.com', false], ['host-2.example.com', true]]);
    });

    it('on 429 fails the read and holds the next one until Retry-After, without asking the server', async () => {
      await load([...ctiNodes, catchNode], flow(`${base}/limited`));
      let error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /answered 429: rate limited until/);
      const before = hits.length;
      error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /asked us to wait until/);
      assert.equal(hits.length, before, 'the server was not asked again');
    });

    it('fails with the status on 500', async () => {
      await load([...ctiNodes, catchNode], flow(`${base}/down`));
      const error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /answered 500/);
    });

    it('fails on broken JSON after sending the batches that came before', async () => {
      await load([...ctiNodes, catchNode], flow(`${base}/broken.json`));
      const out = collect<{ payload: Indicator[] }>('out');
      const broken = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await broken, /not valid JSON after 2 objects/);
      assert.equal(out.length, 2);
    });

    it('asks whether a bundle changed (ETag) and a list (Last-Modified), and reads them only when they did', async () => {
      for (const [path, format] of [['/versioned.json', 'stix'], ['/dated.txt', 'list']] as const) {
        version = 1;
        conditional.length = 0;
        await load([...ctiNodes, catchNode], flow(`${base}${path}`, { format, batchSize: 100 }));
        const out = collect<{ payload: Indicator[] }>('out');
        node('feed').receive({});
        await waitFor(() => out.length === 1, `${path}: the first read`);
        node('feed').receive({});
        await waitFor(() => conditional.length === 2, `${path}: the second read`);
        assert.notEqual(conditional[1], '', `${path}: the second read was conditional`);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(out.length, 1, `${path}: unchanged, nothing sent`);
        version = 2;
        await helper.unload();
        await load([...ctiNodes, catchNode], flow(`${base}${path}`, { format, batchSize: 100 }));
        const after = collect<{ payload: Indicator[] }>('out');
        node('feed').receive({});
        await waitFor(() => after.length === 1, `${path}: changed after a restart, read again`);
        assert.ok(after[0].payload.some((i) => /2/.test(i.value)), `${path}: the new version`);
        await helper.unload();
      }
    });

    it('goes on after the batches already sent when a read of the same version broke off, across a restart', async () => {
      version = 3;
      cut = true;
      await load([...ctiNodes, catchNode], flow(`${base}/versioned.json`));
      let out = collect<{ payload: Indicator[] }>('out');
      const broken = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await broken, /not valid JSON after 3 objects/);
      assert.deepEqual(out.map((m) => m.payload[0].value), ['host-30.example.com', 'host-31.example.com', 'host-32.example.com']);
      cut = false;
      await helper.unload();
      await load([...ctiNodes, catchNode], flow(`${base}/versioned.json`));
      out = collect('out');
      node('feed').receive({});
      await waitFor(() => out.length === 2, 'the rest of the bundle');
      assert.deepEqual(out.map((m) => m.payload[0].value), ['host-33.example.com', 'host-34.example.com'], 'only what the broken read did not send');
      node('feed').receive({ reset: true });
      await waitFor(() => out.length === 7, 'msg.reset reads the whole bundle again');
    });

    it('sends Basic or bearer credentials from the node\'s credentials, and names a refusal', async () => {
      for (const creds of [{ username: 'cert', password: 's3cret' }, { token: 't0ken' }]) {
        await helper.load([...ctiNodes, catchNode] as never, flow(`${base}/private.json`) as never, { feed: creds } as never);
        const out = collect<{ payload: Indicator[] }>('out');
        node('feed').receive({});
        await waitFor(() => out.length === 1, 'the private feed');
        await helper.unload();
      }
      await helper.load([...ctiNodes, catchNode] as never, flow(`${base}/private.json`) as never, { feed: { username: 'cert', password: 'wrong' } } as never);
      const error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /answered 401 Unauthorized: authentication failed \(check the feed's credentials\)/);
    });

    it('holds a MISP feed that answered 429, without asking again', async () => {
      await load([...ctiNodes, catchNode], flow(`${base}/misp-limited/`, { format: 'misp' }));
      let error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /answered 429: rate limited until/);
      const asked = hits.length;
      error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /asked us to wait until/);
      assert.equal(hits.length, asked);
    });

    it('refuses a missing file with a clear error', async () => {
      await load([...ctiNodes, catchNode], flow('no-such-feed.json'));
      const error = nextError(node('feed'));
      node('feed').receive({});
      assert.match(await error, /cannot read .*no-such-feed\.json/);
    });
  });

  it('maps a 429 to RateLimitedError', async () => {
    const server = http.createServer((_q, res) => res.writeHead(429, { 'retry-after': '5' }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await assert.rejects(openFeed(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { now: () => 0 }), (e) => e instanceof RateLimitedError && e.until === 5000);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
