import assert from 'node:assert/strict';
import { SeasonalBaseline } from '../../nodes/anomaly/baseline';
import type { BaselineOptions } from '../../nodes/anomaly/baseline';
import { LocalTime } from '../../nodes/anomaly/local-time';
import { StuckDetector } from '../../nodes/anomaly/stuck';
import { activity, HOUR, MINUTE, START } from '../../bench/anomaly-data';
import { Rng } from '../../bench/random';

const OPTIONS: BaselineOptions = {
  seasonality: 'week',
  binMinutes: 30,
  levelHalfLifeHours: 336,
  dailyHalfLifeDays: 14,
  weeklyHalfLifeWeeks: 6,
  clip: 3,
  warmupSamples: 48,
  shiftAcceptHours: 6,
  minScale: 0,
};

const STEP = 10 * MINUTE;
/** A weekday/weekend pattern of mean 100 + 200·activity with noise that is larger by day. */
const mean = (ts: number) => 100 + 200 * activity(((ts - START) / HOUR) % 168);
const sd = (ts: number) => 2 + 8 * activity(((ts - START) / HOUR) % 168);

function train(b: SeasonalBaseline, rng: Rng, rows: number, from = START): number {
  let ts = from;
  for (let i = 0; i < rows; i++, ts += STEP) b.step(ts, mean(ts) + sd(ts) * rng.normal());
  return ts;
}

