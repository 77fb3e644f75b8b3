/**
 * impetus-social-mastodon-server: one Mastodon server and its access token (credentials). It owns
 * the API client, so every source node on this server shares one view of the rate limit.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { MastodonApi } from './mastodon';
import type { MastodonServerNode } from './mastodon';

interface ServerDef extends NodeDef {
  serverUrl?: string;
  streamingUrl?: string;
}

export = function (RED: NodeAPI): void {
  function MastodonServerNode(this: MastodonServerNode, config: ServerDef) {
    RED.nodes.createNode(this, config);
    const serverUrl = (config.serverUrl ?? '').trim().replace(/\/+$/, '');
    const streamingUrl = (config.streamingUrl ?? '').trim().replace(/\/+$/, '') || serverUrl;
    if (!/^https?:\/\/[^/]+/i.test(serverUrl) || !/^https?:\/\/[^/]+/i.test(streamingUrl)) {
      this.problem = new Error(`Mastodon server ${config.name || config.id}: the server URL must be http(s)://host`);
      this.error(this.problem.message);
      return;
    }
    this.api = new MastodonApi(serverUrl, streamingUrl, (this as unknown as { credentials?: { token?: string } }).credentials?.token?.trim() || undefined);
  }
  RED.nodes.registerType('impetus-social-mastodon-server', MastodonServerNode, { credentials: { token: { type: 'password' } } });
};
