/**
 * The one shape every city sensor reading takes inside IMPETUS, whatever format it arrived in,
 * and the helpers the format readers share. A reader never throws on bad data: it returns what
 * it could read and, for the rest, where and why it was rejected, so that one bad record in a
 * batch neither hides the good ones nor disappears unreported.
 */
import { parseTime } from './time';

export interface Point {
  type: 'Point';
  /** Longitude, latitude (GeoJSON order). */
  coordinates: [number, number];
}

export interface Reading {
  /** Epoch milliseconds. */
  ts: number;
  sensorId: string;
  variable: string;
  value: number;
  unit?: string;
  location?: Point;
  zone?: string;
}

export interface Rejection {
  /** Where in the payload, e.g. data[2].temperature. */
  path: string;
  reason: string;
}

export interface ParseContext {
  /** The message's arrival time: used for readings that carry no time of their own. */
  now: number;
  /** msg.topic, which MQTT and SensorThings use to name the sensor or datastream. */
  topic?: string;
  defaults: { sensorId?: string; zone?: string; location?: Point };
  /** Readings beyond this many make the message oversized. */
  maxReadings: number;
}

export interface Parsed {
  readings: Reading[];
  rejected: Rejection[];
}

export class OversizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OversizedError';
  }
}

/** Collects readings and rejections, and enforces the size limit as it goes. */
export class Collector implements Parsed {
  readings: Reading[] = [];
  rejected: Rejection[] = [];
  constructor(readonly ctx: ParseContext) {}

  add(r: Reading): void {
    if (this.readings.length >= this.ctx.maxReadings) throw new OversizedError(`more than ${this.ctx.maxReadings} readings in one message (maxReadings)`);
    this.readings.push(r);
  }

  reject(path: string, reason: string): void {
    // Bounded too: a payload of a million bad records must not build a million messages.
    if (this.rejected.length < 100) this.rejected.push({ path, reason });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A finite number, or a string holding one; NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.trim() !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) return Number(v);
  return NaN;
}

const validLonLat = (lon: number, lat: number) => Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90;

/**
 * A position from the usual spellings: a GeoJSON Point, {lat, lon|lng}, [lon, lat], or the
 * NGSI-v2 geo:point text "lat, lon". Undefined when absent or not a valid position.
 */
export function toPoint(v: unknown): Point | undefined {
  if (isObject(v)) {
    if (v.type === 'Point' && Array.isArray(v.coordinates)) return toPoint(v.coordinates);
    const lat = toNumber(v.lat ?? v.latitude);
    const lon = toNumber(v.lon ?? v.lng ?? v.long ?? v.longitude);
    return validLonLat(lon, lat) ? { type: 'Point', coordinates: [lon, lat] } : undefined;
  }
  if (Array.isArray(v) && v.length >= 2) {
    const lon = toNumber(v[0]);
    const lat = toNumber(v[1]);
    return validLonLat(lon, lat) ? { type: 'Point', coordinates: [lon, lat] } : undefined;
  }
  if (typeof v === 'string') {
    const m = /^\s*([+-]?[\d.]+)\s*,\s*([+-]?[\d.]+)\s*$/.exec(v);
    if (!m) return undefined;
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    return validLonLat(lon, lat) ? { type: 'Point', coordinates: [lon, lat] } : undefined;
  }
  return undefined;
}

/** A reading's time: the record's own if given (and then it must parse), else arrival time. */
export function timeOf(value: unknown, ctx: ParseContext): number {
  if (value === undefined || value === null || value === '') return ctx.now;
  return parseTime(value);
}

/** Identifiers and variable names: 1 to 128 characters, no control characters, not blank. */
export function validName(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128 || v.trim() === '') return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 32) return false;
  return true;
}

/** A short name for a URI-named attribute (NGSI-LD expanded names): the part after the last / or #. */
export function shortName(name: string): string {
  const m = /[/#]([^/#]+)$/.exec(name);
  return m && /^[a-z][a-z0-9+.-]*:/i.test(name) ? m[1] : name;
}

/** Builds a reading from parts, or records why it cannot. */
export function pushReading(
  out: Collector,
  path: string,
  parts: { ts: number; sensorId: unknown; variable: unknown; value: unknown; unit?: unknown; location?: unknown; zone?: unknown },
): void {
  const { ctx } = out;
  const sensorId = parts.sensorId ?? ctx.defaults.sensorId;
  if (!validName(sensorId)) return out.reject(path, `no usable sensor id (got ${JSON.stringify(sensorId)}); set one on the node or send it in the record`);
  if (!validName(parts.variable)) return out.reject(path, `no usable variable name (got ${JSON.stringify(parts.variable)})`);
  if (!Number.isFinite(parts.ts)) return out.reject(path, 'the time is not an ISO 8601 time or epoch seconds/milliseconds');
  const value = toNumber(parts.value);
  if (Number.isNaN(value)) return out.reject(path, `value ${JSON.stringify(parts.value)?.slice(0, 40)} is not a number`);
  const reading: Reading = { ts: parts.ts, sensorId, variable: parts.variable, value };
  if (typeof parts.unit === 'string' && parts.unit) reading.unit = parts.unit.slice(0, 32);
  const location = parts.location === undefined ? ctx.defaults.location : toPoint(parts.location);
  if (parts.location !== undefined && !location) return out.reject(path, `location ${JSON.stringify(parts.location)?.slice(0, 60)} is not a GeoJSON Point, {lat, lon} or "lat, lon"`);
  if (location) reading.location = location;
  const zone = parts.zone ?? ctx.defaults.zone;
  if (validName(zone)) reading.zone = zone;
  out.add(reading);
}
