/**
 * impetus-social-json: any JSON API as posts, mapped by JSONPath (json-source.ts). Polls like
 * impetus-social-rss: conditional GET, the cursor file, Retry-After and back-off (poller.ts).
 *
 * Output: one message per poll with new posts, msg.payload = [post, …].
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { refuseInput, translator } from '../platform/node-kit';
import { checkMapping, readJson } from './json-source';
import type { JsonMapping } from './json-source';
import { runPolled, SourceState } from './poller';

interface JsonNodeDef extends NodeDef {
  url?: string;
  interval?: string | number;
  lang?: string;
  itemsPath?: string;
  idPath?: string;
  textPath?: string;
  authorPath?: string;
  tsPath?: string;
  urlPath?: string;
  langPath?: string;
  latPath?: string;
  lonPath?: string;
}

export = function (RED: NodeAPI): void {
  function SocialJsonNode(this: Node, config: JsonNodeDef) {
    RED.nodes.createNode(this, config);
    const t = translator(RED, 'impetus-social-json', __dirname);
    const url = (config.url ?? '').trim();
    const intervalMs = Math.max(0, Number(config.interval ?? 300)) * 1000;
    const lang = (config.lang ?? '').trim().toLowerCase();
    const state = new SourceState(RED, this, t, Math.max(intervalMs, 10_000));
    const mapping: JsonMapping = {
      items: (config.itemsPath ?? '').trim() || '$[*]',
      id: (config.idPath ?? '').trim(),
      text: (config.textPath ?? '').trim(),
      author: config.authorPath?.trim(),
      ts: config.tsPath?.trim(),
      url: config.urlPath?.trim(),
      lang: config.langPath?.trim(),
      lat: config.latPath?.trim(),
      lon: config.lonPath?.trim(),
    };
    try {
      if (!/^https?:\/\//i.test(url) || !Number.isFinite(intervalMs)) throw new Error(t('errors.config'));
      if (!mapping.id || !mapping.text) throw new Error(t('errors.mapping'));
      checkMapping(mapping);
    } catch (err) {
      refuseInput(this, state.status, err);
      return;
    }
    const token = (this as unknown as { credentials?: { token?: string } }).credentials?.token?.trim() || undefined;
    runPolled(this, { state, topic: url, intervalMs, read: (cursor) => readJson(url, cursor, mapping, { lang: lang || undefined, token, timeoutMs: 30_000 }) });
  }
  RED.nodes.registerType('impetus-social-json', SocialJsonNode, { credentials: { token: { type: 'password' } } });
};
