import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../nodes/anomaly/config';
import { AnomalyDetector } from '../../nodes/anomaly/detector';
import type { RowResult } from '../../nodes/anomaly/detector';
import { StateError } from '../../nodes/anomaly/state-codec';
import { generate, HOUR, MINUTE, START } from '../../bench/anomaly-data';
import { generateMachine } from '../../bench/anomaly-machine';
import type { Dataset } from '../../bench/anomaly-data';
import { Rng } from '../../bench/random';

const config = resolveConfig({ calibrationSamples: 500 });

function run(d: AnomalyDetector, data: Dataset, from: number, to: number, explain = false): RowResult[] {
  const out: RowResult[] = [];
  const names = data.names.map((n) => d.variable(n));
  const row = new Float64Array(data.p);
  for (let r = from; r < to; r++) {
    for (let j = 0; j < data.p; j++) row[names[j]] = data.values[r * data.p + j];
    out.push(d.step(data.ts[r], row, explain));
  }
  return out;
}

const clean = (p: number, weeks = 4, seed = 1) => generate('clean', { seed, variables: p, weeks, stepMinutes: 10, cleanDays: 1000, kinds: [], spacingDays: 3 });

describe('anomaly detector', () => {
  it('warms up for hours, not days: no score before warmupSamples rows and warmupHours, then scores while calibrating', () => {
    const data = clean(2, 1);
    const results = run(new AnomalyDetector(config), data, 0, 144 * 2);
    const warm = results.slice(0, config.warmupSamples);
    assert.ok(warm.every((r) => r.warmingUp && r.score === 0 && !r.alarm));
    const scoring = results.findIndex((r) => !r.warmingUp);
    assert.ok((results[scoring].ts - START) / HOUR <= 10, `scoring starts after ${(results[scoring].ts - START) / HOUR} h of 10-minute rows`);
    assert.ok(results.slice(-10).every((r) => !r.warmingUp && r.calibrating), 'still calibrating on day 2');
    assert.ok(results.filter((r) => r.score > 0.5).length <= 1, 'at most one false alarm on clean data in the first two days');
  });

  it('on 5-second rows the warm-up lasts warmupRows, not warmupHours: a change after 15 minutes is found, with no alarm before it', () => {
    const data = generate('fast', { seed: 3, variables: 1, weeks: 3 / (7 * 24), stepMinutes: 5 / 60, cleanDays: 1000, kinds: [], spacingDays: 3 });
    const d = new AnomalyDetector(resolveConfig());
    const before = run(d, data, 0, 180);
    const scoring = before.findIndex((r) => !r.warmingUp);
    assert.equal(scoring, resolveConfig().warmupRows, 'scoring starts after warmupRows (96 rows, 8 minutes)');
    assert.equal(before.filter((r) => r.score > 0.5).length, 0, 'no alarm when the warm-up ends early');
    const xs = Array.from(data.values.subarray(0, 180)).sort((a, b) => a - b);
    const spread = xs[Math.floor(0.75 * xs.length)] - xs[Math.floor(0.25 * xs.length)];
    const after: RowResult[] = [];
    for (let r = 180; r < 200; r++) after.push(d.step(data.ts[r], [data.values[r] + 5 * spread]));
    assert.ok(after.slice(0, 3).some((r) => r.score > 0.5), `a shift of 5 interquartile ranges at 15 minutes: scores ${after.slice(0, 3).map((r) => r.score.toFixed(2))}`);
    const twoMinutes = generate('slower', { seed: 3, variables: 1, weeks: 6 / (7 * 24), stepMinutes: 2, cleanDays: 1000, kinds: [], spacingDays: 3 });
    const slower = run(new AnomalyDetector(resolveConfig()), twoMinutes, 0, 120);
    assert.equal(slower.findIndex((r) => !r.warmingUp), 60, 'with 2-minute rows warmupHours (2) still ends the warm-up, after 60 rows');
    const held = run(new AnomalyDetector(resolveConfig({ warmupRows: 0 })), data, 0, 300);
    assert.ok(held.every((r) => r.warmingUp), 'warmupRows 0: warmupHours always holds');
  });

  it('a restored detector gives bit-identical next scores', () => {
    const data = clean(3, 3, 7);
    const a = new AnomalyDetector(config);
    const half = Math.floor(data.ts.length / 2);
    run(a, data, 0, half);
    const saved = JSON.stringify(a);
    const b = AnomalyDetector.fromJSON(JSON.parse(saved), config);
    const ra = run(a, data, half, data.ts.length, true);
    const rb = run(b, data, half, data.ts.length, true);
    assert.deepEqual(rb, ra);
    assert.ok(ra.some((r) => !r.calibrating), 'the comparison covers the fitted threshold too');
  });

  it('refuses saved state that does not fit the configuration or is corrupt', () => {
    const a = new AnomalyDetector(config);
    run(a, clean(1, 1), 0, 200);
    const saved = JSON.parse(JSON.stringify(a));
    assert.throws(() => AnomalyDetector.fromJSON(saved, resolveConfig({ calibrationSamples: 500, seasonality: 'day' })), StateError);
    assert.throws(() => AnomalyDetector.fromJSON({ ...saved, version: 99 }, config), /format version/);
    assert.throws(() => AnomalyDetector.fromJSON({ ...saved, relations: [] }, config), StateError);
    assert.throws(() => AnomalyDetector.fromJSON({ ...saved, names: ['a', 'b'] }, config), StateError);
    assert.throws(() => AnomalyDetector.fromJSON({ ...saved, slowSpot: { ...saved.slowSpot, t: 'x' } }, config), /slowSpot.t/);
    assert.throws(() => AnomalyDetector.fromJSON('{', config), StateError);
  });

  it('keeps its state bounded: it does not grow with the number of rows', () => {
    const data = clean(2, 8, 3);
    const d = new AnomalyDetector(config);
    run(d, data, 0, 3 * 1008);
    const early = JSON.stringify(d).length;
    run(d, data, 3 * 1008, 8 * 1008);
    const late = JSON.stringify(d).length;
    assert.ok(late < early * 1.2, `state grew from ${early} to ${late} bytes`);
  });

  it('flags a night-time spike and explains it: variable, direction, observed and expected', () => {
    const data = clean(3, 3, 4);
    const d = new AnomalyDetector(config);
    const night = 20 * 144 + 15; // day 21, 02:30
    run(d, data, 0, night);
    const row = new Float64Array(3);
    for (let j = 0; j < 3; j++) row[j] = data.values[night * 3 + j];
    const normalBuses = row[1];
    row[1] = normalBuses + 400;
    const r = d.step(data.ts[night], row);
    assert.ok(r.alarm && r.score > 0.5, `score ${r.score}`);
    const top = r.contributors![0];
    assert.equal(top.variable, 'bus_delay_s');
    assert.equal(top.direction, 'up');
    assert.equal(top.observed, normalBuses + 400);
    assert.ok(Math.abs(top.expected - normalBuses) < 60, `expected ${top.expected} near the normal ${normalBuses}`);
    // The correlated variables take a little of the blame: given a 24σ delay they "should" have moved too.
    assert.ok(top.share > 0.6, JSON.stringify(r.contributors));
    assert.ok(top.expectedGivenOthers !== undefined);
  });

  it('names a stuck sensor', () => {
    const data = clean(2, 3, 5);
    const d = new AnomalyDetector(config);
    const noon = 20 * 144 + 72;
    run(d, data, 0, noon);
    const frozen = data.values[(noon - 1) * 2];
    let alarm: RowResult | undefined;
    for (let r = noon; r < noon + 24 && !alarm; r++) {
      const res = d.step(data.ts[r], [frozen, data.values[r * 2 + 1]]);
      if (res.alarm) alarm = res;
    }
    assert.ok(alarm, 'a vehicle counter stuck at noon is flagged within 4 hours');
    assert.equal(alarm.contributors![0].variable, 'vehicles');
    assert.equal(alarm.contributors![0].direction, 'stuck');
  });

  /** Rows flagged of 18 from day 20, 10:00, with vehicles up and bus delays down by `spreads` of their spread: they normally rise together. */
  function parted(data: Dataset, spreads: number): number {
    const d = new AnomalyDetector(config);
    const at = 20 * 144 + 60;
    run(d, data, 0, at);
    let flagged = 0;
    for (let r = at; r < at + 18; r++) {
      const v = data.values[r * 2];
      const w = data.values[r * 2 + 1];
      if (d.step(data.ts[r], [v + spreads * Math.sqrt(v + 3600), w - spreads * 26]).alarm) flagged += 1;
    }
    return flagged;
  }

  it('flags two variables that break step although neither is odd alone', () => {
    const flagged = parted(clean(2, 3, 6), 1.5);
    assert.ok(flagged >= 3, `${flagged} of 18 rows flagged`);
  });

  it('flags two variables that part by one spread each for three hours, on every seed, and nothing without it', () => {
    // One spread per row is ordinary; row after row, against the relation, it is not. The
    // slow statistic averages the last rows' deviations, so it adds up what lasts.
    for (const seed of [1, 2, 3, 6]) {
      const data = clean(2, 3, seed);
      const flagged = parted(data, 1);
      const control = run(new AnomalyDetector(config), data, 0, 20 * 144 + 60 + 18).slice(-18);
      assert.ok(flagged >= 8, `seed ${seed}: ${flagged} of 18 rows flagged`);
      assert.equal(control.filter((r) => r.alarm).length, 0, `seed ${seed}: the same rows unchanged raise nothing`);
    }
  });

  it('adds variables as they appear, treats missing values as missing, and caps the count', () => {
    const d = new AnomalyDetector(resolveConfig({ maxVariables: 2, warmupHours: 0, warmupSamples: 3 }));
    for (let i = 0; i < 10; i++) d.stepRecord(START + i * 10 * MINUTE, { a: i % 3, b: i % 2 ? 1 : null });
    assert.deepEqual(d.names, ['a', 'b']);
    const r = d.stepRecord(START + 11 * 10 * MINUTE, { a: 1 });
    assert.equal(r.observed, 1);
    assert.throws(() => d.stepRecord(START + 12 * 10 * MINUTE, { c: 1 }), /maxVariables/);
  });

  it('scores rows out of time order in arrival order, counts them, and refuses a time that is not one', () => {
    const d = new AnomalyDetector(config);
    d.stepRecord(START + HOUR, { a: 1 });
    const r = d.stepRecord(START, { a: 1 });
    assert.equal(r.ts, START);
    assert.equal(d.outOfOrder, 1);
    assert.throws(() => d.stepRecord(NaN, { a: 1 }), /not a valid time/);
  });

  it('gives one high score at the onset of a lasting change, then lower ones while it lasts', () => {
    const data = clean(1, 3, 9);
    const d = new AnomalyDetector(config);
    const at = 20 * 144 + 60;
    run(d, data, 0, at);
    const scores: number[] = [];
    for (let r = at; r < at + 36; r++) scores.push(d.step(data.ts[r], [data.values[r] + 900]).score);
    assert.ok(scores[0] > 0.5, `onset score ${scores[0]}`);
    assert.ok(scores.slice(1).every((s) => s < 0.5), `later scores ${scores.slice(1, 8).map((s) => s.toFixed(2))}`);
    assert.ok(scores[3] < scores[0] && scores[8] <= scores[3], 'the score decays within the episode');
  });

  it('scores a second change inside an episode as a moment of its own, above the rows around it, on every seed', () => {
    for (const seed of [9, 10, 11]) {
      const data = clean(1, 3, seed);
      const d = new AnomalyDetector(config);
      const at = 20 * 144 + 60;
      run(d, data, 0, at);
      // A lasting step of about six spreads, and three hours later (the first not yet accepted:
      // the episode holds) a second one no bigger, as a room's light going off in a day already
      // unusual. Before fresh changes were scored, the second scored about 0.01 on these seeds.
      const scores: number[] = [];
      for (let r = at; r < at + 36; r++) scores.push(d.step(data.ts[r], [data.values[r] + (r >= at + 18 ? 600 : 300)]).score);
      assert.ok(scores[0] > 0.5 && scores[18] > 0.5, `seed ${seed}: onset ${scores[0].toFixed(2)}, second change ${scores[18].toFixed(2)}`);
      const between = Math.max(...scores.slice(1, 18));
      assert.ok(between < scores[18], `seed ${seed}: a row between the changes scored ${between.toFixed(2)}`);
      assert.ok(scores.slice(19).every((s) => s < 0.5), `seed ${seed}: rows after the second change ${scores.slice(19, 25).map((s) => s.toFixed(2))}`);
    }
  });

  it("learns a CPU load's ordinary short bursts as normal, and still finds a rise that lasts, on every seed", () => {
    // The machine bench's CPU load: AR(1) around 30 %, bursts on 1 % of rows (mean +20), and
    // +25 for three hours. Before isolated alarms were learnt, 12–27 alarm rows after the first
    // week on these seeds, the bursts alarming at their own rate; 1–5 with it.
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const s = generateMachine('cpu', seed);
      const d = new AnomalyDetector(resolveConfig());
      d.variable('cpu');
      const at = Math.round((s.windows[0].start + s.windows[0].end) / 2);
      let found = false;
      let others = 0;
      for (let r = 0; r < s.ts.length; r++) {
        const score = d.step(s.ts[r], [s.values[r]]).score;
        if (score <= 0.5) continue;
        if (r >= at && r < at + 36) found = true;
        else if (r >= 7 * 288) others += 1;
      }
      assert.ok(found, `seed ${seed}: the three-hour rise is found while it lasts`);
      assert.ok(others <= 6, `seed ${seed}: ${others} alarm rows after the first week`);
    }
  });

  it('takes an always-flat series as normal, and flags it once it has varied and then freezes', () => {
    const d = new AnomalyDetector(resolveConfig({ calibrationSamples: 200, seasonality: 'none' }));
    const flat = Array.from({ length: 2000 }, (_, i) => d.stepRecord(START + i * 10 * MINUTE, { valve: 3 }));
    assert.equal(flat.filter((r) => r.score > 0.5).length, 0, 'a series that never varied is not stuck');
    const e = new AnomalyDetector(resolveConfig({ calibrationSamples: 200, seasonality: 'none' }));
    let i = 0;
    for (; i < 2000; i++) e.stepRecord(START + i * 10 * MINUTE, { flow: 50 + Math.round(10 * Math.sin(i / 3) + 5 * Math.cos(i * 1.7)) });
    let stuck: RowResult | undefined;
    for (let k = 0; k < 60 && !stuck; k++, i++) {
      const r = e.stepRecord(START + i * 10 * MINUTE, { flow: 57 });
      if (r.score > 0.5) stuck = r;
    }
    assert.ok(stuck, 'a series that varied and freezes is flagged');
    assert.equal(stuck.contributors![0].direction, 'stuck');
  });

  it('takes a near-flat integer reading that steps up for good as the new normal, without false alarms for days after', () => {
    // round(50 + 0.3·N(0, 1)) every 5 minutes: nine readings in ten are 50, one in ten 49 or 51.
    for (const seed of [11, 12, 13]) {
      const rng = new Rng(seed);
      const d = new AnomalyDetector(resolveConfig());
      const at = 3500;
      let before = 0;
      let after = 0;
      let onset = false;
      for (let r = 0; r < 6000; r++) {
        const score = d.stepRecord(START + r * 5 * MINUTE, { reading: Math.round(50 + 0.3 * rng.normal()) + (r >= at ? 4 : 0) }).score;
        if (r >= 600 && r < at && score > 0.5) before += 1;
        if (r >= at && r < at + 3 && score > 0.5) onset = true;
        // The shift is accepted after 24 hours (288 rows); from then on it is the normal.
        if (r >= at + 300 && score > 0.5) after += 1;
      }
      assert.ok(onset, `seed ${seed}: the step is flagged`);
      assert.ok(before <= 3, `seed ${seed}: ${before} alarm rows in 2,900 before the step`);
      // 31, 38 and 37 on these seeds before the covariance kept a floor (7, 6 and 8 with it).
      assert.ok(after <= 12, `seed ${seed}: ${after} alarm rows in the 2,200 after the shift was accepted`);
    }
  });

  it('learns which series have a rhythm: the seasonal profile for a city count, the level for a wandering machine temperature', () => {
    const city = new AnomalyDetector(config);
    const data = clean(1, 3, 2);
    run(city, data, 0, data.ts.length);
    const machine = new AnomalyDetector(config);
    let temp = 60;
    const rng = { s: 7, next() { this.s = (this.s * 16807) % 2147483647; return this.s / 2147483647 - 0.5; } };
    let machineAlarms = 0;
    for (let r = 0; r < data.ts.length; r++) {
      temp += rng.next();
      if (machine.stepRecord(data.ts[r], { temperature: temp }).score > 0.5) machineAlarms += 1;
    }
    const weights = (d: AnomalyDetector) => (d.toJSON() as { models: Array<{ seasonalWeight: number; phi: number }> }).models[0];
    assert.ok(weights(city).seasonalWeight > 0.7, `city seasonal weight ${weights(city).seasonalWeight}`);
    assert.ok(weights(machine).phi > 0.8, `machine persistence ${weights(machine).phi}`);
    assert.ok(machineAlarms <= 2, `${machineAlarms} alarms on a random walk of three weeks`);
  });

  for (const version of [1, 2]) {
    it(`loads a state saved by an earlier format (version ${version}) and goes on scoring`, () => {
      const legacy = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'anomaly', 'fixtures', `state-v${version}.json`), 'utf8'));
      assert.equal(legacy.version, version);
      const cfg = resolveConfig({ calibrationSamples: 500 });
      const d = AnomalyDetector.fromJSON(legacy, cfg);
      assert.deepEqual(d.names, ['vehicles', 'bus_delay_s']);
      const data = clean(2, 3, 11);
      const results = run(d, data, 2000, 2400);
      assert.ok(results.every((r) => !r.warmingUp && Number.isFinite(r.score)));
      assert.ok(results.filter((r) => r.score > 0.5).length <= 2, 'no burst of alarms after the migration');
      assert.equal((JSON.parse(JSON.stringify(d)) as { version: number }).version, 3);
    });
  }
});

describe('detector configuration', () => {
  it('has defaults and rejects unknown or out-of-range settings by name', () => {
    assert.equal(resolveConfig().falseAlarmRate, 2e-4);
    assert.equal(resolveConfig({ falseAlarmRate: '0.0001' }).falseAlarmRate, 1e-4);
    assert.throws(() => resolveConfig({ falseAlarmrate: 0.01 }), /unknown setting "falseAlarmrate"/);
    assert.throws(() => resolveConfig({ falseAlarmRate: 0.5 }), /falseAlarmRate/);
    assert.throws(() => resolveConfig({ seasonality: 'month' }), /seasonality must be one of/);
    assert.throws(() => resolveConfig({ binMinutes: 25 }), /binMinutes/);
    assert.throws(() => resolveConfig({ timeZone: 'Mars/Olympus' }), /unknown time zone/);
    assert.throws(() => resolveConfig([]), /JSON object/);
    assert.throws(() => resolveConfig({ tailLevel: 0.9995 }), /tailLevel/);
    assert.throws(() => resolveConfig({ warmupRows: 2.5 }), /warmupRows/);
    assert.throws(() => resolveConfig({ warmupRows: -1 }), /warmupRows/);
  });
});
