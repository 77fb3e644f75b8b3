/**
 * What every source shares: language detection when a post does not say, de-duplication, a
 * cursor saved across restarts, and the wait a remote API asks for (Retry-After) or that a
 * failure earns (exponential back-off).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detect } from 'tinyld';

/** tinyld (npm, MIT): pure JS, no model download, fast enough per post; its codes are ISO 639-1. */
export function detectLanguage(text: string): string {
  const code = text.trim().length >= 12 ? detect(text) : '';
  return code === 'nb' || code === 'nn' ? 'no' : code || 'und';
}

/** A conditional GET's validators. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** Where a source stands, beside the ids it emitted: validators, the newest remote id (Mastodon). */
export interface CursorFields extends Validators {
  sinceId?: string;
}

/** The ids already emitted, the newest `limit` of them, and where the source stands. */
export interface Cursor extends CursorFields {
  seen: string[];
}

export class SeenPosts {
  private readonly set: Set<string>;
  constructor(
    seen: string[],
    private readonly limit = 10_000,
  ) {
    this.set = new Set(seen.slice(-limit));
  }
  /** True the first time an id is offered. */
  fresh(id: string): boolean {
    if (this.set.has(id)) return false;
    this.set.add(id);
    if (this.set.size > this.limit) this.set.delete(this.set.values().next().value!);
    return true;
  }
  toJSON(): string[] {
    return [...this.set];
  }
}

/** A cursor file in the user directory, written atomically (temp file, then rename). */
export class CursorFile {
  constructor(private readonly file: string | undefined) {}
  static forNode(userDir: string | undefined, nodeId: string): CursorFile {
    return new CursorFile(userDir ? path.join(userDir, 'impetus-social', `${nodeId.replace(/[^\w.-]/g, '_')}.json`) : undefined);
  }
  load(): Cursor {
    if (!this.file) return { seen: [] };
    try {
      const c = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Cursor;
      return Array.isArray(c.seen) ? c : { seen: [] };
    } catch {
      return { seen: [] };
    }
  }
  save(c: Cursor): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(c));
    fs.renameSync(tmp, this.file);
  }
}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The wait before the next try after `failures` failures in a row: doubling from `base`, capped. */
export function backoffMs(base: number, failures: number, cap = 30 * 60_000): number {
  return Math.min(cap, base * 2 ** Math.min(failures, 20));
}

/** Mastodon-style ids are decimal strings of growing length: compare by length, then text. */
export function newerId(a: string | undefined, b: string): boolean {
  return a === undefined || b.length > a.length || (b.length === a.length && b > a);
}
