/**
 * RSS and Atom feeds as posts: one conditional GET (ETag, Last-Modified), parsed by rss-parser
 * (npm, MIT: RSS 0.9x/1.0/2.0 and Atom, widely used), items normalised to the post shape.
 */
import Parser from 'rss-parser';
import type { Post } from './project';
import { detectLanguage, retryAfterMs } from './source';
import type { Cursor } from './source';

export class FeedError extends Error {
  constructor(
    message: string,
    /** How long the server asked us to wait (429/503 Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}

/** Feeds larger than this are refused: a feed is a page of recent items, not an archive. */
export const MAX_FEED_BYTES = 5 * 1024 * 1024;

const parser = new Parser();

/** Tags and entities out, whitespace collapsed: what a reader sees. */
export function plainText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e: string) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
      if (e[0] !== '#') return named[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
}

export interface FeedResult {
  posts: Post[];
  cursor: Pick<Cursor, 'etag' | 'lastModified'>;
  notModified: boolean;
}

/** Fetches and parses a feed; throws FeedError with the status, the parser's complaint, or the wait asked for. */
export async function readFeed(url: string, validators: Pick<Cursor, 'etag' | 'lastModified'>, options: { lang?: string; timeoutMs: number }): Promise<FeedResult> {
  const headers: Record<string, string> = { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5', 'user-agent': 'node-red-contrib-impetus social' };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    throw new FeedError(`${url}: ${(err as Error).message}`);
  }
  if (res.status === 304) return { posts: [], cursor: validators, notModified: true };
  if (res.status === 429 || res.status === 503) {
    await res.body?.cancel();
    throw new FeedError(`${url}: HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FeedError(`${url}: HTTP ${res.status}`);
  }
  const size = Number(res.headers.get('content-length') ?? 0);
  if (size > MAX_FEED_BYTES) {
    await res.body?.cancel();
    throw new FeedError(`${url}: feed larger than ${MAX_FEED_BYTES} bytes`);
  }
  const body = await res.text();
  if (body.length > MAX_FEED_BYTES) throw new FeedError(`${url}: feed larger than ${MAX_FEED_BYTES} bytes`);
  let feed: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    feed = await parser.parseString(body);
  } catch (err) {
    throw new FeedError(`${url}: not an RSS or Atom feed (${(err as Error).message.split('\n')[0]})`);
  }
  const host = new URL(url).host;
  const posts: Post[] = [];
  for (const item of feed.items ?? []) {
    const text = plainText([item.title, item.contentSnippet ?? item.content ?? item.summary].filter(Boolean).join(' — '));
    if (!text) continue;
    const id = item.guid || item.link || `${item.title ?? ''}|${item.isoDate ?? item.pubDate ?? ''}`;
    const ts = Date.parse(item.isoDate ?? item.pubDate ?? '');
    posts.push({
      id: `rss:${host}:${id}`,
      text,
      lang: options.lang || detectLanguage(text),
      author: item.creator ?? (item as { author?: string }).author ?? feed.title ?? host,
      ts: Number.isFinite(ts) ? ts : Date.now(),
      url: item.link ?? url,
      source: `rss:${host}`,
    });
  }
  return { posts, cursor: { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined }, notModified: false };
}
