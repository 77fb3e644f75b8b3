/**
 * Replays a CSV file of readings at a speed factor: a row whose time is t after the first
 * row's goes out (t / speed) after the replay started; speed 0 sends rows as fast as the flow
 * takes them (yielding to the event loop every few hundred rows so the runtime stays
 * responsive). The file is streamed with a bounded read-ahead, so its length does not matter.
 */
import * as fs from 'node:fs';
import { systemClock } from '../notify/delivery/clock';
import type { Clock } from '../notify/delivery/clock';
import { CsvError, CsvParser, sniffDelimiter } from './csv';
import { CsvReadings } from './csv-readings';

export interface ReplayRow {
  fields: string[];
  line: number;
}

const READ_AHEAD = 500;
const RESUME_BELOW = 100;
const BURST = 200;

export class CsvReplay {
  private stream: fs.ReadStream | undefined;
  private queue: Array<ReplayRow & { ts: number }> = [];
  private head: number;
  private timer: unknown;
  private immediate: NodeJS.Immediate | undefined;
  private ended = false;
  private stopped = false;
  private firstTs = NaN;
  private startWall = 0;
  layout: CsvReadings | undefined;
  rows = 0;

  constructor(
    readonly file: string,
    readonly speed: number,
    private readonly onRow: (row: ReplayRow, layout: CsvReadings) => void,
    private readonly onEnd: (err?: Error) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.head = 0;
  }

  start(): void {
    this.startWall = this.clock.now();
    const stream = fs.createReadStream(this.file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
    this.stream = stream;
    let parser: CsvParser | undefined;
    const onFields = (fields: string[], line: number) => {
      if (!this.layout) {
        this.layout = new CsvReadings(fields);
        return;
      }
      this.queue.push({ fields, line, ts: this.layout.time(fields) });
      if (this.queue.length - this.head >= READ_AHEAD) stream.pause();
    };
    stream.on('data', (chunk) => {
      try {
        parser ??= new CsvParser(onFields, sniffDelimiter(String(chunk).split(/\r?\n/, 1)[0]));
        parser.push(String(chunk));
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.pump();
    });
    stream.on('end', () => {
      try {
        parser?.end();
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.ended = true;
      if (!this.layout) this.fail(new Error(`${this.file} is empty: expected a header line with a timestamp column`));
      else this.pump();
    });
    stream.on('error', (err) => this.fail(err));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stream?.destroy();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  get running(): boolean {
    return !this.stopped;
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stop();
    this.onEnd(err instanceof CsvError ? new Error(`${this.file} ${err.message}`) : err);
  }

  private pump = (): void => {
    // Called by its timer, or early by new data: either way one schedule at a time.
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.stopped) return;
    let burst = 0;
    while (this.head < this.queue.length) {
      const row = this.queue[this.head];
      if (this.speed > 0 && Number.isFinite(row.ts)) {
        if (Number.isNaN(this.firstTs)) this.firstTs = row.ts;
        const due = this.startWall + (row.ts - this.firstTs) / this.speed;
        const wait = due - this.clock.now();
        if (wait > 0) {
          this.timer ??= this.clock.setTimer(this.pump, Math.min(wait, 2_147_000_000));
          return;
        }
      } else if (burst >= BURST) {
        this.immediate ??= setImmediate(this.pump);
        return;
      }
      this.head += 1;
      burst += 1;
      this.rows += 1;
      try {
        this.onRow(row, this.layout!);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (this.stopped) return;
    }
    // Drop what was sent, and read more once the queue runs low.
    if (this.head > 0) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.queue.length < RESUME_BELOW) this.stream?.resume();
    if (this.ended && this.queue.length === 0) {
      this.stopped = true;
      this.onEnd();
    }
  };
}
