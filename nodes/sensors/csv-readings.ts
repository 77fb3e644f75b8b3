/**
 * CSV rows as readings, for replaying files and for CSV posted over HTTP. The header decides
 * the layout:
 *
 * - wide: `timestamp` plus one column per variable (the backtest CLI's input), optionally
 *   `sensorId`, `zone`, `lat` and `lon` columns;
 * - flat: `timestamp`, `sensorId`, `variable`, `value` (and optionally `unit`, `zone`, `lat`,
 *   `lon`), one reading per row.
 *
 * Empty, NA and NaN cells are missing values, not errors.
 */
import type { Collector } from './reading';
import { pushReading } from './reading';
import { parseTime } from './time';

const TIME = ['timestamp', 'ts', 'time'];
const SENSOR = ['sensorid', 'sensor'];
const META = new Set([...TIME, ...SENSOR, 'zone', 'lat', 'lon', 'latitude', 'longitude', 'unit', 'variable', 'value']);
const MISSING = new Set(['', 'na', 'nan', 'null', '-']);

export class CsvLayoutError extends Error {}

export class CsvReadings {
  private readonly col: Record<'time' | 'sensor' | 'zone' | 'lat' | 'lon' | 'variable' | 'value' | 'unit', number>;
  private readonly values: Array<{ name: string; index: number }>;
  readonly width: number;

  constructor(header: string[]) {
    const names = header.map((h) => h.trim());
    const lower = names.map((h) => h.toLowerCase());
    const find = (...keys: string[]) => lower.findIndex((h) => keys.includes(h));
    this.width = names.length;
    this.col = {
      time: find(...TIME),
      sensor: find(...SENSOR),
      zone: find('zone'),
      lat: find('lat', 'latitude'),
      lon: find('lon', 'longitude'),
      variable: find('variable'),
      value: find('value'),
      unit: find('unit'),
    };
    if (this.col.time < 0) throw new CsvLayoutError(`the CSV header needs a timestamp column, found ${names.map((n) => JSON.stringify(n)).join(', ')}`);
    const flat = this.col.variable >= 0 && this.col.value >= 0;
    this.values = flat ? [] : names.map((name, index) => ({ name, index })).filter((c) => !META.has(c.name.toLowerCase()));
    if (!flat && !this.values.length) throw new CsvLayoutError('the CSV header has no value columns (wide) and no variable/value pair (flat)');
  }

  /** The row's time, for scheduling a replay (NaN when unreadable). */
  time(fields: string[]): number {
    return parseTime(fields[this.col.time]?.trim());
  }

  /** Reads one row; `shiftMs` moves its time (a replay that continues a previous one). */
  read(fields: string[], line: number, out: Collector, shiftMs = 0): void {
    const where = `line ${line}`;
    if (fields.length !== this.width) return out.reject(where, `${fields.length} fields where the header has ${this.width}`);
    const cell = (i: number) => (i >= 0 ? fields[i].trim() : undefined);
    const ts = this.time(fields) + shiftMs;
    const lat = cell(this.col.lat);
    const lon = cell(this.col.lon);
    const common = {
      ts,
      sensorId: cell(this.col.sensor) || undefined,
      location: lat && lon ? { lat, lon } : undefined,
      zone: cell(this.col.zone) || undefined,
    };
    if (!this.values.length) {
      const value = cell(this.col.value)!;
      if (MISSING.has(value.toLowerCase())) return;
      pushReading(out, where, { ...common, variable: cell(this.col.variable), value, unit: cell(this.col.unit) || undefined });
      return;
    }
    for (const c of this.values) {
      const value = fields[c.index].trim();
      if (MISSING.has(value.toLowerCase())) continue;
      pushReading(out, `${where} ${c.name}`, { ...common, variable: c.name, value });
    }
  }
}

