import assert from 'node:assert/strict';
import { BacteriaAssessor } from '../../nodes/bacteria/assess';
import type { AssessorConfig } from '../../nodes/bacteria/assess';
import { bacteriaDrafts, summary } from '../../nodes/bacteria/drafts';
import { measureReading, measureSampler, positiveHole } from '../../nodes/bacteria/measurement';
import type { MeasureOptions } from '../../nodes/bacteria/measurement';
import { PathogenTable } from '../../nodes/bacteria/pathogens';
import { toQuantity, toSI, unitOf, UnitError } from '../../nodes/bacteria/units';
import type { Certainty, Severity, Urgency } from '../../nodes/platform';
import { computePriority } from '../../nodes/platform';
import { Rng } from '../../bench/random';

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);
const T = Date.UTC(2025, 2, 3, 10);
const OPTIONS: MeasureOptions = { now: T, defaults: {}, flowTolerance: 0.1, maxColonies: 300 };

describe('units', () => {
  it('converts volumes, times, flows and concentrations to SI', () => {
    close(toSI('28.3 L/min', 'f', 'flow'), 28.3e-3 / 60, 1e-12, 'L/min');
    close(toSI({ value: 1.7, unit: 'm³/h' }, 'f', 'flow'), 1.7 / 3600, 1e-12, 'm³/h');
    close(toSI('1 CFM', 'f', 'flow'), 0.028316846592 / 60, 1e-12, 'CFM');
    close(toSI('12.5 LPM', 'f', 'flow'), 12.5e-3 / 60, 1e-12, 'LPM');
    close(toSI('100 µL', 'v', 'volume'), 1e-7, 1e-12, 'µL');
    close(toSI('20 mL', 'v', 'volume'), 2e-5, 1e-12, 'mL');
    close(toSI('2 h', 't', 'time'), 7200, 1e-12, 'h');
    close(toSI('7.2 CFU/L', 'c', 'cfu-concentration'), 7200, 1e-12, 'CFU/L');
    close(toSI('7200 CFU m-3', 'c', 'cfu-concentration'), 7200, 1e-12, 'CFU m-3');
    close(toSI('3 #/cm³', 'c', 'particle-concentration'), 3e6, 1e-12, '#/cm³');
    close(toSI('1200 particles/L', 'c', 'particle-concentration'), 1.2e6, 1e-12, 'particles/L');
    assert.deepEqual(unitOf('l min-1'), unitOf('L/min'));
  });

  it('refuses a bare number, an unknown unit and a unit of the wrong dimension, naming the field', () => {
    assert.throws(() => toQuantity(28.3, 'flowRate'), /flowRate: 28.3 has no unit/);
    assert.throws(() => toSI('28.3 furlongs/fortnight', 'flowRate', 'flow'), /flowRate: unknown unit "furlongs\/fortnight"/);
    assert.throws(() => toSI('10 min', 'flowRate', 'flow'), (e: Error) => e instanceof UnitError && /min is a time unit, a flow unit is needed/.test(e.message));
    assert.throws(() => toSI('7200 #/m3', 'concentration', 'cfu-concentration'), /particle-concentration unit/);
    assert.throws(() => toQuantity('fast', 'duration'), /not "value unit"/);
  });
});

