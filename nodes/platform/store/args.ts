/** Argument checks both alert stores make, so that a bad argument fails alike in each. */

export function toMs(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${what} is not a valid date-time: ${JSON.stringify(value)}`);
  return ms;
}

export function dateMs(value: Date, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${what} must be a valid Date`);
  return value.getTime();
}

export function clampInt(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what} must be a finite number`);
  return Math.min(max, Math.max(min, Math.floor(value)));
}
