/**
 * What an air sampler reports, turned into one airborne concentration with its units checked:
 *
 * - impinger: colonies counted on a plate of `platedVolume` taken from `liquidVolume` of
 *   collection liquid, after `flowRate` × `duration` (or `airVolume`) of air:
 *   CFU/m³ = colonies × liquid / plated / air volume;
 * - impactor (Andersen-type, N holes): the count is corrected for several particles landing
 *   through one hole (positive-hole correction, Macher 1989): P = N·Σ_{k=1..r} 1/(N − k + 1);
 *   CFU/m³ = P / air volume; a plate with a colony under every hole is saturated and gives a
 *   lower bound;
 * - direct: a concentration in CFU per volume;
 * - fluorescent: real-time counts of fluorescent particles per volume; in CFU/m³ only with a
 *   site calibration factor (CFU per fluorescent particle), otherwise as particles/m³.
 *
 * Plus an identified organism, and anything that says the sampler is not working.
 */
import type { Point, Reading } from '../sensors/reading';
import { isObject, toNumber, toPoint, validName } from '../sensors/reading';
import { parseTime } from '../sensors/time';
import { toLitresPerMinute, toSI, UnitError, unitOf } from './units';

export type Method = 'impinger' | 'impactor' | 'direct' | 'fluorescent';

export interface Identified {
  name: string;
  riskGroup?: number;
}

export interface Measurement {
  sampler: string;
  ts: number;
  method?: Method;
  cfuPerM3?: number;
  particlesPerM3?: number;
  /** Above the countable range: the level is a lower bound. */
  atLeast: boolean;
  colonies?: number;
  correctedColonies?: number;
  airVolumeM3?: number;
  identified: Identified[];
  /** Why this reading says the sampler is not working (empty: it is). */
  faults: string[];
  zone?: string;
  location?: Point;
}

export interface MeasureOptions {
  now: number;
  defaults: { sampler?: string; zone?: string; location?: Point };
  /** Nominal flow in m³/s and the tolerated relative deviation. */
  nominalFlow?: number;
  flowTolerance: number;
  /** Colonies per plate above which counts are unreliable (too many to count). */
  maxColonies: number;
  fluorescentCfuPerParticle?: number;
}

const FAULTY = new Set(['fault', 'faulty', 'error', 'failed', 'failure', 'alarm', 'offline', 'blocked', 'jammed', 'low-flow', 'no-flow']);

/** Positive-hole correction for r colonies on an N-hole impactor plate (r < N). */
export function positiveHole(r: number, holes: number): number {
  let sum = 0;
  for (let k = 1; k <= r; k++) sum += 1 / (holes - k + 1);
  return holes * sum;
}

