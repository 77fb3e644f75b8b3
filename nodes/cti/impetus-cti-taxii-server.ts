/**
 * impetus-cti-taxii-server: a TAXII 2.1 server (a national CERT's, an ISAC's) and how to log in.
 * It owns the client the impetus-cti-taxii nodes share; the secrets stay in its credentials.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { AUTH_CREDENTIALS, authFrom } from './feed';
import type { FeedAuth } from './feed';
import { TaxiiClient } from './taxii';
import type { TaxiiServerNode } from './taxii';

interface ServerDef extends NodeDef {
  /** The server's base URL (its discovery endpoint is `<url>/taxii2/`) or the discovery URL itself. */
  url?: string;
  /** An API root (URL, or a path on the server); empty: the server's default. */
  apiRoot?: string;
  timeout?: number | string;
}

export = function (RED: NodeAPI): void {
  function TaxiiServerNode(this: TaxiiServerNode, config: ServerDef) {
    RED.nodes.createNode(this, config);
    this.url = (config.url ?? '').trim();
    this.apiRoot = (config.apiRoot ?? '').trim() || undefined;
    const seconds = Number(config.timeout || 30);
    const auth = authFrom(this.credentials as FeedAuth | undefined);
    const timeoutMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 30) * 1000;
    // Plain HTTP requests (fetch pools the connections): nothing to open or count, so each read
    // gets its own client, stopped by the reading node's close.
    this.client = (signal) => new TaxiiClient({ auth, timeoutMs, signal });
  }
  RED.nodes.registerType('impetus-cti-taxii-server', TaxiiServerNode as never, {
    credentials: AUTH_CREDENTIALS,
  } as never);
};
