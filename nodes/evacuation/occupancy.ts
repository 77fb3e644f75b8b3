/**
 * People per area from people counters, as the sensor source delivers them (readings
 * `{ts, sensorId, variable, value, zone?}`), with a confidence per area.
 *
 * - **Area counters** (camera or Wi-Fi occupancy): variable `occupancy`, `people` or `count`;
 *   the value is the number of people in the area.
 * - **Line counters** at the area's doors: variables `in` / `entries` and `out` / `exits`,
 *   cumulative totals (a total that falls is a counter reset: the new total counts from 0).
 *   Occupancy = entries − exits since the area was last known to be empty.
 *
 * **Drift**: line counters miss people, so in − out does not return to zero when the site
 * empties. At the site's empty time each day (e.g. 04:00) the residual is taken as drift: its
 * rate per hour of counting is learnt (smoothed over days) and subtracted from later counts,
 * and the count restarts from zero. A large residual relative to the day's traffic lowers the
 * confidence. **Silence**: an area whose counters have sent nothing for `silentAfterMs` keeps
 * its last count with a confidence that halves every further `silentAfterMs`.
 *
 * The area is the reading's `zone` when that names an area, else the counter's mapping
 * (sensor id → area), else the sensor id itself.
 */

export interface CounterReading {
  ts: number;
  sensorId: string;
  variable: string;
  value: number;
  zone?: string;
}

export interface OccupancyOptions {
  /** Area ids and floor areas (m²): a count above MAX_DENSITY × area is refused as absurd. */
  areas: ReadonlyMap<string, number>;
  /** Counter id → area id, for counters whose readings do not name the area. */
  counters?: ReadonlyMap<string, string>;
  silentAfterMs?: number;
  /** Minutes after midnight, in `timeZone`, when the site is known to be empty (drift reset). */
  emptyAtMinute?: number;
  timeZone?: string;
}

export interface AreaOccupancy {
  areaId: string;
  people: number;
  /** 0 (guess) … 1 (fresh, drift-free counts). */
  confidence: number;
  source: 'area-counter' | 'line-counter' | 'none';
  /** Counters silent for longer than silentAfterMs. */
  silent: boolean;
  /** People per hour of counting removed as drift (line counters). */
  driftPerHour?: number;
}

/** No crowd is denser than this (people/m²): above it a count is an error, not a crowd. */
export const MAX_DENSITY = 9;
const OCCUPANCY_VARS = new Set(['occupancy', 'people', 'count']);
const IN_VARS = new Set(['in', 'entries']);
const OUT_VARS = new Set(['out', 'exits']);
const DAY_MS = 86_400_000;

interface AreaState {
  source: AreaOccupancy['source'];
  absolute?: number;
  entered: number;
  left: number;
  lastTotals: Map<string, number>;
  since: number;
  throughput: number;
  driftPerMs: number;
  driftSeen: boolean;
  confidence: number;
  lastSeen: number;
}

export class OccupancyTracker {
  private readonly state = new Map<string, AreaState>();
  private nextEmpty: number | undefined;

  constructor(private readonly options: OccupancyOptions) {}

  private areaOf(r: CounterReading): string {
    if (r.zone && this.options.areas.has(r.zone)) return r.zone;
    const mapped = this.options.counters?.get(r.sensorId);
    if (mapped) return mapped;
    if (this.options.areas.has(r.sensorId)) return r.sensorId;
    throw new Error(`counter "${r.sensorId}"${r.zone ? ` (zone "${r.zone}")` : ''} belongs to no area of the site: name the area in the reading's zone or in the counter mapping`);
  }

  private area(id: string, ts: number): AreaState {
    let s = this.state.get(id);
    if (!s) {
      s = { source: 'none', entered: 0, left: 0, lastTotals: new Map(), since: ts, throughput: 0, driftPerMs: 0, driftSeen: false, confidence: 1, lastSeen: ts };
      this.state.set(id, s);
    }
    return s;
  }

