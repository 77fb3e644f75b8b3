import assert from 'node:assert/strict';
import { analyse } from '../../nodes/social/analyse';
import { SocialMonitor } from '../../nodes/social/monitor';
import type { WindowSummary } from '../../nodes/social/monitor';
import { termRows } from '../../nodes/social/panels';
import { Project } from '../../nodes/social/project';
import { queryWords, TermBaseline, TermCounter, termsOf } from '../../nodes/social/terms';
import { StateError } from '../../nodes/anomaly/state-codec';

const T0 = Date.UTC(2026, 2, 2, 0, 0);
const HOUR = 3_600_000;

describe('social top terms', () => {
  it('removes the stop words of the post\'s language (en, it, no), links and @mentions; folds; counts each term once', () => {
    assert.deepEqual([...termsOf('The police closed the square, and the police are still there: https://t.co/x1 @anna.b', 'en')], ['police', 'police closed', 'closed', 'square']);
    assert.deepEqual([...termsOf('Che caos in Piazza dei Signori, la Polizia è già lì', 'it')], ['caos', 'piazza', 'signori', 'polizia', 'gia']);
    assert.deepEqual([...termsOf('Politiet har stengt Jernbanetorget på grunn av slåsskamp', 'no')], ['politiet', 'stengt', 'stengt jernbanetorget', 'jernbanetorget', 'grunn', 'slasskamp']);
    // A language without a list of its own gets all three lists (the words of none are topics).
    assert.deepEqual([...termsOf('the polizia og the', 'und')], ['polizia']);
    assert.deepEqual([...termsOf('2026 a 10 b', 'en')], [], 'numbers and single letters are no topics');
  });

  it('parts phrases at a stop word and at the end of a clause', () => {
    const terms = termsOf('Fight at the station. Police closed it - stay away', 'en');
    assert.ok(terms.has('police closed') && terms.has('stay away'));
    assert.ok(!terms.has('station police') && !terms.has('fight station'));
  });

  it('leaves out the words of the query\'s hits: words, prefixes and phrases', () => {
    const skip = queryWords(['stazione', 'stasjon*', '"prato della valle"']);
    assert.deepEqual([...termsOf('Stasjonen er full, Stazione piena, Prato della Valle chiuso', 'und', skip)], ['full', 'piena', 'chiuso']);
  });

  it('ranks a window\'s terms by posts holding them; a phrase must be in two posts', () => {
    const c = new TermCounter();
    c.add(termsOf('police at the square', 'en'));
    c.add(termsOf('police police police everywhere', 'en'));
    c.add(termsOf('quiet evening', 'en'));
    assert.equal(c.posts, 3);
    assert.deepEqual(c.top(3), [['police', 2], ['evening', 1], ['everywhere', 1]]);
    assert.ok(!c.top(20).some(([t]) => t === 'quiet evening'), 'a phrase of one post is not listed');
  });

  it('compares each term\'s share with its usual share over the baseline windows: "3×", or new', () => {
    const b = new TermBaseline(3);
    const window = (posts: string[]) => {
      const c = new TermCounter();
      for (const p of posts) c.add(termsOf(p, 'en'));
      return c;
    };
    const quiet = Array.from({ length: 10 }, (_, i) => (i < 1 ? 'traffic jam again' : `lovely day number ${i}`));
    assert.deepEqual(b.close(window(quiet), 2)[0], { term: 'day', posts: 9, share: 0.9, usual: 0, change: null }, 'no baseline yet: new');
    b.close(window(quiet), 2);
    b.close(window(quiet), 2);
    // Traffic was in 1 of 10 posts; now in 6 of 20: 0.3 ÷ 0.1 = 3×.
    const busy = [...Array.from({ length: 6 }, () => 'traffic everywhere'), ...Array.from({ length: 14 }, (_, i) => `lovely day ${i}`), 'fire'];
    const rows = b.close(window(busy), 10);
    const row = (t: string) => rows.find((r) => r.term === t)!;
    assert.deepEqual(row('traffic'), { term: 'traffic', posts: 6, share: 0.286, usual: 0.1, change: 2.9 });
    assert.equal(row('fire').change, null);
    // The baseline keeps the last 3 windows only: after three busy ones, traffic is usual.
    b.close(window(busy), 10);
    b.close(window(busy), 10);
    assert.equal(b.close(window(busy), 10).find((r) => r.term === 'traffic')!.change, 1);
  });

  it('keeps its baseline through toJSON and restore, and refuses a baseline that is not one', () => {
    const b = new TermBaseline(24);
    const c = new TermCounter();
    c.add(['fire', 'smoke']);
    c.add(['fire']);
    b.close(c, 10);
    const copy = new TermBaseline(24);
    copy.restore(JSON.parse(JSON.stringify(b.toJSON())));
    const next = new TermCounter();
    next.add(['fire']);
    assert.deepEqual(copy.close(next, 1), b.close(next, 1));
    for (const bad of [{}, [{ posts: 0, terms: [] }], [{ posts: 2, terms: [['x', 1.5]] }], [{ posts: 2, terms: 'x' }]]) assert.throws(() => copy.restore(bad), TypeError);
  });

  it('stays bounded: a flood of distinct words counts the first 20,000 only, the baseline 200 per window', () => {
    const c = new TermCounter();
    for (let i = 0; i < 30_000; i++) c.add([`w${i}`, 'common']);
    assert.equal(c.top(1)[0][1], 30_000, 'a term already counted goes on counting');
    const b = new TermBaseline(2);
    b.close(c, 10);
    assert.equal(b.toJSON()[0].terms.length, 200);
  });

  it('reaches the monitor\'s window summaries and the console table, and survives the monitor\'s restart', () => {
    const project = new Project({ query: 'station OR stazione' });
    const summaries: WindowSummary[] = [];
    const options = { project: 'p', windowMinutes: 60, threatSeverity: 'critical' as const, sentimentDrop: 0.5, minPosts: 5, retentionMs: HOUR, timeZone: 'UTC', onWindow: (w: WindowSummary) => summaries.push(w) };
    const m = new SocialMonitor(options);
    const post = (text: string, ts: number, i: number) => analyse(project, { id: `${ts}-${i}`, text, lang: 'en', author: 'a', ts, url: '', source: 't' }, {})!;
    for (let h = 0; h < 3; h++) for (let i = 0; i < 10; i++) m.observe(post(i < 2 ? 'Crowd at the station' : `Train late at the station ${i}`, T0 + h * HOUR + i, i), T0 + h * HOUR);
    const restarted = new SocialMonitor(options);
    restarted.restore(JSON.parse(JSON.stringify(m.toJSON())));
    for (let i = 0; i < 10; i++) restarted.observe(post(i < 8 ? 'Crowd at the station' : 'Train late at the station', T0 + 3 * HOUR + i, i), T0 + 3 * HOUR);
    restarted.observe(post('Train at the station', T0 + 4 * HOUR, 99), T0 + 4 * HOUR);
    const last = summaries[summaries.length - 1];
    assert.equal(last.start, T0 + 3 * HOUR);
    assert.ok(!last.terms.some((t) => t.term === 'station'), 'the query\'s own word is left out');
    assert.deepEqual(last.terms.find((t) => t.term === 'crowd'), { term: 'crowd', posts: 8, share: 0.8, usual: 0.2, change: 4 });
    const rows = termRows(last, 'p');
    assert.deepEqual(rows[rows.length - 1], { id: 'p/crowd', window: new Date(T0 + 3 * HOUR).toISOString(), project: 'p', rank: 1, term: 'crowd', posts: 8, share: '80 %', usual: '20 %', change: '4.0×' });
    assert.throws(() => new SocialMonitor(options).restore({ ...m.toJSON(), terms: 'nonsense' }), StateError);
    assert.deepEqual(termRows({ ...last, terms: [] }, 'p'), [], 'an empty window sends no rows');
  });
});