describe('sampler measurements', () => {
  it('impinger: colonies × liquid / plated / air volume', () => {
    const m = measureSampler({ sampler: 's', ts: T, method: 'impinger', colonies: 50, liquidVolume: '20 mL', platedVolume: '0.1 mL', flowRate: '12.5 L/min', duration: '20 min' }, OPTIONS);
    // Air: 12.5 L/min × 20 min = 250 L = 0.25 m³; 50 × 200 / 0.25 = 40,000 CFU/m³.
    close(m.cfuPerM3!, 40_000, 1e-12, 'CFU/m³');
    assert.equal(m.airVolumeM3, 0.25);
    assert.equal(m.atLeast, false);
    const many = measureSampler({ sampler: 's', method: 'impinger', colonies: 900, liquidVolume: '20 mL', platedVolume: '0.1 mL', airVolume: '250 L' }, OPTIONS);
    assert.equal(many.atLeast, true, 'too many to count: a lower bound');
    close(many.cfuPerM3!, (300 * 200) / 0.25, 1e-12, 'capped at the countable range');
  });

  it('impactor: positive-hole correction, and a saturated plate gives a lower bound', () => {
    // P(r) = N·(H_N − H_{N−r}) with harmonic numbers, computed independently.
    const H = (n: number) => Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((s, x) => s + x, 0);
    for (const r of [0, 1, 57, 200, 399]) close(positiveHole(r, 400), 400 * (H(400) - H(400 - r)), 1e-12, `r = ${r}`);
    const m = measureSampler({ sampler: 's', method: 'impactor', holes: 400, colonies: 200, flowRate: '28.3 L/min', duration: '10 min' }, OPTIONS);
    close(m.cfuPerM3!, positiveHole(200, 400) / 0.283, 1e-12, 'corrected count / 0.283 m³');
    assert.ok(m.correctedColonies! > 200);
    const full = measureSampler({ sampler: 's', method: 'impactor', holes: 400, colonies: 450, airVolume: '283 L' }, OPTIONS);
    assert.equal(full.atLeast, true);
  });

  it('direct and fluorescent readings; fluorescent counts reach CFU/m³ only through a calibration', () => {
    close(measureSampler({ sampler: 's', concentration: '6.1 CFU/L' }, OPTIONS).cfuPerM3!, 6100, 1e-12, 'CFU/L');
    assert.equal(measureSampler({ sampler: 's', cfuPerM3: 7200 }, OPTIONS).cfuPerM3, 7200);
    const f = measureSampler({ sampler: 's', particles: '1200 #/L' }, OPTIONS);
    assert.equal(f.method, 'fluorescent');
    assert.equal(f.particlesPerM3, 1.2e6);
    assert.equal(f.cfuPerM3, undefined);
    assert.equal(measureSampler({ sampler: 's', particles: '1200 #/L' }, { ...OPTIONS, fluorescentCfuPerParticle: 0.005 }).cfuPerM3, 6000);
    assert.equal(measureReading({ ts: T, sensorId: 's', variable: 'cfu_per_m3', value: 800 }, OPTIONS).cfuPerM3, 800);
    assert.equal(measureReading({ ts: T, sensorId: 's', variable: 'level', value: 0.8, unit: 'CFU/L' }, OPTIONS).cfuPerM3, 800);
    assert.throws(() => measureReading({ ts: T, sensorId: 's', variable: 'level', value: 3 }, OPTIONS), /no unit/);
    assert.throws(() => measureReading({ ts: T, sensorId: 's', variable: 'level', value: 3, unit: 'L/min' }, OPTIONS), /not a concentration/);
  });

  it('faults: reported by the sampler, no flow, a flow off the nominal one', () => {
    assert.deepEqual(measureSampler({ sampler: 's', status: 'fault', message: 'pump jammed' }, OPTIONS).faults, ['sampler reports fault: pump jammed']);
    assert.deepEqual(measureSampler({ sampler: 's', method: 'impactor', colonies: 3, flowRate: '0 L/min', duration: '10 min' }, OPTIONS).faults, ['no air flow']);
    const off = measureSampler({ sampler: 's', method: 'impactor', colonies: 3, flowRate: '22 L/min', duration: '10 min' }, { ...OPTIONS, nominalFlow: toSI('28.3 L/min', 'n', 'flow') });
    assert.deepEqual(off.faults, ['flow 22.0 L/min is 22 % off the nominal 28.3 L/min']);
    assert.equal(off.cfuPerM3 !== undefined, true, 'the level is still computed; the assessor does not use it');
  });

  it('rejects what cannot be measured, saying why', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ sampler: 's', colonies: 10, airVolume: '1 m3' }, /needs method/],
      [{ sampler: 's', method: 'impinger', colonies: 10, airVolume: '1 m3', liquidVolume: '1 mL', platedVolume: '2 mL' }, /platedVolume must be above zero and at most liquidVolume/],
      [{ sampler: 's', method: 'impactor', colonies: -1, airVolume: '1 m3' }, /colonies must be a number of at least 0/],
      [{ sampler: 's', method: 'impactor', colonies: 5, flowRate: 28.3, duration: '1 min' }, /flowRate: 28.3 has no unit/],
      [{ sampler: 's', method: 'impactor', colonies: 5 }, /needs airVolume, or flowRate and duration/],
      [{ colonies: 5, method: 'impactor', airVolume: '1 m3' }, /no sampler id/],
      [{ sampler: 's', ts: 'yesterday', cfuPerM3: 5 }, /is not an ISO 8601 time/],
      [{ sampler: 's' }, /nothing to assess/],
      [{ sampler: 's', pathogen: { riskGroup: 3 } }, /pathogen\[0\] must be a name/],
    ];
    for (const [payload, message] of bad) assert.throws(() => measureSampler(payload, OPTIONS), message, JSON.stringify(payload));
  });
});

