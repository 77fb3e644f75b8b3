/**
 * MISP's REST API as a source: `POST <base>/events/restSearch` (MISP's automation API), the
 * events changed since the last read, page by page. Plain functions over Node's fetch, tested
 * without Node-RED against a local server that answers as MISP does (test/cti/misp-api.test.ts).
 *
 * - **Authentication**: MISP's API key in the `Authorization` header, as MISP expects it (no
 *   "Bearer"); 401/403 name the cause and MISP's own message.
 * - **Cursor**: MISP's `timestamp` filter (the event's last change, in seconds) asks for events
 *   changed at or after `since`; `seen` (event uuid → timestamp handed on) drops the ones already
 *   sent, so a read stopped half-way, or two events sharing the last second, send nothing twice.
 *   `since` moves on only when a read ends, to the newest timestamp it saw; `seen` keeps only what
 *   is at or after it, so the cursor stays small.
 * - **Paging**: `page` and `limit` until a page comes back short (MISP gives no total).
 * - **Rate limits**: 429 (or 503 with Retry-After) is a RateLimitedError: the node holds every
 *   later read until then, without asking again. Other failures end the read; the next one goes
 *   on from the cursor, which is saved after each page.
 */
import { RateLimitedError, retryAfter } from './feed';
import { fetchFailure, readBounded } from './http-body';
import { fromMispEvent } from './normalise';
import type { Normalised, SourceOptions } from './normalise';

export interface MispApiCursor {
  /** What the cursor belongs to (base URL and filters): a cursor of another search is not used. */
  of: string;
  /** MISP `timestamp` (seconds): events changed at or after it are asked for. */
  since?: number;
  /** Event uuid → the timestamp handed on, for events at or after `since`. */
  seen: Record<string, number>;
}

