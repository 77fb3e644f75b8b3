/**
 * impetus-social-rss: an RSS or Atom feed as posts. Polls every `interval` seconds (and on any
 * input message), sends only posts not seen before (ids kept in a cursor file in the user
 * directory, so a restart resends nothing), obeys Retry-After and backs off after failures.
 *
 * Output: one message per poll with new posts, msg.payload = [post, …] (for impetus-social-analyse).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { refuseInput, translator } from '../platform/node-kit';
import { readFeed } from './feed';
import { runPolled, SourceState } from './poller';

interface RssNodeDef extends NodeDef {
  url?: string;
  interval?: string | number;
  lang?: string;
}

export = function (RED: NodeAPI): void {
  function SocialRssNode(this: Node, config: RssNodeDef) {
    RED.nodes.createNode(this, config);
    const t = translator(RED, 'impetus-social-rss', __dirname);
    const url = (config.url ?? '').trim();
    const intervalMs = Math.max(0, Number(config.interval ?? 300)) * 1000;
    const lang = (config.lang ?? '').trim().toLowerCase();
    const state = new SourceState(RED, this, t, Math.max(intervalMs, 10_000));
    if (!/^https?:\/\//i.test(url) || !Number.isFinite(intervalMs)) {
      refuseInput(this, state.status, new Error(t('errors.config')));
      return;
    }
    runPolled(this, { state, topic: url, intervalMs, read: (cursor) => readFeed(url, cursor, { lang: lang || undefined, timeoutMs: 30_000 }) });
  }
  RED.nodes.registerType('impetus-social-rss', SocialRssNode);
};
