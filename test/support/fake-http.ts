/**
 * Plumbing shared by the local stand-ins for outside services (Telegram, Rocket.Chat, feeds, JSON
 * APIs): body parsing (JSON, form, multipart), the rate windows the services document, fault
 * injection, and a server whose answers a test scripts.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  fields: Record<string, unknown>;
  files: Record<string, UploadedFile>;
  multipart: boolean;
}

export function readBody(req: http.IncomingMessage, limit = 60 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** multipart/form-data as RFC 7578 has it; strict, so a malformed upload from our client fails the test. */
export function parseMultipart(body: Buffer, contentType: string): ParsedBody {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('multipart without boundary');
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const fields: Record<string, unknown> = {};
  const files: Record<string, UploadedFile> = {};
  let pos = body.indexOf(boundary);
  if (pos !== 0) throw new Error('multipart body does not start with the boundary');
  for (;;) {
    pos += boundary.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('malformed multipart boundary line');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new Error('multipart part without header end');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headerEnd + 4);
    if (next < 0) throw new Error('multipart part without closing boundary');
    const content = body.subarray(headerEnd + 4, next);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /name="([^"]*)"/i.exec(disposition)?.[1];
    if (!name) throw new Error('multipart part without a name');
    const filename = /filename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== undefined) {
      const type = headers.find((h) => /^content-type:/i.test(h))?.split(':')[1]?.trim() ?? 'application/octet-stream';
      files[name] = { filename, contentType: type, data: Buffer.from(content) };
    } else {
      fields[name] = content.toString('utf8');
    }
    pos = next + 2;
  }
  return { fields, files, multipart: true };
}

export async function parseBody(req: http.IncomingMessage): Promise<ParsedBody> {
  const body = await readBody(req);
  const type = String(req.headers['content-type'] ?? '');
  const url = new URL(req.url ?? '/', 'http://x');
  const query = Object.fromEntries(url.searchParams);
  if (/^multipart\/form-data/i.test(type)) {
    const parsed = parseMultipart(body, type);
    return { ...parsed, fields: { ...query, ...parsed.fields } };
  }
  if (body.length === 0) return { fields: query, files: {}, multipart: false };
  if (/json/i.test(type)) {
    const value = JSON.parse(body.toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('JSON body must be an object');
    return { fields: { ...query, ...value }, files: {}, multipart: false };
  }
  if (/x-www-form-urlencoded/i.test(type)) return { fields: { ...query, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) }, files: {}, multipart: false };
  throw new Error(`unsupported content type ${type}`);
}

/** "At most `limit` in any window of `windowMs`", counted on arrival, as a server would. */
export class SlidingWindow {
  private readonly times: number[] = [];
  constructor(readonly limit: number, readonly windowMs: number) {}

  /** 0 if a request at `now` is within the limit, else ms until it would be. */
  wait(now: number): number {
    while (this.times.length && this.times[0] <= now - this.windowMs) this.times.shift();
    return this.times.length < this.limit ? 0 : this.times[0] + this.windowMs - now;
  }

  take(now: number): void {
    this.times.push(now);
  }
}

/** What an injected fault does to one matching request. */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers and never processes the request: a dropped connection, a silent timeout. */
  | { kind: 'hang' }
  /** Processes the request, then never answers: the ambiguous timeout that at-least-once delivery must live with. */
  | { kind: 'hang-after' }
  /** Destroys the socket at once, unprocessed. */
  | { kind: 'reset' }
  /** 200 with a body that is not JSON. */
  | { kind: 'garbage' };

export interface FaultRule {
  method?: string;
  chat?: string;
  times: number;
  fault: Fault;
}

export class Faults {
  private rules: FaultRule[] = [];
  /** Requests held by `hang` faults, released (destroyed) on close. */
  readonly held = new Set<http.ServerResponse>();
  hits = 0;

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  take(method: string, chat: string | undefined): Fault | undefined {
    const rule = this.rules.find((r) => r.times > 0 && (!r.method || r.method === method) && (!r.chat || r.chat === chat));
    if (!rule) return undefined;
    rule.times--;
    this.hits++;
    return rule.fault;
  }

  hold(res: http.ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  releaseAll(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A server whose next answers a test scripts (a body, a status with headers, garbage); the last answer repeats. */
export class ScriptedServer {
  readonly requests: http.IncomingHttpHeaders[] = [];
  answers: Array<(res: http.ServerResponse, req: http.IncomingMessage) => void> = [];
  private server = http.createServer((req, res) => {
    this.requests.push(req.headers);
    const next = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
    next(res, req);
  });
  async start(path: string): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
