import assert from 'node:assert/strict';
import { MAX_HISTORY_AREAS, OccupancyHistory } from '../../nodes/evacuation/occupancy-history';
import type { AreaOccupancy } from '../../nodes/evacuation/occupancy';
import { localClock } from '../../nodes/evacuation/occupancy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 2025-03-03 00:00 UTC, a Monday.
const T0 = Date.UTC(2025, 2, 3);

const counted = (people: Record<string, number>): AreaOccupancy[] => Object.entries(people).map(([areaId, n]) => ({ areaId, people: n, confidence: 1, source: 'area-counter', silent: false }));

describe('evacuation occupancy history', function () {
  it('keeps one sample per interval, no more than the retention holds, for at most MAX_HISTORY_AREAS areas', function () {
    const h = new OccupancyHistory();
    assert.equal(h.record(T0, counted({ hall: 10 })), true);
    assert.equal(h.record(T0 + MINUTE, counted({ hall: 20 })), false, 'the same 5-minute interval');
    // Ten days of a reading a minute: 8 days of 5-minute samples are kept.
    for (let t = T0 + 5 * MINUTE; t < T0 + 10 * DAY; t += MINUTE) h.record(t, counted({ hall: 10 }));
    assert.equal(h.size, (8 * DAY) / (5 * MINUTE));
    const many = Object.fromEntries(Array.from({ length: MAX_HISTORY_AREAS + 50 }, (_, i) => [`a${i}`, i]));
    h.record(T0 + 11 * DAY, counted(many));
    assert.equal(h.areas, MAX_HISTORY_AREAS);
    // After a long gap the old samples are past the retention and count no more.
    h.record(T0 + 30 * DAY, counted({ hall: 1 }));
    assert.equal(h.size, 1);
  });

  it('does not sample areas without counters or with silent ones', function () {
    const h = new OccupancyHistory();
    assert.equal(h.record(T0, [{ areaId: 'hall', people: 0, confidence: 0, source: 'none', silent: false }]), false);
    h.record(T0 + HOUR, [{ areaId: 'hall', people: 300, confidence: 0.2, source: 'area-counter', silent: true }, ...counted({ yard: 5 })]);
    assert.deepEqual([...(h.typical(0, 1440)?.people ?? [])], [['yard', 5]]);
  });

  it('learns the typical crowd of a slot: the median over days of each day’s peak, slots past midnight included', function () {
    const h = new OccupancyHistory({ timeZone: 'UTC' });
    // Five evenings 18:00–23:00 peaking at these (a concert on the fourth), mornings at 40.
    const evenings = [400, 420, 380, 2000, 410];
    evenings.forEach((peak, d) => {
      for (let m = 0; m < 1440; m += 5) {
        const hour = m / 60;
        const hall = hour >= 18 && hour < 23 ? (hour === 20 ? peak : peak / 2) : hour >= 8 && hour < 12 ? 40 : 0;
        const bar = hour >= 22 || hour < 2 ? 100 + d : 0;
        h.record(T0 + d * DAY + m * MINUTE, counted({ hall, bar }));
      }
    });
    const evening = h.typical(18 * 60, 23 * 60);
    assert.equal(evening?.days, 5);
    assert.equal(evening?.people.get('hall'), 410);
    assert.equal(h.typical(8 * 60, 12 * 60)?.people.get('hall'), 40);
    // 22:00–02:00: each night once, on the day it starts (the first day's early hours are the
    // night before's): nights peaking at 100, 101, 102, 103, 104, 104.
    const night = h.typical(22 * 60, 2 * 60);
    assert.equal(night?.days, 6);
    assert.equal(night?.people.get('bar'), 103);
    assert.equal(new OccupancyHistory().typical(0, 60), undefined);
  });

  it('reads slots in the site’s local time across a daylight-saving change', function () {
    // Rome moves from UTC+1 to UTC+2 on 2025-03-30. A crowd of 500 from 18:00 to 23:00 local
    // time is 17–22 UTC before the change and 16–21 UTC after it.
    const h = new OccupancyHistory({ timeZone: 'Europe/Rome' });
    const start = Date.UTC(2025, 2, 26);
    for (let t = start; t < start + 8 * DAY; t += 5 * MINUTE) {
      const offset = t >= Date.UTC(2025, 2, 30, 1) ? 2 : 1;
      const local = (((t / HOUR + offset) % 24) + 24) % 24;
      h.record(t, counted({ square: local >= 18 && local < 23 ? 500 : 50 }));
    }
    assert.equal(h.typical(18 * 60, 23 * 60)?.people.get('square'), 500);
    // A fixed offset would put the after-change evenings' first hour here, four days of eight.
    assert.equal(h.typical(16 * 60, 18 * 60)?.people.get('square'), 50);
    assert.deepEqual(localClock(Date.UTC(2025, 2, 30, 16), 'Europe/Rome'), { day: Date.UTC(2025, 2, 30) / DAY, minute: 18 * 60 });
  });
  it('is saved and taken back whole, and refuses a history of another shape, keeping its own', function () {
    const h = new OccupancyHistory({ timeZone: 'Europe/Rome' });
    for (let t = T0; t < T0 + 3 * DAY; t += 5 * MINUTE) {
      const hour = ((t - T0) % DAY) / HOUR;
      h.record(t, counted({ square: hour >= 17 && hour < 22 ? 800 + (t % 7) : 100, gone: 5 }));
    }
    const saved = JSON.parse(JSON.stringify(h.toJSON()));
    const back = new OccupancyHistory({ timeZone: 'Europe/Rome' });
    back.restore(saved, new Set(['square']));
    assert.deepEqual(back.typical(18 * 60, 23 * 60)?.people, new Map([['square', h.typical(18 * 60, 23 * 60)?.people.get('square')]]), 'the same crowd learnt; an area the site lost is dropped');
    assert.equal(back.size, h.size);
    assert.equal(back.lastSampled, h.lastSampled);
    assert.equal(back.wants(T0 + 3 * DAY - MINUTE), false, 'the interval sampled last is not sampled again');

    const other = new OccupancyHistory({ intervalMs: 10 * MINUTE });
    assert.throws(() => other.restore(saved, new Set(['square'])), /made with 300000 ms samples/);
    const fresh = new OccupancyHistory();
    assert.throws(() => fresh.restore({ ...saved, day: 'AAAA' }, new Set(['square'])), /day holds 3 bytes/);
    assert.equal(fresh.size, 0, 'a refused history leaves the one there was');
    assert.throws(() => fresh.restore(null, new Set()), /not an object/);
  });
});
