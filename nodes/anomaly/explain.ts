/**
 * What an operator reads about an anomaly: a headline naming the variable that matters most
 * and how far it is from normal, a description listing every top contributor with direction,
 * observed and expected values, and the same explanation as structured `data` for the console
 * and integrations.
 */
import type { Contributor, RowResult } from './detector';

export interface DraftContext {
  /** The detector node, named in source.node (impetus-alert would name itself otherwise). */
  sourceNode?: string;
  group: string;
  zone?: string;
  location?: { type: 'Point'; coordinates: [number, number] };
  event: string;
  category: string;
  severity: string;
  /** Scores at or above this raise the severity to high. */
  highScore: number;
  falseAlarmRate: number;
  exercise: boolean;
  timeZone: string;
}

/** 1234.5 → "1,234.5", 0.00123 → "0.00123": readable at any magnitude. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0, maximumSignificantDigits: abs < 0.01 && abs > 0 ? 3 : undefined });
}

const WORD = { up: 'up', down: 'down', stuck: 'stuck' } as const;

/** Unit suffixes of sensor variable names (`bus_speed_kmh`, `bus_delay_s`) and how they read. */
const UNIT_SUFFIXES: Record<string, string> = {
  kmh: 'km/h', kph: 'km/h', mps: 'm/s', s: 's', min: 'min', h: 'h', pct: '%', percent: '%', c: '°C', degc: '°C',
  ppm: 'ppm', ppb: 'ppb', db: 'dB', dba: 'dB(A)', ugm3: 'µg/m³', mm: 'mm', cm: 'cm', m: 'm', km: 'km', kw: 'kW', kwh: 'kWh', hpa: 'hPa',
};

/**
 * How an operator reads a variable or place id: `bus_speed_kmh` → "bus speed" in km/h,
 * `buses_stopped` → "buses stopped", `ring-2` → "Ring 2". The ids stay as they are in `data`.
 */
export function labelOf(id: string): { label: string; unit?: string } {
  const parts = id.split(/[_\s-]+/).filter(Boolean);
  const last = parts.length > 1 ? parts[parts.length - 1].toLowerCase() : '';
  const unit = UNIT_SUFFIXES[last];
  const label = (unit ? parts.slice(0, -1) : parts).join(' ');
  return unit ? { label, unit } : { label };
}

export function placeLabel(id: string): string {
  const words = id.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 31.8 with the variable's unit: "31.8 km/h"; "%" without a space. */
function withUnit(x: number, unit: string | undefined): string {
  return unit ? `${formatValue(x)}${unit === '%' ? '' : ' '}${unit}` : formatValue(x);
}

function phrase(c: Contributor): string {
  const { label, unit } = labelOf(c.variable);
  if (c.direction === 'stuck') return `${label} stuck at ${withUnit(c.observed, unit)}`;
  if (c.relative && c.expectedGivenOthers !== undefined) return `${label} ${WORD[c.direction]} (${formatValue(c.observed)} vs ${withUnit(c.expectedGivenOthers, unit)} given the other variables)`;
  return `${label} ${WORD[c.direction]} (${formatValue(c.observed)} vs ${withUnit(c.expected, unit)} expected)`;
}

function detail(c: Contributor): string {
  const { label, unit } = labelOf(c.variable);
  const share = `${Math.round(c.share * 100)} % of the anomaly`;
  if (c.direction === 'stuck') return `${label}: the same value ${withUnit(c.observed, unit)} repeated far longer than usual at this hour (${share})`;
  const sigma = `${formatValue(Math.abs(c.z))} spreads ${c.z >= 0 ? 'above' : 'below'} normal`;
  const given = c.expectedGivenOthers !== undefined && Math.abs(c.expectedGivenOthers - c.expected) > 1e-9 ? `; given the other variables, ${withUnit(c.expectedGivenOthers, unit)} was expected` : '';
  return `${label}: ${withUnit(c.observed, unit)}, expected ${withUnit(c.expected, unit)} for this time of the week (${sigma}${given}; ${share})`;
}

function localTime(ts: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: /^[+-]/.test(timeZone) ? 'UTC' : timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(new Date(ts));
  } catch {
    return new Date(ts).toISOString();
  }
}

export function anomalyDraft(r: RowResult, ctx: DraftContext): Record<string, unknown> {
  const contributors = r.contributors ?? [];
  const top = contributors[0];
  const place = placeLabel(ctx.zone ?? ctx.group);
  const headline = top ? `${place}: ${phrase(top)}${contributors[1] && contributors[1].share >= 0.2 ? `, ${phrase(contributors[1])}` : ''}` : `${place}: anomaly`;
  const lines = contributors.map((c) => `• ${detail(c)}`);
  const description = [
    `Anomaly score ${r.score.toFixed(2)} at ${localTime(r.ts, ctx.timeZone)} (0.5 is the automatic threshold, set for ${formatValue(ctx.falseAlarmRate * 1000)} false alarms per 1,000 readings${r.calibrating ? '; still calibrating on this stream' : ''}).`,
    ...lines,
  ].join('\n');
  const draft: Record<string, unknown> = {
    tool: 'anomaly',
    event: ctx.event,
    headline: headline.slice(0, 500),
    description,
    instruction: 'Check the place on camera or with the nearest patrol; the listed variables show what changed. Acknowledge if it is explained (an event, roadworks), resolve as a false alarm otherwise.',
    category: ctx.category,
    severity: r.score >= ctx.highScore ? 'high' : ctx.severity,
    urgency: 'Expected',
    certainty: r.calibrating ? 'Possible' : 'Likely',
    source: ctx.sourceNode ? { node: ctx.sourceNode, ref: ctx.group } : { ref: ctx.group },
    occurredAt: new Date(r.ts).toISOString(),
    areaDesc: place,
    data: {
      kind: 'anomaly',
      group: ctx.group,
      score: Number(r.score.toFixed(4)),
      surprise: Number(r.surprise.toFixed(3)),
      threshold: Number(r.threshold.toFixed(3)),
      falseAlarmRate: ctx.falseAlarmRate,
      calibrating: r.calibrating,
      observedAt: new Date(r.ts).toISOString(),
      contributors: contributors.map((c) => ({ ...c, share: Number(c.share.toFixed(4)) })),
    },
  };
  if (ctx.zone) draft.zone = ctx.zone;
  if (ctx.location) draft.location = ctx.location;
  if (ctx.exercise) draft.status = 'Exercise';
  return draft;
}
