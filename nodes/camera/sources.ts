import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegStreamParser } from './mjpeg';

export interface SourceOptions {
  kind: 'http' | 'mjpeg' | 'folder' | 'ffmpeg';
  /** URL (http, mjpeg), folder (folder) or file/URL (ffmpeg). */
  target: string;
  fps: number;
  loop?: boolean;
  headers?: Record<string, string>;
  maxBytes: number;
  timeoutMs?: number;
}

export interface Source {
  /** No frame follows; resolves when the source has let go of all it held (ffmpeg's process included). */
  stop(): void | Promise<void>;
}

type OnFrame = (frame: Buffer) => void;
type OnError = (err: Error) => void;
/** The source is over for good: at the end of a file or folder, or with the fault that ended it. */
type OnEnd = (err?: Error) => void;

const IMAGE = /\.(jpe?g|png)$/i;

/** Starts a source; frames arrive through `onFrame`, faults it keeps trying past through `onError`. */
export function startSource(o: SourceOptions, onFrame: OnFrame, onError: OnError, onEnd: OnEnd): Source {
  switch (o.kind) {
    case 'http':
      return poll(o, onFrame, onError);
    case 'mjpeg':
      return mjpeg(o, onFrame, onError);
    case 'folder':
      return folder(o, onFrame, onError, onEnd);
    case 'ffmpeg':
      return ffmpeg(o, onFrame, onEnd);
    default:
      throw new Error(`unknown camera source ${String(o.kind)}`);
  }
}

/** Snapshot polling: one GET per period, never two at once (a slow camera lowers the rate). */
function poll(o: SourceOptions, onFrame: OnFrame, onError: OnError): Source {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let controller: AbortController | undefined;
  const period = 1000 / o.fps;
  const once = async () => {
    const began = Date.now();
    controller = new AbortController();
    const timeout = setTimeout(() => controller?.abort(), o.timeoutMs ?? 10000);
    try {
      const res = await fetch(o.target, { headers: o.headers, signal: controller.signal });
      if (!res.ok) throw new Error(`camera answered HTTP ${res.status}`);
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > o.maxBytes) throw new Error(`snapshot of ${declared} bytes is over the limit`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > o.maxBytes) throw new Error(`snapshot of ${body.length} bytes is over the limit`);
      onFrame(body);
    } catch (err) {
      if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      clearTimeout(timeout);
    }
    if (!stopped) timer = setTimeout(once, Math.max(0, period - (Date.now() - began)));
  };
  void once();
  return { stop() { stopped = true; clearTimeout(timer); controller?.abort(); } };
}

/** MJPEG over HTTP: one long response; reconnects after a fault with a back-off. */
function mjpeg(o: SourceOptions, onFrame: OnFrame, onError: OnError): Source {
  let stopped = false;
  let controller: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 500;
  const connect = async () => {
    controller = new AbortController();
    try {
      const res = await fetch(o.target, { headers: o.headers, signal: controller.signal });
      if (!res.ok || !res.body) throw new Error(`camera answered HTTP ${res.status}`);
      const parser = new JpegStreamParser((f) => { backoff = 500; onFrame(f); }, o.maxBytes);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (!stopped) throw new Error('MJPEG stream ended');
    } catch (err) {
      if (stopped) return;
      onError(err instanceof Error ? err : new Error(String(err)));
      retry = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    }
  };
  void connect();
  return { stop() { stopped = true; clearTimeout(retry); controller?.abort(); } };
}

/** A folder that keeps failing (missing, empty, unreadable) is tried again at most this often. */
const FOLDER_BACKOFF_MAX_MS = 30_000;

/**
 * Replays the images of a folder in name order at `fps`, once or in a loop. A failure is reported,
 * and the folder tried again later, each failure in a row doubling the wait up to 30 s: a missing
 * folder must not log twice a second for ever.
 */
function folder(o: SourceOptions, onFrame: OnFrame, onError: OnError, onEnd: OnEnd): Source {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let files: string[] = [];
  let i = 0;
  let failures = 0;
  const period = 1000 / o.fps;
  const list = async () => {
    try {
      return (await fs.promises.readdir(o.target)).filter((f) => IMAGE.test(f)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`image folder ${o.target} not found`);
      throw err;
    }
  };
  const tick = async () => {
    try {
      if (files.length === 0) {
        files = await list();
        if (files.length === 0) throw new Error(`no .jpg or .png images in ${o.target}`);
      }
      if (i >= files.length) {
        if (!o.loop) return onEnd();
        i = 0;
      }
      const file = path.join(o.target, files[i++]);
      const stat = await fs.promises.stat(file);
      if (stat.size > o.maxBytes) throw new Error(`${files[i - 1]} is over the frame size limit`);
      const frame = await fs.promises.readFile(file);
      failures = 0;
      if (!stopped) onFrame(frame);
    } catch (err) {
      failures++;
      files = []; // list the folder again: files may have gone or come
      i = 0;
      if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
    }
    if (!stopped) timer = setTimeout(tick, failures ? Math.min(FOLDER_BACKOFF_MAX_MS, period * 2 ** failures) : period);
  };
  void tick();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

/** A stream URL (rtsp://, http://…) for ffmpeg, rather than a file path. */
export function isStreamUrl(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
}

/** ffmpeg that ignores SIGTERM this long is killed: a node's close must end well under 15 s. */
const FFMPEG_KILL_MS = 3000;

/**
 * Video files (or RTSP) through the ffmpeg binary (Debian's `ffmpeg`), decoded to JPEG at `fps` on
 * its stdout. A file is read at its own frame rate (-re), not as fast as it decodes, and looped by
 * ffmpeg itself; a stream is live already. The end, ffmpeg's death or a missing binary all end
 * the source through `onEnd`; stop() resolves once the process is gone, so none outlives its node.
 */
function ffmpeg(o: SourceOptions, onFrame: OnFrame, onEnd: OnEnd): Source {
  const input = isStreamUrl(o.target) ? ['-i', o.target] : [...(o.loop ? ['-stream_loop', '-1'] : []), '-re', '-i', o.target];
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', ...input, '-an', '-vf', `fps=${o.fps}`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', '-'];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stopped = false;
  let spawnError: Error | undefined;
  let stderr = '';
  // ffmpeg takes a moment to exit: what it writes after stop() is read, not delivered.
  const parser = new JpegStreamParser((f) => stopped || onFrame(f), o.maxBytes);
  child.stdout.on('data', (c: Buffer) => parser.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-500)));
  child.on('error', (err: NodeJS.ErrnoException) => {
    spawnError = err.code === 'ENOENT' ? new Error('ffmpeg is not installed (apt-get install ffmpeg)') : err;
  });
  // 'close', not 'exit': every frame ffmpeg wrote has been read by then. It follows a failed spawn too.
  const closed = new Promise<void>((resolve) => child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
    resolve();
    if (stopped) return;
    if (spawnError) return onEnd(spawnError);
    if (code === 0) return onEnd();
    const why = stderr.trim().split('\n').pop() || 'no message';
    onEnd(new Error(signal ? `ffmpeg was killed by ${signal} while reading ${o.target}` : `ffmpeg exited with ${code}: ${why}`));
  }));
  return {
    stop() {
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return closed;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), FFMPEG_KILL_MS);
      return closed.finally(() => clearTimeout(force));
    },
  };
}
