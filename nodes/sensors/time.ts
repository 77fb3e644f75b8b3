/**
 * Times as sensors and files write them, to epoch milliseconds. One rule everywhere, so that a
 * CSV replay, a backtest and a live feed agree on what a row's time is:
 *
 * - a number (or a string of digits) is epoch milliseconds, or epoch seconds when it is below
 *   1e11 (1e11 ms is 1973; 1e11 s is the year 5138), fractional seconds allowed;
 * - an ISO 8601 date-time (a space instead of T is accepted); without an offset it is UTC,
 *   never the server's local time, which would make results depend on where they run;
 * - an ISO date-time interval "start/end" (SensorThings phenomenonTime) is its end;
 * - a Date.
 */

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;
const SECONDS_BELOW = 1e11;

export function parseTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? (Math.abs(value) < SECONDS_BELOW ? value * 1000 : value) : NaN;
  if (typeof value !== 'string') return NaN;
  let text = value.trim();
  if (NUMBER.test(text)) return parseTime(Number(text));
  const slash = text.indexOf('/');
  if (slash > 0) text = text.slice(slash + 1).trim();
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [, date, time, offset] = m;
  if (!time) return Date.parse(`${date}T00:00:00Z`);
  const zone = !offset ? 'Z' : /^[+-]\d{4}$/.test(offset) ? `${offset.slice(0, 3)}:${offset.slice(3)}` : /^[+-]\d{2}$/.test(offset) ? `${offset}:00` : offset.toUpperCase();
  return Date.parse(`${date}T${time.replace(',', '.')}${zone}`);
}
