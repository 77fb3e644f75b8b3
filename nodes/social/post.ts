/**
 * Checks a post given to the analyse node and completes it into the one post shape; a bad post
 * gets an error that names the field.
 */
import type { Post } from './project';
import { detectLanguage } from './source';

/** Texts above this are refused outright: no public network allows them, so it is bad input. */
export const MAX_POST_CHARS = 1_048_576;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function str(v: unknown): v is string {
  return typeof v === 'string';
}

/** "nb-NO" → "no", "it_IT" → "it": the base language, Norwegian's written forms as one. */
function languageCode(tag: string): string {
  const base = tag.toLowerCase().replace(/[-_].*$/, '');
  return base === 'nb' || base === 'nn' ? 'no' : base;
}

export function toPost(raw: unknown, now: number): Post {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('a post must be an object {id, text, lang, author, ts, url, source, geo?}');
  const r = raw as Record<string, unknown>;
  if (!str(r.text)) throw new TypeError('post.text must be a string');
  if (r.text.length > MAX_POST_CHARS) throw new RangeError(`post.text is longer than ${MAX_POST_CHARS} characters`);
  if (!str(r.id) && typeof r.id !== 'number') throw new TypeError('post.id must be a string or a number');
  let ts = now;
  if (r.ts !== undefined) {
    ts = typeof r.ts === 'number' ? r.ts : str(r.ts) ? Date.parse(r.ts) : NaN;
    if (!Number.isFinite(ts)) throw new TypeError(`post.ts ${JSON.stringify(r.ts)} is not a time (epoch ms or ISO 8601)`);
  }
  const post: Post = {
    id: String(r.id),
    // Lone surrogates from a broken feed become U+FFFD, so every later step sees valid text.
    text: r.text.replace(LONE_SURROGATE, '\ufffd'),
    // Detected when the post does not say (or says something that is no language tag).
    lang: str(r.lang) && /^[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*$/i.test(r.lang) ? languageCode(r.lang) : 'und',
    author: str(r.author) ? r.author : '',
    ts,
    url: str(r.url) ? r.url : '',
    source: str(r.source) ? r.source : 'input',
  };
  if (post.lang === 'und') post.lang = detectLanguage(post.text);
  if (r.geo !== undefined && r.geo !== null) {
    const g = r.geo as Record<string, unknown>;
    const lat = Number(g.lat);
    const lon = Number(g.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) throw new TypeError('post.geo must be {lat, lon} in degrees');
    post.geo = { lat, lon };
  }
  return post;
}
