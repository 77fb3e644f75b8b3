import assert from 'node:assert/strict';
import { nextEmptyTime, OccupancyTracker } from '../../nodes/evacuation/occupancy';
import { planEvacuation } from '../../nodes/evacuation/plan';
import { parseSite, SiteError } from '../../nodes/evacuation/site';
import { Rng } from '../../bench/random';
import { assertFinite } from './finite';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 2025-03-03 00:00 UTC; the site empties at 04:00 UTC.
const T0 = Date.UTC(2025, 2, 3);

function tracker(silentAfterMs = 0) {
  return new OccupancyTracker({ areas: new Map([['hall', 500]]), counters: new Map([['gate', 'hall']]), emptyAtMinute: 240, timeZone: 'UTC', silentAfterMs });
}

/** A day of a gate counter that misses `miss` of the leavers: in and out totals every 10 minutes. */
function day(t: OccupancyTracker, start: number, totals: { in: number; out: number }, miss: number, rng: Rng): void {
  for (let m = 10; m < 24 * 60; m += 10) {
    const ts = start + m * 60_000;
    const hour = m / 60;
    // Opening 08:00–20:00: people come in until 14:00 and leave after.
    const arrivals = hour >= 8 && hour < 14 ? rng.int(20) : 0;
    const leavers = hour >= 14 && hour < 20 ? rng.int(20) : 0;
    totals.in += arrivals;
    totals.out += Math.round(leavers * (1 - miss));
    t.add({ ts, sensorId: 'gate', variable: 'in', value: totals.in });
    t.add({ ts, sensorId: 'gate', variable: 'out', value: totals.out });
  }
}

describe('evacuation occupancy from people counters', function () {
  it('learns the drift of a counter that misses leavers and removes it the next day', function () {
    const t = tracker();
    const rng = new Rng(3);
    const totals = { in: 0, out: 0 };
    t.add({ ts: T0, sensorId: 'gate', variable: 'in', value: 0 });
    t.add({ ts: T0, sensorId: 'gate', variable: 'out', value: 0 });
    for (let d = 0; d < 3; d++) day(t, T0 + d * DAY, totals, 0.05, rng);
    // 03:00 on day 4, just before the next reset: uncorrected, in − out would be about a day's missed leavers (~17).
    const [hall] = t.snapshot(T0 + 3 * DAY + 3 * HOUR);
    assert.equal(hall.source, 'line-counter');
    assert.ok(hall.driftPerHour !== undefined && hall.driftPerHour > 0, JSON.stringify(hall));
    assert.ok(hall.people < 15, `corrected residual ${hall.people}`);
    assert.ok(hall.confidence < 1 && hall.confidence > 0.2, String(hall.confidence));
  });

  it('a falling total is a counter reset, not people leaving', function () {
    const t = tracker();
    t.add({ ts: T0 + 9 * HOUR, sensorId: 'gate', variable: 'in', value: 5000 });
    t.add({ ts: T0 + 10 * HOUR, sensorId: 'gate', variable: 'in', value: 5100 });
    t.add({ ts: T0 + 11 * HOUR, sensorId: 'gate', variable: 'in', value: 30 });
    assert.equal(t.snapshot(T0 + 11 * HOUR)[0].people, 130);
  });

  it('silent counters keep their count with a halving confidence; an unseen area has none', function () {
    const t = new OccupancyTracker({ areas: new Map([['hall', 500], ['yard', 100]]), silentAfterMs: 60_000 });
    t.add({ ts: T0, sensorId: 'cam', variable: 'occupancy', value: 200, zone: 'hall' }, T0);
    const [fresh] = t.snapshot(T0 + 30_000);
    assert.deepEqual([fresh.people, fresh.confidence, fresh.silent], [200, 1, false]);
    const [quiet, yard] = t.snapshot(T0 + 180_000);
    assert.deepEqual([quiet.people, quiet.confidence, quiet.silent], [200, 0.25, true]);
    assert.deepEqual([yard.source, yard.confidence], ['none', 0]);
  });

  it('refuses negative, absurd, non-numeric and unplaced counts with clear errors', function () {
    const t = tracker();
    assert.throws(() => t.add({ ts: T0, sensorId: 'gate', variable: 'occupancy', value: -1 }), /negative occupancy -1/);
    assert.throws(() => t.add({ ts: T0, sensorId: 'gate', variable: 'occupancy', value: 4501 }), /more than 9 per m²: refused as absurd/);
    assert.throws(() => t.add({ ts: T0, sensorId: 'gate', variable: 'occupancy', value: NaN }), /is not a number/);
    assert.throws(() => t.add({ ts: T0, sensorId: 'other', variable: 'occupancy', value: 3 }), /belongs to no area/);
    assert.throws(() => t.add({ ts: T0, sensorId: 'gate', variable: 'humidity', value: 3 }), /not a people count/);
  });

  it('finds the next empty time in the site time zone', function () {
    // 04:00 in Rome is 03:00 UTC in winter.
    assert.equal(nextEmptyTime(Date.UTC(2025, 0, 10, 12), 240, 'Europe/Rome'), Date.UTC(2025, 0, 11, 3));
    assert.equal(nextEmptyTime(Date.UTC(2025, 0, 10, 1), 240, 'UTC'), Date.UTC(2025, 0, 10, 4));
  });
});

