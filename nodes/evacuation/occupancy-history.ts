/**
 * Occupancy over time: one sample per counted area every `intervalMs` (5 minutes), kept for
 * `retentionMs` (8 days), from which the typical crowd of a time-of-day slot is learnt for the
 * scenario library (the median over the days seen of each day's largest count in the slot).
 *
 * **Memory is bounded**: the samples live in a ring of retention / interval slots (2,304 for
 * 8 days at 5 minutes) shared by all areas, one Float32Array column per area, for at most
 * MAX_HISTORY_AREAS areas: 2,304 × 4 bytes ≈ 9 KB an area, 18 MB at the cap. A sample of a
 * later interval overwrites the oldest; an area with no counter, or whose counters have gone
 * silent, is not sampled (a guess or a stale count would teach the profile nothing true).
 *
 * Time of day is local time in the site's time zone, worked out by Intl once per sample, so a
 * slot means the same wall-clock hours either side of a daylight-saving change.
 */
import { localClock } from './occupancy';
import type { AreaOccupancy } from './occupancy';
import { inSlot } from './times-of-day';

export interface HistoryOptions {
  /** One sample per area per this many ms (default 5 minutes). */
  intervalMs?: number;
  /** How long samples are kept (default 8 days). */
  retentionMs?: number;
  timeZone?: string;
}

/** Areas with a history at most: beyond them a site's areas are not sampled (see above). */
export const MAX_HISTORY_AREAS = 2000;
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

/** The typical people per area in a slot, and on how many days it was seen. */
export interface SlotProfile {
  people: Map<string, number>;
  days: number;
}

/**
 * A history as saved (persist: SavedState from the anomaly area, as bacteria and social keep
 * theirs): the ring's typed arrays as base64, about 12 KB an area, so the learnt crowd outlives a
 * restart or a redeploy. The interval and retention are kept to refuse a history made with others.
 */
export interface SavedHistory {
  intervalMs: number;
  retentionMs: number;
  head: number;
  latest: number;
  interval: string;
  day: string;
  minute: string;
  columns: Record<string, string>;
}

const base64 = (a: Float64Array | Float32Array | Int32Array | Int16Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Fills `into` from base64, refusing text of another length. */
function fromBase64<T extends Float64Array | Float32Array | Int32Array | Int16Array>(text: unknown, into: T, what: string): T {
  if (typeof text !== 'string') throw new Error(`saved occupancy history: ${what} is not base64 text`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== into.byteLength) throw new Error(`saved occupancy history: ${what} holds ${bytes.length} bytes, not ${into.byteLength}`);
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes);
  return into;
}

export class OccupancyHistory {
  readonly intervalMs: number;
  readonly retentionMs: number;
  /** Ring slots: which interval each holds (-1: none yet), its local day number and minute. */
  private readonly interval: Float64Array;
  private readonly day: Int32Array;
  private readonly minute: Int16Array;
  private readonly columns = new Map<string, Float32Array>();
  private head = 0;
  private latest = -Infinity;

  constructor(private readonly options: HistoryOptions = {}) {
    this.intervalMs = options.intervalMs ?? 5 * MINUTE;
    this.retentionMs = options.retentionMs ?? 8 * DAY;
    if (!(this.intervalMs >= 1000) || !(this.retentionMs >= this.intervalMs)) throw new Error(`occupancy history: interval ${this.intervalMs} ms and retention ${this.retentionMs} ms must be at least 1 s and retention ≥ interval`);
    const capacity = Math.ceil(this.retentionMs / this.intervalMs);
    this.interval = new Float64Array(capacity).fill(-1);
    this.day = new Int32Array(capacity);
    this.minute = new Int16Array(capacity);
  }

  /** Samples held now (all areas together count one per interval). */
  get size(): number {
    let n = 0;
    for (const i of this.interval) if (i >= 0 && i > this.latest - this.interval.length) n++;
    return n;
  }

  get areas(): number {
    return this.columns.size;
  }

  /** Whether a snapshot at `now` would be taken: ask before making one, so the counters' hot path stays cheap. */
  wants(now: number): boolean {
    return Math.floor(now / this.intervalMs) > this.latest;
  }

