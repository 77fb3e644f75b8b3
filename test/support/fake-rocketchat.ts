/**
 * A local stand-in for the Rocket.Chat REST API (v1), the subset the notifier uses:
 * chat.postMessage (attachments checked), chat.update, rooms.media/{rid} + rooms.mediaConfirm
 * (the upload endpoints since 6.8; multipart required), chat.syncMessages (polling, with
 * reactions), users.info (by user name), users posting, replying in threads and reacting, and an outgoing webhook that
 * posts their messages to an integration URL with its token. Authentication by X-User-Id and
 * X-Auth-Token; a per-user rate limit answered with 429, X-RateLimit-Reset and Rocket.Chat's
 * error text; faults injected per endpoint and room.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRule, ParsedBody } from './fake-http';
import { Faults, parseBody, sendJson, SlidingWindow } from './fake-http';

export interface FakeRocketChatOptions {
  userId: string;
  token: string;
  botUsername?: string;
  rooms?: Array<{ _id: string; name: string }>;
  /** REST calls per user in any window; undefined: no limit. */
  limit?: { limit: number; windowMs: number };
}

export interface RcStored {
  _id: string;
  rid: string;
  msg: string;
  u: { _id: string; username: string };
  tmid?: string;
  attachments?: Array<Record<string, unknown>>;
  file?: { _id: string; bytes: number; sha256: string; type: string; name: string };
  reactions?: Record<string, { usernames: string[] }>;
  editedCount: number;
  ts: string;
  _updatedAt: string;
}

export interface RcRequest {
  endpoint: string;
  room?: string;
  at: number;
  status: number;
}

