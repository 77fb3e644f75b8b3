/**
 * Recorded transmissions, kept as files on the runtime and deleted after their retention time.
 *
 * One file per transmission, `<dir>/<channel hash>/<transmission id>.rec`: a line of JSON (who
 * spoke, when, how long: the server's own floor record, never the uploader's word) and then the
 * audio as the speaker's browser recorded it. Written to a temporary name and linked into place,
 * so a reader never sees half a file and a second upload of one transmission fails.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlatformLog } from '../platform';
import type { SessionUser } from './sessions';

export interface RecordingMeta {
  id: string;
  channel: string;
  speaker: Pick<SessionUser, 'username' | 'name' | 'role'>;
  startedAt: string;
  durationMs: number;
  priority: boolean;
  mimeType: string;
  bytes: number;
}

/** A recording as the routes list it: with the time it will be deleted, from today's retention. */
export type ListedRecording = RecordingMeta & { expiresAt: string };

export interface RecordingsOptions {
  dir: string;
  retentionMs: number;
  maxBytes: number;
  log: PlatformLog;
  clock?: () => number;
}

export class RecordingExistsError extends Error {}

const HEADER_MAX = 4096;
const ID = /^[0-9a-f-]{36}$/;
/** A temporary file left by a crash is removed after this long. */
const STALE_TMP_MS = 10 * 60_000;

export class VoiceRecordings {
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly options: RecordingsOptions) {
    this.clock = options.clock ?? Date.now;
    // Often enough that a recording outlives its retention by at most a quarter of it (10 minutes at most).
    const every = Math.min(10 * 60_000, Math.max(1000, options.retentionMs / 4));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    void this.sweep();
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  private folder(channel: string): string {
    return path.join(this.options.dir, createHash('sha256').update(channel).digest('hex').slice(0, 32));
  }

  private expired(meta: Pick<RecordingMeta, 'startedAt'>): boolean {
    return Date.parse(meta.startedAt) + this.options.retentionMs <= this.clock();
  }

  private listed(meta: RecordingMeta): ListedRecording {
    return { ...meta, expiresAt: new Date(Date.parse(meta.startedAt) + this.options.retentionMs).toISOString() };
  }

  async save(meta: Omit<RecordingMeta, 'bytes'>, data: Buffer): Promise<ListedRecording> {
    if (!ID.test(meta.id)) throw new Error(`bad recording id ${meta.id}`);
    const full: RecordingMeta = { ...meta, bytes: data.length };
    const folder = this.folder(meta.channel);
    await fs.promises.mkdir(folder, { recursive: true, mode: 0o700 });
    const file = path.join(folder, `${meta.id}.rec`);
    const tmp = `${file}.${process.pid}.${this.clock()}.tmp`;
    await fs.promises.writeFile(tmp, Buffer.concat([Buffer.from(`${JSON.stringify(full)}\n`), data]), { mode: 0o600, flag: 'wx' });
    try {
      await fs.promises.link(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RecordingExistsError(`transmission ${meta.id} is already recorded`);
      throw err;
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
    return this.listed(full);
  }

  /** The channel's recordings within retention, oldest first. */
  async list(channel: string): Promise<ListedRecording[]> {
    const folder = this.folder(channel);
    let names: string[];
    try {
      names = await fs.promises.readdir(folder);
    } catch {
      return [];
    }
    const items: ListedRecording[] = [];
    for (const name of names) {
      if (!name.endsWith('.rec')) continue;
      const meta = await this.header(path.join(folder, name)).catch(() => undefined);
      if (meta && meta.channel === channel && !this.expired(meta)) items.push(this.listed(meta));
    }
    return items.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** One recording's metadata and audio, or undefined (unknown, another channel's, or expired). */
  async read(channel: string, id: string): Promise<{ meta: RecordingMeta; audio: Buffer } | undefined> {
    if (!ID.test(id)) return undefined;
    let content: Buffer;
    try {
      content = await fs.promises.readFile(path.join(this.folder(channel), `${id}.rec`));
    } catch {
      return undefined;
    }
    const nl = content.indexOf(10);
    if (nl < 0 || nl > HEADER_MAX) return undefined;
    const meta = JSON.parse(content.subarray(0, nl).toString('utf8')) as RecordingMeta;
    if (meta.channel !== channel || this.expired(meta)) return undefined;
    return { meta, audio: content.subarray(nl + 1) };
  }

  private async header(file: string): Promise<RecordingMeta> {
    const handle = await fs.promises.open(file, 'r');
    try {
      const buf = Buffer.alloc(HEADER_MAX);
      const { bytesRead } = await handle.read(buf, 0, HEADER_MAX, 0);
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl < 0) throw new Error(`${file}: no header`);
      return JSON.parse(buf.subarray(0, nl).toString('utf8')) as RecordingMeta;
    } finally {
      await handle.close();
    }
  }

  /** Deletes every recording past its retention (and stale temporary files); returns how many. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepNow().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepNow(): Promise<number> {
    let deleted = 0;
    let folders: string[];
    try {
      folders = await fs.promises.readdir(this.options.dir);
    } catch {
      return 0;
    }
    for (const folder of folders) {
      const dir = path.join(this.options.dir, folder);
      let names: string[];
      try {
        names = await fs.promises.readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(dir, name);
        try {
          const old = name.endsWith('.rec')
            ? this.expired(await this.header(file))
            : name.endsWith('.tmp') && (await fs.promises.stat(file)).mtimeMs + STALE_TMP_MS < this.clock();
          if (!old) continue;
          await fs.promises.rm(file, { force: true });
          if (name.endsWith('.rec')) deleted += 1;
        } catch (err) {
          this.options.log.warn(`console voice: retention: ${file}: ${(err as Error).message}`);
        }
      }
      await fs.promises.rmdir(dir).catch(() => undefined);
    }
    return deleted;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