describe('sampler reading fuzz', () => {
  /**
   * Random readings from the fields' own vocabulary: each must give a Measurement with finite,
   * non-negative levels, or an Error with a message; never a TypeError or a NaN level.
   */
  it('random payloads give a sound measurement or a plain error', () => {
    const rng = new Rng(31);
    const pick = <V>(xs: V[]) => xs[rng.int(xs.length)];
    const quantities = ['28.3 L/min', '10 min', '0 min', '1 m3', '20 mL', '0.1 mL', '5 furlongs', '-3 L', '12', 12, { value: 2, unit: 'h' }, { value: 'x', unit: 'L' }, '', null, '7200 CFU/m3', '3 #/cm3'];
    const fields = ['method', 'colonies', 'holes', 'flowRate', 'duration', 'airVolume', 'liquidVolume', 'platedVolume', 'concentration', 'cfuPerM3', 'particles', 'pathogen', 'status', 'ts', 'sampler', 'location'];
    const valueFor = (f: string): unknown => {
      switch (f) {
        case 'method': return pick(['impinger', 'impactor', 'direct', 'nonsense', 3]);
        case 'colonies': case 'holes': case 'cfuPerM3': return pick([0, 1, 57, 400, 1e9, -1, 2.5, 'many', NaN]);
        case 'pathogen': return pick(['Yersinia pestis', ['x', { name: 'y', riskGroup: 7 }], { name: '' }, 4]);
        case 'status': return pick(['ok', 'fault', 'offline', 7]);
        case 'ts': return pick([T, 'soon', '2025-03-03T10:00:00Z', undefined]);
        case 'sampler': return pick(['s1', '', 42]);
        case 'location': return pick([{ lat: 45, lon: 11 }, { lat: 91, lon: 0 }, 'nowhere']);
        default: return pick(quantities);
      }
    };
    let measured = 0;
    for (let i = 0; i < 5000; i++) {
      const payload: Record<string, unknown> = { sampler: 's' };
      for (let k = 0; k < 1 + rng.int(6); k++) {
        const f = pick(fields);
        payload[f] = valueFor(f);
      }
      try {
        const m = measureSampler(payload, { ...OPTIONS, nominalFlow: rng.next() < 0.5 ? 28.3e-3 / 60 : undefined });
        for (const level of [m.cfuPerM3, m.particlesPerM3]) if (level !== undefined) assert.ok(Number.isFinite(level) && level >= 0, `${JSON.stringify(payload)} → ${level}`);
        measured += 1;
      } catch (err) {
        assert.ok(err instanceof Error && !(err instanceof TypeError) && err.message.length > 0, `${JSON.stringify(payload)}: ${(err as Error).stack}`);
      }
    }
    assert.ok(measured > 200, `the fuzz reached the conversions (${measured} measured)`);
  });
});

