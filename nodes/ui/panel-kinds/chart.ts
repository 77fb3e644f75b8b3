/**
 * Chart panel state: time series in fixed-size rings (the bounded history buffer), or bar sets
 * that each message replaces. The client draws them with chart.js and its decimation plugin, so
 * a long series costs the browser a few hundred drawn points, not the whole buffer.
 */
import type { PanelState } from '../../platform';

export interface ChartOptions {
  type: 'line' | 'bar';
  yLabel: string;
  /** Points kept per series; the oldest fall off. */
  maxPoints: number;
  maxSeries: number;
  /** Horizontal reference lines, e.g. a detector's threshold. */
  thresholds: Array<{ value: number; label: string }>;
  /** Points the browser draws per series at most (LTTB decimation). */
  samples: number;
}

/** One series: x (ms), y, and an optional band (low/high, NaN when absent), oldest first. */
class SeriesRing {
  private readonly data: Float64Array;
  private start = 0;
  length = 0;

  constructor(private readonly capacity: number) {
    this.data = new Float64Array(capacity * 4);
  }

  push(x: number, y: number, low: number, high: number): void {
    const i = ((this.start + this.length) % this.capacity) * 4;
    this.data.set([x, y, low, high], i);
    if (this.length < this.capacity) this.length += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  points(): number[][] {
    const out: number[][] = [];
    for (let k = 0; k < this.length; k += 1) {
      const i = ((this.start + k) % this.capacity) * 4;
      out.push(pointOf(this.data[i], this.data[i + 1], this.data[i + 2], this.data[i + 3]));
    }
    return out;
  }
}

/** [x, y] or [x, y, low, high]: compact on the wire. */
function pointOf(x: number, y: number, low: number, high: number): number[] {
  return Number.isNaN(low) ? [x, y] : [x, y, low, high];
}

export interface ChartSample {
  series: string;
  x: number;
  y: number;
  low?: number;
  high?: number;
  /** Draw the series as marks (points, no line): anomalies, shifts, events on another series. */
  mark?: boolean;
}

const SERIES_NAME_MAX = 64;

export class ChartState implements PanelState {
  private readonly series = new Map<string, SeriesRing>();
  /** Series drawn as marks; a series becomes one with its first marked sample. */
  private readonly marks = new Set<string>();
  private newMarks: string[] = [];
  private bars = new Map<string, Record<string, number>>();
  private pending: Array<[string, ...number[]]> = [];
  private reset = false;

  constructor(readonly options: ChartOptions & Record<string, unknown>) {}

  private checkSeries(name: string): void {
    if (typeof name !== 'string' || !name || name.length > SERIES_NAME_MAX) throw new TypeError(`the series name (msg.topic) must be a string of 1–${SERIES_NAME_MAX} characters`);
    if (!this.series.has(name) && !this.bars.has(name) && this.series.size + this.bars.size >= this.options.maxSeries) {
      throw new RangeError(`at most ${this.options.maxSeries} series per chart; "${name}" would be one more`);
    }
  }

  add(sample: ChartSample): void {
    if (this.options.type !== 'line') throw new TypeError('a bar chart takes an object of label → number in msg.payload');
    const { series, x, y } = sample;
    this.checkSeries(series);
    for (const [k, v] of Object.entries({ x, y, low: sample.low, high: sample.high })) {
      if (v !== undefined && !Number.isFinite(v)) throw new TypeError(`${k} must be a finite number, got ${String(v)}`);
    }
    const hasBand = sample.low !== undefined && sample.high !== undefined;
    let ring = this.series.get(series);
    if (!ring) this.series.set(series, (ring = new SeriesRing(this.options.maxPoints)));
    ring.push(x, y, hasBand ? sample.low! : NaN, hasBand ? sample.high! : NaN);
    if (sample.mark && !this.marks.has(series)) {
      this.marks.add(series);
      this.newMarks.push(series);
    }
    if (this.reset) return;
    this.pending.push([series, ...pointOf(x, y, hasBand ? sample.low! : NaN, hasBand ? sample.high! : NaN)]);
    // A burst between two flushes larger than the whole buffer: send the buffer instead.
    if (this.pending.length > this.options.maxPoints * Math.max(1, this.series.size)) {
      this.pending = [];
      this.reset = true;
    }
  }

  setBars(series: string, values: Record<string, unknown>): void {
    if (this.options.type !== 'bar') throw new TypeError('a line chart takes a number, or { x, y, low, high }, in msg.payload');
    this.checkSeries(series);
    const entries = Object.entries(values);
    // No bars: the series goes (an evacuation what-if taken off the chart beside the live times).
    if (!entries.length) {
      if (this.bars.delete(series)) this.reset = true;
      return;
    }
    if (entries.length > 200) throw new RangeError('at most 200 bars per series');
    const clean: Record<string, number> = {};
    for (const [label, v] of entries) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`bar "${label}" must be a finite number`);
      clean[label.slice(0, 64)] = v;
    }
    this.bars.set(series, clean);
    this.reset = true;
  }

  clear(): void {
    this.series.clear();
    this.marks.clear();
    this.newMarks = [];
    this.bars.clear();
    this.pending = [];
    this.reset = true;
  }

  snapshot(): unknown {
    if (this.options.type === 'bar') return { bars: [...this.bars.entries()].map(([name, values]) => ({ name, values })) };
    return { series: [...this.series.entries()].map(([name, ring]) => ({ name, points: ring.points(), ...(this.marks.has(name) ? { mark: true } : {}) })) };
  }

  takeUpdate(): unknown {
    if (this.reset) {
      this.reset = false;
      this.pending = [];
      this.newMarks = [];
      return { reset: this.snapshot() };
    }
    if (!this.pending.length) return undefined;
    const points = this.pending;
    this.pending = [];
    if (!this.newMarks.length) return { points };
    const marks = this.newMarks;
    this.newMarks = [];
    return { points, marks };
  }
}
