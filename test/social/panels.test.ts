import assert from 'node:assert/strict';
import { analyse } from '../../nodes/social/analyse';
import type { Analysis } from '../../nodes/social/analyse';
import { SocialMonitor } from '../../nodes/social/monitor';
import type { WindowSummary } from '../../nodes/social/monitor';
import { explainLine, NotablePosts, postRow, sentimentPoints, volumePoints } from '../../nodes/social/panels';
import { Project } from '../../nodes/social/project';
import { Rng } from '../../bench/random';

const T0 = Date.UTC(2026, 2, 2, 0, 0);
const HOUR = 3_600_000;
const project = new Project({ query: 'station OR stazione OR stasjon* OR concert*', zones: [{ name: 'central-station', places: ['central station'] }] });

function analysed(text: string, ts: number, id = `${ts}-${text.length}`, lang = 'en'): Analysis {
  return analyse(project, { id, text, lang, author: 'mario.rossi', ts, url: 'https://example.org/p', source: 'test' }, { pseudonymSecret: 'k' })!;
}

describe('social console feed', () => {
  it('tells every closed window, empty ones included, with the usual band once learnt, the anomaly and the sentiment shift marked', () => {
    const windows: WindowSummary[] = [];
    const drafts: Array<Record<string, unknown>> = [];
    const m = new SocialMonitor({ project: 'station', windowMinutes: 60, threatSeverity: 'critical', sentimentDrop: 0.5, minPosts: 5, retentionMs: HOUR, timeZone: 'UTC', detector: { warmupSamples: 24, warmupHours: 24, seasonality: 'none' }, onWindow: (w) => windows.push(w) });
    const rng = new Rng(1503);
    const hours = 24 * 6;
    for (let h = 0; h < hours; h++) {
      // Hour 100 is silent: an empty window in the middle.
      const n = h === 100 ? 0 : 8 + rng.int(5);
      for (let k = 0; k < n; k++) drafts.push(...m.observe(analysed('Nice concert at the station', T0 + h * HOUR + k * 1000), T0 + h * HOUR));
    }
    const burst = T0 + hours * HOUR;
    for (let k = 0; k < 60; k++) drafts.push(...m.observe(analysed('Horrible chaos at the station, terrible, awful', burst + k * 1000), burst));
    drafts.push(...m.observe(analysed('Nice concert at the station', burst + HOUR), burst + HOUR));
    assert.equal(windows.length, hours + 1, 'one summary per closed hour');
    assert.deepEqual(windows.map((w) => w.start), Array.from({ length: hours + 1 }, (_, h) => T0 + h * HOUR), 'in order, none missing');
    const empty = windows[100];
    assert.equal(empty.posts, 0);
    assert.equal(empty.sentiment, null, 'no post, no sentiment');
    assert.ok(windows.slice(60, hours).every((w) => w.expected !== undefined && w.low! >= 0 && w.high! > w.low!), 'a band once the detector has learnt');
    const last = windows[hours];
    assert.equal(last.posts, 60);
    assert.equal(last.anomaly, true, 'the burst is the onset of a volume anomaly');
    assert.equal(last.shift, true, 'and a sentiment shift');
    assert.ok(last.sentiment! < -0.5 && last.baseline! > 0.3, `${last.sentiment} vs ${last.baseline}`);
    assert.equal(windows.filter((w) => w.anomaly).length, drafts.filter((d) => (d.data as { kind: string }).kind === 'volume').length, 'a mark for each volume alert');
    assert.equal(windows.filter((w) => w.shift).length, drafts.filter((d) => (d.data as { kind: string }).kind === 'sentiment').length, 'a mark for each sentiment alert');

    const volume = volumePoints(last, 'station');
    assert.deepEqual(volume.map((p) => p.series), ['posts (station)', 'anomaly (station)']);
    assert.equal(volume[1].mark, true);
    assert.equal(volume[0].y, 60);
    assert.ok(volume[0].low! >= 0 && volume[0].high! < 60, 'the burst is above the usual band');
    assert.deepEqual(volumePoints(windows[1], 'station').map((p) => p.series), ['posts (station)'], 'no mark without an anomaly');
    const sentiment = sentimentPoints(last, 'station');
    assert.deepEqual(sentiment.map((p) => [p.series, p.mark ?? false]), [['sentiment (station)', false], ['baseline (station)', false], ['shift (station)', true]]);
    assert.deepEqual(sentimentPoints(empty, 'station').map((p) => p.series), ['baseline (station)'], 'an empty window leaves a gap in the sentiment');
  });

  it('keeps the most notable posts of the retention time, threats first, and explains each in words', () => {
    const notable = new NotablePosts(3, HOUR);
    const now = T0 + HOUR;
    assert.equal(notable.offer(analysed('Lovely concert at the station', now), now), false, 'an ordinary post is not notable');
    const ironic = analysed('Great, two hours stuck at the station again. Just perfect 🙄 #not', now - 60_000, 'ironic');
    const threat = analysed('I will bring a gun to the central station and kill them all', now - 30_000, 'threat');
    assert.ok(notable.offer(ironic, now));
    assert.ok(notable.offer(threat, now));
    assert.equal(notable.offer(analysed('Someone should shoot up the station', now - 2 * HOUR, 'old'), now), false, 'older than the retention time');
    let rows = notable.rows('station');
    assert.deepEqual(rows.map((r) => r.id), ['station/ironic', 'station/threat'], 'weakest first: the table shows the last row on top');
    const row = rows[1];
    assert.match(String(row.kind), /^threat \((high|critical)\)$/);
    assert.match(String(row.author), /^anon-[0-9a-f]{12}$/, 'the author as stored: pseudonymised');
    assert.equal(row.time, new Date(now - 30_000).toISOString());
    assert.match(String(row.why), /^threat \d\.\d\d: violence: kill.*weapon: gun.*place central station/);
    assert.match(String(row.why), /sentiment -?\d\.\d\d/);
    assert.match(String(row.why), /matched station/);
    assert.match(explainLine(ironic), /irony \d\.\d\d: hashtag #not/);
    assert.equal(rows[0].kind, 'irony');
    // A repeat of a post (two sources) stays one row; a fourth post pushes the weakest out.
    assert.ok(notable.offer(threat, now));
    assert.equal(notable.rows('station').length, 2);
    for (const id of ['t2', 't3']) notable.offer(analysed('I will bring a gun to the central station and kill them all', now, id), now);
    rows = notable.rows('station');
    assert.equal(rows.length, 3);
    assert.ok(!rows.some((r) => r.id === 'station/ironic'), 'the ironic post was the weakest');
    assert.equal(notable.prune(now + HOUR + 1), true, 'all past the retention time');
    assert.deepEqual(notable.rows('station'), []);
  });

  it('cuts long posts in the table row', () => {
    const a = analysed(`I will bring a gun to the station ${'x'.repeat(1000)}`, T0);
    const row = postRow(a, 'p');
    assert.equal(String(row.text).length, 281);
    assert.ok(String(row.text).endsWith('…'));
  });
});
