/**
 * Any JSON API as posts: one conditional GET, the items picked by a JSONPath, each field of the
 * post by a JSONPath relative to its item. JSONPath by jsonpath-plus (npm, MIT, the most used
 * JSONPath engine on npm; filters run in its safe evaluator, never `eval`).
 */
import { JSONPath } from 'jsonpath-plus';
import type { Post } from './project';
import { getText, SourceError } from './http';
import type { Page } from './poller';
import { detectLanguage } from './source';
import type { Validators } from './source';
import { plainText } from './text';

/** Where each post field is found: `items` in the answer, the others relative to one item. */
export interface JsonMapping {
  items: string;
  id: string;
  text: string;
  author?: string;
  ts?: string;
  url?: string;
  lang?: string;
  lat?: string;
  lon?: string;
}

/** Every match of `path` in `json`; a path that fails (a malformed filter) names its field. */
function select(field: string, path: string, json: unknown): unknown[] {
  if (json === null || typeof json !== 'object') return [];
  try {
    return JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
  } catch (err) {
    throw new SourceError(`the JSONPath for ${field} (${path}) failed: ${(err as Error).message}`);
  }
}

/** Epoch seconds (< 10^12), epoch ms, or a date text; undefined when it is none of them. */
function timeOf(v: unknown): number | undefined {
  const ms = typeof v === 'number' ? (Math.abs(v) < 1e12 ? v * 1000 : v) : typeof v === 'string' ? (/^\d+$/.test(v) ? timeOf(Number(v)) : Date.parse(v)) : NaN;
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/**
 * jsonpath-plus reads a path lazily (a malformed filter fails only on data, see `select`), and
 * takes "user name" for a property: a path must at least start at the root, so that a typo is a
 * configuration error and not an empty feed.
 */
export function checkMapping(m: JsonMapping): void {
  for (const [field, path] of Object.entries(m)) {
    if (path && !path.startsWith('$')) throw new TypeError(`the JSONPath for ${field} (${path}) must start with $`);
  }
}

/** The items of one answer as posts; items without an id or a text are counted, not sent. */
export function mapPosts(body: unknown, m: JsonMapping, host: string, lang?: string): { posts: Post[]; skipped: number } {
  const posts: Post[] = [];
  let skipped = 0;
  const first = (field: keyof JsonMapping, item: unknown) => (m[field] ? select(field, m[field], item)[0] : undefined);
  for (const item of select('items', m.items, body)) {
    const id = first('id', item);
    const raw = first('text', item);
    const text = typeof raw === 'string' ? plainText(raw) : '';
    if ((typeof id !== 'string' && typeof id !== 'number') || !text) {
      skipped++;
      continue;
    }
    const author = first('author', item);
    const url = first('url', item);
    const itemLang = first('lang', item);
    const post: Post = {
      id: `json:${host}:${id}`,
      text,
      lang: lang || (typeof itemLang === 'string' && /^[a-z]{2,3}\b/i.test(itemLang) ? itemLang.slice(0, 2).toLowerCase() : detectLanguage(text)),
      author: typeof author === 'string' || typeof author === 'number' ? String(author) : '',
      ts: timeOf(first('ts', item)) ?? Date.now(),
      url: typeof url === 'string' ? url : '',
      source: `json:${host}`,
    };
    const lat = Number(first('lat', item));
    const lon = Number(first('lon', item));
    if (m.lat && m.lon && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) post.geo = { lat, lon };
    posts.push(post);
  }
  return { posts, skipped };
}

export async function readJson(url: string, validators: Validators, m: JsonMapping, options: { lang?: string; token?: string; timeoutMs: number }): Promise<Page> {
  const got = await getText(url, validators, {
    accept: 'application/json',
    timeoutMs: options.timeoutMs,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : undefined,
  });
  if (got.body === undefined) return { posts: [], cursor: validators };
  let body: unknown;
  try {
    body = JSON.parse(got.body);
  } catch (err) {
    throw new SourceError(`${url}: the answer is not JSON (${(err as Error).message})`);
  }
  const { posts, skipped } = mapPosts(body, m, new URL(url).host, options.lang);
  return { posts, skipped, cursor: got.validators };
}
