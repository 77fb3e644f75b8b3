import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as readline from 'node:readline';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { fromList, fromMispEvent, fromStixObjects } from './normalise';
import type { Normalised, SourceOptions } from './normalise';

/**
 * STIX 2.1 bundles and plain indicator lists, from a file or over HTTP, read as a stream: a
 * bundle's `objects` are parsed one by one (stream-json) and normalised in batches, so a 100 MB
 * bundle never sits in memory whole. Each batch is handed on and awaited before the next is read.
 */

export type FeedFormat = 'stix' | 'list' | 'misp';

/** The server asked us to wait (429, or 503 with Retry-After). */
export class RateLimitedError extends Error {
  readonly code = 'IMPETUS_RATE_LIMITED';
  constructor(readonly until: number, status: number) {
    super(`the feed answered ${status}: rate limited until ${new Date(until).toISOString()}`);
    this.name = 'RateLimitedError';
  }
}

/** Retry-After in seconds or as an HTTP date; a minute when missing or unreadable. */
export function retryAfter(header: string | undefined, now: number): number {
  const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) * 1000 : header ? Date.parse(header) - now : NaN;
  return now + (Number.isFinite(seconds) && seconds >= 0 ? seconds : 60_000);
}

const MAX_REDIRECTS = 3;

/** Credentials for a feed or a TAXII server behind HTTP authentication, from a node's credentials. */
export interface FeedAuth {
  username?: string;
  password?: string;
  token?: string;
}

/** How the nodes that log in (the feed, the TAXII server) declare these credentials to Node-RED. */
export const AUTH_CREDENTIALS = { username: { type: 'text' }, password: { type: 'password' }, token: { type: 'password' } } as const;

/** A node's credentials as FeedAuth: blank fields are absent, names and tokens trimmed. */
export function authFrom(credentials: FeedAuth | undefined): FeedAuth {
  const c = credentials ?? {};
  return { username: c.username?.trim() || undefined, password: c.password, token: c.token?.trim() || undefined };
}

export interface OpenOptions {
  auth?: FeedAuth;
  /**
   * The version read last in full (`etag:…`, `modified:…` or a file's `file:<mtime>:<size>`): asked
   * for conditionally (If-None-Match, If-Modified-Since), and an unchanged feed opens as null.
   */
  unchangedSince?: string;
  now?: () => number;
}

/** An open feed: its body, and its version when the server or the file system tells one. */
export interface OpenedFeed {
  body: Readable;
  version?: string;
}

