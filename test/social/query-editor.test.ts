import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Post } from '../../nodes/social/project';
import { Project } from '../../nodes/social/project';
import { previewQuery, RecentPosts } from '../../nodes/social/query-editor';
import { ROLES } from '../support/console';
import { alertNodes, api, collect, helper, load, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 2, 12, 30);

function post(id: string, text: string, ts: number, lang = 'en'): Post {
  return { id, text, lang, author: `author-${id}`, ts, url: `https://social.example/${id}`, source: 'test' };
}

describe('social query editor', () => {
  describe('preview', () => {
    it('counts what the proposed query would have matched over the last day beside the query in force, newest posts first, hour by hour', () => {
      const posts = [
        post('1', 'Crowd at the station', NOW - 23 * HOUR),
        post('2', 'Fight near the station', NOW - 2 * HOUR),
        post('3', 'Fight on the square', NOW - HOUR),
        post('4', 'Quiet evening', NOW - 30 * 60_000),
        post('5', 'Fight at the market', NOW - 10 * 60_000),
      ];
      const p = previewQuery('fight', new Project({ query: 'fight' }), new Project({ query: 'station' }), posts, NOW);
      assert.deepEqual({ posts: p.posts, matched: p.matched, current: p.current, added: p.added, removed: p.removed }, { posts: 5, matched: 3, current: 2, added: 2, removed: 1 });
      assert.deepEqual(p.sample.map((s) => [s.text, s.added, s.hits]), [['Fight at the market', true, ['fight']], ['Fight on the square', true, ['fight']], ['Fight near the station', false, ['fight']]]);
      assert.equal(p.volume.length, 24);
      assert.equal(p.volume[23].x, Date.UTC(2026, 2, 2, 12), 'the last hour is the one now');
      assert.deepEqual(p.volume.map((v) => v.proposed).reduce((a, b) => a + b), 3);
      assert.deepEqual([p.volume[23].proposed, p.volume[23].current, p.volume[0].current], [1, 0, 1]);
    });

    it('keeps the last day only, at most its bound, texts shortened, authors pseudonymised as the project stores them', () => {
      const recent = new RecentPosts(24 * HOUR, 100);
      recent.add(post('old', 'x', NOW - 25 * HOUR), 'secret', NOW);
      for (let i = 0; i < 150; i++) recent.add(post(String(i), 'y'.repeat(3000), NOW - HOUR + i), 'secret', NOW);
      const kept = recent.within(NOW);
      assert.equal(kept.length, 100);
      assert.equal(kept[0].id, '50', 'the oldest went');
      assert.equal(kept[0].text.length, 2000);
      assert.match(kept[0].author, /^anon-[0-9a-f]{12}$/);
      assert.equal(recent.within(NOW + 24 * HOUR).length, 0, 'a day later they are gone');
      const named = new RecentPosts();
      named.add(post('n', 'z', NOW), undefined, NOW);
      assert.equal(named.within(NOW)[0].author, 'author-n', 'a project that keeps names');
    });
  });

  describe('from the console', function () {
    const dir = useRuntime();
    const PROJECT = { id: 'proj', type: 'impetus-social-project', name: 'oslo-s', query: 'station OR stasjon*', languages: 'en, no', threatSeverity: 'high', windowMinutes: 60, timeZone: 'Europe/Oslo' };
    const flow = (project: Record<string, unknown> = {}) => [
      { id: 'f', type: 'tab', label: 'social' },
      { ...PROJECT, ...project },
      { id: 'an', z: 'f', type: 'impetus-social-analyse', project: 'proj', wires: [['posts']] },
      { id: 'posts', z: 'f', type: 'helper' },
    ];
    const now = Date.now();
    const day = [
      post('a', 'Fight at the station', now - 3 * HOUR),
      post('b', 'Fight on Karl Johan', now - 2 * HOUR),
      post('c', 'Lovely concert at the station', now - HOUR),
      post('d', 'Another fight on the square', now - 60_000),
    ];
    const request = (role: (typeof ROLES)[number], name: string, body: object) => api(role).post(`/impetus/api/panels/proj/requests/${name}`).send(body);

    async function withDay(project: Record<string, unknown> = {}) {
      await load([...alertNodes, ...socialNodes], flow(project));
      const posts = collect<{ payload: { post: { id: string } } }>('posts');
      node('an').receive({ payload: day });
      await waitFor(() => posts.length === 2, 'the two posts the flow\'s query matches');
      return posts;
    }

    it('previews over the last day\'s posts, matched or not, and shows the query in force on the social page', async () => {
      await withDay();
      const res = await request('intel', 'preview', { query: 'fight' }).expect(200);
      assert.deepEqual({ posts: res.body.posts, matched: res.body.matched, current: res.body.current, added: res.body.added, removed: res.body.removed }, { posts: 4, matched: 3, current: 2, added: 2, removed: 1 });
      assert.deepEqual(res.body.sample.map((s: { text: string }) => s.text), ['Another fight on the square', 'Fight on Karl Johan', 'Fight at the station']);
      assert.match(res.body.sample[0].author, /^anon-/, 'authors as the project stores them');
      const page = (await api('operator').get('/impetus/api/pages/social').expect(200)).body.panels as Array<{ id: string; kind: string; data: { query: string }; options: { editors: string[] } }>;
      const panel = page.find((p) => p.id === 'proj')!;
      assert.equal(panel.kind, 'editor');
      assert.equal(panel.data.query, 'station OR stasjon*');
      assert.deepEqual(panel.options.editors, ['intel']);
    });

    it('answers preview and apply to intel and admin only; every other role is refused (403 where it sees the panel, 404 where it does not)', async () => {
      await withDay();
      const expected: Record<string, number> = { intel: 200, admin: 200, operator: 403, supervisor: 403, manager: 404, field: 404, cyber: 404 };
      assert.deepEqual(Object.keys(expected).sort(), [...ROLES].sort(), 'every role is tested');
      for (const role of ROLES) {
        await request(role, 'preview', { query: 'fight' }).expect(expected[role]);
        // A refused apply changes nothing; an allowed one applies (each role its own query).
        const res = await request(role, 'apply', { query: `fight OR ${role}`, reason: `test by ${role}` }).expect(expected[role]);
        if (expected[role] === 403) assert.match(res.body.error, new RegExp(`the ${role} role may not use this panel`));
      }
      const panel = (await api('intel').get('/impetus/api/pages/social').expect(200)).body.panels.find((p: { id: string }) => p.id === 'proj');
      assert.deepEqual(panel.data.history.map((c: { by: string; role: string }) => [c.by, c.role]), [['test-admin', 'admin'], ['test-intel', 'intel']], 'two changes, newest first, by whom');
      assert.equal(panel.data.query, 'fight OR admin');
    });

    it('refuses a malformed query with its position, and an apply without a reason or that changes nothing', async () => {
      await withDay();
      const bad = await request('intel', 'preview', { query: 'fight AND (station' }).expect(400);
      assert.match(bad.body.error, /missing \) at column 19/);
      assert.equal(bad.body.column, 19);
      assert.match((await request('intel', 'apply', { query: 'fight OR', reason: 'x' }).expect(400)).body.error, /at column 9/);
      assert.match((await request('intel', 'apply', { query: 'fight' }).expect(400)).body.error, /reason must say why/);
      assert.match((await request('intel', 'apply', { query: 'station OR stasjon*', reason: 'same' }).expect(409)).body.error, /already in force/);
      await request('intel', 'preview', { query: '' }).expect(400);
      await request('intel', 'preview', { query: 'x'.repeat(10_001) }).expect(400);
      await request('intel', 'nonsense', { query: 'fight' }).expect(404);
      await api('intel').post('/impetus/api/panels/proj/requests/preview').set('Content-Type', 'text/plain').send('fight').expect(415);
      await api('intel').post('/impetus/api/panels/proj/requests/apply').set('X-CSRF-Token', 'forged').send({ query: 'fight', reason: 'x' }).expect(403);
    });

    it('applies: the next posts meet the new query, the change is audited and kept across a restart; a flow edited since wins', async () => {
      let posts = await withDay();
      const applied = await request('intel', 'apply', { query: 'fight', reason: 'the brawls on Karl Johan' }).expect(200);
      assert.deepEqual({ by: applied.body.change.by, from: applied.body.change.from, to: applied.body.change.to }, { by: 'test-intel', from: 'station OR stasjon*', to: 'fight' });
      posts.length = 0;
      node('an').receive({ payload: [post('e', 'A fight downtown', now), post('f', 'Crowd at the station', now)] });
      await waitFor(() => posts.length === 1, 'the post the applied query matches');
      assert.equal(posts[0].payload.post.id, 'e');
      const file = path.join(dir(), 'impetus-state', 'social-query-proj.json');
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(saved.query, 'fight');
      assert.equal(saved.history[0].reason, 'the brawls on Karl Johan');

      await helper.unload();
      await load([...alertNodes, ...socialNodes], flow());
      posts = collect('posts');
      node('an').receive({ payload: [post('g', 'A fight downtown', now), post('h', 'Crowd at the station', now)] });
      await waitFor(() => posts.length === 1, 'the applied query, after the restart');
      assert.equal(posts[0].payload.post.id, 'g');

      // The integrator deploys another query: the flow's newer decision is used, and says so.
      await helper.unload();
      await load([...alertNodes, ...socialNodes], flow({ query: 'crowd' }));
      posts = collect('posts');
      node('an').receive({ payload: [post('i', 'A fight downtown', now), post('j', 'Crowd at the station', now)] });
      await waitFor(() => posts.length === 1, 'the flow\'s query');
      assert.equal(posts[0].payload.post.id, 'j');
      const panel = (await api('intel').get('/impetus/api/pages/social').expect(200)).body.panels.find((p: { id: string }) => p.id === 'proj');
      assert.equal(panel.data.query, 'crowd');
      assert.equal(panel.data.history.length, 1, 'the audit stays');
      await waitFor(() => JSON.parse(fs.readFileSync(file, 'utf8')).query === undefined, 'the console\'s query forgotten in the file');
    });
  });
});