  /**
   * Takes a snapshot at `now` if no sample of its interval is held yet; returns whether it did.
   * Cheap to call on every reading: a second call in the same interval returns at once.
   */
  record(now: number, areas: readonly AreaOccupancy[]): boolean {
    if (!this.wants(now)) return false;
    const at = Math.floor(now / this.intervalMs);
    const counted = areas.filter((a) => a.source !== 'none' && !a.silent);
    if (!counted.length) return false;
    this.latest = at;
    const slot = this.head;
    this.head = (this.head + 1) % this.interval.length;
    const clock = localClock(now, this.options.timeZone ?? 'UTC');
    this.interval[slot] = at;
    this.day[slot] = clock.day;
    this.minute[slot] = Math.floor(clock.minute);
    for (const column of this.columns.values()) column[slot] = NaN;
    for (const a of counted) {
      let column = this.columns.get(a.areaId);
      if (!column) {
        if (this.columns.size >= MAX_HISTORY_AREAS) continue;
        column = new Float32Array(this.interval.length).fill(NaN);
        this.columns.set(a.areaId, column);
      }
      column[slot] = a.people;
    }
    return true;
  }

  toJSON(): SavedHistory {
    return {
      intervalMs: this.intervalMs,
      retentionMs: this.retentionMs,
      head: this.head,
      latest: Number.isFinite(this.latest) ? this.latest : -1,
      interval: base64(this.interval),
      day: base64(this.day),
      minute: base64(this.minute),
      columns: Object.fromEntries([...this.columns].map(([area, column]) => [area, base64(column)])),
    };
  }

  /**
   * Takes a saved history back; throws (leaving this one as it was) when it was made with another
   * interval or retention, or does not fit. Areas the site no longer has are dropped.
   */
  restore(saved: unknown, areas: ReadonlySet<string>): void {
    const s = saved as Partial<SavedHistory> | null;
    if (!s || typeof s !== 'object') throw new Error('saved occupancy history: not an object');
    if (s.intervalMs !== this.intervalMs || s.retentionMs !== this.retentionMs) throw new Error(`saved occupancy history: made with ${String(s.intervalMs)} ms samples kept ${String(s.retentionMs)} ms, not ${this.intervalMs} / ${this.retentionMs}`);
    const n = this.interval.length;
    if (!Number.isInteger(s.head) || (s.head as number) < 0 || (s.head as number) >= n || typeof s.latest !== 'number') throw new Error('saved occupancy history: bad ring position');
    if (!s.columns || typeof s.columns !== 'object') throw new Error('saved occupancy history: no columns');
    const interval = fromBase64(s.interval, new Float64Array(n), 'interval');
    const day = fromBase64(s.day, new Int32Array(n), 'day');
    const minute = fromBase64(s.minute, new Int16Array(n), 'minute');
    const columns = new Map<string, Float32Array>();
    for (const [area, text] of Object.entries(s.columns)) {
      if (areas.has(area) && columns.size < MAX_HISTORY_AREAS) columns.set(area, fromBase64(text, new Float32Array(n), `area ${area}`));
    }
    this.interval.set(interval);
    this.day.set(day);
    this.minute.set(minute);
    this.columns.clear();
    for (const [area, column] of columns) this.columns.set(area, column);
    this.head = s.head as number;
    this.latest = s.latest < 0 ? -Infinity : s.latest;
  }

  /** The last interval sampled: it changes when a sample is taken (what a saver watches). */
  get lastSampled(): number {
    return this.latest;
  }

  /**
   * The typical crowd from `from` to `to` (minutes after local midnight; a slot that passes
   * midnight, to < from, belongs to the day it starts on): per area, the median over the days
   * seen of that day's largest count in the slot. The largest, because a plan is for the crowd
   * at its peak; the median of days, so one odd day (a concert) does not set it alone.
   */
  typical(from: number, to: number): SlotProfile | undefined {
    const wraps = to <= from;
    const peaks = new Map<string, Map<number, number>>();
    const days = new Set<number>();
    for (let i = 0; i < this.interval.length; i++) {
      if (this.interval[i] < 0 || this.interval[i] <= this.latest - this.interval.length) continue;
      const m = this.minute[i];
      if (!inSlot(m, from, to)) continue;
      const day = wraps && m < to ? this.day[i] - 1 : this.day[i];
      days.add(day);
      for (const [area, column] of this.columns) {
        const v = column[i];
        if (Number.isNaN(v)) continue;
        let byDay = peaks.get(area);
        if (!byDay) peaks.set(area, (byDay = new Map()));
        byDay.set(day, Math.max(byDay.get(day) ?? 0, v));
      }
    }
    if (!days.size) return undefined;
    const people = new Map<string, number>();
    for (const [area, byDay] of peaks) people.set(area, Math.round(median([...byDay.values()])));
    return { people, days: days.size };
  }
}

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