function nonNegative(v: unknown, field: string): number {
  const n = toNumber(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${field} must be a number of at least 0, got ${JSON.stringify(v)}`);
  return n;
}

function identifiedOf(o: Record<string, unknown>): Identified[] {
  const raw = o.pathogen ?? o.identified ?? o.organism;
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    if (typeof item === 'string' && item.trim()) return { name: item.trim() };
    if (isObject(item) && typeof item.name === 'string' && item.name.trim()) {
      const rg = item.riskGroup;
      if (rg !== undefined && !(Number.isInteger(rg) && (rg as number) >= 1 && (rg as number) <= 4)) throw new Error(`pathogen[${i}].riskGroup must be 1, 2, 3 or 4`);
      return { name: item.name.trim(), riskGroup: rg as number | undefined };
    }
    throw new Error(`pathogen[${i}] must be a name or {name, riskGroup}`);
  });
}

/** The air volume sampled: `airVolume`, or `flowRate` × `duration`; checks the flow against the nominal one. */
function airVolume(o: Record<string, unknown>, opts: MeasureOptions, faults: string[]): number | undefined {
  if (o.airVolume !== undefined) return toSI(o.airVolume, 'airVolume', 'volume');
  if (o.flowRate === undefined || o.duration === undefined) throw new Error('a sampler reading needs airVolume, or flowRate and duration, each with a unit');
  const flow = toSI(o.flowRate, 'flowRate', 'flow');
  const duration = toSI(o.duration, 'duration', 'time');
  if (!(flow > 0)) faults.push('no air flow');
  else if (opts.nominalFlow && Math.abs(flow / opts.nominalFlow - 1) > opts.flowTolerance) {
    faults.push(`flow ${toLitresPerMinute(flow).toFixed(1)} L/min is ${Math.round(Math.abs(flow / opts.nominalFlow - 1) * 100)} % off the nominal ${toLitresPerMinute(opts.nominalFlow).toFixed(1)} L/min`);
  }
  if (!(duration > 0)) faults.push('sampling time is zero');
  return flow * duration;
}

function fromSampler(o: Record<string, unknown>, m: Measurement, opts: MeasureOptions): void {
  const colonies = nonNegative(o.colonies, 'colonies');
  const method = o.method ?? (o.liquidVolume !== undefined ? 'impinger' : o.holes !== undefined ? 'impactor' : undefined);
  if (method !== 'impinger' && method !== 'impactor') throw new Error('a colony count needs method "impinger" (with liquidVolume and platedVolume) or "impactor" (optionally with holes)');
  m.method = method;
  m.colonies = colonies;
  const volume = airVolume(o, opts, m.faults);
  if (volume === undefined || !(volume > 0)) {
    if (!m.faults.length) m.faults.push('no air sampled');
    return;
  }
  m.airVolumeM3 = volume;
  let corrected = colonies;
  if (method === 'impinger') {
    const liquid = toSI(o.liquidVolume, 'liquidVolume', 'volume');
    const plated = toSI(o.platedVolume, 'platedVolume', 'volume');
    if (!(plated > 0) || plated > liquid) throw new Error('platedVolume must be above zero and at most liquidVolume');
    if (colonies > opts.maxColonies) m.atLeast = true;
    corrected = (Math.min(colonies, opts.maxColonies) * liquid) / plated;
  } else if (o.holes !== undefined) {
    const holes = toNumber(o.holes);
    if (!Number.isInteger(holes) || holes < 1) throw new Error('holes must be a whole number of at least 1');
    if (colonies >= holes) {
      m.atLeast = true;
      corrected = positiveHole(holes - 1, holes);
    } else corrected = positiveHole(colonies, holes);
  } else if (colonies > opts.maxColonies) {
    m.atLeast = true;
    corrected = opts.maxColonies;
  }
  m.correctedColonies = corrected;
  m.cfuPerM3 = corrected / volume;
}

function fromFluorescent(raw: unknown, field: string, m: Measurement, opts: MeasureOptions): void {
  m.method = 'fluorescent';
  const perM3 = toSI(raw, field, 'particle-concentration');
  if (perM3 < 0) throw new Error(`${field} must not be negative`);
  m.particlesPerM3 = perM3;
  if (opts.fluorescentCfuPerParticle) m.cfuPerM3 = perM3 * opts.fluorescentCfuPerParticle;
}

function base(sampler: unknown, ts: unknown, o: Record<string, unknown>, opts: MeasureOptions): Measurement {
  const name = sampler ?? opts.defaults.sampler;
  if (!validName(name)) throw new Error('no sampler id: send sampler (or sensorId), or set one on the node');
  const time = ts === undefined || ts === null || ts === '' ? opts.now : parseTime(ts);
  if (!Number.isFinite(time)) throw new Error(`time ${JSON.stringify(ts)} is not an ISO 8601 time or epoch seconds/milliseconds`);
  const location = o.location === undefined ? opts.defaults.location : toPoint(o.location);
  if (o.location !== undefined && !location) throw new Error('location must be a GeoJSON Point, {lat, lon} or "lat, lon"');
  const zone = typeof o.zone === 'string' && o.zone ? o.zone : opts.defaults.zone;
  return { sampler: name, ts: time, atLeast: false, identified: identifiedOf(o), faults: [], zone, location };
}

/** A sampler's own message: colonies with air volume, a concentration, fluorescent counts, an identification or a fault. */
export function measureSampler(o: Record<string, unknown>, opts: MeasureOptions): Measurement {
  const m = base(o.sampler ?? o.sensorId ?? o.samplerId, o.ts ?? o.timestamp ?? o.time, o, opts);
  const status = typeof o.status === 'string' ? o.status.trim().toLowerCase() : undefined;
  if ((status && FAULTY.has(status)) || o.fault !== undefined || o.error !== undefined) {
    const detail = [o.fault, o.error, o.message].find((x) => typeof x === 'string' && x) as string | undefined;
    m.faults.push(`sampler reports ${status ?? 'a fault'}${detail ? `: ${detail}` : ''}`);
  }
  if (o.colonies !== undefined) fromSampler(o, m, opts);
  else if (o.concentration !== undefined) {
    m.method = 'direct';
    m.cfuPerM3 = toSI(o.concentration, 'concentration', 'cfu-concentration');
  } else if (o.cfuPerM3 !== undefined) {
    // The unit is in the name.
    m.method = 'direct';
    m.cfuPerM3 = nonNegative(o.cfuPerM3, 'cfuPerM3');
  } else if (o.particles !== undefined) fromFluorescent(o.particles, 'particles', m, opts);
  else if (!m.identified.length && !m.faults.length) {
    throw new Error('nothing to assess: send colonies (with airVolume or flowRate and duration), concentration, cfuPerM3, particles, a pathogen, or a status');
  }
  if (m.cfuPerM3 !== undefined && m.cfuPerM3 < 0) throw new Error('the concentration must not be negative');
  if (o.atLeast === true) m.atLeast = true;
  return m;
}

/** A reading from impetus-sensor-in: its unit (or its name, cfu_per_m3) says what it measures. */
export function measureReading(r: Reading, opts: MeasureOptions): Measurement {
  const m = base(r.sensorId, r.ts, { zone: r.zone, location: r.location }, opts);
  if (r.value < 0) throw new Error(`${r.sensorId}/${r.variable}: ${r.value} is negative`);
  let unit = r.unit;
  if (!unit) {
    if (/cfu.*(per.?m3|m3|m\^?-?3)$/i.test(r.variable)) unit = 'CFU/m3';
    else if (/(particles?|fbap|fluor).*(per.?l|_l)$/i.test(r.variable)) unit = '#/L';
    else if (/(particles?|fbap|fluor).*(per.?m3|_m3)$/i.test(r.variable)) unit = '#/m3';
  }
  if (!unit) throw new UnitError(`${r.sensorId}/${r.variable}: no unit; name the variable cfu_per_m3 or particles_per_l, or send the unit`);
  const dimension = unitOf(unit).dimension;
  const q = { value: r.value, unit };
  if (dimension === 'cfu-concentration') {
    m.method = 'direct';
    m.cfuPerM3 = toSI(q, r.variable, 'cfu-concentration');
  } else if (dimension === 'particle-concentration') fromFluorescent(q, r.variable, m, opts);
  else throw new UnitError(`${r.sensorId}/${r.variable}: ${unit} is not a concentration`);
  return m;
}