describe('seasonal baseline', () => {
  it('learns the weekday and weekend profile and a scale per hour of day', () => {
    const b = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
    const rng = new Rng(1);
    let ts = train(b, rng, 6 * 7 * 144);
    // Over the following week: the prediction tracks the true mean within a fraction of the
    // noise, and the standardised residuals have the spread of a standard normal.
    let err = 0;
    const zs: number[] = [];
    for (let i = 0; i < 7 * 144; i++, ts += STEP) {
      const x = mean(ts) + sd(ts) * rng.normal();
      zs.push(Math.abs(b.step(ts, x)));
      err += Math.abs(b.expected - mean(ts)) / sd(ts);
    }
    err /= 7 * 144;
    // Interpolating 30-minute bins cannot follow the rush-hour peaks exactly and the weekday
    // profiles are still settling after six weeks; a constant-level model is off by ~6 sd here.
    assert.ok(err < 0.5, `mean |expected − truth| is ${err.toFixed(2)} noise sd`);
    zs.sort((a, c) => a - c);
    const medianAbsZ = zs[zs.length >> 1];
    // For N(0,1), median |z| = 0.674; the learnt spread still includes some of the profile's
    // own error, so |z| runs a little low, never high (which would mean false alarms).
    assert.ok(medianAbsZ > 0.45 && medianAbsZ < 0.8, `median |z| = ${medianAbsZ.toFixed(3)}`);
  });

  it('sees a night-time excursion that would be ordinary by day', () => {
    const b = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
    const ts = train(b, new Rng(2), 4 * 7 * 144);
    // The training ends on Monday 00:00; 03:00 is deep night, 17:30 the evening rush.
    const night = ts + 3 * HOUR;
    b.predict(night);
    const zNight = (mean(night) + 30 - b.expected) / b.expectedScale;
    const rush = ts + 17.5 * HOUR;
    b.predict(rush);
    const zRush = (mean(rush) + 30 - b.expected) / b.expectedScale;
    assert.ok(zNight > 5, `+30 at night: z = ${zNight.toFixed(1)}`);
    assert.ok(zRush < 3 && zNight > 2.5 * zRush, `+30 at rush hour: z = ${zRush.toFixed(1)}`);
  });

  it('gives each weekday its own spread where their residuals differ', () => {
    // Same level every day, quiet on weekdays (± 2) and noisy at weekends (± 20). With one
    // spread per time of day, Monday and Saturday at 08:00 had the same spread; a weekday's
    // own one is shrunk towards it over a few weeks, so it is smaller, not 10 times smaller.
    const noise = (ts: number) => (Math.floor((((ts - START) / HOUR) % 168) / 24) >= 5 ? 20 : 2);
    for (let seed = 1; seed <= 5; seed++) {
      const b = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
      const rng = new Rng(seed);
      let ts = START;
      for (let i = 0; i < 6 * 7 * 24; i++, ts += HOUR) b.step(ts, 100 + noise(ts) * rng.normal());
      b.predict(ts + 8 * HOUR);
      const monday = b.expectedScale;
      b.predict(ts + (5 * 24 + 8) * HOUR);
      const saturday = b.expectedScale;
      assert.ok(monday < 0.85 * saturday, `seed ${seed}: spread at 08:00 on Monday ${monday.toFixed(1)}, on Saturday ${saturday.toFixed(1)}`);
    }
  });

  it('is robust: one huge outlier barely moves what it expects', () => {
    const b = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
    let ts = train(b, new Rng(3), 2 * 7 * 144);
    b.predict(ts + STEP);
    const before = b.expected;
    const scaleBefore = b.expectedScale;
    b.step(ts, 1e9);
    ts += STEP;
    b.predict(ts);
    assert.ok(Math.abs(b.expected - before) < 0.5 * scaleBefore, `moved by ${(b.expected - before).toFixed(2)}`);
    assert.ok(b.expectedScale < 1.5 * scaleBefore, 'the scale stays put too');
  });

  it('accepts a lasting level shift after shiftAcceptHours instead of alarming for days', () => {
    const b = new SeasonalBaseline({ ...OPTIONS, seasonality: 'none' }, new LocalTime('UTC'));
    const rng = new Rng(4);
    let ts = START;
    for (let i = 0; i < 2000; i++, ts += STEP) b.step(ts, 50 + 2 * rng.normal());
    const zs: number[] = [];
    for (let i = 0; i < 12 * 6; i++, ts += STEP) zs.push(b.step(ts, 90 + 2 * rng.normal()));
    assert.ok(zs[0] > 10, 'the shift is seen at once');
    const lastHour = zs.slice(-6);
    assert.ok(lastHour.every((z) => Math.abs(z) < 4), `after 12 h: ${lastHour.map((z) => z.toFixed(1))}`);
  });

  it('starts from the median and MAD, so a warm-up with outliers still gets a sane scale', () => {
    const b = new SeasonalBaseline({ ...OPTIONS, seasonality: 'none', warmupSamples: 20 }, new LocalTime('UTC'));
    const rng = new Rng(5);
    for (let i = 0; i < 20; i++) assert.ok(Number.isNaN(b.step(START + i * STEP, i === 3 ? 1e6 : 10 + rng.normal())));
    assert.ok(b.isWarm);
    b.predict(START + 20 * STEP);
    assert.ok(Math.abs(b.expected - 10) < 1, `level ${b.expected}`);
    assert.ok(b.expectedScale < 3, `scale ${b.expectedScale}`);
  });

  it('never divides by zero on a constant or quantised series', () => {
    const b = new SeasonalBaseline({ ...OPTIONS, seasonality: 'none' }, new LocalTime('UTC'));
    for (let i = 0; i < 200; i++) b.step(START + i * STEP, i % 50 === 0 ? 1 : 0);
    const z = b.step(START + 200 * STEP, 3);
    assert.ok(Number.isFinite(z) && z > 3, `z = ${z}`);
  });

  it('keeps a steady spread on daily rows, not the last residual (rows further apart than a bin)', () => {
    // One row a day at midnight: each row is its time-of-day bin's whole activity of that day.
    // When a row stood for a day of the bin's activity, the bin followed the last row at a rate
    // of 0.7 and its spread was yesterday's residual: from 0.1 to 3 noise sd from day to day.
    const b = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
    const rng = new Rng(9);
    const scales: number[] = [];
    for (let i = 0; i < 400; i++) {
      b.step(START + i * 24 * HOUR, 100 + rng.normal());
      if (i >= 200) scales.push(b.expectedScale);
    }
    scales.sort((x, y) => x - y);
    const lo = scales[Math.floor(0.02 * scales.length)];
    const hi = scales[Math.floor(0.98 * scales.length)];
    assert.ok(lo > 0.6 && hi < 1.6, `spread from ${lo.toFixed(2)} to ${hi.toFixed(2)} (noise sd 1)`);
  });

  it('restores from JSON and predicts bit-identically', () => {
    const a = new SeasonalBaseline(OPTIONS, new LocalTime('Europe/Oslo'));
    const rng = new Rng(6);
    const ts = train(a, rng, 3000);
    const b = SeasonalBaseline.fromJSON(JSON.parse(JSON.stringify(a)), OPTIONS, new LocalTime('Europe/Oslo'));
    for (let i = 0; i < 500; i++) {
      const t = ts + i * STEP;
      const x = mean(t) + rng.normal();
      assert.equal(b.step(t, x), a.step(t, x));
    }
    assert.throws(() => SeasonalBaseline.fromJSON(JSON.parse(JSON.stringify(a)), { ...OPTIONS, seasonality: 'day' }, new LocalTime()), /weekly/);
  });

  it('loads a state saved before the weekdays kept their own spreads, and goes on from the pooled one', () => {
    const a = new SeasonalBaseline(OPTIONS, new LocalTime('UTC'));
    const ts = train(a, new Rng(8), 3 * 7 * 144);
    const saved = JSON.parse(JSON.stringify(a));
    // That format: no weeks per weekly bin, and no spread in the weekly profile.
    delete saved.weekly.cycles;
    delete saved.daily.cycles;
    saved.weekly.scale = [];
    const b = SeasonalBaseline.fromJSON(saved, OPTIONS, new LocalTime('UTC'));
    const rush = ts + 17.5 * HOUR;
    b.predict(rush);
    a.predict(rush);
    assert.equal(b.expected, a.expected, 'the profiles are kept');
    assert.ok(Number.isFinite(b.expectedScale) && b.expectedScale > 0, `spread ${b.expectedScale}`);
    // It learns the weekdays' spreads from there and scores every row.
    let t = ts;
    for (let i = 0; i < 3 * 7 * 144; i++, t += STEP) {
      const x = mean(t) + sd(t) * Math.sin(i);
      assert.ok(Number.isFinite(b.step(t, x)), `row ${i} scored`);
    }
    assert.ok(JSON.parse(JSON.stringify(b)).weekly.cycles.some((c: number) => c > 2), 'the weekdays count their weeks again');
  });
});