/** The Authorization header: a bearer token when there is one, else Basic from user and password. */
export function authHeader(auth: FeedAuth | undefined): Record<string, string> {
  if (auth?.token) return { authorization: `Bearer ${auth.token}` };
  if (auth?.username) return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}` };
  return {};
}

/** The validators of an answer as one version string; an ETag wins over a date. */
function versionOf(headers: http.IncomingHttpHeaders): string | undefined {
  if (typeof headers.etag === 'string' && headers.etag) return `etag:${headers.etag}`;
  return typeof headers['last-modified'] === 'string' && headers['last-modified'] ? `modified:${headers['last-modified']}` : undefined;
}

/**
 * The body of a file, or of an HTTP(S) GET that answered 200, with its version; null when it has
 * not changed since `unchangedSince` (a 304, or the same file time and size); clear errors for the
 * rest. Credentials follow a redirect only to the same origin.
 */
export async function openFeed(location: string, options: OpenOptions = {}, redirects = 0): Promise<OpenedFeed | null> {
  if (!/^https?:\/\//i.test(location)) {
    const stat = await fs.promises.stat(location).catch((err: Error) => { throw new Error(`cannot read ${location}: ${err.message}`); });
    const version = `file:${stat.mtimeMs}:${stat.size}`;
    if (version === options.unchangedSince) return null;
    return new Promise((resolve, reject) => {
      const stream = fs.createReadStream(location);
      stream.once('open', () => resolve({ body: stream, version }));
      stream.once('error', (err) => reject(new Error(`cannot read ${location}: ${err.message}`)));
    });
  }
  const now = options.now ?? Date.now;
  const since = options.unchangedSince ?? '';
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.5', ...authHeader(options.auth) };
  if (since.startsWith('etag:')) headers['if-none-match'] = since.slice('etag:'.length);
  else if (since.startsWith('modified:')) headers['if-modified-since'] = since.slice('modified:'.length);
  const get = location.toLowerCase().startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(location, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 200) return resolve({ body: res, version: versionOf(res.headers) });
      res.resume();
      if (status === 304 && since) return resolve(null);
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && redirects < MAX_REDIRECTS) {
        const next = new URL(res.headers.location, location);
        const auth = next.origin === new URL(location).origin ? options.auth : undefined;
        return resolve(openFeed(next.toString(), { ...options, auth }, redirects + 1));
      }
      if (status === 429 || (status === 503 && res.headers['retry-after'])) {
        return reject(new RateLimitedError(retryAfter(res.headers['retry-after'] as string | undefined, now()), status));
      }
      const why = status === 401 || status === 403 ? ': authentication failed (check the feed\'s credentials)' : '';
      reject(new Error(`the feed at ${location} answered ${status} ${res.statusMessage ?? ''}`.trim() + why));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`the feed at ${location} did not answer in 30 s`)));
    req.once('error', (err) => reject(new Error(`cannot fetch ${location}: ${err.message}`)));
  });
}

export interface ReadOptions extends SourceOptions {
  batchSize: number;
  /**
   * Objects (lines) already handed on from this version of the feed, by a read that stopped
   * half-way: they are parsed but not handed on again. Batches keep their bounds, so a bundle's
   * batches (and the actors found within each) are the same as in the first read.
   */
  skip?: number;
}

/**
 * Reads a feed and calls `onBatch` with each batch's indicators and errors, and the number of
 * objects (lines) read so far, awaiting it. Relationships and reports give actors and report
 * names only within the batch they fall in.
 */
export async function readFeed(body: Readable, format: FeedFormat, options: ReadOptions, onBatch: (n: Normalised, reached: number) => Promise<void>): Promise<{ objects: number }> {
  let objects = 0;
  const skip = options.skip ?? 0;
  if (format === 'list') {
    const lines = readline.createInterface({ input: body, crlfDelay: Infinity });
    let chunk: string[] = [];
    const flush = async (): Promise<void> => {
      if (objects > skip) await onBatch(fromList(chunk.join('\n'), { ...options, firstLine: objects - chunk.length + 1 }), objects);
      chunk = [];
    };
    for await (const line of lines) {
      chunk.push(line);
      objects++;
      if (chunk.length >= options.batchSize) await flush();
    }
    if (chunk.length) await flush();
    return { objects };
  }
  // pipeline passes an error of any stage (the body, the parser) to the stream that is read.
  const items = pipeline(body, parser(), pick({ filter: 'objects' }), streamArray(), () => undefined) as unknown as Readable;
  let batch: unknown[] = [];
  try {
    for await (const item of items as AsyncIterable<{ value: unknown }>) {
      batch.push(item.value);
      objects++;
      if (batch.length >= options.batchSize) {
        if (objects > skip) await onBatch(fromStixObjects(batch, options), objects);
        batch = [];
      }
    }
  } catch (err) {
    body.destroy();
    throw new Error(`the STIX bundle is not valid JSON after ${objects} objects: ${(err as Error).message}`);
  }
  if (batch.length && objects > skip) await onBatch(fromStixObjects(batch, options), objects);
  return { objects };
}

/** Where a bundle or a list was left: its version and how many objects (lines) were handed on. */
export interface FeedCursor {
  /** What the cursor belongs to (format and location): another feed starts afresh. */
  of: string;
  version?: string;
  done: number;
  /** The version was read to its end: the next read asks only whether it changed. */
  complete: boolean;
}

/**
 * A bundle or list read from its cursor: nothing when the feed has not changed since the version
 * read in full; the rest of the version a read stopped in, when the server or file shows it is the
 * same one (a feed without a version, an ETag or a Last-Modified, is read whole). `save` is called
 * after each batch is handed on and at the end, so a crash re-sends at most one batch.
 */
export async function readFeedFrom(location: string, format: FeedFormat, cursor: FeedCursor, options: ReadOptions & { auth?: FeedAuth }, onBatch: (n: Normalised) => Promise<void>, save: () => void): Promise<{ objects: number; unchanged: boolean; resumedAt: number }> {
  const opened = await openFeed(location, { auth: options.auth, unchangedSince: cursor.complete ? cursor.version : undefined });
  if (!opened) return { objects: 0, unchanged: true, resumedAt: 0 };
  const resumedAt = !cursor.complete && cursor.version !== undefined && cursor.version === opened.version ? cursor.done : 0;
  Object.assign(cursor, { version: opened.version, done: resumedAt, complete: false });
  save();
  const { objects } = await readFeed(opened.body, format, { ...options, skip: resumedAt }, async (n, reached) => {
    await onBatch(n);
    cursor.done = reached;
    save();
  });
  Object.assign(cursor, { done: objects, complete: true });
  save();
  return { objects, unchanged: false, resumedAt };
}

/** The whole body of a feed file (a MISP manifest or event) as JSON, with a clear error. */
async function readJson(location: string, auth?: FeedAuth): Promise<unknown> {
  // Opened without a version to compare, so never null.
  const { body } = await openFeed(location, { auth }) as OpenedFeed;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new Error(`${location} is not JSON: ${(err as Error).message}`);
  }
}

/** Event uuid → the event timestamp last read: what a MISP feed read skips next time. */
export type MispCursor = Record<string, number>;

/**
 * A MISP feed (`manifest.json` beside one `<uuid>.json` per event): reads the events that are
 * new or changed since `cursor`, one by one, hands each on and then records it in the cursor
 * (which `onEvent`'s caller saves). An event that cannot be read is named in the errors and left
 * out of the cursor, so the next read tries it again.
 */
export async function readMispFeed(base: string, cursor: MispCursor, options: SourceOptions & { auth?: FeedAuth }, onEvent: (n: Normalised, uuid: string) => Promise<void>): Promise<{ events: number; errors: string[] }> {
  const join = (name: string): string => (/^https?:\/\//i.test(base) ? new URL(name, base.endsWith('/') ? base : `${base}/`).toString() : `${base.replace(/\/$/, '')}/${name}`);
  const manifest = await readJson(join('manifest.json'), options.auth);
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error(`${join('manifest.json')} is not a MISP feed manifest (an object of events by uuid)`);
  const errors: string[] = [];
  let events = 0;
  for (const [uuid, entry] of Object.entries(manifest)) {
    const stamp = Number((entry as { timestamp?: unknown } | null)?.timestamp);
    if (!/^[0-9a-f-]{36}$/i.test(uuid) || !Number.isFinite(stamp)) {
      errors.push(`manifest: '${uuid.slice(0, 40)}' is not an event uuid with a timestamp`);
      continue;
    }
    if ((cursor[uuid] ?? -Infinity) >= stamp) continue;
    try {
      const n = fromMispEventOrThrow(await readJson(join(`${uuid}.json`), options.auth), options);
      await onEvent(n, uuid);
      cursor[uuid] = stamp;
      events++;
    } catch (err) {
      if (err instanceof RateLimitedError) throw err;
      errors.push(`${uuid}: ${(err as Error).message}`);
    }
  }
  return { events, errors };
}

function fromMispEventOrThrow(json: unknown, options: SourceOptions): Normalised {
  const n = fromMispEvent(json, options);
  if (!n.indicators.length && n.errors.length) throw new Error(n.errors[0]);
  return n;
}
