import { isCapDate } from './cap-model';

/** Every date-time form the envelope schema (ajv-formats `date-time`) accepts. */
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)$/;

interface Parts {
  date: string;
  time: string;
  seconds: number;
  fraction: string;
  offsetMinutes: number;
  /** ±HH:MM, or undefined for Z. */
  offset?: string;
}

function parts(timestamp: string): Parts | undefined {
  const m = RFC3339.exec(timestamp);
  if (!m) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMinutes = m[8] ? 0 : sign * (Number(m[10]) * 60 + Number(m[11] ?? '0'));
  return {
    date: `${m[1]}-${m[2]}-${m[3]}`,
    time: `${m[4]}:${m[5]}`,
    seconds: Number(m[6]),
    fraction: m[7] ?? '',
    offsetMinutes,
    offset: m[8] ? undefined : `${m[9]}${m[10]}:${m[11] ?? '00'}`,
  };
}

/** Milliseconds since the epoch; NaN when the text is not a date-time. */
export function epochMs(timestamp: string): number {
  const p = parts(timestamp);
  if (!p) return Date.parse(timestamp);
  const [year, month, day] = p.date.split('-').map(Number);
  const [hour, minute] = p.time.split(':').map(Number);
  const ms = Number(`0.${p.fraction || '0'}`) * 1000;
  // Date.UTC rolls a leap second (:60) over into the next minute, which is what it means.
  return Date.UTC(year, month - 1, day, hour, minute, p.seconds, Math.floor(ms)) - p.offsetMinutes * 60_000;
}

/** UTC ISO 8601 with milliseconds, the form the platform writes. */
export function utcIso(timestamp: string): string {
  const ms = epochMs(timestamp);
  if (Number.isNaN(ms)) throw new RangeError(`not a date-time: ${JSON.stringify(timestamp)}`);
  return new Date(ms).toISOString();
}

/**
 * CAP dateTime for an envelope timestamp: keeps the local time and offset, drops fractions of
 * a second, and writes UTC as -00:00, never Z (CAP 1.2 §3.3.2). A leap second becomes :59;
 * the exact value travels in a parameter.
 */
export function capDate(timestamp: string): string {
  const p = parts(timestamp);
  if (p) {
    const seconds = String(Math.min(p.seconds, 59)).padStart(2, '0');
    const candidate = `${p.date}T${p.time}:${seconds}${p.offset ?? '-00:00'}`;
    if (isCapDate(candidate)) return candidate;
  }
  return `${utcIso(timestamp).slice(0, 19)}-00:00`;
}

/** Envelope timestamps read from CAP are UTC ISO strings, like the ones the platform writes. */
export function isoFromCap(date: string): string {
  return utcIso(date);
}