describe('stuck detector', () => {
  it('finds a value frozen at noon but not the zeros of a quiet night or of a quiet Sunday morning', () => {
    const d = new StuckDetector(new LocalTime('UTC'), 168);
    const rng = new Rng(7);
    // Three weeks of a counter that reads 0 most of the night, and on Sundays until 09:00.
    const quiet = (t: number) => {
      const how = ((t - START) / HOUR) % 168;
      return how % 24 < (how >= 144 ? 9 : 5);
    };
    let ts = START;
    for (let i = 0; i < 21 * 144; i++, ts += STEP) d.step(ts, quiet(ts) ? (rng.next() < 0.9 ? 0 : 1) : Math.round(200 + 30 * rng.normal()));
    // Monday night: five hours of zeros are normal.
    let nightMax = 0;
    for (let i = 0; i < 30; i++, ts += STEP) nightMax = Math.max(nightMax, d.step(ts, 0));
    assert.ok(nightMax < Math.log(1000), `night zeros score ${nightMax.toFixed(1)} nats`);
    // Sunday 05:00 to 09:00: zeros too, though weekdays are busy from 05:00.
    ts = START + 27 * 24 * HOUR + 5 * HOUR;
    d.step(ts - STEP, 1);
    let sundayMax = 0;
    for (let i = 0; i < 24; i++, ts += STEP) sundayMax = Math.max(sundayMax, d.step(ts, 0));
    assert.ok(sundayMax < Math.log(1000), `Sunday-morning zeros score ${sundayMax.toFixed(1)} nats`);
    ts = START + 29 * 24 * HOUR + 12 * HOUR;
    let noon = 0;
    for (let i = 0; i < 5; i++, ts += STEP) noon = d.step(ts, 212);
    assert.ok(noon > Math.log(1e4), `five identical readings at noon score ${noon.toFixed(1)} nats`);
  });
});
