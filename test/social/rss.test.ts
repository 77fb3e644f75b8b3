import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { plainText } from '../../nodes/social/text';
import { backoffMs, retryAfterMs } from '../../nodes/social/source';
import { ScriptedServer } from '../support/fake-http';
import { collect, helper, load, nextError, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Array<{ id: string; text: string; lang: string; author: string; ts: number; url: string; source: string }>; [k: string]: unknown };

function rss(items: Array<{ guid: string; title: string; body: string }>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Padova notizie</title><link>http://x</link>${items
    .map((i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><description><![CDATA[${i.body}]]></description><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate><link>http://x/${i.guid}</link><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">redazione</dc:creator></item>`)
    .join('')}</channel></rss>`;
}

const ITEMS = [
  { guid: 'a1', title: 'Corteo in piazza', body: '<p>Domani un <b>corteo</b> attraverserà la piazza &amp; il centro della città</p>' },
  { guid: 'a2', title: 'Traffic update', body: 'The ring road is closed near the central station this evening' },
];

describe('social sources: RSS/Atom', function () {
  useRuntime();
  let server: ScriptedServer;
  let url: string;
  beforeEach(async () => {
    server = new ScriptedServer();
    url = await server.start('/feed.xml');
  });
  afterEach(() => server.stop());

  function flow(extra: Record<string, unknown> = {}) {
    return [
      { id: 'f', type: 'tab' },
      { id: 'rss', z: 'f', type: 'impetus-social-rss', url, interval: 0, ...extra, wires: [['out']] },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['rss'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ];
  }

  it('normalises items to posts, detects their language, sends each once, and uses conditional requests', async () => {
    let etagSeen = false;
    server.answers = [
      (res) => res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' }).end(rss(ITEMS)),
      (res, req) => {
        etagSeen = req.headers['if-none-match'] === '"v1"';
        res.writeHead(304).end();
      },
      (res) => res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v2"' }).end(rss([...ITEMS, { guid: 'a3', title: 'Nuovo', body: 'Un altro articolo sulla stazione' }])),
    ];
    await load([...socialNodes, catchNode], flow());
    const out = collect<Msg>('out');
    node('rss').receive({});
    await waitFor(() => out.length === 1, 'the first poll');
    const [corteo, traffic] = out[0].payload;
    assert.equal(corteo.text, 'Corteo in piazza — Domani un corteo attraverserà la piazza & il centro della città');
    assert.equal(corteo.lang, 'it');
    assert.equal(traffic.lang, 'en');
    assert.equal(corteo.author, 'redazione');
    assert.equal(corteo.ts, Date.UTC(2026, 2, 2, 10));
    assert.match(corteo.source, /^rss:127\.0\.0\.1:\d+$/);
    node('rss').receive({});
    await waitFor(() => server.requests.length === 2, 'the second request');
    node('rss').receive({});
    await waitFor(() => out.length === 2, 'the third poll');
    assert.ok(etagSeen, 'the second request was conditional');
    assert.deepEqual(out[1].payload.map((p) => p.text), ['Nuovo — Un altro articolo sulla stazione'], 'only the new item');
  });

  it('reads a feed holding invalid UTF-8 bytes: each bad sequence becomes U+FFFD, the good items are whole', async () => {
    // A stray Latin-1 byte (0xe0), a lone continuation byte (0x80) and a sequence cut short (0xe2 0x82).
    const [head, tail] = rss([{ guid: 'b1', title: 'Citt@@', body: 'Corteo in piazza alle 18' }, ITEMS[1]]).split('@@');
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xe0, 0x20, 0x80, 0x20, 0xe2, 0x82]), Buffer.from(tail)]);
    server.answers = [(res) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body)];
    await load([...socialNodes, catchNode], flow());
    const out = collect<Msg>('out');
    node('rss').receive({});
    await waitFor(() => out.length === 1, 'the poll');
    const [bad, good] = out[0].payload;
    assert.match(bad.text, /^Citt\uFFFD \uFFFD \uFFFD — Corteo in piazza alle 18$/);
    assert.equal(good.text, 'Traffic update — The ring road is closed near the central station this evening');
    assert.equal(helper.getNode('rss').type, 'impetus-social-rss', 'the node and the runtime are still there');
  });

  it('resends nothing after a restart: the cursor is kept in the user directory', async () => {
    server.answers = [(res) => res.writeHead(200).end(rss(ITEMS))];
    await load([...socialNodes, catchNode], flow());
    let out = collect<Msg>('out');
    node('rss').receive({});
    await waitFor(() => out.length === 1, 'the first poll');
    await helper.unload();
    await load([...socialNodes, catchNode], flow());
    out = collect<Msg>('out');
    const caught = collect('caught');
    node('rss').receive({});
    await waitFor(() => server.requests.length === 2, 'the poll after the restart');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(out.length, 0);
    assert.equal(caught.length, 0);
  });

  it('obeys Retry-After, reports HTTP errors and garbage to Catch, and keeps running', async () => {
    server.answers = [
      (res) => res.writeHead(429, { 'retry-after': '120' }).end('slow down'),
    ];
    await load([...socialNodes, catchNode], flow());
    const caught = collect<{ error: { message: string } }>('caught');
    node('rss').receive({});
    await waitFor(() => caught.length === 1, 'the 429');
    assert.match(caught[0].error.message, /HTTP 429/);
    node('rss').receive({});
    await waitFor(() => caught.length === 2, 'the refused poll');
    assert.match(caught[1].error.message, /asked us to wait/);
    assert.equal(server.requests.length, 1, 'no request before Retry-After has passed');
  });

  for (const [what, answer, pattern] of [
    ['HTTP 500', (res: http.ServerResponse) => res.writeHead(500).end('boom'), /HTTP 500/],
    ['garbage', (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<<<not xml at all \u0000'), /not an RSS or Atom feed/],
    ['a dropped connection', (res: http.ServerResponse) => res.socket?.destroy(), /fetch failed|socket|terminated/i],
  ] as const) {
    it(`${what}: a clear error through done(err), then a back-off`, async () => {
      server.answers = [answer, (res) => res.writeHead(200).end(rss(ITEMS))];
      await load([...socialNodes, catchNode], flow());
      const error = nextError(node('rss'));
      node('rss').receive({});
      assert.match(await error, pattern);
      const again = nextError(node('rss'));
      node('rss').receive({});
      assert.match(await again, /asked us to wait/);
      assert.equal(server.requests.length, 1);
    });
  }

  it('turns HTML into text and reads Retry-After and back-off as specified', () => {
    assert.equal(plainText('<script>x()</script><p>a&nbsp;&lt;b&gt; &#233;&#x1F600;</p>'), 'a <b> é😀');
    assert.equal(retryAfterMs('120'), 120_000);
    assert.equal(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 1)).toUTCString(), Date.UTC(2026, 0, 1)), 60_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(backoffMs(10_000, 0), 10_000);
    assert.equal(backoffMs(10_000, 3), 80_000);
    assert.equal(backoffMs(10_000, 30), 30 * 60_000);
  });
});
