import assert from 'node:assert/strict';
import { analyse } from '../../nodes/social/analyse';
import type { Analysis } from '../../nodes/social/analyse';
import { SocialMonitor } from '../../nodes/social/monitor';
import type { MonitorOptions, WindowSummary } from '../../nodes/social/monitor';
import { Project } from '../../nodes/social/project';
import { Rng } from '../../bench/random';

const T0 = Date.UTC(2026, 2, 2, 0, 0);
const HOUR = 3_600_000;
const project = new Project({ query: 'station' });
const OPTIONS: MonitorOptions = { project: 'station', windowMinutes: 60, threatSeverity: 'critical', sentimentDrop: 0.5, minPosts: 5, retentionMs: HOUR, timeZone: 'UTC', detector: { warmupSamples: 24, warmupHours: 24, seasonality: 'none' } };

function analysed(text: string, ts: number): Analysis {
  return analyse(project, { id: `${ts}`, text, lang: 'en', author: 'a', ts, url: '', source: 'test' }, {})!;
}

/** Hours [from, to) of an ordinary stream, then (at `to`) a negative burst and one post to close it. */
function stream(from: number, to: number, burst: boolean): Analysis[] {
  const rng = new Rng(7 + from);
  const out: Analysis[] = [];
  for (let h = from; h < to; h++) {
    const n = 8 + rng.int(5);
    for (let k = 0; k < n; k++) out.push(analysed('Nice concert at the station', T0 + h * HOUR + k * 1000));
  }
  if (burst) {
    for (let k = 0; k < 60; k++) out.push(analysed('Horrible chaos at the station, terrible, awful', T0 + to * HOUR + k * 1000));
    out.push(analysed('Nice concert at the station', T0 + (to + 1) * HOUR));
  }
  return out;
}

function run(m: SocialMonitor, posts: Analysis[]): string[] {
  return posts.flatMap((a) => m.observe(a, a.post.ts)).map((d) => String(d.headline));
}

describe('social monitor state', () => {
  it('a restored monitor goes on exactly as one never stopped, and catches the burst a fresh one would miss while it learns again', () => {
    const windows: WindowSummary[][] = [[], []];
    const uninterrupted = new SocialMonitor({ ...OPTIONS, onWindow: (w) => windows[0].push(w) });
    run(uninterrupted, stream(0, 24 * 6 + 7, false));
    // Through JSON, as the node saves it; the window open at the stop is in the state.
    const state = JSON.parse(JSON.stringify(uninterrupted.toJSON())) as ReturnType<SocialMonitor['toJSON']>;
    assert.ok(state.window && state.window.count > 0, 'the open window is kept');
    assert.ok(state.baseline! > 0.3, 'and the sentiment baseline');
    const restored = new SocialMonitor({ ...OPTIONS, onWindow: (w) => windows[1].push(w) });
    restored.restore(state);
    windows[0].length = 0;
    // Right after the restart the burst comes (its first post closes the window open at the stop).
    const rest = stream(24 * 6 + 7, 24 * 6 + 7, true);
    const a = run(uninterrupted, rest);
    const b = run(restored, rest);
    assert.deepEqual(b, a, 'the same drafts');
    assert.deepEqual(windows[1], windows[0], 'the same windows, bands and baselines');
    assert.ok(b.some((h) => /60 posts in 60 min, \d+\.\d× the usual/.test(h)), `the burst is a volume alert: ${b.join(' | ')}`);
    assert.ok(b.some((h) => /sentiment fell/.test(h)), 'and a sentiment shift');
    const fresh = new SocialMonitor(OPTIONS);
    const c = run(fresh, rest);
    assert.ok(!c.some((h) => /posts in 60 min/.test(h)), `a monitor that lost its learning warms up again and misses the burst: ${c.join(' | ')}`);
    assert.ok(!c.some((h) => /sentiment fell/.test(h)), 'and has no baseline to fall from');
  });

  it('refuses state of another window length or time zone, or damaged, and stays as it was', () => {
    const m = new SocialMonitor(OPTIONS);
    run(m, stream(0, 30, false));
    const good = JSON.parse(JSON.stringify(m.toJSON())) as Record<string, unknown>;
    const other = new SocialMonitor(OPTIONS);
    const before = JSON.stringify(other.toJSON());
    for (const [bad, error] of [
      [{ ...good, windowMinutes: 15 }, /saved for 15-minute windows in UTC, now 60 in UTC/],
      [{ ...good, timeZone: 'Europe/Oslo' }, /in Europe\/Oslo, now 60 in UTC/],
      [{ ...good, baseline: 'x' }, /baseline must be a number/],
      [{ ...good, window: { start: 5, count: 1, sentimentSum: 0, scored: 0 } }, /window must hold/],
      [{ ...good, detector: { version: 3, shape: 'week/60' } }, /saved with settings/],
      ['garbage', /monitor/],
    ] as const) {
      assert.throws(() => other.restore(bad), error);
      assert.equal(JSON.stringify(other.toJSON()), before, 'unchanged');
    }
  });
});