export interface MispApiOptions {
  apiKey: string;
  /** Further restSearch filters (`tags`, `published`, `org`…), sent as they are. */
  filters?: Record<string, unknown>;
  /** Events a page. Default 100. */
  limit?: number;
  timeoutMs?: number;
  /** Largest answer read, in bytes. Default 64 MiB. */
  maxBytes?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/** Filters the node sets itself: a configured one would break the paging or the cursor. */
const OWN_FILTERS = ['page', 'limit', 'timestamp', 'returnFormat'];
const MAX_PAGES = 10_000;

/** The restSearch filters from the node's JSON text, with a clear error. */
export function parseMispFilters(text: string | undefined): Record<string, unknown> {
  if (!text?.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the MISP filters are not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the MISP filters must be a JSON object, e.g. {"tags": ["tlp:green"], "published": true}');
  const own = OWN_FILTERS.filter((k) => k in value);
  if (own.length) throw new Error(`the MISP filters may not set ${own.join(', ')}: the node pages and keeps the cursor itself`);
  return value as Record<string, unknown>;
}

/** What a search's cursor is tied to. */
export function mispSearchKey(base: string, filters: Record<string, unknown>): string {
  return `misp-api|${base}|${JSON.stringify(filters)}`;
}

/** The events of one restSearch answer: `{response: [{Event}]}`, or a bare list as some versions answer. */
export function restSearchEvents(body: unknown): unknown[] {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? (body as { response?: unknown }).response : undefined;
  if (!Array.isArray(list)) {
    const why = typeof body === 'object' && body !== null ? (body as { message?: unknown; name?: unknown }).message ?? (body as { name?: unknown }).name : undefined;
    throw new Error(`not a MISP restSearch answer (no response list)${typeof why === 'string' ? `: ${why.slice(0, 200)}` : ''}`);
  }
  return list;
}

const stampOf = (event: unknown): number | undefined => {
  const e = typeof event === 'object' && event !== null && 'Event' in event ? (event as { Event: unknown }).Event : event;
  const t = typeof e === 'object' && e !== null ? Number((e as { timestamp?: unknown }).timestamp) : NaN;
  return Number.isFinite(t) ? t : undefined;
};
const uuidOf = (event: unknown): string | undefined => {
  const e = typeof event === 'object' && event !== null && 'Event' in event ? (event as { Event: unknown }).Event : event;
  const u = typeof e === 'object' && e !== null ? (e as { uuid?: unknown }).uuid : undefined;
  return typeof u === 'string' ? u : undefined;
};

/**
 * Reads the events changed since the cursor, handing each on (awaited) and calling `onPage` after
 * each page so the caller saves the cursor. Events that cannot be read are named in `errors` and
 * kept out of `seen`, so the next read asks for them again.
 */
export async function readMispApi(
  base: string,
  cursor: MispApiCursor,
  options: MispApiOptions & SourceOptions,
  onEvent: (n: Normalised, uuid: string) => Promise<void>,
  onPage: () => void = () => undefined,
): Promise<{ events: number; errors: string[] }> {
  const limit = options.limit ?? 100;
  const url = new URL('events/restSearch', base.endsWith('/') ? base : `${base}/`).toString();
  const errors: string[] = [];
  let events = 0;
  let newest = cursor.since ?? 0;
  // An event left out for an error stays unseen, and `since` must not pass it.
  let oldestFailed = Infinity;
  let previous = '';
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw new Error(`${url}: more than ${MAX_PAGES} pages of ${limit} events; narrow the filters`);
    const body = { ...options.filters, returnFormat: 'json', page, limit, ...(cursor.since !== undefined ? { timestamp: cursor.since } : {}) };
    const list = restSearchEvents(await post(url, body, options));
    // A server that ignores `page` answers the first page again and again: stop at once rather
    // than ask 10,000 times.
    const signature = list.map(uuidOf).join(',');
    if (page > 1 && list.length && signature === previous) throw new Error(`${url}: page ${page} is the same as page ${page - 1}: the server ignores paging (an old MISP or a proxy?); set a larger limit or narrow the filters`);
    previous = signature;
    for (const event of list) {
      const uuid = uuidOf(event);
      const stamp = stampOf(event);
      if (!uuid || stamp === undefined) {
        errors.push(`page ${page}: an event without uuid or timestamp`);
        continue;
      }
      newest = Math.max(newest, stamp);
      if ((cursor.seen[uuid] ?? -Infinity) >= stamp) continue;
      const n = fromMispEvent(event, options);
      if (!n.indicators.length && n.errors.length) {
        errors.push(`${uuid}: ${n.errors[0]}`);
        oldestFailed = Math.min(oldestFailed, stamp);
        continue;
      }
      await onEvent(n, uuid);
      cursor.seen[uuid] = stamp;
      events++;
    }
    onPage();
    if (list.length < limit) break;
  }
  cursor.since = Math.min(newest, oldestFailed);
  for (const [uuid, stamp] of Object.entries(cursor.seen)) if (stamp < cursor.since) delete cursor.seen[uuid];
  return { events, errors };
}

/** One restSearch request; MISP's answer as JSON, or a clear error. */
async function post(url: string, body: unknown, options: MispApiOptions): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: options.apiKey, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // Not followed: the API key must not go where the node was not pointed, and a POST is not
      // repeated on another address without the user saying so.
      redirect: 'manual',
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
    });
  } catch (err) {
    throw fetchFailure(url, err, timeoutMs, options.signal);
  }
  if (res.status === 429 || (res.status === 503 && res.headers.get('retry-after'))) {
    await res.body?.cancel();
    throw new RateLimitedError(retryAfter(res.headers.get('retry-after') ?? undefined, (options.now ?? Date.now)()), res.status);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new Error(`${url}: MISP answered ${res.status}, a redirect to ${res.headers.get('location') ?? 'nowhere'}: give the server's URL as it answers (the API key is not sent on)`);
  }
  const text = await readBounded(res, maxBytes);
  if (text === undefined) throw new Error(`${url}: the answer is larger than ${maxBytes} bytes; ask for fewer events a page`);
  if (res.status !== 200) {
    const why = res.status === 401 || res.status === 403 ? 'authentication failed: check the API key (a key of an API-enabled MISP user)' : `answered ${res.status} ${res.statusText}`.trim();
    throw new Error(`${url}: ${why}${mispMessage(text)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${url}: the answer is not JSON: ${(err as Error).message}`);
  }
}

/** MISP's error body (`{name, message, url}`), shortened, when it sent one. */
function mispMessage(text: string): string {
  try {
    const body = JSON.parse(text.slice(0, 64 * 1024)) as { name?: unknown; message?: unknown };
    const said = [body.name, body.message].filter((s, i, all) => typeof s === 'string' && all.indexOf(s) === i).join(': ');
    return said ? ` (${said.slice(0, 300)})` : '';
  } catch {
    return '';
  }
}
