/**
 * A TAXII 2.1 client (OASIS TAXII Version 2.1, 2021): server discovery, API roots, collections,
 * and a collection's objects read page by page from a cursor. Plain functions over Node's fetch,
 * tested without Node-RED against test/support/taxii-server.ts.
 *
 * - Every request asks for `application/taxii+json;version=2.1` and refuses an answer in another
 *   media type (a TAXII 2.0 server, a login page).
 * - Basic authentication or a bearer token, from the config node's credentials.
 * - 429 and 503 with `Retry-After`: waited out and retried when the wait is short, otherwise a
 *   RateLimitedError that holds every later read until then. Other 5xx and network failures are
 *   retried with exponential back-off, then fail with the last reason.
 * - Paging: `limit`, then `next` while the envelope says `more`; a server that pages without
 *   `next` is followed with `added_after` set to the page's `X-TAXII-Date-Added-Last`.
 * - The cursor is the `X-TAXII-Date-Added-Last` of the last page read: the next read asks for
 *   what was added after it (objects come in date-added order, §3.4), so a read stopped half-way
 *   resumes where it stopped.
 */
import type { Node } from 'node-red';
import { authHeader, RateLimitedError, retryAfter } from './feed';
import type { FeedAuth } from './feed';
import { fetchFailure, readBounded } from './http-body';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

export interface TaxiiClientOptions {
  auth?: FeedAuth;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** Retries of a 5xx or a network failure. Default 4 (1, 2, 4, 8 s with the default base). */
  retries?: number;
  backoffBaseMs?: number;
  /** Longest Retry-After waited out inside a read; longer ones fail the read. Default 30 s. */
  maxWaitMs?: number;
  /** Largest answer read, in bytes. Default 64 MiB (a page of 1,000 large objects fits). */
  maxBytes?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Ends every request and wait of this client (the node closing). */
  signal?: AbortSignal;
}

export interface Discovery {
  title: string;
  description?: string;
  default?: string;
  api_roots: string[];
}

export interface Collection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types?: string[];
}

export interface ObjectsPage {
  objects: unknown[];
  more: boolean;
  next?: string;
  /** `X-TAXII-Date-Added-First` / `-Last` of the page. */
  addedFirst?: string;
  addedLast?: string;
}

/** A refusal the server meant (401, 403, 404, 406…): retrying will not help. */
export class TaxiiError extends Error {
  readonly code = 'IMPETUS_TAXII';
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'TaxiiError';
  }
}