describe('pathogen risk groups', () => {
  it('knows risk groups 3 and 4 by name or genus, and takes site additions', () => {
    const table = new PathogenTable('Legionella pneumophila:3\nNew bug:4');
    assert.equal(table.riskGroup('bacillus  anthracis'), 3);
    assert.equal(table.riskGroup('Ebola virus'), 4);
    assert.equal(table.riskGroup('Brucella spp.'), 3);
    assert.equal(table.riskGroup('Legionella pneumophila'), 3, 'the site table overrides');
    assert.equal(table.riskGroup('New bug'), 4);
    assert.equal(table.riskGroup('Micrococcus luteus'), undefined);
    assert.throws(() => new PathogenTable('Nothing:7'), /name:riskGroup/);
  });
});

describe('bacteria assessment', () => {
  const config = (): AssessorConfig => ({
    thresholdCfuPerM3: 5000,
    riseFactor: 2,
    riseZ: 4,
    timeZone: 'UTC',
    pathogens: new PathogenTable(),
    baseline: { seasonality: 'day', binMinutes: 60, levelHalfLifeHours: 336, dailyHalfLifeDays: 14, weeklyHalfLifeWeeks: 6, clip: 3, warmupSamples: 24, shiftAcceptHours: 24, minScale: 0.02 },
  });
  const HOUR = 3_600_000;
  /** A hall's usual level: 500 CFU/m³ at night, 1,500 by day, log-normal scatter. */
  const usual = (ts: number) => {
    const h = (ts / HOUR) % 24;
    return h >= 7 && h < 20 ? 1500 : 500;
  };
  function trained(): { a: BacteriaAssessor; ts: number } {
    const a = new BacteriaAssessor(config());
    const rng = new Rng(3);
    let ts = T - 14 * 24 * HOUR;
    for (; ts < T; ts += HOUR) a.assess(measureSampler({ sampler: 'hall', ts, cfuPerM3: Math.round(usual(ts) * Math.exp(0.15 * rng.normal())) }, OPTIONS));
    return { a, ts };
  }

  it('threshold tier at or above the limit, whatever the background', () => {
    const { a, ts } = trained();
    assert.ok(a.assess(measureSampler({ sampler: 'hall', ts, cfuPerM3: 5000 }, OPTIONS)).tiers.includes('threshold'));
    // 4,999 is still three times the usual 1,500: above background, not above the limit.
    assert.deepEqual(a.assess(measureSampler({ sampler: 'hall', ts: ts + HOUR, cfuPerM3: 4999 }, OPTIONS)).tiers, ['background']);
    const fresh = new BacteriaAssessor(config());
    assert.deepEqual(fresh.assess(measureSampler({ sampler: 'new', ts, cfuPerM3: 5200 }, OPTIONS)).tiers, ['threshold'], 'no background needed for the limit');
  });

  it('background tier: four times the usual night level is flagged, the same level by day is not', () => {
    const { a, ts } = trained();
    const night = ts - (ts % (24 * HOUR)) + 24 * HOUR + 2 * HOUR;
    const r = a.assess(measureSampler({ sampler: 'hall', ts: night, cfuPerM3: 2000 }, OPTIONS));
    assert.deepEqual(r.tiers, ['background']);
    assert.ok(r.background!.expected > 350 && r.background!.expected < 700, `night background ${r.background!.expected}`);
    const day = night + 10 * HOUR;
    assert.deepEqual(a.assess(measureSampler({ sampler: 'hall', ts: day, cfuPerM3: 2000 }, OPTIONS)).tiers, []);
  });

  it('an identified risk-group 3 organism is a pathogen tier at any level; an unknown one is reported as unknown', () => {
    const a = new BacteriaAssessor(config());
    const r = a.assess(measureSampler({ sampler: 'hall', ts: T, cfuPerM3: 120, pathogen: ['Staphylococcus aureus', 'Francisella tularensis'] }, OPTIONS));
    assert.deepEqual(r.tiers, ['pathogen']);
    assert.deepEqual(r.pathogen, { name: 'Francisella tularensis', riskGroup: 3 });
    assert.deepEqual(a.assess(measureSampler({ sampler: 'hall', ts: T, pathogen: 'Mystery coccus' }, OPTIONS)).unknownOrganisms, ['Mystery coccus']);
  });

  it('a failure is reported once, and cleared by a good reading; a stuck fluorescent count is a failure', () => {
    const a = new BacteriaAssessor(config());
    const faulty = () => a.assess(measureSampler({ sampler: 'x', ts: T, status: 'error', message: 'no power' }, OPTIONS));
    assert.equal(faulty().failure, 'sampler reports error: no power');
    assert.equal(faulty().failure, undefined, 'not twice');
    assert.equal(a.assess(measureSampler({ sampler: 'x', ts: T, cfuPerM3: 100 }, OPTIONS)).recovered, true);
    const b = new BacteriaAssessor(config());
    const rng = new Rng(4);
    let failure: string | undefined;
    for (let i = 0; i < 200 && !failure; i++) b.assess(measureSampler({ sampler: 'f', ts: T + i * 60_000, particles: `${Math.round(500 + 50 * rng.normal())} #/L` }, OPTIONS));
    for (let i = 0; i < 30 && !failure; i++) failure = b.assess(measureSampler({ sampler: 'f', ts: T + (200 + i) * 60_000, particles: '480 #/L' }, OPTIONS)).failure;
    assert.match(failure ?? '', /fluorescent count stuck at 480000 per m³/);
  });

  it('restores its background from JSON and judges the next reading identically', () => {
    const { a, ts } = trained();
    const b = new BacteriaAssessor(config());
    b.load(JSON.parse(JSON.stringify(a)));
    const m = measureSampler({ sampler: 'hall', ts: ts + 3 * HOUR, cfuPerM3: 1400 }, OPTIONS);
    assert.deepEqual(b.assess(m), a.assess(m));
  });

  it('drafts: P1 for a pathogen, P2 over the threshold, P3 above background or for a failure; a summary with position and level', () => {
    const { a, ts } = trained();
    const place = { exercise: false, thresholdCfuPerM3: 5000, areaDesc: 'Metro hall' };
    const withLocation = (o: Record<string, unknown>) => measureSampler({ sampler: 'sampler-3', ts, location: { lat: 45.4176, lon: 11.8807 }, zone: 'metro-hall', ...o }, OPTIONS);
    const priority = (d: Record<string, unknown>) => computePriority(d.severity as Severity, d.urgency as Urgency, d.certainty as Certainty);
    const over = bacteriaDrafts(a.assess(withLocation({ cfuPerM3: 7200 })), place);
    assert.equal(over.length, 1);
    assert.equal(priority(over[0]), 'P2');
    assert.equal(over[0].headline, '7,200 CFU/m³ in Metro hall (threshold 5,000)');
    assert.equal((over[0].data as { summary: string }).summary, 'sampler-3 · Metro hall · 45.41760, 11.88070 · 7,200 CFU/m³');
    assert.match(over[0].instruction as string, /FFP3/);
    const bug = bacteriaDrafts(a.assess(withLocation({ cfuPerM3: 300, pathogen: 'Yersinia pestis' })), place);
    assert.equal(priority(bug[0]), 'P1');
    assert.equal(bug[0].category, 'CBRNE');
    const night = ts - (ts % (24 * 3_600_000)) + 26 * 3_600_000;
    const rise = bacteriaDrafts(a.assess(measureSampler({ sampler: 'hall', ts: night, cfuPerM3: 2400 }, OPTIONS)), place);
    assert.equal(priority(rise[0]), 'P3');
    assert.match(rise[0].headline as string, /^2,400 CFU\/m³ in Metro hall, [\d.]+× its usual \d+/);
    const broken = bacteriaDrafts(a.assess(measureSampler({ sampler: 'sampler-3', ts, status: 'offline' }, OPTIONS)), place);
    assert.equal(broken[0].event, 'Sampler failure');
    assert.equal(priority(broken[0]), 'P3');
    assert.equal(summary(a.assess(measureSampler({ sampler: 'q', ts, cfuPerM3: 10, atLeast: true }, OPTIONS)), place), 'q · Metro hall · ≥ 10 CFU/m³');
  });
});
