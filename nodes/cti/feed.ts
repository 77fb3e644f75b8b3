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

/** The body of a file, or of an HTTP(S) GET that answered 200; clear errors for the rest. */
export function openFeed(location: string, now: () => number = Date.now, redirects = 0): Promise<Readable> {
  if (!/^https?:\/\//i.test(location)) {
    return new Promise((resolve, reject) => {
      const stream = fs.createReadStream(location);
      stream.once('open', () => resolve(stream));
      stream.once('error', (err) => reject(new Error(`cannot read ${location}: ${err.message}`)));
    });
  }
  const get = location.toLowerCase().startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(location, { headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.5' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 200) return resolve(res);
      res.resume();
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && redirects < MAX_REDIRECTS) {
        return resolve(openFeed(new URL(res.headers.location, location).toString(), now, redirects + 1));
      }
      if (status === 429 || (status === 503 && res.headers['retry-after'])) {
        return reject(new RateLimitedError(retryAfter(res.headers['retry-after'] as string | undefined, now()), status));
      }
      reject(new Error(`the feed at ${location} answered ${status} ${res.statusMessage ?? ''}`.trim()));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`the feed at ${location} did not answer in 30 s`)));
    req.once('error', (err) => reject(new Error(`cannot fetch ${location}: ${err.message}`)));
  });
}

/**
 * Reads a feed and calls `onBatch` with each batch's indicators and errors, awaiting it.
 * Relationships and reports give actors and report names only within the batch they fall in.
 */
export async function readFeed(body: Readable, format: FeedFormat, options: SourceOptions & { batchSize: number }, onBatch: (n: Normalised) => Promise<void>): Promise<{ objects: number }> {
  let objects = 0;
  if (format === 'list') {
    const lines = readline.createInterface({ input: body, crlfDelay: Infinity });
    let chunk: string[] = [];
    let first = 1;
    for await (const line of lines) {
      chunk.push(line);
      objects++;
      if (chunk.length >= options.batchSize) {
        await onBatch(fromList(chunk.join('\n'), { ...options, firstLine: first }));
        first += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length) await onBatch(fromList(chunk.join('\n'), { ...options, firstLine: first }));
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
        await onBatch(fromStixObjects(batch, options));
        batch = [];
      }
    }
  } catch (err) {
    body.destroy();
    throw new Error(`the STIX bundle is not valid JSON after ${objects} objects: ${(err as Error).message}`);
  }
  if (batch.length) await onBatch(fromStixObjects(batch, options));
  return { objects };
}

/** The whole body of a feed file (a MISP manifest or event) as JSON, with a clear error. */
async function readJson(location: string): Promise<unknown> {
  const body = await openFeed(location);
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
export async function readMispFeed(base: string, cursor: MispCursor, options: SourceOptions, onEvent: (n: Normalised, uuid: string) => Promise<void>): Promise<{ events: number; errors: string[] }> {
  const join = (name: string): string => (/^https?:\/\//i.test(base) ? new URL(name, base.endsWith('/') ? base : `${base}/`).toString() : `${base.replace(/\/$/, '')}/${name}`);
  const manifest = await readJson(join('manifest.json'));
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
      const n = fromMispEventOrThrow(await readJson(join(`${uuid}.json`)), options);
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