  /** Takes one reading; throws a clear error for a reading that cannot be a count. Returns the area it updated. */
  add(r: CounterReading, arrivedAt: number = r.ts): string {
    if (!Number.isFinite(r.value)) throw new Error(`counter "${r.sensorId}": ${r.variable} ${r.value} is not a number`);
    const v = r.variable.toLowerCase();
    const isArea = OCCUPANCY_VARS.has(v);
    if (!isArea && !IN_VARS.has(v) && !OUT_VARS.has(v)) throw new Error(`counter "${r.sensorId}": variable "${r.variable}" is not a people count (occupancy, people, count, in, out, entries, exits)`);
    if (r.value < 0) throw new Error(`counter "${r.sensorId}": negative ${r.variable} ${r.value}`);
    const id = this.areaOf(r);
    const m2 = this.options.areas.get(id) as number;
    if (isArea && r.value > MAX_DENSITY * m2) throw new Error(`counter "${r.sensorId}": ${r.value} people in ${m2} m² of "${id}" is more than ${MAX_DENSITY} per m²: refused as absurd`);
    this.rollEmpty(r.ts);
    const s = this.area(id, r.ts);
    s.lastSeen = Math.max(s.lastSeen, arrivedAt);
    if (isArea) {
      s.source = 'area-counter';
      s.absolute = r.value;
      s.confidence = 1;
      return id;
    }
    if (s.source !== 'area-counter') s.source = 'line-counter';
    const key = `${r.sensorId}/${IN_VARS.has(v) ? 'in' : 'out'}`;
    const before = s.lastTotals.get(key);
    s.lastTotals.set(key, r.value);
    // The first total of a counter only sets where it stands; a falling total is a reset.
    const delta = before === undefined ? 0 : r.value >= before ? r.value - before : r.value;
    if (delta > MAX_DENSITY * m2) throw new Error(`counter "${r.sensorId}": ${delta} ${r.variable} at once in "${id}" is more than the area can hold: refused as absurd`);
    if (IN_VARS.has(v)) s.entered += delta;
    else s.left += delta;
    s.throughput += delta;
    return id;
  }

  /** At each passing empty time: take the residual as drift and restart counting from zero. */
  private rollEmpty(ts: number): void {
    if (this.options.emptyAtMinute === undefined) return;
    if (this.nextEmpty === undefined) this.nextEmpty = nextEmptyTime(ts, this.options.emptyAtMinute, this.options.timeZone ?? 'UTC');
    while (ts >= this.nextEmpty) {
      for (const s of this.state.values()) {
        if (s.source !== 'line-counter') continue;
        const counted = Math.max(1, this.nextEmpty - s.since);
        const residual = s.entered - s.left;
        const rate = residual / counted;
        // Smoothed over days: one odd day (a late event) does not set the correction alone.
        s.driftPerMs = s.driftSeen ? 0.7 * s.driftPerMs + 0.3 * rate : rate;
        s.driftSeen = true;
        s.confidence = Math.max(0.2, 1 - Math.abs(residual) / Math.max(20, s.throughput));
        s.entered = 0;
        s.left = 0;
        s.throughput = 0;
        s.since = this.nextEmpty;
      }
      this.nextEmpty += DAY_MS;
    }
  }

  snapshot(now: number): AreaOccupancy[] {
    const silentAfter = this.options.silentAfterMs ?? 0;
    const out: AreaOccupancy[] = [];
    for (const id of this.options.areas.keys()) {
      const s = this.state.get(id);
      if (!s) {
        out.push({ areaId: id, people: 0, confidence: 0, source: 'none', silent: false });
        continue;
      }
      let people: number;
      let confidence = s.confidence;
      let driftPerHour: number | undefined;
      if (s.source === 'area-counter') people = s.absolute ?? 0;
      else {
        const raw = s.entered - s.left;
        people = raw - s.driftPerMs * Math.max(0, now - s.since);
        driftPerHour = Math.round(s.driftPerMs * 3_600_000 * 100) / 100;
        // More people out than in: counts have gone wrong; nobody is a safe floor, not a sure one.
        if (people < 0) confidence = Math.min(confidence, 0.5);
      }
      const age = now - s.lastSeen;
      const silent = silentAfter > 0 && age > silentAfter;
      if (silent) confidence *= 0.5 ** (age / silentAfter - 1);
      out.push({ areaId: id, people: Math.max(0, Math.round(people)), confidence: Math.round(confidence * 100) / 100, source: s.source, silent, ...(driftPerHour !== undefined ? { driftPerHour } : {}) });
    }
    return out;
  }
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/**
 * Local wall-clock time in `timeZone`: the local date as a day number (days since 1970-01-01)
 * and the minute of that day (with seconds as a fraction). The formatter is built once per zone.
 */
export function localClock(ts: number, timeZone: string): { day: number; minute: number } {
  let format = clocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    clocks.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(ts));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { day: Date.UTC(get('year'), get('month') - 1, get('day')) / DAY_MS, minute: get('hour') * 60 + get('minute') + get('second') / 60 + (((ts % 1000) + 1000) % 1000) / 60_000 };
}

/** The first moment at or after `ts` when local time in `timeZone` is `minute` minutes after midnight. */
export function nextEmptyTime(ts: number, minute: number, timeZone: string): number {
  let ahead = minute - localClock(ts, timeZone).minute;
  if (ahead <= 0) ahead += 1440;
  return ts + Math.round(ahead * 60_000);
}
