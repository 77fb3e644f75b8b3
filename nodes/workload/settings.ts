/** The node's settings, read and checked once at deploy: a bad value is a deploy-time error. */
import type { NodeDef } from 'node-red';
import { USER_NAME } from '../platform';
import { DEFAULT_WINDOWS } from './features';
import { DEFAULT_MONITOR } from './monitor';
import { checkId } from './samples';
import type { MonitorOptions } from './monitor';
import { checkBands, DEFAULT_BANDS } from './tracker';

export interface WorkloadNodeDef extends NodeDef {
  zone?: string;
  operator?: string;
  model?: string;
  eegRate?: number | string;
  ppgRate?: number | string;
  highEnter?: number | string;
  highExit?: number | string;
  lowEnter?: number | string;
  lowExit?: number | string;
  minDuration?: number | string;
  smoothing?: number | string;
  step?: number | string;
  retention?: number | string;
  noData?: number | string;
  batteryLow?: number | string;
  exercise?: boolean;
  /** "operator:console user" per line: whose own indicator each operator's state goes to. */
  consoleUsers?: string;
}

/**
 * The operator → console user mapping of the own indicators. Each operator at most once (one
 * person's state must never reach two users); a bad line is a deploy-time error.
 */
export function consoleUsers(text: unknown): Map<string, string> {
  if (text !== undefined && typeof text !== 'string') throw new Error('console users must be text: one "operator:user name" per line');
  const map = new Map<string, string>();
  for (const line of (text ?? '').split(/[\n,]/).map((l) => l.trim()).filter(Boolean)) {
    const i = line.lastIndexOf(':');
    const operator = line.slice(0, i).trim();
    const user = line.slice(i + 1).trim();
    if (i < 0 || !USER_NAME.test(user)) throw new Error(`console users: "${line}" must be "operator:user name" (op-2:alice)`);
    checkId(operator, `console users: the operator in "${line}"`);
    if (map.has(operator)) throw new Error(`console users: ${operator} is mapped twice; one operator's state goes to one user`);
    map.set(operator, user);
  }
  return map;
}

export function num(v: unknown, fallback: number, what: string, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${what} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

export function monitorOptions(c: WorkloadNodeDef): MonitorOptions {
  const bands = checkBands({
    highEnter: num(c.highEnter, DEFAULT_BANDS.highEnter, 'high: enter', 0, 1),
    highExit: num(c.highExit, DEFAULT_BANDS.highExit, 'high: leave', 0, 1),
    lowEnter: num(c.lowEnter, DEFAULT_BANDS.lowEnter, 'low: enter', 0, 1),
    lowExit: num(c.lowExit, DEFAULT_BANDS.lowExit, 'low: leave', 0, 1),
    minDurationS: num(c.minDuration, DEFAULT_BANDS.minDurationS, 'minimum duration', 0, 86_400),
    smoothingS: num(c.smoothing, DEFAULT_BANDS.smoothingS, 'smoothing', 0, 3600),
  });
  return {
    ...DEFAULT_MONITOR,
    zone: (c.zone || DEFAULT_MONITOR.zone).trim(),
    windows: DEFAULT_WINDOWS,
    bands,
    stepS: num(c.step, DEFAULT_MONITOR.stepS, 'step', 1, 600),
    retentionH: num(c.retention, DEFAULT_MONITOR.retentionH, 'retention', 0.01, 24 * 90),
    noDataS: num(c.noData, DEFAULT_MONITOR.noDataS, 'no data after', 5, 3600),
    batteryLow: num(c.batteryLow, DEFAULT_MONITOR.batteryLow, 'battery low', 0, 100),
    exercise: c.exercise === true,
  };
}

