/** Limits and argument checks both alert stores apply, so that a query pages and fails alike in each. */
import { priorityRank } from '../model/priority';
import { PRIORITIES } from '../model/types';
import type { Priority } from '../model/types';

/** History entries kept inside each alert document (`store.historyWindow`). */
export const DEFAULT_HISTORY_WINDOW = 50;
export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 1000;
export const DEFAULT_HISTORY_LIMIT = 1000;
export const MAX_HISTORY_LIMIT = 10000;
export const DEFAULT_ESCALATION_LIMIT = 100;

/** A priority filter's value as the rank both stores index (P1 = 1); a clear error for anything else. */
export function priorityArg(value: unknown): number {
  if (!(PRIORITIES as readonly unknown[]).includes(value)) throw new TypeError(`unknown priority ${String(value)}`);
  return priorityRank(value as Priority);
}

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
