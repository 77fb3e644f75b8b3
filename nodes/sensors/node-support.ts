/** Small pieces the sensor, anomaly and bacteria nodes share. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';
import { PACKAGE_ROOT } from '../platform/node-kit';

/** An exercise message (from impetus-scenario): whatever it leads to is marked Exercise too. */
export function isExercise(msg: { exercise?: unknown; status?: unknown }): boolean {
  return msg.exercise === true || msg.status === 'Exercise';
}

/** A data file by absolute path, or relative to the user directory, then to the package's flows/. */
export function resolveDataFile(RED: NodeAPI, file: string): string {
  if (path.isAbsolute(file)) {
    if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
    return file;
  }
  const dirs = [RED.settings.userDir as string | undefined, path.join(PACKAGE_ROOT, 'flows')].filter((d): d is string => typeof d === 'string' && d.length > 0);
  for (const dir of dirs) {
    const candidate = path.resolve(dir, file);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`no file ${file} in ${dirs.join(' or ')}`);
}

/** A whole number setting from the editor (which stores text), or a clear error naming it. */
export function integerSetting(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}
