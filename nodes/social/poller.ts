/**
 * The node side every source shares: the cursor file and the ids seen, the wait before the next
 * request (Retry-After, rate limits, back-off after failures), one log line per distinct problem
 * (an offline source turns its status red and logs once, not at every poll), and for polled
 * sources the timer and the input that polls now.
 */
import type { Node, NodeAPI } from 'node-red';
import { handleInput, StatusReporter } from '../platform/node-kit';
import type { Translate } from '../platform/node-kit';
import type { Post } from './project';
import type { SourceError } from './http';
import { backoffMs, CursorFile, newerId, SeenPosts } from './source';
import type { CursorFields } from './source';

export interface Page {
  posts: Post[];
  cursor: CursorFields;
  /** Items of the answer that were not posts (no id or text). */
  skipped?: number;
}

export class SourceState {
  readonly status: StatusReporter;
  private readonly file: CursorFile;
  private readonly seen: SeenPosts;
  cursor: CursorFields;
  private failures = 0;
  private notBefore = 0;
  private lastLogged?: string;
  private saveTimer?: NodeJS.Timeout;

  constructor(
    RED: NodeAPI,
    node: Node,
    private readonly t: Translate,
    /** The first back-off step, doubled at each failure in a row. */
    private readonly baseMs: number,
  ) {
    this.status = new StatusReporter(node);
    this.file = CursorFile.forNode(RED.settings.userDir as string | undefined, node.id);
    const { seen, ...cursor } = this.file.load();
    this.seen = new SeenPosts(seen);
    this.cursor = cursor;
  }

  /** Throws while the server's wait or the back-off lasts. */
  checkWait(): void {
    if (Date.now() < this.notBefore) throw new Error(this.t('errors.wait', { at: new Date(this.notBefore).toISOString() }));
  }

  msUntilAllowed(): number {
    return Math.max(0, this.notBefore - Date.now());
  }

  /** The source works again: the back-off starts over and the next problem is logged. */
  recovered(): void {
    this.failures = 0;
    this.lastLogged = undefined;
  }

  /**
   * The posts not emitted before; the new cursor saved with them, at once or (`lazy`, for a
   * stream's posts one by one) within a second.
   */
  accept(page: Page, lazy = false): Post[] {
    const { sinceId, ...validators } = page.cursor;
    // A slow read that started before a stream's newer posts must not move the cursor back.
    this.cursor = { ...this.cursor, ...validators, sinceId: sinceId !== undefined && newerId(this.cursor.sinceId, sinceId) ? sinceId : this.cursor.sinceId };
    const fresh = page.posts.filter((p) => this.seen.fresh(p.id));
    if (!lazy) this.save();
    else this.saveTimer ??= setTimeout(() => this.save(), 1000);
    const at = new Date().toISOString().slice(11, 19);
    if (page.skipped) this.status.warn(this.t('status.skipped', { count: fresh.length, skipped: page.skipped, at }));
    else this.status.ok(this.t('status.polled', { count: fresh.length, at }));
    return fresh;
  }

  /** Writes the cursor now (and at close, for what a stream accepted lazily). */
  save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.file.save({ seen: this.seen.toJSON(), ...this.cursor });
  }

  /** Records a failure: the wait it earns, red status; true when it is news worth a log line. */
  failed(err: Error): boolean {
    const wait = (err as SourceError).retryAfter ?? backoffMs(this.baseMs, this.failures);
    this.failures++;
    this.notBefore = Date.now() + wait;
    this.status.error(this.t('status.failed', { detail: err.message, seconds: Math.round(wait / 1000) }));
    const news = err.message !== this.lastLogged;
    this.lastLogged = err.message;
    return news;
  }
}

export interface PolledSource {
  state: SourceState;
  topic: string;
  intervalMs: number;
  read(cursor: CursorFields): Promise<Page>;
  /** Runs at close, before waiting for the poll in flight (a stream to end). */
  onClose?(): Promise<void>;
}

/**
 * Polls every `intervalMs` (0: only on input) and on any input message; one request at a time.
 * A timed poll's failure goes to the log and Catch nodes once per distinct problem; an input's
 * failure always ends its message with done(err).
 */
export function runPolled(node: Node, source: PolledSource): { poll(): Promise<Post[]>; stop(): void } {
  const { state, topic, intervalMs } = source;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let inFlight: Promise<Post[]> | undefined;

  async function pollOnce(): Promise<Post[]> {
    state.checkWait();
    try {
      const posts = state.accept(await source.read(state.cursor));
      state.recovered();
      return posts;
    } catch (err) {
      (err as Error & { news?: boolean }).news = state.failed(err as Error);
      throw err;
    }
  }

  function poll(): Promise<Post[]> {
    // An input during a timed poll waits for it and gets its result.
    inFlight ??= pollOnce().finally(() => (inFlight = undefined));
    return inFlight;
  }

  function schedule(): void {
    if (closed || !intervalMs) return;
    timer = setTimeout(
      () => {
        poll()
          .then((posts) => {
            if (posts.length) node.send({ topic, payload: posts });
          })
          .catch((err: Error & { news?: boolean }) => {
            if (err.news) node.error(err.message, { topic, payload: { source: topic } });
          })
          .finally(schedule);
      },
      Math.max(intervalMs, state.msUntilAllowed()),
    );
  }

  function stop(): void {
    closed = true;
    clearTimeout(timer);
  }

  handleInput(
    node,
    state.status,
    async (msg, send) => {
      const posts = await poll();
      if (posts.length) send({ ...msg, topic, payload: posts });
    },
    async () => {
      stop();
      await source.onClose?.();
      await inFlight?.catch(() => undefined);
      state.save();
    },
  );
  schedule();
  return { poll, stop };
}
