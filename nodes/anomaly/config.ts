/**
 * The detector's settings, shared by the node, the backtest CLI and the benchmarks. Every
 * setting has a default; `resolveConfig` rejects unknown keys (a typo must not silently fall
 * back to a default) and out-of-range values, naming the setting.
 */
import type { Seasonality } from './baseline';

export interface DetectorConfig {
  /** Expected share of normal rows flagged: the sensitivity, instead of a hand-set threshold. */
  falseAlarmRate: number;
  seasonality: Seasonality;
  /** Width of a seasonal bin in minutes (15, 20, 30 or 60). */
  binMinutes: number;
  /** IANA time zone (Europe/Oslo), UTC, or a fixed offset (+01:00): what "Monday 08:00" means. */
  timeZone: string;
  /** Rows per variable for the robust start (median and MAD). */
  warmupSamples: number;
  /** Time each group is watched before it may alarm (a seasonal baseline needs at least a day). */
  warmupHours: number;
  /**
   * Rows after which the time warm-up ends even before `warmupHours` (fast data: with 5-second
   * rows two hours are 1,440 rows); 0: `warmupHours` always holds.
   */
  warmupRows: number;
  /** Rows after warm-up that calibrate the extreme-value threshold. */
  calibrationSamples: number;
  /** Quantile of the calibration batch where the tail model starts. */
  tailLevel: number;
  /** Excesses kept for the tail fit (bounds memory). */
  maxPeaks: number;
  tailFit: 'grimshaw' | 'moments';
  levelHalfLifeHours: number;
  dailyHalfLifeDays: number;
  weeklyHalfLifeWeeks: number;
  /** Huber clip, in robust scales. */
  clip: number;
  /**
   * A one-sided excursion lasting this long becomes the new level (0: never). A day by
   * default: shorter, and a disrupted day (a strike, a closure) is taken for a new level, so
   * the return to normal that evening alarms for hours.
   */
  shiftAcceptHours: number;
  /** Rows after which an old row's weight in the correlation estimate has halved. */
  correlationHalfLifeRows: number;
  /** Parts of the local day with their own correlations (1, 2, 3, 4, 6, 8, 12 or 24). */
  correlationSegments: number;
  minShrinkage: number;
  /** Watch for sensors stuck at one value. */
  stuckDetection: boolean;
  /** Lower bound of every variable's scale (0: the data's own resolution). */
  minScale: number;
  maxVariables: number;
  /** Contributors listed in an explanation. */
  topContributors: number;
}

export const DEFAULT_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  falseAlarmRate: 2e-4,
  seasonality: 'week',
  binMinutes: 30,
  timeZone: 'UTC',
  warmupSamples: 48,
  warmupHours: 2,
  warmupRows: 96,
  calibrationSamples: 1000,
  tailLevel: 0.98,
  maxPeaks: 1000,
  tailFit: 'grimshaw',
  levelHalfLifeHours: 336,
  dailyHalfLifeDays: 14,
  weeklyHalfLifeWeeks: 6,
  clip: 3,
  shiftAcceptHours: 24,
  correlationHalfLifeRows: 2000,
  correlationSegments: 4,
  minShrinkage: 0.05,
  stuckDetection: true,
  minScale: 0,
  maxVariables: 64,
  topContributors: 3,
});

type Check = (value: unknown, key: string) => unknown;

const num = (min: number, max: number, integer = false, exclusiveMin = false): Check => (value, key) => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n > max || (exclusiveMin ? n <= min : n < min)) {
    throw new RangeError(`${key} must be ${integer ? 'a whole number' : 'a number'} ${exclusiveMin ? 'above' : 'from'} ${min}${max < Infinity ? ` to ${max}` : ''}, got ${JSON.stringify(value)}`);
  }
  return n;
};

const oneOf = (...allowed: string[]): Check => (value, key) => {
  if (typeof value !== 'string' || !allowed.includes(value)) throw new RangeError(`${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
};

const bool: Check = (value, key) => {
  if (value === 'true' || value === 'false') return value === 'true';
  if (typeof value !== 'boolean') throw new RangeError(`${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
};

const zone: Check = (value, key) => {
  if (typeof value !== 'string' || value.trim() === '') throw new RangeError(`${key} must be a time zone name such as Europe/Oslo, got ${JSON.stringify(value)}`);
  const v = value.trim();
  if (v === 'UTC' || /^[+-]\d{2}:?\d{2}$/.test(v)) return v;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
  } catch {
    throw new RangeError(`${key}: unknown time zone ${JSON.stringify(v)}`);
  }
  return v;
};

const CHECKS: Record<keyof DetectorConfig, Check> = {
  falseAlarmRate: num(0, 0.01, false, true),
  seasonality: oneOf('none', 'day', 'week'),
  binMinutes: (value, key) => {
    const n = num(15, 60, true)(value, key) as number;
    if (![15, 20, 30, 60].includes(n)) throw new RangeError(`${key} must be 15, 20, 30 or 60, got ${n}`);
    return n;
  },
  timeZone: zone,
  warmupSamples: num(3, 10_000, true),
  warmupHours: num(0, 24 * 365),
  warmupRows: num(0, 10_000_000, true),
  calibrationSamples: num(50, 100_000, true),
  tailLevel: num(0.8, 0.999),
  maxPeaks: num(20, 100_000, true),
  tailFit: oneOf('grimshaw', 'moments'),
  levelHalfLifeHours: num(0, 24 * 365 * 10, false, true),
  dailyHalfLifeDays: num(0, 3650, false, true),
  weeklyHalfLifeWeeks: num(0, 520, false, true),
  clip: num(1, 20),
  shiftAcceptHours: num(0, 24 * 365),
  correlationHalfLifeRows: num(10, 10_000_000),
  correlationSegments: (value, key) => {
    const n = num(1, 24, true)(value, key) as number;
    if (24 % n) throw new RangeError(`${key} must divide the day evenly (1, 2, 3, 4, 6, 8, 12 or 24), got ${n}`);
    return n;
  },
  minShrinkage: num(0, 1),
  stuckDetection: bool,
  minScale: num(0, Infinity),
  maxVariables: num(1, 1024, true),
  topContributors: num(1, 50, true),
};

/** Defaults overlaid with `overrides`; throws RangeError naming the first bad or unknown setting. */
export function resolveConfig(overrides: unknown = {}): DetectorConfig {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) throw new RangeError('the detector configuration must be a JSON object');
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in CHECKS)) throw new RangeError(`unknown setting ${JSON.stringify(key)}; known settings: ${Object.keys(CHECKS).join(', ')}`);
    if (value === undefined || value === '') continue;
    out[key] = CHECKS[key as keyof DetectorConfig](value, key);
  }
  const config = out as unknown as DetectorConfig;
  if (!(config.falseAlarmRate < 1 - config.tailLevel)) {
    throw new RangeError(`falseAlarmRate (${config.falseAlarmRate}) must be below 1 − tailLevel (${1 - config.tailLevel})`);
  }
  return config;
}
