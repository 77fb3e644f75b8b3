/**
 * Mastodon's REST API as posts: timelines (public, local, hashtag, list) read forward from the
 * newest id seen (min_id, then the Link header's rel="prev" page), statuses normalised to the
 * post shape, and the server's rate limit (X-RateLimit-Remaining/Reset, 429) obeyed for every
 * node sharing the server. Hand-written on fetch: see docs/social.md for why not `masto`.
 */
import type { Node } from 'node-red';
import type { Post } from './project';
import { getText, SourceError } from './http';
import type { Page } from './poller';
import { detectLanguage, newerId } from './source';
import { plainText } from './text';

export type Timeline = 'public' | 'local' | 'hashtag' | 'list';

export interface TimelineSpec {
  timeline: Timeline;
  tag?: string;
  list?: string;
}

/** A timeline's REST path and query, and its streaming path (Mastodon's documented endpoints). */
export function endpoints(spec: TimelineSpec): { rest: string; stream: string } {
  const tag = encodeURIComponent((spec.tag ?? '').replace(/^#/, ''));
  const list = encodeURIComponent(spec.list ?? '');
  switch (spec.timeline) {
    case 'public':
      return { rest: '/api/v1/timelines/public?', stream: '/api/v1/streaming/public' };
    case 'local':
      return { rest: '/api/v1/timelines/public?local=true&', stream: '/api/v1/streaming/public/local' };
    case 'hashtag':
      return { rest: `/api/v1/timelines/tag/${tag}?`, stream: `/api/v1/streaming/hashtag?tag=${tag}` };
    case 'list':
      return { rest: `/api/v1/timelines/list/${list}?`, stream: `/api/v1/streaming/list?list=${list}` };
  }
}

export function checkSpec(spec: TimelineSpec): void {
  if (!['public', 'local', 'hashtag', 'list'].includes(spec.timeline)) throw new TypeError(`unknown timeline "${spec.timeline}": public, local, hashtag or list`);
  if (spec.timeline === 'hashtag' && !/^#?[\p{L}\p{N}_]+$/u.test(spec.tag ?? '')) throw new TypeError('a hashtag timeline needs a hashtag (letters, digits, _)');
  if (spec.timeline === 'list' && !/^\w+$/.test(spec.list ?? '')) throw new TypeError('a list timeline needs the list id');
}

/** A status (or the status it boosts) as a post; undefined for what is no status or has no text. */
export function statusToPost(raw: unknown, host: string, lang?: string): Post | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const s = (r.reblog && typeof r.reblog === 'object' ? r.reblog : r) as Record<string, unknown>;
  if (typeof s.id !== 'string' || typeof s.content !== 'string') return undefined;
  const text = plainText([s.spoiler_text, s.content].filter((x) => typeof x === 'string' && x).join(' — '));
  if (!text) return undefined;
  const account = (s.account ?? {}) as Record<string, unknown>;
  const ts = Date.parse(typeof s.created_at === 'string' ? s.created_at : '');
  const language = typeof s.language === 'string' ? s.language.toLowerCase().replace(/[-_].*$/, '') : '';
  return {
    id: `mastodon:${host}:${s.id}`,
    text,
    lang: lang || (language === 'nb' || language === 'nn' ? 'no' : language) || detectLanguage(text),
    author: typeof account.acct === 'string' ? account.acct : '',
    ts: Number.isFinite(ts) ? ts : Date.now(),
    url: typeof s.url === 'string' ? s.url : typeof s.uri === 'string' ? s.uri : '',
    source: `mastodon:${host}`,
  };
}

/** The rel="prev" (newer) page of a Link header. */
export function prevLink(link: string | null): string | undefined {
  return link?.match(/<([^>]+)>\s*;\s*rel="prev"/)?.[1];
}

/**
 * One Mastodon server and token, shared by every node that reads it (the config node owns it),
 * so that one node's requests count against the limit the others see.
 */
export class MastodonApi {
  readonly host: string;
  private blockedUntil = 0;

  constructor(
    readonly baseUrl: string,
    readonly streamingUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 30_000,
  ) {
    this.host = new URL(baseUrl).host;
  }

  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** X-RateLimit-Reset as a wait in ms. */
  private static resetWait(headers: Headers): number | undefined {
    const reset = Date.parse(headers.get('x-ratelimit-reset') ?? '');
    return Number.isFinite(reset) ? Math.max(0, reset - Date.now()) : undefined;
  }

  /** A GET of the API (same origin only: the token never goes elsewhere); the parsed JSON and the Link header. */
  async get(url: string): Promise<{ json: unknown; link: string | null }> {
    const target = new URL(url, this.baseUrl);
    if (target.origin !== new URL(this.baseUrl).origin) throw new SourceError(`${target.href}: not on ${this.baseUrl}, not followed`);
    const wait = this.blockedUntil - Date.now();
    if (wait > 0) throw new SourceError(`${this.host}: rate limit reached, resets at ${new Date(this.blockedUntil).toISOString()}`, wait);
    let got;
    try {
      got = await getText(target.href, {}, { accept: 'application/json', timeoutMs: this.timeoutMs, headers: this.authHeaders(), waitFrom: MastodonApi.resetWait });
    } catch (err) {
      const asked = (err as SourceError).retryAfter;
      if (asked !== undefined) this.blockedUntil = Math.max(this.blockedUntil, Date.now() + asked);
      throw err;
    }
    // The last request the window allows: wait for its reset before the next.
    if (got.headers.get('x-ratelimit-remaining') === '0') this.blockedUntil = Date.now() + (MastodonApi.resetWait(got.headers) ?? 0);
    try {
      return { json: JSON.parse(got.body ?? ''), link: got.headers.get('link') };
    } catch (err) {
      throw new SourceError(`${target.href}: the answer is not JSON (${(err as Error).message})`);
    }
  }

  /**
   * The statuses after `sinceId`, oldest page first (min_id, then rel="prev"), at most `maxPages`
   * pages; without a cursor only the newest page. The rest comes at the next read.
   */
  async readTimeline(spec: TimelineSpec, sinceId: string | undefined, lang?: string, maxPages = 5): Promise<Page> {
    let url: string | undefined = `${endpoints(spec).rest}limit=40${sinceId ? `&min_id=${encodeURIComponent(sinceId)}` : ''}`;
    const posts: Post[] = [];
    let skipped = 0;
    let newest = sinceId;
    for (let page = 0; url && page < maxPages; page++) {
      const { json, link } = await this.get(url);
      if (!Array.isArray(json)) throw new SourceError(`${this.host}: a timeline answer must be an array of statuses`);
      if (!json.length) break;
      // Each page is newest first and the pages come oldest first: reversed, the posts are in posting order.
      for (const status of json.reverse()) {
        const id = (status as { id?: unknown })?.id;
        if (typeof id === 'string' && /^\d+$/.test(id) && newerId(newest, id)) newest = id;
        const post = statusToPost(status, this.host, lang);
        if (post) posts.push(post);
        else skipped++;
      }
      url = sinceId ? prevLink(link) : undefined;
    }
    return { posts, skipped, cursor: { sinceId: newest } };
  }
}

/** The config node impetus-social-mastodon-server: the client, or why there is none. */
export interface MastodonServerNode extends Node {
  api?: MastodonApi;
  problem?: Error;
}