/** Short waits a server may ask for in one request before the read gives up and holds. */
const MAX_WAITS = 5;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A wait that ends early, with an error, when the signal aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('the read was stopped (the node is closing)'));
    const stop = () => {
      clearTimeout(timer);
      reject(new Error('the read was stopped (the node is closing)'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

function slash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export class TaxiiClient {
  private readonly options: Required<Omit<TaxiiClientOptions, 'auth' | 'signal'>> & Pick<TaxiiClientOptions, 'auth' | 'signal'>;

  constructor(options: TaxiiClientOptions = {}) {
    this.options = {
      timeoutMs: 30_000, retries: 4, backoffBaseMs: 1000, maxWaitMs: 30_000, maxBytes: 64 * 1024 * 1024,
      now: Date.now, sleep: (ms) => abortableSleep(ms, options.signal), ...options,
    };
  }

  /** `GET <server>/taxii2/` (or the URL given, if it already is the discovery endpoint). */
  async discover(server: string): Promise<Discovery> {
    const url = /\/taxii2\/?$/.test(server) ? slash(server) : new URL('taxii2/', slash(server)).toString();
    const body = await this.get(url) as Partial<Discovery>;
    if (typeof body.title !== 'string') throw new TaxiiError(200, `${url}: not a TAXII 2.1 discovery resource (no title)`);
    return { ...body, title: body.title, api_roots: Array.isArray(body.api_roots) ? body.api_roots.filter((r) => typeof r === 'string') : [] };
  }

  /** The API root to read: the one named, else the server's default, else its only one. */
  async apiRoot(server: string, named?: string): Promise<string> {
    if (named) return slash(new URL(named, slash(server)).toString());
    const d = await this.discover(server);
    const root = d.default ?? (d.api_roots.length === 1 ? d.api_roots[0] : undefined);
    if (!root) throw new TaxiiError(200, `${server}: the server names ${d.api_roots.length} API roots and no default; choose one (${d.api_roots.join(', ')})`);
    const url = slash(new URL(root, slash(server)).toString());
    const info = await this.get(url) as { versions?: unknown };
    if (Array.isArray(info.versions) && !info.versions.some((v) => String(v).startsWith(TAXII_MEDIA_TYPE))) {
      throw new TaxiiError(200, `${url}: the API root does not offer TAXII 2.1 (versions: ${info.versions.join(', ')})`);
    }
    return url;
  }

  async collections(apiRoot: string): Promise<Collection[]> {
    const body = await this.get(new URL('collections/', slash(apiRoot)).toString()) as { collections?: Collection[] };
    return Array.isArray(body.collections) ? body.collections : [];
  }

  /** A collection by id or title, checked readable. */
  async collection(apiRoot: string, idOrTitle: string): Promise<Collection> {
    const all = await this.collections(apiRoot);
    const found = all.find((c) => c.id === idOrTitle) ?? all.find((c) => c.title === idOrTitle);
    if (!found) throw new TaxiiError(404, `${apiRoot}: no collection '${idOrTitle}' (there are: ${all.map((c) => `${c.title} (${c.id})`).join(', ') || 'none'})`);
    if (!found.can_read) throw new TaxiiError(403, `${apiRoot}: the collection '${found.title}' is not readable with these credentials`);
    return found;
  }

  /** One page of `GET <root>/collections/<id>/objects/`. */
  async objectsPage(apiRoot: string, collectionId: string, query: { addedAfter?: string; limit?: number; next?: string }): Promise<ObjectsPage> {
    const url = new URL(`collections/${encodeURIComponent(collectionId)}/objects/`, slash(apiRoot));
    if (query.addedAfter) url.searchParams.set('added_after', query.addedAfter);
    if (query.limit) url.searchParams.set('limit', String(query.limit));
    if (query.next) url.searchParams.set('next', query.next);
    const { body, headers } = await this.request(url.toString());
    const envelope = body as { objects?: unknown; more?: unknown; next?: unknown };
    if (envelope.objects !== undefined && !Array.isArray(envelope.objects)) throw new TaxiiError(200, `${url}: the envelope's objects is not a list`);
    const page: ObjectsPage = { objects: (envelope.objects as unknown[] | undefined) ?? [], more: envelope.more === true };
    if (typeof envelope.next === 'string' && envelope.next) page.next = envelope.next;
    const first = headers.get('x-taxii-date-added-first');
    const last = headers.get('x-taxii-date-added-last');
    if (first && TIMESTAMP.test(first)) page.addedFirst = first;
    if (last && TIMESTAMP.test(last)) page.addedLast = last;
    return page;
  }

  /**
   * Every page added after `cursor`, each handed to `onPage` (awaited) with the cursor to save
   * once it is handled. Returns the final cursor.
   */
  async readObjects(apiRoot: string, collectionId: string, cursor: string | undefined, limit: number, onPage: (page: ObjectsPage, cursor: string | undefined) => Promise<void>): Promise<string | undefined> {
    let addedAfter = cursor;
    let next: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages > 100_000) throw new TaxiiError(200, 'the server keeps answering more=true: stopped after 100,000 pages');
      const page = await this.objectsPage(apiRoot, collectionId, { addedAfter, limit, next });
      // Without the header (a server against §5.4) the cursor stays: the next read asks again, and
      // the match deduplicates what it has seen.
      const reached = page.addedLast ?? addedAfter;
      await onPage(page, reached);
      if (!page.more || page.objects.length === 0) return reached;
      if (page.next) {
        next = page.next;
      } else {
        if (!page.addedLast || page.addedLast === addedAfter) throw new TaxiiError(200, 'the server says more=true but gives neither next nor a later X-TAXII-Date-Added-Last');
        addedAfter = page.addedLast;
      }
    }
  }

  private async get(url: string): Promise<unknown> {
    return (await this.request(url)).body;
  }

  private headers(): Record<string, string> {
    return { accept: TAXII_MEDIA_TYPE, ...authHeader(this.options.auth) };
  }

  /** GET with the retry policy; the JSON body and the headers of a 200. */
  private async request(url: string): Promise<{ body: unknown; headers: Headers }> {
    const o = this.options;
    let lastError: Error | undefined;
    let waits = 0;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      if (attempt > 0) await o.sleep(o.backoffBaseMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(o.timeoutMs);
        res = await fetch(url, { headers: this.headers(), signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout, redirect: 'follow' });
      } catch (err) {
        lastError = fetchFailure(url, err, o.timeoutMs, o.signal);
        // A close ends the read; a network failure is retried.
        if (o.signal?.aborted) throw lastError;
        continue;
      }
      const status = res.status;
      if (status === 429 || (status === 503 && res.headers.get('retry-after'))) {
        await res.body?.cancel();
        const until = retryAfter(res.headers.get('retry-after') ?? undefined, o.now());
        const wait = until - o.now();
        if (wait > o.maxWaitMs || ++waits > MAX_WAITS) throw new RateLimitedError(until, status);
        await o.sleep(Math.max(0, wait));
        attempt--; // a wait the server asked for is not a failure
        continue;
      }
      if (status >= 500) {
        await res.body?.cancel();
        lastError = new Error(`${url} answered ${status} ${res.statusText}`.trim());
        continue;
      }
      if (status !== 200) {
        const detail = await this.errorDetail(res);
        const why = status === 401 ? 'authentication failed (check the user name and password or the token)'
          : status === 403 ? 'access refused with these credentials'
          : status === 404 ? 'not found'
          : status === 406 ? 'the server does not offer TAXII 2.1 (406 Not Acceptable)'
          : `answered ${status} ${res.statusText}`.trim();
        throw new TaxiiError(status, `${url}: ${why}${detail ? ` (${detail})` : ''}`);
      }
      const type = res.headers.get('content-type') ?? '';
      if (!/^application\/taxii\+json/i.test(type) || (/version=/i.test(type) && !/version=2\.1/i.test(type))) {
        await res.body?.cancel();
        throw new TaxiiError(status, `${url}: answered ${type || 'no content type'}, not ${TAXII_MEDIA_TYPE}`);
      }
      const text = await this.text(res, url);
      try {
        return { body: JSON.parse(text), headers: res.headers };
      } catch (err) {
        throw new TaxiiError(status, `${url}: the answer is not JSON: ${(err as Error).message}`);
      }
    }
    throw lastError ?? new Error(`${url}: no answer`);
  }

  /** The body, refused beyond maxBytes without reading the rest. */
  private async text(res: Response, url: string): Promise<string> {
    const text = await readBounded(res, this.options.maxBytes);
    if (text === undefined) throw new TaxiiError(200, `${url}: the answer is larger than ${this.options.maxBytes} bytes; ask for fewer objects a page`);
    return text;
  }

  /** The TAXII error message's title and description, when the server sent one. */
  private async errorDetail(res: Response): Promise<string> {
    try {
      const body = JSON.parse((await res.text()).slice(0, 64 * 1024)) as { title?: unknown; description?: unknown };
      return [body.title, body.description].filter((s) => typeof s === 'string').join(': ').slice(0, 300);
    } catch {
      return '';
    }
  }
}

/** The impetus-cti-taxii-server config node as the impetus-cti-taxii nodes use it. */
export interface TaxiiServerNode extends Node {
  url: string;
  apiRoot?: string;
  /** A client with the server's credentials whose requests and waits end when `signal` aborts. */
  client(signal?: AbortSignal): TaxiiClient;
}
