/**
 * Quantities with units, checked: a sampler's flow rate of "28.3" means nothing until it says
 * litres per minute or cubic metres per hour, and a mix-up is a factor of 16.7 in the level a
 * responder acts on. Every physical input is a value with a unit, given as
 * {value, unit} or "28.3 L/min"; each is converted to SI (m³, s, m³/s, per m³) after its
 * dimension is checked against what the field needs.
 */

export type Dimension = 'volume' | 'time' | 'flow' | 'cfu-concentration' | 'particle-concentration';

export interface Quantity {
  value: number;
  unit: string;
}

const VOLUME: Record<string, number> = {
  m3: 1,
  l: 1e-3,
  dm3: 1e-3,
  ml: 1e-6,
  cm3: 1e-6,
  ul: 1e-9,
  ft3: 0.028316846592,
};

const TIME: Record<string, number> = { s: 1, sec: 1, min: 60, h: 3600, hr: 3600 };

const FLOW_ALIASES: Record<string, string> = { lpm: 'l/min', cfm: 'ft3/min', cmh: 'm3/h' };

const CFU = new Set(['cfu']);
const PARTICLES = new Set(['#', 'particles', 'particle', 'counts', 'count', 'cnt', 'p', 'fbap']);

export class UnitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

/** "m³" → "m3", "µL" → "ul", "L/min" → "l/min", "CFU m-3" → "cfu/m3". */
function normalise(unit: string): string {
  return unit
    .trim()
    .toLowerCase()
    .replace(/³/g, '3')
    .replace(/[µμ]/g, 'u')
    .replace(/\s*\/\s*/g, '/')
    .replace(/^(\S+)\s+(m|dm|cm)\^?-3$/, (_m, top: string, base: string) => `${top}/${base}3`)
    .replace(/^(\S+)\s+([a-z]+)\^?-1$/, '$1/$2');
}

/** The SI factor and dimension of a unit; throws UnitError for one it does not know. */
export function unitOf(unit: string): { dimension: Dimension; factor: number } {
  const u = normalise(unit);
  if (u in VOLUME) return { dimension: 'volume', factor: VOLUME[u] };
  if (u in TIME) return { dimension: 'time', factor: TIME[u] };
  const flow = FLOW_ALIASES[u] ?? u;
  const slash = flow.indexOf('/');
  if (slash > 0) {
    const top = flow.slice(0, slash);
    const bottom = flow.slice(slash + 1);
    if (top in VOLUME && bottom in TIME) return { dimension: 'flow', factor: VOLUME[top] / TIME[bottom] };
    if (bottom in VOLUME && CFU.has(top)) return { dimension: 'cfu-concentration', factor: 1 / VOLUME[bottom] };
    if (bottom in VOLUME && PARTICLES.has(top)) return { dimension: 'particle-concentration', factor: 1 / VOLUME[bottom] };
  }
  throw new UnitError(`unknown unit ${JSON.stringify(unit)}`);
}

/** Reads {value, unit} or "value unit"; a bare number is refused (its unit would be a guess). */
export function toQuantity(raw: unknown, field: string): Quantity {
  if (typeof raw === 'string') {
    const m = /^\s*([+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(.+?)\s*$/i.exec(raw);
    if (m) return { value: Number(m[1]), unit: m[2] };
    throw new UnitError(`${field}: ${JSON.stringify(raw)} is not "value unit", e.g. "28.3 L/min"`);
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (typeof o.value === 'number' && Number.isFinite(o.value) && typeof o.unit === 'string') return { value: o.value, unit: o.unit };
  }
  if (typeof raw === 'number') throw new UnitError(`${field}: ${raw} has no unit; send {"value": ${raw}, "unit": "…"} or "${raw} <unit>"`);
  throw new UnitError(`${field} must be {value, unit} or "value unit", got ${JSON.stringify(raw)?.slice(0, 60)}`);
}

/** The quantity in SI units, after checking it has the dimension the field needs. */
export function toSI(raw: unknown, field: string, dimension: Dimension): number {
  const q = toQuantity(raw, field);
  let u: { dimension: Dimension; factor: number };
  try {
    u = unitOf(q.unit);
  } catch (err) {
    throw new UnitError(`${field}: ${(err as Error).message}`);
  }
  if (u.dimension !== dimension) throw new UnitError(`${field}: ${q.unit} is a ${u.dimension} unit, a ${dimension} unit is needed`);
  if (!Number.isFinite(q.value)) throw new UnitError(`${field}: ${q.value} is not a number`);
  return q.value * u.factor;
}

/** Litres per minute, for messages people read. */
export const toLitresPerMinute = (m3PerSecond: number) => m3PerSecond * 60_000;
