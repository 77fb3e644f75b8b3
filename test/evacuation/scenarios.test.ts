import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { LiveEvacuation } from '../../nodes/evacuation/live';
import { progressBar } from '../../nodes/evacuation/outputs';
import { matchGuideline, runLibrary, scenarioList } from '../../nodes/evacuation/scenarios';
import type { Guideline } from '../../nodes/evacuation/scenarios';
import { loadSiteFile } from '../../nodes/evacuation/site';
import type { Site } from '../../nodes/evacuation/site';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const T0 = Date.UTC(2025, 2, 3);

function padova(timesOfDay: Site['timesOfDay']): Site {
  return { ...loadSiteFile(path.join(PACKAGE_ROOT, 'flows', 'sites', 'padova-piazza-dei-signori.geojson')), timesOfDay };
}

const guideline = (scenarioId: string, closed: string[], people: number, timeOfDay?: string): Guideline => ({ scenarioId, closed, people, risk: 0, text: scenarioId, ...(timeOfDay ? { timeOfDay } : {}) });

describe('evacuation scenario library with times of day', function () {
  it('lists closures × crowd factors, then closures × times of day', function () {
    const site = padova([{ name: 'evening', from: '18:00', to: '23:00', people: { 'signori-west': 1000 } }]);
    const list = scenarioList(site);
    // 6 closures (none and each of 5 exits) × (4 factors + 1 time of day).
    assert.equal(list.length, 30);
    assert.deepEqual(list.find((s) => s.scenarioId === 'close:exit-manin@evening'), { scenarioId: 'close:exit-manin@evening', closed: ['exit-manin'], timeOfDay: 'evening' });
    assert.ok(list.some((s) => s.scenarioId === 'all-open@evening'));
    assert.ok(list.some((s) => s.scenarioId === 'close:exit-manin@1.5x'));
  });

  it('plans each time of day at its own people or the learnt crowd, and skips, saying so, one with neither', async function () {
    const site = padova([
      { name: 'evening', from: '18:00', to: '23:00', people: { 'signori-west': 1500, 'signori-east': 500 } },
      { name: 'market', from: '08:00', to: '12:00' },
      { name: 'night', from: '23:00', to: '06:00' },
    ]);
    const asked: Array<[number, number]> = [];
    const learnt = (from: number, to: number) => {
      asked.push([from, to]);
      return from === 480 ? { people: new Map([['signori-west', 300]]), days: 4 } : undefined;
    };
    const progress: Array<[number, number]> = [];
    const library = await runLibrary(site, new Map([['signori-west', 100]]), { profile: 'calibrated' }, (d, t) => progress.push([d, t]), undefined, learnt);
    assert.deepEqual(asked, [[480, 720], [1380, 360]], 'the history is asked only for slots without people');
    assert.deepEqual(library.skipped.map((x) => x.timeOfDay), ['night']);
    assert.match(library.skipped[0].reason, /no people given for night \(23:00–06:00\) and no counts/);
    // 24 crowd-factor scenarios, 6 evening, 6 market.
    assert.equal(library.guidelines.length, 36);
    assert.deepEqual(progress.at(-1), [36, 36]);
    const evening = library.guidelines.find((g) => g.scenarioId === 'close:exit-manin@evening');
    assert.equal(evening?.people, 2000);
    assert.equal(evening?.timeOfDay, 'evening');
    assert.match(evening?.text ?? '', /^evening \(18:00–23:00\): Via Manin, east closed, 2000 people: evacuate via /);
    assert.equal(library.guidelines.find((g) => g.scenarioId === 'all-open@market')?.people, 300);
  });

  it('matches the live time’s slot first, within ±25 %, else the crowd-factor scenarios; never another slot', function () {
    const library = [guideline('close:a@1x', ['a'], 1000), guideline('close:a@1.5x', ['a'], 1500), guideline('close:a@evening', ['a'], 1300, 'evening'), guideline('close:a@morning', ['a'], 1000, 'morning')];
    assert.equal(matchGuideline(library, ['a'], 1200, 'evening')?.scenarioId, 'close:a@evening', 'the slot wins over the nearer 1x');
    assert.equal(matchGuideline(library, ['a'], 1900, 'evening')?.scenarioId, 'close:a@1.5x', 'the slot is 32 % off: crowd factors');
    assert.equal(matchGuideline(library, ['a'], 1000)?.scenarioId, 'close:a@1x', 'outside any slot');
    assert.equal(matchGuideline(library, ['a'], 1250, 'night')?.scenarioId, 'close:a@1x', 'a slot with no scenario');
    assert.equal(matchGuideline(library.filter((g) => g.timeOfDay), ['a'], 1000), undefined, 'the morning scenario is not matched in the evening');
    assert.equal(matchGuideline(library, ['b'], 1000, 'evening'), undefined, 'other closures');
  });

  it('a live evacuation learns a time of day’s crowd from its counts and plans the slot at it', async function () {
    const site = padova([{ name: 'evening', from: '18:00', to: '23:00' }]);
    const live = new LiveEvacuation(site, { profile: 'calibrated', debounceMs: 3_600_000, silentAfterMs: 0, counters: new Map(), timeZone: 'Europe/Rome', sourceNode: 'n' }, () => {}, (err) => assert.fail(err));
    try {
      // Three days of a camera count every 5 minutes: 800 on the square from 18:00 to 23:00 Rome time (17–22 UTC), 100 otherwise.
      for (let t = T0; t < T0 + 3 * DAY; t += 5 * MINUTE) {
        const hour = ((t - T0) % DAY) / 3_600_000;
        const errors = live.readings([{ index: 0, reading: { ts: t, sensorId: 'cam', variable: 'occupancy', value: hour >= 17 && hour < 22 ? 800 : 100, zone: 'signori-west' } }], t);
        assert.deepEqual(errors, []);
      }
      const library = await live.presimulate(() => {});
      assert.deepEqual(library.skipped, []);
      assert.equal(library.guidelines.find((g) => g.scenarioId === 'all-open@evening')?.people, 800);
      assert.throws(() => live.scenarioWhatIf('all-open@evening'), /plans for a time of day's crowd, which a what-if cannot show yet/);
    } finally {
      live.stop();
    }
  });

  it('draws a progress bar that is full only when done', function () {
    assert.equal(progressBar(0, 40), '▱▱▱▱▱▱▱▱▱▱');
    assert.equal(progressBar(12, 40), '▰▰▰▱▱▱▱▱▱▱');
    assert.equal(progressBar(39, 40), '▰▰▰▰▰▰▰▰▰▱');
    assert.equal(progressBar(40, 40), '▰▰▰▰▰▰▰▰▰▰');
    assert.equal(progressBar(3, 0, 4), '▱▱▱▱');
  });
});