describe('evacuation bad input (fuzz)', function () {
  it('random sites and crowds: either a clear SiteError or a finite plan, never a crash', function () {
    const rng = new Rng(11);
    const kinds = ['door', 'corridor', 'stairs', 'ramp', 'street', 'opening', 'lift'];
    let planned = 0;
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      const areas = Array.from({ length: 1 + rng.int(6) }, (_, k) => ({ id: `a${k}`, areaM2: rng.next() < 0.05 ? -1 : 1 + rng.next() * 500 }));
      const exits = Array.from({ length: rng.next() < 0.05 ? 0 : 1 + rng.int(3) }, (_, k) => ({ id: `x${k}` }));
      const ids = [...areas.map((a) => a.id), ...exits.map((x) => x.id), 'ghost'];
      if (rng.next() < 0.7) ids.pop();
      // Mostly a valid chain of areas to the exits, then random damage: unknown ids, bad widths, stairs without treads.
      const links: Array<Record<string, unknown>> = areas.map((a, k) => ({ id: `c${k}`, kind: 'door', from: a.id, to: k + 1 < areas.length ? areas[k + 1].id : exits.length ? exits[0].id : 'ghost', widthM: 0.5 + rng.next() * 3 }));
      exits.slice(1).forEach((x, k) => links.push({ id: `e${k}`, kind: 'corridor', from: areas[rng.int(areas.length)].id, to: x.id, widthM: 1 + rng.next() * 3, lengthM: rng.next() * 40 }));
      for (let k = 0; k < rng.int(4); k++) {
        links.push({
          id: `l${k}`,
          kind: kinds[rng.int(kinds.length)],
          from: ids[rng.int(ids.length)],
          to: ids[rng.int(ids.length)],
          widthM: rng.next() < 0.05 ? 0 : 0.2 + rng.next() * 5,
          lengthM: rng.next() * 50,
          ...(rng.next() < 0.7 ? { riserM: 0.15 + rng.next() * 0.05, treadM: 0.25 + rng.next() * 0.1 } : {}),
          ...(rng.next() < 0.2 ? { wallWidthM: rng.next() * 4 } : {}),
        });
      }
      let site;
      try {
        site = parseSite(rng.next() < 0.03 ? { areas } : { siteId: `s${i}`, name: 'fuzz', areas, exits, links });
      } catch (err) {
        assert.ok(err instanceof SiteError, String(err));
        assert.ok(err.problems.length > 0 && err.problems.every((p) => typeof p === 'string' && p.length > 0));
        refused++;
        continue;
      }
      const occupancy = Object.fromEntries(site.areas.map((a) => [a.id, rng.next() < 0.1 ? -50 : rng.int(2000)]));
      const closed = site.exits.filter(() => rng.next() < 0.4).map((x) => x.id);
      const plan = planEvacuation(site, { occupancy, closed, exactUpTo: 2_000 });
      assertFinite(plan, `site ${i}`);
      if (plan.rset) assert.equal(plan.noExit.length, 0);
      else assert.ok(plan.noExit.length > 0);
      planned++;
    }
    assert.ok(planned > 5 && refused > 5, `planned ${planned}, refused ${refused}`);
  });
});
