/**
 * A local TAXII 2.1 server, written from OASIS TAXII Version 2.1 (2021) for the client's tests:
 * discovery (§4.1), API root (§4.2), collections (§5.1, §5.2) and get objects (§5.4) with
 * `added_after`, `limit`, `next` and the `X-TAXII-Date-Added-First`/`-Last` headers; content
 * negotiation (406 for a request that does not accept `application/taxii+json;version=2.1`);
 * HTTP Basic and bearer-token authentication (401 with `WWW-Authenticate`), a collection the
 * user may not read (403); and scripted failures: 429 with `Retry-After`, 5xx, broken JSON, a
 * wrong media type, a server that pages without `next`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const TAXII = 'application/taxii+json;version=2.1';

export interface TaxiiObject {
  object: Record<string, unknown>;
  /** When the server added it (date_added), ISO 8601 with milliseconds. */
  added: string;
}

export interface TaxiiCollectionDef {
  id: string;
  title: string;
  can_read?: boolean;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'broken-json' }
  | { kind: 'media-type'; type: string };

export interface FakeTaxiiOptions {
  /** `user:password` pairs and bearer tokens accepted; none: no authentication. */
  users?: string[];
  tokens?: string[];
  /** The most objects a page holds, whatever the client asks. Default 100. */
  maxPage?: number;
  /** Page with `added_after` only, never `next` (allowed by the spec: `next` is optional). */
  noNext?: boolean;
}

export class FakeTaxii {
  readonly requests: Array<{ path: string; query: Record<string, string>; auth?: string }> = [];
  private readonly collections = new Map<string, TaxiiCollectionDef & { objects: TaxiiObject[] }>();
  private readonly faults: Array<{ path?: RegExp; fault: Fault; times: number }> = [];
  /** next token → the remaining window of a paged answer. */
  private readonly pages = new Map<string, { collection: string; after?: string; offset: number }>();
  private server?: http.Server;
  private port = 0;
  private tokenSeq = 0;

  constructor(private readonly options: FakeTaxiiOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addCollection(def: TaxiiCollectionDef): void {
    this.collections.set(def.id, { can_read: true, ...def, objects: [] });
  }

  /** Adds objects to a collection, each added one millisecond after the last. */
  add(collection: string, objects: Array<Record<string, unknown>>, at = Date.now()): void {
    const c = this.collections.get(collection)!;
    const last = c.objects.length ? Date.parse(c.objects[c.objects.length - 1].added) : 0;
    let t = Math.max(at, last + 1);
    for (const object of objects) c.objects.push({ object, added: new Date(t++).toISOString() });
  }

  /** The next `times` requests (whose path matches) fail this way. */
  fail(fault: Fault, times = 1, path?: RegExp): void {
    this.faults.push({ fault, times, path });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      try {
        this.route(req, res);
      } catch (err) {
        if (!res.headersSent) this.error(res, 500, 'internal error', (err as Error).message);
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': TAXII, 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /** The error message resource of §3.6.1. */
  private error(res: http.ServerResponse, status: number, title: string, description?: string, headers: Record<string, string> = {}): void {
    this.send(res, status, { title, ...(description ? { description } : {}), http_status: String(status) }, headers);
  }

  private authorised(req: http.IncomingMessage): boolean {
    const { users, tokens } = this.options;
    if (!users?.length && !tokens?.length) return true;
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) return (users ?? []).includes(Buffer.from(auth.slice(6), 'base64').toString('utf8'));
    if (auth.startsWith('Bearer ')) return (tokens ?? []).includes(auth.slice(7));
    return false;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query, auth: req.headers.authorization });
    const fault = this.faults.find((f) => f.times > 0 && (!f.path || f.path.test(url.pathname)));
    if (fault) {
      fault.times--;
      const f = fault.fault;
      if (f.kind === 'status') return this.error(res, f.status, `fault ${f.status}`, undefined, f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {});
      if (f.kind === 'broken-json') {
        res.writeHead(200, { 'content-type': TAXII });
        return void res.end('{"objects": [{"type": "indicator", "id": ');
      }
      res.writeHead(200, { 'content-type': f.type });
      return void res.end('<html>login</html>');
    }
    if (req.method !== 'GET') return this.error(res, 405, 'only GET here');
    const accept = String(req.headers.accept ?? '');
    // §1.6.8.1: a request must accept the TAXII 2.1 media type (with or without the version).
    if (!/application\/taxii\+json(;\s*version=2\.1)?(\s*,|$)/.test(accept)) return this.error(res, 406, 'not acceptable', 'ask for application/taxii+json;version=2.1');
    if (!this.authorised(req)) return this.error(res, 401, 'unauthorized', 'give valid credentials', { 'www-authenticate': 'Basic realm="taxii", Bearer' });

    const path = url.pathname;
    if (path === '/taxii2/') return this.send(res, 200, { title: 'Local CERT TAXII', description: 'test server', default: `${this.url}/api1/`, api_roots: [`${this.url}/api1/`, `${this.url}/api2/`] });
    if (path === '/api1/' || path === '/api2/') return this.send(res, 200, { title: `API root ${path}`, versions: [TAXII], max_content_length: 104857600 });
    if (path === '/api1/collections/') {
      return this.send(res, 200, { collections: [...this.collections.values()].map((c) => ({ id: c.id, title: c.title, can_read: c.can_read, can_write: false, media_types: [TAXII] })) });
    }
    const m = /^\/api1\/collections\/([^/]+)\/objects\/$/.exec(path);
    if (m) return this.objects(res, decodeURIComponent(m[1]), query);
    return this.error(res, 404, 'not found', path);
  }

  private objects(res: http.ServerResponse, id: string, query: Record<string, string>): void {
    const c = this.collections.get(id);
    if (!c) return this.error(res, 404, 'no such collection', id);
    if (!c.can_read) return this.error(res, 403, 'forbidden', 'this user may not read the collection');
    let after: string | undefined = query.added_after;
    let offset = 0;
    if (query.next) {
      const held = this.pages.get(query.next);
      if (!held || held.collection !== id) return this.error(res, 400, 'bad next', 'unknown or expired next token');
      this.pages.delete(query.next);
      ({ after, offset } = held);
    }
    if (after !== undefined && Number.isNaN(Date.parse(after))) return this.error(res, 400, 'bad added_after', after);
    const limit = Math.min(Number(query.limit) || Infinity, this.options.maxPage ?? 100);
    const matching = c.objects.filter((o) => after === undefined || Date.parse(o.added) > Date.parse(after));
    const page = matching.slice(offset, offset + limit);
    const more = offset + page.length < matching.length;
    const body: Record<string, unknown> = { more };
    if (page.length) body.objects = page.map((o) => o.object);
    if (more && !this.options.noNext) {
      const token = `n${++this.tokenSeq}`;
      this.pages.set(token, { collection: id, after, offset: offset + page.length });
      body.next = token;
    }
    const headers: Record<string, string> = page.length ? { 'x-taxii-date-added-first': page[0].added, 'x-taxii-date-added-last': page[page.length - 1].added } : {};
    this.send(res, 200, body, headers);
  }
}
