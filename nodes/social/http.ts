/**
 * The HTTP side every polled source shares: one GET with the source's validators (ETag,
 * Last-Modified), a size cap and a timeout, and failures as SourceError carrying the wait the
 * server asked for (429/503 Retry-After), so each source only parses a body.
 */
import { retryAfterMs } from './source';
import type { Validators } from './source';

export class SourceError extends Error {
  constructor(
    message: string,
    /** How long the server asked us to wait, in ms (Retry-After, a rate-limit reset). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Bodies larger than this are refused: a source answers with a page of recent posts, not an archive. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface Fetched {
  /** Undefined when the server answered 304 Not Modified. */
  body?: string;
  validators: Validators;
  headers: Headers;
}

export interface GetOptions {
  accept: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Reads the wait from the answer's own headers (a rate-limit reset) when Retry-After is absent. */
  waitFrom?: (headers: Headers) => number | undefined;
}

/** One GET; throws SourceError naming the URL and what went wrong. */
export async function getText(url: string, validators: Validators, options: GetOptions): Promise<Fetched> {
  const headers: Record<string, string> = { accept: options.accept, 'user-agent': 'node-red-contrib-impetus social', ...options.headers };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    throw new SourceError(`${url}: ${(err as Error).message}`);
  }
  if (res.status === 304) return { validators, headers: res.headers };
  if (!res.ok) {
    await res.body?.cancel();
    const wait = res.status === 429 || res.status === 503 ? (retryAfterMs(res.headers.get('retry-after')) ?? options.waitFrom?.(res.headers)) : undefined;
    throw new SourceError(`${url}: HTTP ${res.status}`, wait);
  }
  if (Number(res.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
    await res.body?.cancel();
    throw new SourceError(`${url}: answer larger than ${MAX_BODY_BYTES} bytes`);
  }
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    throw new SourceError(`${url}: ${(err as Error).message}`);
  }
  if (body.length > MAX_BODY_BYTES) throw new SourceError(`${url}: answer larger than ${MAX_BODY_BYTES} bytes`);
  return { body, validators: { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined }, headers: res.headers };
}
