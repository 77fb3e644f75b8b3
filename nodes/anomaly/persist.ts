/**
 * Where a detector's learning survives a restart or a redeploy: a JSON file in the Node-RED
 * user directory (the default: it works with the default memory context store), or the
 * node's context in a named context store (for deployments that keep context in a
 * persistent store). Files are written to a temporary name and renamed, so a crash mid-write
 * leaves the previous state, never a half file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StateStore {
  readonly where: string;
  load(): Promise<unknown | undefined>;
  save(state: unknown): Promise<void>;
  /** Moves unreadable state aside so it is neither lost nor read again. */
  quarantine(): Promise<string | undefined>;
}

export class FileStateStore implements StateStore {
  constructor(readonly file: string) {}

  get where(): string {
    return this.file;
  }

  async load(): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text);
  }

  async save(state: unknown): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, JSON.stringify(state));
    await fs.promises.rename(tmp, this.file);
  }

  async quarantine(): Promise<string | undefined> {
    const stamp = Date.now();
    // link() refuses an existing name where rename() would overwrite an earlier quarantine.
    for (let n = 0; n < 100; n++) {
      const aside = `${this.file}.unreadable-${stamp}${n ? `-${n}` : ''}`;
      try {
        await fs.promises.link(this.file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        return undefined;
      }
      await fs.promises.unlink(this.file);
      return aside;
    }
    return undefined;
  }
}

/** Where a node keeps its learning unless told otherwise: <userDir>/impetus-state/<kind>-<node id>.json. */
export function nodeStateFile(userDir: string | undefined, kind: string, nodeId: string): FileStateStore {
  return new FileStateStore(path.join(userDir ?? process.cwd(), 'impetus-state', `${kind}-${nodeId.replace(/[^\w.-]/g, '_')}.json`));
}

interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error | null) => void): void;
}

export class ContextStateStore implements StateStore {
  constructor(private readonly context: ContextLike, private readonly key: string, private readonly store: string | undefined) {}

  get where(): string {
    return `node context ${this.key}${this.store ? ` in store ${this.store}` : ''}`;
  }

  load(): Promise<unknown | undefined> {
    return new Promise((resolve, reject) => this.context.get(this.key, this.store, (err, value) => (err ? reject(err) : resolve(value ?? undefined))));
  }

  save(state: unknown): Promise<void> {
    return new Promise((resolve, reject) => this.context.set(this.key, state, this.store, (err) => (err ? reject(err) : resolve())));
  }

  async quarantine(): Promise<string | undefined> {
    const bad = await this.load().catch(() => undefined);
    await new Promise<void>((resolve) => this.context.set(`${this.key}-unreadable`, bad ?? null, this.store, () => resolve()));
    return `${this.key}-unreadable`;
  }
}

export interface StateLog {
  warn(message: string): void;
  log(message: string): void;
}

/**
 * A node's saved learning: loaded once before the first message is handled, saved every
 * `everyMs` while it changes and once more on close. A save that fails is retried at the next
 * tick; a state that cannot be read is moved aside (learning starts afresh) and said so.
 */
export class SavedState {
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  readonly loaded: Promise<void>;

  constructor(
    private readonly store: StateStore | undefined,
    private readonly version: number,
    private readonly log: StateLog,
    private readonly restore: (state: Record<string, unknown>) => void,
    private readonly snapshot: () => Record<string, unknown>,
    everyMs: number,
  ) {
    this.loaded = this.load();
    this.timer = setInterval(() => void this.save(), everyMs);
    this.timer.unref();
  }

  changed(): void {
    this.dirty = true;
  }

  private async load(): Promise<void> {
    const store = this.store;
    if (!store) return;
    let raw: unknown;
    try {
      raw = await store.load();
    } catch (err) {
      const aside = await store.quarantine();
      this.log.warn(`saved state in ${store.where} is unreadable (${(err as Error).message}); moved to ${aside ?? '-'}, learning starts afresh`);
      return;
    }
    if (raw === undefined) return;
    const state = raw as Record<string, unknown>;
    if (!state || typeof state !== 'object' || state.version !== this.version) {
      const aside = await store.quarantine();
      this.log.warn(`saved state in ${store.where} is not of this node (version ${String(state?.version)}); moved to ${aside ?? '-'}, learning starts afresh`);
      return;
    }
    this.restore(state);
    this.log.log(`restored its learning from ${store.where}`);
  }

  save(): Promise<void> {
    const store = this.store;
    if (!store || !this.dirty) return this.saving;
    this.dirty = false;
    const snapshot = { version: this.version, savedAt: new Date().toISOString(), ...this.snapshot() };
    this.saving = this.saving
      .then(() => store.save(snapshot))
      .catch((err) => {
        this.dirty = true;
        this.log.warn(`could not save the learning to ${store.where}: ${(err as Error).message} (will retry)`);
      });
    return this.saving;
  }

  /** Stops the timer and saves what changed; resolves when it is on disk. */
  close(): Promise<void> {
    clearInterval(this.timer);
    return this.save();
  }
}
