/**
 * A local MISP server for the tests: `POST /events/restSearch` as MISP's automation API answers it
 * (API key in `Authorization`, JSON filters in the body, `{response: [{Event}]}`), with the
 * filters the CTI source uses (`timestamp`: changed at or after; `tags`: any of; `page`/`limit`),
 * MISP's 403 body for a wrong key, and switches for the failures a real server gives (429 with
 * Retry-After, broken JSON).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MispEvent {
  id: number;
  uuid: string;
  info: string;
  timestamp: number;
  Tag?: Array<{ name: string }>;
  Attribute: Array<{ uuid: string; type: string; value: string; to_ids?: boolean }>;
}

export interface MispServer {
  url: string;
  events: MispEvent[];
  /** Every restSearch body received, in order. */
  searches: Array<Record<string, unknown>>;
  /** The next `n` searches answer 429 with this Retry-After (seconds). */
  limitNext(n: number, retryAfterSeconds: number): void;
  /** The next search answers a body cut off half-way. */
  breakNext(): void;
  /** The next search answers this text with a 200, whatever it is (fuzzing). */
  answerNext(text: string): void;
  /** Answer every page as page 1, as a server that ignores paging does. */
  ignorePaging(on: boolean): void;
  close(): Promise<void>;
}

export const MISP_AUTH_FAILED = 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';

export async function startMispServer(apiKey: string): Promise<MispServer> {
  const events: MispEvent[] = [];
  const searches: Array<Record<string, unknown>> = [];
  let limited = 0;
  let retry = 0;
  let broken = false;
  let answer: string | undefined;
  let noPaging = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/moved/events/restSearch') return res.writeHead(301, { location: 'https://elsewhere.example/events/restSearch' }).end();
      if (req.method !== 'POST' || req.url !== '/events/restSearch') return json(404, { name: 'Not Found', message: 'Not Found', url: req.url });
      if (req.headers.authorization !== apiKey) return json(403, { name: MISP_AUTH_FAILED, message: MISP_AUTH_FAILED, url: req.url });
      let filters: Record<string, unknown>;
      try {
        filters = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(400, { name: 'Bad Request', message: 'Invalid JSON', url: req.url });
      }
      searches.push(filters);
      if (answer !== undefined) {
        const text = answer;
        answer = undefined;
        return res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      }
      if (limited > 0) {
        limited--;
        return res.writeHead(429, { 'retry-after': String(retry), 'content-type': 'application/json' }).end('{"name":"Rate limit exceeded.","message":"Rate limit exceeded.","url":"/events/restSearch"}');
      }
      const since = Number(filters.timestamp ?? 0);
      const tags = Array.isArray(filters.tags) ? filters.tags.map(String) : undefined;
      const found = events
        .filter((e) => e.timestamp >= since && (!tags || (e.Tag ?? []).some((t) => tags.includes(t.name))))
        .sort((a, b) => a.id - b.id);
      const limit = Number(filters.limit ?? found.length);
      const page = noPaging ? 1 : Number(filters.page ?? 1);
      const body = JSON.stringify({ response: found.slice((page - 1) * limit, page * limit).map((e) => ({ Event: { ...e, id: String(e.id), timestamp: String(e.timestamp) } })) });
      if (broken) {
        broken = false;
        return res.writeHead(200, { 'content-type': 'application/json' }).end(body.slice(0, Math.floor(body.length / 2)));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    events,
    searches,
    limitNext: (n, seconds) => { limited = n; retry = seconds; },
    breakNext: () => { broken = true; },
    answerNext: (text) => { answer = text; },
    ignorePaging: (on) => { noPaging = on; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
