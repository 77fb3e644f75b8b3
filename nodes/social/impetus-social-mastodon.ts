/**
 * impetus-social-mastodon: a Mastodon timeline (public, local, hashtag, list) as posts, polled
 * over REST or followed live on the streaming API. A stream that drops reconnects with back-off
 * and first reads the gap over REST from the cursor, so nothing posted meanwhile is missed.
 *
 * Output: msg.payload = [post, …]: one message per poll, or per status on the stream.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { refuseInput, translator } from '../platform/node-kit';
import { checkSpec, statusToPost } from './mastodon';
import type { MastodonServerNode, Timeline, TimelineSpec } from './mastodon';
import { streamOnce } from './mastodon-stream';
import { runPolled, SourceState } from './poller';

interface MastodonDef extends NodeDef {
  server?: string;
  timeline?: Timeline;
  tag?: string;
  listId?: string;
  mode?: 'poll' | 'stream';
  interval?: string | number;
  lang?: string;
}

/** Mastodon sends a heartbeat every 10-15 s: a minute without a byte is a dead connection. */
const STREAM_IDLE_MS = 60_000;
/** The first wait before a reconnect, doubled at each failure in a row. */
const RECONNECT_MS = 1_000;

export = function (RED: NodeAPI): void {
  function SocialMastodonNode(this: Node, config: MastodonDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = translator(RED, 'impetus-social-mastodon', __dirname);
    const stream = config.mode === 'stream';
    const intervalMs = stream ? 0 : Math.max(0, Number(config.interval ?? 300)) * 1000;
    const lang = (config.lang ?? '').trim().toLowerCase() || undefined;
    const spec: TimelineSpec = { timeline: config.timeline ?? 'hashtag', tag: config.tag?.trim(), list: config.listId?.trim() };
    const state = new SourceState(RED, node, t, stream ? RECONNECT_MS : Math.max(intervalMs, 10_000));
    const server = RED.nodes.getNode(config.server ?? '') as MastodonServerNode | null;
    const api = server?.api;
    try {
      if (!api) throw server?.problem ?? new Error(t('errors.server'));
      if (!Number.isFinite(intervalMs)) throw new Error(t('errors.interval'));
      checkSpec(spec);
    } catch (err) {
      refuseInput(node, state.status, err);
      return;
    }
    const topic = `${api.host}/${spec.timeline}${spec.tag ? `/${spec.tag}` : spec.list ? `/${spec.list}` : ''}`;
    const abort = new AbortController();
    let running: Promise<void> | undefined;

    /** Connects, reads the gap over REST, follows the stream; after a drop waits its back-off and again. */
    async function follow(): Promise<void> {
      while (!abort.signal.aborted) {
        try {
          await sleep(state.msUntilAllowed(), undefined, { signal: abort.signal });
          const gap = state.accept(await api!.readTimeline(spec, state.cursor.sinceId, lang));
          if (gap.length) node.send({ topic, payload: gap });
          await streamOnce(api!, spec, abort.signal, STREAM_IDLE_MS, {
            onLive: () => {
              state.recovered();
              state.status.ok(t('status.live'));
            },
            onStatus: (status) => {
              const post = statusToPost(status, api!.host, lang);
              if (!post) return;
              const fresh = state.accept({ posts: [post], cursor: { sinceId: (status as { id: string }).id } }, true);
              if (fresh.length) node.send({ topic, payload: fresh });
            },
            onGarbage: (detail) => node.warn(detail),
          });
        } catch (err) {
          if (abort.signal.aborted) return;
          if (state.failed(err as Error)) node.error((err as Error).message, { topic, payload: { source: topic } });
        }
      }
    }

    runPolled(node, {
      state,
      topic,
      intervalMs,
      read: (cursor) => api.readTimeline(spec, cursor.sinceId, lang),
      onClose: async () => {
        abort.abort();
        await running;
      },
    });
    if (stream) running = follow();
  }
  RED.nodes.registerType('impetus-social-mastodon', SocialMastodonNode);
};
