/**
 * A local Mastodon as its documentation describes it: timelines (public, local, hashtag, list)
 * with limit/min_id/max_id/since_id and Link headers, X-RateLimit-* headers, the streaming API
 * as server-sent events (`update` events, `:thump` heartbeats), and faults a test injects: 429,
 * 500, garbage bodies and events, dropped streams.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStatus {
  id: string;
  created_at: string;
  content: string;
  spoiler_text: string;
  language: string | null;
  url: string;
  uri: string;
  account: { acct: string };
  reblog: FakeStatus | null;
  tags: Array<{ name: string }>;
  local: boolean;
}

export type Fault = { status: number; headers?: Record<string, string>; body?: string };

export class FakeMastodon {
  readonly statuses: FakeStatus[] = [];
  /** Every request: path with query, and its Authorization header. */
  readonly requests: Array<{ path: string; auth?: string }> = [];
  /** Answers that replace the next REST answers, in order. */
  faults: Fault[] = [];
  /** X-RateLimit-Remaining of the next answers (counts down); undefined: 300 each time. */
  remaining?: number;
  readonly token = 'tok-123';
  private readonly lists = new Map([['7', ['alice@city.example']]]);
  private streams = new Set<{ res: http.ServerResponse; match: (s: FakeStatus) => boolean }>();
  private nextId = 110_000_000_000_000_000n;
  private base = '';
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  get streaming(): number {
    return this.streams.size;
  }

  /** A new status (ids grow like Mastodon's snowflakes), sent to the streams that match it. */
  post(content: string, options: { tags?: string[]; acct?: string; language?: string | null; local?: boolean; at?: number } = {}): FakeStatus {
    this.nextId += 65_536n;
    const id = String(this.nextId);
    const status: FakeStatus = {
      id,
      created_at: new Date(options.at ?? Date.now()).toISOString(),
      content,
      spoiler_text: '',
      language: options.language === undefined ? 'en' : options.language,
      url: `${this.base}/@${options.acct ?? 'alice'}/${id}`,
      uri: `${this.base}/users/${options.acct ?? 'alice'}/statuses/${id}`,
      account: { acct: options.acct ?? 'alice' },
      reblog: null,
      tags: (options.tags ?? []).map((name) => ({ name })),
      local: options.local ?? true,
    };
    this.statuses.push(status);
    for (const s of this.streams) if (s.match(status)) s.res.write(`event: update\ndata: ${JSON.stringify(status)}\n\n`);
    return status;
  }

  /** An event whose data is not a status. */
  garbageEvent(): void {
    for (const s of this.streams) s.res.write('event: update\ndata: {"id": "1", broken\n\n');
  }

  /** Every open stream cut, as a network drop or a restarting server does. */
  dropStreams(): void {
    for (const s of this.streams) s.res.socket?.destroy();
    this.streams.clear();
  }

  private rateHeaders(): Record<string, string> {
    const remaining = this.remaining === undefined ? 300 : Math.max(0, this.remaining--);
    return { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': new Date(Date.now() + 60_000).toISOString() };
  }

  private selector(path: string, q: URLSearchParams, auth?: string): ((s: FakeStatus) => boolean) | number {
    let m: RegExpMatchArray | null;
    if (path === '/api/v1/timelines/public' || path === '/api/v1/streaming/public') return q.get('local') === 'true' ? (s) => s.local : () => true;
    if (path === '/api/v1/streaming/public/local') return (s) => s.local;
    if ((m = path.match(/^\/api\/v1\/timelines\/tag\/([^/]+)$/)) || path === '/api/v1/streaming/hashtag') {
      const tag = (m ? decodeURIComponent(m[1]) : (q.get('tag') ?? '')).toLowerCase();
      return (s) => s.tags.some((t) => t.name.toLowerCase() === tag);
    }
    if ((m = path.match(/^\/api\/v1\/timelines\/list\/([^/]+)$/)) || path === '/api/v1/streaming/list') {
      if (auth !== `Bearer ${this.token}`) return 401;
      const members = this.lists.get(m ? m[1] : (q.get('list') ?? ''));
      if (!members) return 404;
      return (s) => members.includes(s.account.acct);
    }
    return 404;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    this.requests.push({ path: `${url.pathname}${url.search}`, auth: req.headers.authorization });
    const select = this.selector(url.pathname, url.searchParams, req.headers.authorization);
    const streaming = url.pathname.startsWith('/api/v1/streaming');
    if (!streaming) {
      const fault = this.faults.shift();
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? '{"error":"fault"}');
        return;
      }
    }
    if (typeof select === 'number') {
      res.writeHead(select, { 'content-type': 'application/json' }).end(JSON.stringify({ error: select === 401 ? 'The access token is invalid' : 'Record not found' }));
      return;
    }
    if (streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(':)\n');
      const entry = { res, match: select };
      this.streams.add(entry);
      res.on('close', () => this.streams.delete(entry));
      return;
    }
    this.timeline(url, select, res);
  }

  private timeline(url: URL, select: (s: FakeStatus) => boolean, res: http.ServerResponse): void {
    const q = url.searchParams;
    const limit = Math.min(40, Number(q.get('limit') ?? 20));
    const big = (id: string | null) => (id ? BigInt(id) : undefined);
    const minId = big(q.get('min_id'));
    const maxId = big(q.get('max_id'));
    const sinceId = big(q.get('since_id'));
    let found = this.statuses.filter((s) => select(s) && (maxId === undefined || BigInt(s.id) < maxId) && (sinceId === undefined || BigInt(s.id) > sinceId) && (minId === undefined || BigInt(s.id) > minId));
    // min_id: the page right after it; otherwise the newest page. Either way newest first.
    found = minId !== undefined ? found.slice(0, limit) : found.slice(-limit);
    found.reverse();
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...this.rateHeaders() };
    if (found.length) {
      const page = (k: string, v: string) => {
        const u = new URL(url.pathname, this.base);
        if (q.get('local')) u.searchParams.set('local', q.get('local')!);
        u.searchParams.set('limit', String(limit));
        u.searchParams.set(k, v);
        return u.href;
      };
      headers.link = `<${page('max_id', found[found.length - 1].id)}>; rel="next", <${page('min_id', found[0].id)}>; rel="prev"`;
    }
    res.writeHead(200, headers).end(JSON.stringify(found));
  }
}
