/**
 * Flat records, one reading each: {ts, sensorId, variable, value, unit?, location?, zone?},
 * with the common aliases (timestamp/time, sensor/deviceId, name/property), alone or in an
 * array. The sensor id may also come from msg.topic or the node.
 */
import type { Collector } from '../reading';
import { pushReading, timeOf } from '../reading';

export const TIME_KEYS = ['ts', 'timestamp', 'time', 'dateObserved', 'observedAt'] as const;
export const SENSOR_KEYS = ['sensorId', 'sensor', 'deviceId', 'device', 'id'] as const;

export function pick(record: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const k of keys) if (record[k] !== undefined) return record[k];
  return undefined;
}

export function isFlat(record: Record<string, unknown>): boolean {
  return 'value' in record && ('variable' in record || 'property' in record || ('name' in record && !('values' in record)));
}

export function readFlat(record: Record<string, unknown>, path: string, out: Collector): void {
  pushReading(out, path, {
    ts: timeOf(pick(record, TIME_KEYS), out.ctx),
    sensorId: pick(record, SENSOR_KEYS) ?? out.ctx.topic,
    variable: record.variable ?? record.property ?? record.name,
    value: record.value,
    unit: record.unit,
    location: record.location,
    zone: record.zone,
  });
}
