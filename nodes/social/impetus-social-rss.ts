/**
 * impetus-social-rss: an RSS or Atom feed as posts. Polls every `interval` seconds (and on any
 * input message), sends only posts not seen before (ids kept in a cursor file in the user
 * directory, so a restart resends nothing), obeys Retry-After and backs off after failures.
 *
 * Output: one message per poll with new posts, msg.payload = [post, …] (for impetus-social-analyse).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, StatusReporter, translator } from '../platform/node-kit';
import { readFeed } from './feed';
import type { FeedError } from './feed';
import { backoffMs, CursorFile, SeenPosts } from './source';
import type { Cursor } from './source';
import type { Post } from './project';

interface RssNodeDef extends NodeDef {
  url?: string;
  interval?: string | number;
  lang?: string;
}

export = function (RED: NodeAPI): void {
  function SocialRssNode(this: Node, config: RssNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-social-rss', __dirname);
    const url = (config.url ?? '').trim();
    const intervalMs = Math.max(0, Number(config.interval ?? 300)) * 1000;
    const lang = (config.lang ?? '').trim().toLowerCase();
    const file = CursorFile.forNode(RED.settings.userDir as string | undefined, node.id);
    const saved = file.load();
    const seen = new SeenPosts(saved.seen);
    let validators: Pick<Cursor, 'etag' | 'lastModified'> = { etag: saved.etag, lastModified: saved.lastModified };
    let failures = 0;
    let notBefore = 0;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let inFlight: Promise<Post[]> | undefined;

    const valid = /^https?:\/\//i.test(url) && Number.isFinite(intervalMs);

    async function pollOnce(): Promise<Post[]> {
      if (!valid) throw new Error(t('errors.config'));
      if (Date.now() < notBefore) throw new Error(t('errors.wait', { at: new Date(notBefore).toISOString() }));
      try {
        const r = await readFeed(url, validators, { lang: lang || undefined, timeoutMs: 30_000 });
        failures = 0;
        validators = r.cursor;
        const fresh = r.posts.filter((p) => seen.fresh(p.id));
        file.save({ seen: seen.toJSON(), ...validators });
        status.ok(t('status.polled', { count: fresh.length, at: new Date().toISOString().slice(11, 19) }));
        return fresh;
      } catch (err) {
        failures++;
        const wait = (err as FeedError).retryAfter ?? backoffMs(Math.max(intervalMs, 10_000), failures - 1);
        notBefore = Date.now() + wait;
        status.error(t('status.failed', { detail: (err as Error).message, seconds: Math.round(wait / 1000) }));
        throw err;
      }
    }

    function poll(): Promise<Post[]> {
      // One request at a time: an input during a timed poll waits for it and gets its result.
      inFlight ??= pollOnce().finally(() => (inFlight = undefined));
      return inFlight;
    }

    function schedule(): void {
      if (closed || !intervalMs) return;
      timer = setTimeout(
        () => {
          poll()
            .then((posts) => {
              if (posts.length) node.send({ topic: url, payload: posts });
            })
            .catch((err: Error) => node.error(err.message, { topic: url, payload: { url } }))
            .finally(schedule);
        },
        Math.max(intervalMs, notBefore - Date.now()),
      );
    }

    handleInput(
      node,
      status,
      async (msg, send) => {
        const posts = await poll();
        if (posts.length) send({ ...msg, topic: url, payload: posts });
      },
      async () => {
        closed = true;
        clearTimeout(timer);
        await inFlight?.catch(() => undefined);
      },
    );
    if (!valid) status.error(t('errors.config'));
    else schedule();
  }
  RED.nodes.registerType('impetus-social-rss', SocialRssNode);
};
