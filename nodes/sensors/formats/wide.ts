/**
 * Wide rows: one time and one sensor, many variables, either as the row's own numeric fields
 * ({ts, sensorId, no2: 41, pm10: 18}) or under `values` ({ts, sensorId, values: {...}}).
 * Fields that are not numbers (a status text, a flag) are metadata, not variables.
 */
import type { Collector } from '../reading';
import { isObject, pushReading, timeOf, toNumber } from '../reading';
import { pick, SENSOR_KEYS, TIME_KEYS } from './flat';

const RESERVED = new Set<string>([...TIME_KEYS, ...SENSOR_KEYS, 'location', 'zone', 'unit', 'units', 'values', 'topic']);

export function readWide(record: Record<string, unknown>, path: string, out: Collector): void {
  const ts = timeOf(pick(record, TIME_KEYS), out.ctx);
  const sensorId = pick(record, SENSOR_KEYS) ?? out.ctx.topic;
  const units = isObject(record.units) ? record.units : {};
  const fields = isObject(record.values) ? record.values : record;
  const base = isObject(record.values) ? `${path}.values` : path;
  let variables = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (fields === record && RESERVED.has(name)) continue;
    if (typeof value !== 'number' && Number.isNaN(toNumber(value))) {
      // Text in a values object is a mistake; text beside the values is metadata.
      if (fields !== record) out.reject(`${base}.${name}`, `value ${JSON.stringify(value)?.slice(0, 40)} is not a number`);
      continue;
    }
    variables += 1;
    pushReading(out, `${base}.${name}`, { ts, sensorId, variable: name, value, unit: units[name], location: record.location, zone: record.zone });
  }
  if (!variables && !out.rejected.length) out.reject(path, 'a wide row needs at least one numeric field besides time, sensor id, location and zone');
}
