/**
 * Follows a growing line file (Suricata's eve.json) across rotations, like `tail -F`.
 *
 * Polled, not fs.watch: inotify misses writes on network file systems and inside some
 * containers, and a rotation by rename must be seen even when no event arrives. Each poll reads
 * what was appended; a file whose inode changed (rotated by rename) is read to its end before the
 * new one is opened; a file that shrank (rotated by copytruncate) is read again from the start.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface TailOptions {
  /** Milliseconds between polls. */
  pollMs: number;
  /** Start at the beginning of the file (replay) rather than its end. */
  fromStart: boolean;
  /** Longest line; a longer one is skipped and reported. */
  maxLine: number;
}

const CHUNK = 256 * 1024;

export class LineTail {
  private fd?: number;
  private ino?: number;
  private pos = 0;
  private partial = '';
  private decoder = new StringDecoder('utf8');
  private skipping = false;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly onLines: (lines: string[]) => Promise<void>,
    private readonly onError: (err: Error) => void,
    private readonly options: TailOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops polling and waits for the read in progress; the open file is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.reading;
    this.closeFd();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.reading = this.poll().catch((err: Error) => this.onError(err)).finally(() => this.schedule(this.options.pollMs));
    }, ms);
  }

  private async poll(): Promise<void> {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // between a rotation's rename and the new file
      throw err;
    }
    if (this.fd !== undefined && st.ino !== this.ino) {
      await this.drain(); // the rotated file's last lines
      this.closeFd();
    }
    if (this.fd === undefined) {
      this.fd = fs.openSync(this.file, 'r');
      this.ino = st.ino;
      this.pos = this.options.fromStart || this.seenBefore ? 0 : st.size;
      this.seenBefore = true;
    } else if (st.size < this.pos) {
      this.pos = 0; // truncated in place
      this.partial = '';
      this.decoder = new StringDecoder('utf8');
    }
    await this.drain();
  }

  /** After the first file, every new file (a rotation) is read from its start. */
  private seenBefore = false;

  private async drain(): Promise<void> {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      if (this.fd === undefined || this.stopped) return;
      const n = fs.readSync(this.fd, buf, 0, CHUNK, this.pos);
      if (n <= 0) return;
      this.pos += n;
      const text = this.partial + this.decoder.write(buf.subarray(0, n));
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      if (this.skipping && lines.length) {
        lines.shift(); // the end of an overlong line whose start was dropped
        this.skipping = false;
      }
      let long = lines.filter((l) => l.length > this.options.maxLine).length;
      if (this.partial.length > this.options.maxLine) {
        this.partial = '';
        this.skipping = true;
        long++;
      }
      if (long) this.onError(new Error(`${this.file}: ${long} line${long > 1 ? 's' : ''} longer than ${this.options.maxLine} characters skipped`));
      const good = lines.filter((l) => l.length <= this.options.maxLine && l.trim());
      if (good.length) await this.onLines(good);
    }
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
  }
}
