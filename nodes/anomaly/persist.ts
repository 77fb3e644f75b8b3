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
    const aside = `${this.file}.unreadable-${Date.now()}`;
    try {
      await fs.promises.rename(this.file, aside);
      return aside;
    } catch {
      return undefined;
    }
  }
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
