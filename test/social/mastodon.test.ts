import assert from 'node:assert/strict';
import { FakeMastodon } from '../support/fake-mastodon';
import { collect, helper, load, logLines, nextError, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Post = { id: string; text: string; lang: string; author: string; ts: number; url: string; source: string };
type Msg = { payload: Post[] };

describe('social sources: Mastodon', function () {
  useRuntime();
  let server: FakeMastodon;
  let base: string;
  beforeEach(async () => {
    server = new FakeMastodon();
    base = await server.start();
  });
  afterEach(() => server.stop());

  function flow(extra: Record<string, unknown> = {}, more: Array<{ id: string; type: string; [k: string]: unknown }> = []) {
    return [
      { id: 'f', type: 'tab' },
      { id: 'srv', type: 'impetus-social-mastodon-server', serverUrl: base },
      { id: 'm', z: 'f', type: 'impetus-social-mastodon', server: 'srv', timeline: 'hashtag', tag: 'padova', mode: 'poll', interval: 0, ...extra, wires: [['out']] },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['m'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
      ...more,
    ];
  }
  const texts = (msgs: Msg[]) => msgs.flatMap((m) => m.payload.map((p) => p.text));

  it('normalises statuses, pages forward with min_id and the Link header, and resumes from the cursor after a restart', async () => {
    server.post('<p>Corteo in <a href="https://x/tags/padova">#<span>padova</span></a> stasera&nbsp;&amp; domani la manifestazione davanti alla stazione</p>', { tags: ['padova'], acct: 'luca@it.example', language: null });
    server.post('<p>not about the city</p>', { tags: ['other'] });
    const boosted = server.post('<p>Traffic is terrible at the station</p>', { tags: ['padova'], language: 'en' });
    server.statuses.push({ ...boosted, id: String(BigInt(boosted.id) + 1n), content: '', reblog: boosted, account: { acct: 'booster' } });
    await load([...socialNodes, catchNode], flow());
    let out = collect<Msg>('out');
    node('m').receive({});
    await waitFor(() => out.length === 1, 'the first poll');
    const [corteo, traffic] = out[0].payload;
    assert.equal(corteo.text, 'Corteo in #padova stasera & domani la manifestazione davanti alla stazione');
    assert.equal(corteo.lang, 'it', 'detected when the status has no language');
    assert.equal(corteo.author, 'luca@it.example');
    assert.match(corteo.id, /^mastodon:127\.0\.0\.1:\d+:\d+$/);
    assert.match(corteo.url, /\/@luca@it\.example\/\d+$/);
    assert.equal(out[0].payload.length, 2, 'the boost is the boosted status, sent once');
    assert.equal(traffic.author, 'alice');

    for (let i = 0; i < 45; i++) server.post(`<p>post ${i} about the square</p>`, { tags: ['padova'] });
    node('m').receive({});
    await waitFor(() => out.length === 2, 'the second poll');
    assert.equal(out[1].payload.length, 45, 'two pages: 40 after min_id, then the rel="prev" page');
    const timelineReads = server.requests.filter((r) => r.path.startsWith('/api/v1/timelines/tag/padova'));
    assert.ok(timelineReads[1].path.includes('min_id='), 'read forward from the newest id');
    assert.ok(timelineReads.length >= 3, 'followed the Link header');

    await helper.unload();
    server.post('<p>after the restart</p>', { tags: ['padova'] });
    await load([...socialNodes, catchNode], flow());
    out = collect<Msg>('out');
    node('m').receive({});
    await waitFor(() => out.length === 1, 'the poll after the restart');
    assert.deepEqual(texts(out), ['after the restart'], 'only what came after the cursor');
  });

  it('obeys X-RateLimit-Remaining/Reset for every node on the server, and 429 Retry-After', async () => {
    server.post('<p>one</p>', { tags: ['padova'] });
    server.remaining = 0;
    await load([...socialNodes, catchNode], flow({}, [{ id: 'm2', z: 'f', type: 'impetus-social-mastodon', server: 'srv', timeline: 'public', mode: 'poll', interval: 0, wires: [] }]));
    const out = collect<Msg>('out');
    node('m').receive({});
    await waitFor(() => out.length === 1, 'the last request the window allows');
    const before = server.requests.length;
    const error = nextError(node('m2'));
    node('m2').receive({});
    assert.match(await error, /rate limit reached, resets at/);
    assert.equal(server.requests.length, before, 'the other node on the server waits too');

    await helper.unload();
    server.remaining = undefined;
    server.faults = [{ status: 429, headers: { 'retry-after': '90' } }];
    await load([...socialNodes, catchNode], flow());
    const caught = collect<{ error: { message: string } }>('caught');
    node('m').receive({});
    await waitFor(() => caught.length === 1, 'the 429');
    assert.match(caught[0].error.message, /HTTP 429/);
    const count = server.requests.length;
    node('m').receive({});
    await waitFor(() => caught.length === 2, 'the refused poll');
    assert.match(caught[1].error.message, /asked us to wait|rate limit reached/);
    assert.equal(server.requests.length, count, 'no request before Retry-After');
  });

  for (const [what, fault, pattern] of [
    ['HTTP 500', { status: 500 }, /HTTP 500/],
    ['garbage', { status: 200, body: '<html>oops' }, /not JSON/],
    ['JSON that is no timeline', { status: 200, body: '{"error": "maintenance"}' }, /must be an array of statuses/],
  ] as const) {
    it(`${what}: a clear error through done(err), then a back-off`, async () => {
      server.faults = [fault];
      await load([...socialNodes, catchNode], flow());
      const error = nextError(node('m'));
      node('m').receive({});
      assert.match(await error, pattern);
      const again = nextError(node('m'));
      node('m').receive({});
      assert.match(await again, /asked us to wait/);
    });
  }

  it('sends the token for a list timeline: without it the server says 401', async () => {
    server.post('<p>list post from alice</p>', { acct: 'alice@city.example' });
    await load([...socialNodes, catchNode], flow({ timeline: 'list', listId: '7' }));
    const error = nextError(node('m'));
    node('m').receive({});
    assert.match(await error, /HTTP 401/);
    await helper.unload();
    await helper.load([...socialNodes, catchNode], flow({ timeline: 'list', listId: '7' }), { srv: { token: server.token } });
    const out = collect<Msg>('out');
    node('m').receive({});
    await waitFor(() => out.length === 1, 'the list');
    assert.deepEqual(texts(out), ['list post from alice']);
  });

  it('streams live, survives a garbage event, reconnects after a drop and reads the gap over REST, sending nothing twice', async function () {
    this.timeout(30_000);
    server.post('<p>before the start</p>', { tags: ['padova'] });
    await load([...socialNodes, catchNode], flow({ mode: 'stream' }));
    const out = collect<Msg>('out');
    const caught = collect<{ error: { message: string } }>('caught');
    await waitFor(() => server.streaming === 1, 'the stream');
    assert.deepEqual(texts(out), ['before the start'], 'the REST read before streaming');
    server.post('<p>live one</p>', { tags: ['padova'] });
    server.post('<p>elsewhere</p>', { tags: ['oslo'] });
    await waitFor(() => out.length === 2, 'the live status');
    server.garbageEvent();
    server.post('<p>live two</p>', { tags: ['padova'] });
    await waitFor(() => out.length === 3, 'the status after the garbage');
    assert.ok(logLines().some((l) => /update that is not JSON/.test(l)), 'the garbage is reported');

    server.dropStreams();
    server.post('<p>during the gap</p>', { tags: ['padova'] });
    await waitFor(() => server.streaming === 1, 'the reconnect');
    await waitFor(() => out.length === 4, 'the gap');
    server.post('<p>live three</p>', { tags: ['padova'] });
    await waitFor(() => out.length === 5, 'live again');
    assert.deepEqual(texts(out), ['before the start', 'live one', 'live two', 'during the gap', 'live three']);
    assert.match(caught.map((c) => c.error.message).join(' | '), /stream dropped|closed the stream/, 'the drop is reported once');
  });

  it('offline: the stream keeps retrying with a growing wait, its status red, and reports the problem once', async function () {
    this.timeout(30_000);
    await server.stop();
    await load([...socialNodes, catchNode], flow({ mode: 'stream' }));
    const caught = collect<{ error: { message: string } }>('caught');
    const statuses: Array<{ fill?: string; text?: string }> = [];
    node('m').on('call:status', (call: { args: Array<{ fill?: string; text?: string }> }) => statuses.push(call.args[0]));
    // Tries at 0 s, 1 s and 3 s (waits of 1 s, then 2 s).
    await waitFor(() => statuses.filter((st) => st.fill === 'red').length >= 3, 'three failed tries', 10_000);
    assert.equal(caught.length, 1, 'one report for one problem');
    assert.match(caught[0].error.message, /fetch failed|ECONNREFUSED/);
    assert.equal(statuses.at(-1)?.fill, 'red', 'the status stays red between tries');
  });

  it('refuses a hashtag timeline without a tag and a missing server at deploy', async () => {
    await load([...socialNodes, catchNode], flow({ tag: '' }));
    const error = nextError(node('m'));
    node('m').receive({});
    assert.match(await error, /needs a hashtag/);
    await helper.unload();
    await load([...socialNodes, catchNode], flow({ server: 'nope' }));
    const missing = nextError(node('m'));
    node('m').receive({});
    assert.match(await missing, /no Mastodon server configured/);
  });
});
