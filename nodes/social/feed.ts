/**
 * RSS and Atom feeds as posts: one conditional GET (ETag, Last-Modified), parsed by rss-parser
 * (npm, MIT: RSS 0.9x/1.0/2.0 and Atom, widely used), items normalised to the post shape.
 */
import Parser from 'rss-parser';
import type { Post } from './project';
import { getText, SourceError } from './http';
import { detectLanguage } from './source';
import type { Validators } from './source';
import { plainText } from './text';

const parser = new Parser();

export interface FeedResult {
  posts: Post[];
  cursor: Validators;
}

/** Fetches and parses a feed; throws SourceError with the status, the parser's complaint, or the wait asked for. */
export async function readFeed(url: string, validators: Validators, options: { lang?: string; timeoutMs: number }): Promise<FeedResult> {
  const got = await getText(url, validators, { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5', timeoutMs: options.timeoutMs });
  if (got.body === undefined) return { posts: [], cursor: validators };
  let feed: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    feed = await parser.parseString(got.body);
  } catch (err) {
    throw new SourceError(`${url}: not an RSS or Atom feed (${(err as Error).message.split('\n')[0]})`);
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
  return { posts, cursor: got.validators };
}
