/**
 * Replays a CSV file of readings at a speed factor: a row whose time is t after the first
 * row's goes out (t / speed) after the replay started; speed 0 sends rows as fast as the flow
 * takes them (yielding to the event loop every few hundred rows so the runtime stays
 * responsive). The file is streamed with a bounded read-ahead, so its length does not matter.
 *
 * Times can be shifted (`planShift`, given the file's first and last times): a detector that
 * has already seen a replay refuses rows older than what it scored, so a replayed history
 * that loops must move forward in time.
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

const WEEK = 7 * 86_400_000;

export type ReplayShift = 'none' | 'recent' | 'continue';

/**
 * How far to move a replay's times, in whole weeks so that the time of the week of every row
 * is kept. 'recent': the replay ends within the week before now (history looks like the last
 * weeks; a detector that already saw it must be reset before it sees it again). 'continue':
 * the first replay as 'recent', each later one starting after where the previous ended (a
 * detector keeps learning across replays; times move into the future).
 */
export function weeksShift(mode: ReplayShift, first: number, last: number, previousEnd: number | undefined, now: number): number {
  if (mode === 'none') return 0;
  if (mode === 'continue' && previousEnd !== undefined) return Math.ceil((previousEnd + 1 - first) / WEEK) * WEEK;
  return Math.floor((now - last) / WEEK) * WEEK;
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
  /** Milliseconds added to every row's time. */
  shiftMs = 0;

  constructor(
    readonly file: string,
    readonly speed: number,
    private readonly onRow: (row: ReplayRow, layout: CsvReadings, shiftMs: number) => void,
    private readonly onEnd: (err?: Error) => void,
    private readonly clock: Clock = systemClock,
    private readonly planShift?: (firstTs: number, lastTs: number) => number,
  ) {
    this.head = 0;
  }

  start(): void {
    if (!this.planShift) return this.stream_();
    peekTimes(this.file).then(
      ({ first, last }) => {
        if (this.stopped) return;
        this.shiftMs = this.planShift!(first, last);
        this.stream_();
      },
      (err) => this.fail(err as Error),
    );
  }

  private stream_(): void {
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
        this.onRow(row, this.layout!, this.shiftMs);
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

/** The first and last row times of a CSV file, from its head and its tail only. */
export async function peekTimes(file: string): Promise<{ first: number; last: number }> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const span = Math.min(size, 64 * 1024);
    const head = Buffer.alloc(span);
    await handle.read(head, 0, span, 0);
    const tail = Buffer.alloc(span);
    await handle.read(tail, 0, span, size - span);
    const headLines = head.toString('utf8').replace(/^\ufeff/, '').split(/\r?\n/);
    const tailLines = tail.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    const delimiter = sniffDelimiter(headLines[0]);
    const fieldsOf = (line: string) => {
      let fields: string[] = [];
      const parser = new CsvParser((f) => (fields = f), delimiter);
      parser.push(line);
      parser.end();
      return fields;
    };
    const layout = new CsvReadings(fieldsOf(headLines[0]));
    const first = layout.time(fieldsOf(headLines[1] ?? ''));
    const last = layout.time(fieldsOf(tailLines[tailLines.length - 1] ?? ''));
    if (!Number.isFinite(first) || !Number.isFinite(last)) throw new Error(`${file}: cannot read the times of its first and last rows`);
    return { first, last };
  } finally {
    await handle.close();
  }
}