class RcError extends Error {
  constructor(readonly status: number, message: string, readonly errorType?: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export class FakeRocketChat {
  readonly faults = new Faults();
  readonly messages: RcStored[] = [];
  readonly requests: RcRequest[] = [];
  tooMany = 0;
  webhook?: { url: string; token: string; deliveries: number[] };
  private readonly rooms = new Map<string, string>();
  /** User name → user _id of the people who posted or reacted; users.info answers from it. */
  private readonly people = new Map<string, string>();
  private readonly uploads = new Map<string, { rid: string; bytes: number; sha256: string; type: string; name: string }>();
  private server?: http.Server;
  private port = 0;
  private readonly window?: SlidingWindow;
  private clock = 0;

  constructor(private readonly options: FakeRocketChatOptions) {
    for (const r of options.rooms ?? []) this.rooms.set(r._id, r.name);
    if (options.limit) this.window = new SlidingWindow(options.limit.limit, options.limit.windowMs);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { success: false, error: (err as Error).message });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.faults.releaseAll();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  inject(rule: FaultRule): void {
    this.faults.add(rule);
  }

  roomByName(name: string): string | undefined {
    for (const [id, n] of this.rooms) if (n === name) return id;
    return undefined;
  }

  /** A user deletes a message: chat.update of it then fails as the server's does. */
  deleteMessage(messageId: string): void {
    const i = this.messages.findIndex((m) => m._id === messageId);
    if (i < 0) throw new Error(`no message ${messageId}`);
    this.messages.splice(i, 1);
  }

  messagesIn(rid: string): RcStored[] {
    return this.messages.filter((m) => m.rid === rid);
  }

  /** Strictly increasing timestamps, so that syncMessages sees every change even within one millisecond. */
  private stamp(): string {
    this.clock = Math.max(this.clock + 1, Date.now());
    return new Date(this.clock).toISOString();
  }

  /** A person writes in a room (or a thread); the outgoing webhook, if set, is told. */
  async userPosts(opts: { rid: string; userId: string; username: string; text: string; tmid?: string }): Promise<RcStored> {
    const ts = this.stamp();
    this.people.set(opts.username, opts.userId);
    const m: RcStored = { _id: randomUUID().slice(0, 17), rid: opts.rid, msg: opts.text, u: { _id: opts.userId, username: opts.username }, editedCount: 0, ts, _updatedAt: ts };
    if (opts.tmid) m.tmid = opts.tmid;
    this.messages.push(m);
    if (this.webhook) {
      const body = JSON.stringify({ token: this.webhook.token, bot: false, channel_id: m.rid, channel_name: this.rooms.get(m.rid), message_id: m._id, timestamp: m.ts, user_id: opts.userId, user_name: opts.username, text: opts.text, ...(opts.tmid ? { tmid: opts.tmid } : {}) });
      const status = await new Promise<number>((resolve) => {
        const req = http.request(this.webhook!.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(body);
      });
      this.webhook.deliveries.push(status);
    }
    return m;
  }

  /** A person reacts to a message: it shows up as changed in syncMessages, naming only the user name. */
  react(messageId: string, emoji: string, user: { username: string; userId: string }): void {
    const m = this.messages.find((x) => x._id === messageId);
    if (!m) throw new Error(`no message ${messageId}`);
    const username = user.username;
    this.people.set(username, user.userId);
    m.reactions ??= {};
    m.reactions[emoji] ??= { usernames: [] };
    if (!m.reactions[emoji].usernames.includes(username)) m.reactions[emoji].usernames.push(username);
    m._updatedAt = this.stamp();
  }

  private roomFor(p: Record<string, unknown>): string {
    if (typeof p.roomId === 'string') {
      if (!this.rooms.has(p.roomId)) throw new RcError(400, 'error-invalid-room', 'error-invalid-room');
      return p.roomId;
    }
    const channel = String(p.channel ?? '');
    if (channel.startsWith('#')) {
      const id = this.roomByName(channel.slice(1));
      if (!id) throw new RcError(400, '[invalid-channel]', 'invalid-channel');
      return id;
    }
    if (channel.startsWith('@')) {
      const id = `dm-${channel.slice(1)}`;
      if (!this.rooms.has(id)) this.rooms.set(id, channel);
      return id;
    }
    throw new RcError(400, 'A roomId or channel must be provided', 'error-room-not-found');
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/([A-Za-z.]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, { success: false, error: 'Not found' });
    const [, endpoint, a, b] = m;
    const log: RcRequest = { endpoint, at: Date.now(), status: 0 };
    this.requests.push(log);
    if (req.headers['x-user-id'] !== this.options.userId || req.headers['x-auth-token'] !== this.options.token) {
      log.status = 401;
      return sendJson(res, 401, { status: 'error', message: 'You must be logged in to do this.' });
    }
    let body: ParsedBody;
    try {
      body = await parseBody(req);
    } catch (err) {
      log.status = 400;
      return sendJson(res, 400, { success: false, error: (err as Error).message });
    }
    const p = body.fields;
    const room = typeof p.roomId === 'string' ? p.roomId : typeof p.channel === 'string' ? p.channel : a;
    log.room = room;
    const fault = this.faults.take(endpoint, room);
    if (fault?.kind === 'hang') return this.faults.hold(res);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'garbage') {
      log.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end('<html>proxy error</html>');
    }
    if (fault?.kind === 'status') {
      log.status = fault.status;
      return sendJson(res, fault.status, fault.body ?? { success: false, error: 'injected' }, fault.headers);
    }
    try {
      if (this.window) {
        const wait = this.window.wait(Date.now());
        if (wait > 0) {
          this.tooMany++;
          const seconds = Math.ceil(wait / 1000);
          throw new RcError(429, `Error, too many requests. Please slow down. You must wait ${seconds} seconds before trying this endpoint again. [error-too-many-requests]`, 'error-too-many-requests', {
            'X-RateLimit-Limit': String(this.options.limit!.limit),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(Date.now() + wait),
          });
        }
        this.window.take(Date.now());
      }
      const result = this.call(endpoint, a, b, p, body, url.searchParams);
      log.status = 200;
      sendJson(res, 200, { ...result, success: true });
    } catch (err) {
      if (!(err instanceof RcError)) throw err;
      log.status = err.status;
      sendJson(res, err.status, { success: false, error: err.message, ...(err.errorType ? { errorType: err.errorType } : {}) }, err.headers);
    }
  }

  private call(endpoint: string, a: string | undefined, b: string | undefined, p: Record<string, unknown>, body: ParsedBody, query: URLSearchParams): Record<string, unknown> {
    switch (endpoint) {
      case 'chat.postMessage': {
        const rid = this.roomFor(p);
        const attachments = p.attachments as Array<Record<string, unknown>> | undefined;
        if (attachments !== undefined) {
          if (!Array.isArray(attachments)) throw new RcError(400, 'attachments must be an array');
          for (const att of attachments) {
            if (att.color !== undefined && (typeof att.color !== 'string' || !/^#[0-9a-f]{6}$|^[a-z]+$/i.test(att.color))) throw new RcError(400, 'Match error: invalid color');
            for (const f of (att.fields as unknown[]) ?? []) {
              const field = f as Record<string, unknown>;
              if (typeof field.title !== 'string' || typeof field.value !== 'string') throw new RcError(400, 'Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field fields');
            }
          }
        }
        if (!p.text && !attachments?.length) throw new RcError(400, 'error-invalid-message');
        const ts = this.stamp();
        const stored: RcStored = { _id: randomUUID().slice(0, 17), rid, msg: String(p.text ?? ''), u: { _id: this.options.userId, username: this.options.botUsername ?? 'impetus.bot' }, attachments, editedCount: 0, ts, _updatedAt: ts };
        if (typeof p.tmid === 'string') {
          if (!this.messages.some((x) => x._id === p.tmid && x.rid === rid)) throw new RcError(400, 'error-invalid-message');
          stored.tmid = p.tmid;
        }
        this.messages.push(stored);
        return { ts: Date.now(), channel: p.channel ?? rid, message: stored };
      }
      case 'chat.update': {
        const msg = this.messages.find((x) => x._id === p.msgId && x.rid === p.roomId);
        if (!msg) throw new RcError(400, 'The room id provided does not match where the message is from.', 'error-invalid-message');
        if (typeof p.text !== 'string') throw new RcError(400, 'Match error: Expected string');
        msg.msg = p.text;
        msg.editedCount++;
        msg._updatedAt = this.stamp();
        return { message: msg };
      }
      case 'rooms.media': {
        if (!a || !this.rooms.has(a)) throw new RcError(400, 'error-invalid-room', 'error-invalid-room');
        const file = body.files.file;
        if (!file) throw new RcError(400, 'File required', 'invalid-field');
        const id = randomUUID().slice(0, 17);
        this.uploads.set(id, { rid: a, bytes: file.data.length, sha256: createHash('sha256').update(file.data).digest('hex'), type: file.contentType, name: file.filename });
        return { file: { _id: id, url: `/file-upload/${id}/${file.filename}` } };
      }
      case 'rooms.mediaConfirm': {
        const upload = b ? this.uploads.get(b) : undefined;
        if (!a || !upload || upload.rid !== a) throw new RcError(400, 'error-file-not-found', 'error-file-not-found');
        this.uploads.delete(b!);
        const ts = this.stamp();
        const stored: RcStored = {
          _id: randomUUID().slice(0, 17),
          rid: a,
          msg: String(p.msg ?? ''),
          u: { _id: this.options.userId, username: this.options.botUsername ?? 'impetus.bot' },
          file: { _id: b!, bytes: upload.bytes, sha256: upload.sha256, type: upload.type, name: upload.name },
          attachments: [{ title: upload.name, description: p.description, image_url: upload.type.startsWith('image/') ? `/file-upload/${b}` : undefined }],
          editedCount: 0,
          ts,
          _updatedAt: ts,
        };
        if (typeof p.tmid === 'string') stored.tmid = p.tmid;
        this.messages.push(stored);
        return { message: stored };
      }
      case 'users.info': {
        const username = query.get('username') ?? '';
        const id = this.people.get(username);
        if (!id) throw new RcError(400, 'User not found.', 'error-invalid-user');
        return { user: { _id: id, username, type: 'user', active: true } };
      }
      case 'chat.syncMessages': {
        const rid = query.get('roomId') ?? '';
        if (!this.rooms.has(rid)) throw new RcError(400, 'error-invalid-room', 'error-invalid-room');
        const since = Date.parse(query.get('lastUpdate') ?? '');
        if (Number.isNaN(since)) throw new RcError(400, 'The "lastUpdate" query parameter must be a valid date.', 'error-lastUpdate-param-invalid');
        return { result: { updated: this.messagesIn(rid).filter((x) => Date.parse(x._updatedAt) > since), deleted: [] } };
      }
      default:
        throw new RcError(404, `Not found: ${endpoint}`);
    }
  }
}
