import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { mapPosts } from '../../nodes/social/json-source';
import { ScriptedServer } from '../support/fake-http';
import { collect, helper, load, logLines, nextError, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Array<{ id: string; text: string; lang: string; author: string; ts: number; url: string; source: string; geo?: { lat: number; lon: number } }> };

/** An answer shaped like a typical search API: the items under data.results, fields nested. */
function answer(items: Array<{ key: number; body: string; lang?: string }>): string {
  return JSON.stringify({
    data: {
      results: items.map((i) => ({ key: i.key, content: { html: i.body }, user: { handle: `u${i.key}` }, posted: 1_772_445_600 + i.key, link: `https://x/${i.key}`, locale: i.lang, place: { lat: 45.41, lng: 11.87 } })),
    },
  });
}

const MAPPING = { itemsPath: '$.data.results[*]', idPath: '$.key', textPath: '$.content.html', authorPath: '$.user.handle', tsPath: '$.posted', urlPath: '$.link', langPath: '$.locale', latPath: '$.place.lat', lonPath: '$.place.lng' };

describe('social sources: JSON over HTTP', function () {
  useRuntime();
  let server: ScriptedServer;
  let url: string;
  beforeEach(async () => {
    server = new ScriptedServer();
    url = await server.start('/api/search?q=padova');
  });
  afterEach(() => server.stop());

  function flow(extra: Record<string, unknown> = {}) {
    return [
      { id: 'f', type: 'tab' },
      { id: 'json', z: 'f', type: 'impetus-social-json', url, interval: 0, ...MAPPING, ...extra, wires: [['out']] },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['json'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ];
  }

  it('maps items to posts by JSONPath, sends each once, and asks conditionally', async () => {
    let conditional = false;
    let auth: string | undefined;
    server.answers = [
      (res, req) => {
        auth = req.headers.authorization;
        res.writeHead(200, { 'content-type': 'application/json', etag: '"e1"' }).end(answer([{ key: 1, body: '<p>Corteo in <b>piazza</b> &amp; stazione domani sera</p>', lang: 'it-IT' }, { key: 2, body: 'The ring road is closed near the central station' }]));
      },
      (res, req) => {
        conditional = req.headers['if-none-match'] === '"e1"';
        res.writeHead(304).end();
      },
      (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer([{ key: 2, body: 'The ring road is closed near the central station' }, { key: 3, body: 'Un altro post sulla stazione centrale' }])),
    ];
    await load([...socialNodes, catchNode], flow());
    const out = collect<Msg>('out');
    node('json').receive({});
    await waitFor(() => out.length === 1, 'the first poll');
    const [corteo, road] = out[0].payload;
    assert.deepEqual(
      { ...corteo, source: corteo.source.replace(/\d+$/, 'PORT'), id: corteo.id.replace(/:\d+:/, ':PORT:') },
      { id: 'json:127.0.0.1:PORT:1', text: 'Corteo in piazza & stazione domani sera', lang: 'it', author: 'u1', ts: (1_772_445_600 + 1) * 1000, url: 'https://x/1', source: 'json:127.0.0.1:PORT', geo: { lat: 45.41, lon: 11.87 } },
    );
    assert.equal(road.lang, 'en', 'detected when the item does not say');
    assert.equal(auth, undefined, 'no token configured, none sent');
    node('json').receive({});
    await waitFor(() => server.requests.length === 2, 'the second request');
    node('json').receive({});
    await waitFor(() => out.length === 2, 'the third poll');
    assert.ok(conditional, 'the second request was conditional');
    assert.deepEqual(out[1].payload.map((p) => p.text), ['Un altro post sulla stazione centrale'], 'only the new item');
  });

  it('reads an answer holding invalid UTF-8 bytes: each bad sequence becomes U+FFFD, the other posts are whole', async () => {
    const [head, tail] = answer([{ key: 1, body: 'Corteo in citt@@ stasera' }, { key: 2, body: 'The ring road is closed near the central station' }]).split('@@');
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xe0, 0x20, 0xff, 0xfe, 0xe2, 0x82]), Buffer.from(tail)]);
    server.answers = [(res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body)];
    await load([...socialNodes, catchNode], flow());
    const out = collect<Msg>('out');
    node('json').receive({});
    await waitFor(() => out.length === 1, 'the poll');
    const [bad, good] = out[0].payload;
    assert.match(bad.text, /^Corteo in citt\uFFFD \uFFFD+ stasera$/);
    assert.equal(good.text, 'The ring road is closed near the central station');
  });

  it('resends nothing after a restart (cursor file) and sends the token as a bearer', async () => {
    const auths: Array<string | undefined> = [];
    server.answers = [(res, req) => {
      auths.push(req.headers.authorization);
      res.writeHead(200).end(answer([{ key: 1, body: 'Traffic jam at the station again' }]));
    }];
    const credentials = { json: { token: 's3cret' } };
    await helper.load([...socialNodes, catchNode], flow(), credentials);
    let out = collect<Msg>('out');
    node('json').receive({});
    await waitFor(() => out.length === 1, 'the first poll');
    await helper.unload();
    await helper.load([...socialNodes, catchNode], flow(), credentials);
    out = collect<Msg>('out');
    node('json').receive({});
    await waitFor(() => server.requests.length === 2, 'the poll after the restart');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(out.length, 0);
    assert.deepEqual(auths, ['Bearer s3cret', 'Bearer s3cret']);
  });

  for (const [what, reply, pattern] of [
    ['429 with Retry-After', (res: http.ServerResponse) => res.writeHead(429, { 'retry-after': '120' }).end('slow down'), /HTTP 429/],
    ['HTTP 500', (res: http.ServerResponse) => res.writeHead(500).end('boom'), /HTTP 500/],
    ['garbage', (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [1, 2,'), /not JSON/],
    ['a dropped connection', (res: http.ServerResponse) => res.socket?.destroy(), /fetch failed|socket|terminated/i],
  ] as const) {
    it(`${what}: a clear error through done(err), no request before the wait is over`, async () => {
      server.answers = [reply, (res) => res.writeHead(200).end(answer([]))];
      await load([...socialNodes, catchNode], flow());
      const caught = collect<{ error: { message: string } }>('caught');
      const error = nextError(node('json'));
      node('json').receive({});
      assert.match(await error, pattern);
      node('json').receive({});
      await waitFor(() => caught.length === 2, 'the refused poll');
      assert.match(caught[1].error.message, /asked us to wait/);
      assert.equal(server.requests.length, 1);
    });
  }

  it('refuses a path that does not start at $ or a missing id/text path at deploy; a malformed filter fails the poll naming the field', async () => {
    await load([...socialNodes, catchNode], flow({ textPath: 'content.html' }));
    const error = nextError(node('json'));
    node('json').receive({});
    assert.match(await error, /JSONPath for text \(content\.html\) must start with \$/);
    assert.ok(logLines().some((l) => /JSONPath for text/.test(l)), 'logged once at deploy');
    assert.equal(server.requests.length, 0);
    await helper.unload();
    await load([...socialNodes, catchNode], flow({ idPath: '' }));
    const missing = nextError(node('json'));
    node('json').receive({});
    assert.match(await missing, /id and text JSONPaths are required/);
    await helper.unload();
    server.answers = [(res) => res.writeHead(200).end(answer([{ key: 1, body: 'x' }]))];
    await load([...socialNodes, catchNode], flow({ textPath: '$.content[?(@.html==)]' }));
    const filter = nextError(node('json'));
    node('json').receive({});
    assert.match(await filter, /JSONPath for text .* failed: Expected expression/);
  });

  it('counts items that are not posts instead of sending them, and reads times in seconds, ms or text', () => {
    const m = { items: '$[*]', id: '$.id', text: '$.t', ts: '$.at', lat: '$.la', lon: '$.lo' };
    const { posts, skipped } = mapPosts([{ id: 1, t: 'first post here in english', at: 1_700_000_000 }, { id: 2, t: 'second post here in english', at: '2026-03-02T10:00:00Z', la: 91, lo: 0 }, { id: 3, t: 'third', at: 1_700_000_000_123 }, { t: 'no id' }, { id: 4 }, 'junk', null], m, 'h');
    assert.equal(skipped, 4);
    assert.deepEqual(posts.map((p) => p.ts), [1_700_000_000_000, Date.UTC(2026, 2, 2, 10), 1_700_000_000_123]);
    assert.equal(posts[1].geo, undefined, 'latitude 91 is no place');
  });
});
