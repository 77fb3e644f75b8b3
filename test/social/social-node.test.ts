import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { alertNodes, collect, helper, load, nextError, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Record<string, unknown>; topic?: string; [k: string]: unknown };

const PROJECT = {
  id: 'proj',
  type: 'impetus-social-project',
  name: 'oslo-s',
  query: 'stasjon* OR station OR "oslo s"',
  languages: 'en, no',
  zones: JSON.stringify([{ name: 'oslo-s', places: ['Oslo S', 'Jernbanetorget'] }]),
  threatSeverity: 'medium',
  windowMinutes: 60,
  timeZone: 'Europe/Oslo',
};

function flow(project: Record<string, unknown> = {}) {
  return [
    { id: 'f', type: 'tab', label: 'social' },
    { ...PROJECT, ...project },
    { id: 'an', z: 'f', type: 'impetus-social-analyse', project: 'proj', wires: [['posts'], ['alert']] },
    { id: 'posts', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['an'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const threat = { id: 't1', text: 'Vi skal sprenge Oslo S i kveld, ta med våpen. Nå er det nok!', lang: 'nb', author: 'kari.nordmann', ts: '2026-03-02T18:00:00Z', url: 'https://social.example/@k/1', source: 'test' };

describe('impetus-social-analyse', function () {
  useRuntime();

  it('analyses posts and turns a threat into a stored social alert with a pseudonymised author and its explanation', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow());
    const posts = collect<Msg>('posts');
    const stored = collect<Msg>('stored');
    node('an').receive({ payload: [threat, { id: 'x', text: 'nothing to see', lang: 'en', author: 'a' }, { id: 'c', text: 'Lovely concert by the station', lang: 'en', author: 'b' }] });
    await waitFor(() => stored.length === 1 && posts.length === 2, 'the alert and two analysed posts');
    const alert = stored[0].payload as unknown as Alert;
    assert.equal(alert.tool, 'social');
    assert.equal(alert.zone, 'oslo-s');
    const data = alert.data as { kind: string; topPosts: Array<{ author: string; text: string; explanation: { threat: string[] } }> };
    assert.equal(data.kind, 'threat');
    assert.match(data.topPosts[0].author, /^anon-[0-9a-f]{12}$/);
    assert.ok(!JSON.stringify(alert).includes('kari.nordmann'), 'the author is not stored');
    assert.ok(data.topPosts[0].explanation.threat.some((c) => /violence: spreng/.test(c)));
    const analysed = posts[0].payload as { post: { lang: string }; threat: { severity: string } };
    assert.equal(analysed.post.lang, 'no');
    assert.ok(['medium', 'high', 'critical'].includes(analysed.threat.severity));
  });

  it('keeps authors when the project says so', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow({ keepAuthors: true }));
    const stored = collect<Msg>('stored');
    node('an').receive({ payload: threat });
    await waitFor(() => stored.length === 1, 'the alert');
    assert.equal((stored[0].payload.data as { topPosts: Array<{ author: string }> }).topPosts[0].author, 'kari.nordmann');
  });

  it('analyses the good posts of a batch and fails the message for the bad ones, naming them', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow());
    const posts = collect<Msg>('posts');
    const caught = collect<Msg>('caught');
    node('an').receive({ payload: [{ id: 1, text: 'station <b>HTML</b> \ud800 ok', lang: 'en' }, { text: 'no id' }, 'not a post', { id: 2, text: 'x'.repeat(1_048_577) }, { id: 3, text: 'station', ts: 'yesterday' }] });
    await waitFor(() => caught.length === 1, 'the Catch');
    const err = (caught[0].error as { message: string }).message;
    assert.match(err, /4 of 5 posts rejected/);
    assert.match(err, /\[1\]: post.id/);
    assert.match(err, /\[2\]: a post must be an object/);
    assert.equal(posts.length, 1);
    assert.match((posts[0].payload as { post: { text: string } }).post.text, /\ufffd/, 'a lone surrogate is replaced');
  });

  it('refuses every message when the project query is malformed, pointing at the column', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow({ query: 'stasjon AND (oslo' }));
    const error = nextError(node('an'));
    node('an').receive({ payload: threat });
    assert.match(await error, /missing \) at column 18/);
  });

  it('the example flow runs as shipped: its inject yields analysed posts and threat alerts', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'impetus-social.json'), 'utf8')) as Array<Record<string, unknown>>;
    const flowWithProbes = example.map((n) => (n.id === 'ex-so-alert' ? { ...n, wires: [['probe']] } : n));
    await load([...alertNodes, ...socialNodes, require('@node-red/nodes/core/common/20-inject.js'), require('@node-red/nodes/core/common/21-debug.js')], [...flowWithProbes, { id: 'probe', z: 'ex-social-tab', type: 'helper' }]);
    const stored = collect<Msg>('probe');
    (helper.getNode('ex-so-inject') as unknown as { receive: (m: object) => void }).receive({});
    await waitFor(() => stored.length >= 2, 'the threat alerts of the example');
    assert.ok(stored.every((m) => (m.payload as unknown as Alert).tool === 'social'));
  });
});
