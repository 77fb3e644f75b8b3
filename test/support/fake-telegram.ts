/**
 * A local stand-in for the Telegram Bot API: the subset the notifier uses, its documented
 * limits and its failure modes, so that the tests exercise real HTTP, real multipart and real
 * long polling without reaching Telegram.
 *
 * Implemented: getMe, getUpdates (long poll, offsets, 409 when another poller takes over or a
 * webhook is set), setWebhook / deleteWebhook (pushes updates with the secret-token header),
 * sendMessage, sendPhoto and sendVideo (multipart upload required), sendLocation,
 * editMessageText, editMessageReplyMarkup, answerCallbackQuery. Messages in HTML parse mode
 * are parsed as Telegram does (supported tags only, balanced, entities escaped) and measured
 * after parsing: 4096 for texts, 1024 for captions; callback_data at most 64 bytes.
 *
 * Rate limits, counted on arrival over sliding windows: 30 requests a second overall, 1 a
 * second per chat, 20 a minute per group (negative chat ids); an excess gets 429 with
 * parameters.retry_after. Faults are injected per method and chat (5xx, hangs, resets,
 * garbage, 400/403).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRule, ParsedBody } from './fake-http';
import { Faults, parseBody, sendJson, SlidingWindow } from './fake-http';

export interface Limit {
  limit: number;
  windowMs: number;
}

export interface FakeTelegramOptions {
  token: string;
  /** false turns enforcement off; the defaults are Telegram's documented limits. */
  limits?: false | { global?: Limit; perChat?: Limit; perGroup?: Limit };
  /** Added before every answer (not to long polls). */
  latencyMs?: number;
  now?: () => number;
}

export interface TgMessage {
  message_id: number;
  chat: string;
  kind: 'text' | 'photo' | 'location' | 'video';
  /** Text after entity parsing (what the user reads). */
  text?: string;
  html?: string;
  caption?: string;
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> };
  reply_to?: number;
  media?: { bytes: number; sha256: string; contentType: string; filename: string };
  location?: { latitude: number; longitude: number };
  edits: number;
  /** When the server accepted it (its clock). */
  at: number;
}

export interface RequestLog {
  method: string;
  chat?: string;
  at: number;
  status: number;
}

const CHAT_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendLocation', 'sendVideo', 'editMessageText', 'editMessageReplyMarkup']);
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'span', 'tg-spoiler', 'tg-emoji', 'blockquote']);

class TgError extends Error {
  constructor(readonly code: number, description: string, readonly parameters?: Record<string, unknown>) {
    super(description);
  }
}

/** Telegram's HTML parse mode: returns the visible text or throws the 400 Telegram would answer. */
export function parseTelegramHtml(html: string): string {
  const stack: string[] = [];
  let out = '';
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*)\s*>/.exec(html.slice(i));
      if (!m) throw new TgError(400, `Bad Request: can't parse entities: Unexpected character at byte offset ${i}`);
      const tag = m[2].toLowerCase();
      if (!TAGS.has(tag)) throw new TgError(400, `Bad Request: can't parse entities: Unsupported start tag "${tag}" at byte offset ${i}`);
      if (m[1]) {
        const open = stack.pop();
        if (open !== tag) throw new TgError(400, `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${open ?? ''}>", found "</${tag}>"`);
      } else {
        if (tag === 'a' && !/href\s*=/.test(m[3])) throw new TgError(400, `Bad Request: can't parse entities: <a> without href at byte offset ${i}`);
        if (tag === 'a') {
          const href = /href\s*=\s*"([^"]*)"/.exec(m[3])?.[1] ?? '';
          if (!/^(https?:\/\/|tg:\/\/)/.test(href.replace(/&amp;/g, '&'))) throw new TgError(400, 'Bad Request: can\'t parse entities: Wrong HTTP URL');
        }
        stack.push(tag);
      }
      i += m[0].length;
    } else if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i));
      if (!m) throw new TgError(400, `Bad Request: can't parse entities: Character '&' is reserved and must be escaped at byte offset ${i}`);
      const e = m[1];
      out += e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      i += m[0].length;
    } else if (c === '>') {
      throw new TgError(400, `Bad Request: can't parse entities: Character '>' is reserved and must be escaped at byte offset ${i}`);
    } else {
      out += c;
      i++;
    }
  }
  if (stack.length) throw new TgError(400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`);
  return out;
}

interface Waiter {
  res: http.ServerResponse;
  offset: number;
  timer: NodeJS.Timeout;
  limit: number;
}

export class FakeTelegram {
  readonly faults = new Faults();
  readonly messages: TgMessage[] = [];
  readonly requests: RequestLog[] = [];
  readonly answers = new Map<string, { text?: string; show_alert?: boolean }>();
  /** 429s answered, by method. */
  readonly tooMany = new Map<string, number>();
  /** getUpdates answered with 409. */
  conflicts = 0;
  webhook?: { url: string; secret?: string; deliveries: number[] };
  private server?: http.Server;
  private port = 0;
  private nextMessageId = 1;
  private nextUpdateId = 1000;
  private nextQueryId = 1;
  private updates: Array<Record<string, unknown>> = [];
  private readonly queries = new Set<string>();
  private waiter?: Waiter;
  private readonly global?: SlidingWindow;
  private readonly perChatLimit?: Limit;
  private readonly perGroupLimit?: Limit;
  private readonly chatWindows = new Map<string, SlidingWindow[]>();
  private readonly now: () => number;

  constructor(private readonly options: FakeTelegramOptions) {
    this.now = options.now ?? Date.now;
    if (options.limits !== false) {
      const l = options.limits ?? {};
      this.global = new SlidingWindow(l.global?.limit ?? 30, l.global?.windowMs ?? 1000);
      this.perChatLimit = l.perChat ?? { limit: 1, windowMs: 1000 };
      this.perGroupLimit = l.perGroup ?? { limit: 20, windowMs: 60_000 };
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get total429(): number {
    let n = 0;
    for (const v of this.tooMany.values()) n += v;
    return n;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${(err as Error).message}` });
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.faults.releaseAll();
    if (this.waiter) {
      clearTimeout(this.waiter.timer);
      this.waiter.res.destroy();
      this.waiter = undefined;
    }
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  inject(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** A user deletes a message from the chat: later edits of it get "message to edit not found". */
  deleteMessage(chat: string, messageId: number): void {
    const i = this.messages.findIndex((m) => m.chat === chat && m.message_id === messageId);
    if (i < 0) throw new Error(`no message ${messageId} in chat ${chat}`);
    this.messages.splice(i, 1);
  }

  messagesIn(chat: string): TgMessage[] {
    return this.messages.filter((m) => m.chat === chat);
  }

  /** Queues a raw update (valid or not) for getUpdates, or pushes it to the webhook. */
  pushUpdate(update: unknown): void {
    const u = update as Record<string, unknown>;
    this.updates.push(u);
    if (this.webhook) void this.deliverWebhook(u);
    else this.wakeWaiter();
  }

  /** A user presses an inline button; returns the callback query id. */
  pressButton(opts: { fromId: number; username?: string; chat: string; messageId: number; data: string }): string {
    const id = `q${this.nextQueryId++}`;
    this.queries.add(id);
    this.pushUpdate({
      update_id: this.nextUpdateId++,
      callback_query: {
        id,
        from: { id: opts.fromId, is_bot: false, first_name: 'User', ...(opts.username ? { username: opts.username } : {}) },
        message: { message_id: opts.messageId, chat: { id: Number(opts.chat), type: Number(opts.chat) < 0 ? 'supergroup' : 'private' }, date: Math.floor(Date.now() / 1000) },
        chat_instance: '1',
        data: opts.data,
      },
    });
    return id;
  }

  /** A user writes a message to the bot. */
  sendText(opts: { fromId: number; username?: string; chat: string; text: string }): void {
    this.pushUpdate({
      update_id: this.nextUpdateId++,
      message: { message_id: this.nextMessageId++, from: { id: opts.fromId, is_bot: false, first_name: 'User', username: opts.username }, chat: { id: Number(opts.chat), type: 'private' }, date: 0, text: opts.text },
    });
  }

  nextUpdate(): number {
    return this.nextUpdateId++;
  }

  private async deliverWebhook(update: Record<string, unknown>): Promise<void> {
    const hook = this.webhook!;
    const body = Buffer.from(JSON.stringify(update));
    const status = await new Promise<number>((resolve) => {
      const req = http.request(hook.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, ...(hook.secret ? { 'X-Telegram-Bot-Api-Secret-Token': hook.secret } : {}) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
    hook.deliveries.push(status);
  }

  private wakeWaiter(): void {
    const w = this.waiter;
    if (!w) return;
    const ready = this.updates.filter((u) => typeof u?.update_id !== 'number' || (u.update_id as number) >= w.offset);
    if (!ready.length) return;
    clearTimeout(w.timer);
    this.waiter = undefined;
    sendJson(w.res, 200, { ok: true, result: ready.slice(0, w.limit) });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m;
    if (token !== this.options.token) return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    let body: ParsedBody;
    try {
      body = await parseBody(req);
    } catch (err) {
      return sendJson(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${(err as Error).message}` });
    }
    const p = body.fields;
    const chat = p.chat_id === undefined ? undefined : String(p.chat_id);
    const log: RequestLog = { method, chat, at: this.now(), status: 0 };
    this.requests.push(log);

    const fault = this.faults.take(method, chat);
    if (fault?.kind === 'hang') {
      this.faults.hold(res);
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'garbage') {
      log.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    if (fault?.kind === 'status') {
      log.status = fault.status;
      return sendJson(res, fault.status, fault.body ?? { ok: false, error_code: fault.status, description: fault.status >= 500 ? 'Internal Server Error' : 'Bad Request' }, fault.headers);
    }

    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    try {
      if (method === 'getUpdates') return this.getUpdates(p, res, log);
      if (CHAT_METHODS.has(method) && chat !== undefined) this.checkLimits(method, chat);
      const result = this.call(method, p, body, chat);
      log.status = 200;
      if (fault?.kind === 'hang-after') {
        this.faults.hold(res);
        return;
      }
      sendJson(res, 200, { ok: true, result });
    } catch (err) {
      if (!(err instanceof TgError)) throw err;
      log.status = err.code;
      sendJson(res, err.code, { ok: false, error_code: err.code, description: err.message, ...(err.parameters ? { parameters: err.parameters } : {}) });
    }
  }

  private checkLimits(method: string, chat: string): void {
    if (!this.global) return;
    const now = this.now();
    let windows = this.chatWindows.get(chat);
    if (!windows) {
      windows = [new SlidingWindow(this.perChatLimit!.limit, this.perChatLimit!.windowMs)];
      if (chat.startsWith('-')) windows.push(new SlidingWindow(this.perGroupLimit!.limit, this.perGroupLimit!.windowMs));
      this.chatWindows.set(chat, windows);
    }
    // Counted only when every window has room, as a request refused with 429 is not sent.
    const probes = [this.global, ...windows];
    const waits = probes.map((w) => w.wait(now));
    const wait = Math.max(...waits);
    if (wait > 0) {
      this.tooMany.set(method, (this.tooMany.get(method) ?? 0) + 1);
      const retryAfter = Math.max(1, Math.ceil(wait / 1000));
      throw new TgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    for (const w of probes) w.take(now);
  }

  private getUpdates(p: Record<string, unknown>, res: http.ServerResponse, log: RequestLog): void {
    if (this.webhook) {
      log.status = 409;
      this.conflicts++;
      return sendJson(res, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
    }
    const offset = p.offset === undefined || p.offset === null ? 0 : Number(p.offset);
    // Confirmed by the offset: everything below it, and every garbage entry sent before.
    if (offset > 0) this.updates = this.updates.filter((u) => typeof u?.update_id === 'number' && (u.update_id as number) >= offset);
    // A newer getUpdates ends the one waiting: what Telegram does to two bot instances.
    if (this.waiter) {
      const old = this.waiter;
      this.waiter = undefined;
      clearTimeout(old.timer);
      this.conflicts++;
      sendJson(old.res, 409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    }
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    const ready = this.updates.filter((u) => typeof u?.update_id !== 'number' || (u.update_id as number) >= offset);
    const timeout = Math.max(0, Number(p.timeout ?? 0));
    log.status = 200;
    if (ready.length || timeout === 0) return sendJson(res, 200, { ok: true, result: ready.slice(0, limit) });
    const waiter: Waiter = {
      res,
      offset,
      limit,
      timer: setTimeout(() => {
        if (this.waiter === waiter) this.waiter = undefined;
        sendJson(res, 200, { ok: true, result: [] });
      }, timeout * 1000),
    };
    res.on('close', () => {
      if (this.waiter === waiter) {
        clearTimeout(waiter.timer);
        this.waiter = undefined;
      }
    });
    this.waiter = waiter;
  }

  private findMessage(chat: string | undefined, id: unknown): TgMessage {
    const found = this.messages.find((m) => m.chat === chat && m.message_id === Number(id));
    if (!found) throw new TgError(400, 'Bad Request: message to edit not found');
    return found;
  }

  private call(method: string, p: Record<string, unknown>, body: ParsedBody, chat: string | undefined): unknown {
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    switch (method) {
      case 'getMe':
        return { id: 1, is_bot: true, first_name: 'IMPETUS test bot', username: 'impetus_test_bot' };
      case 'setWebhook': {
        if (typeof p.url !== 'string' || !p.url) throw new TgError(400, 'Bad Request: bad webhook: URL is empty');
        const secret = p.secret_token as string | undefined;
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw new TgError(400, 'Bad Request: secret token contains unallowed characters');
        this.webhook = { url: p.url, secret, deliveries: [] };
        if (this.waiter) {
          clearTimeout(this.waiter.timer);
          sendJson(this.waiter.res, 409, { ok: false, error_code: 409, description: 'Conflict: terminated by setWebhook request' });
          this.waiter = undefined;
        }
        return true;
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        return true;
      case 'answerCallbackQuery': {
        const id = String(p.callback_query_id ?? '');
        if (!this.queries.has(id) || this.answers.has(id)) throw new TgError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        this.answers.set(id, { text: p.text as string | undefined, show_alert: p.show_alert === true || p.show_alert === 'true' });
        return true;
      }
      case 'sendMessage': {
        if (!chat) throw new TgError(400, 'Bad Request: chat_id is empty');
        this.checkChat(chat);
        const html = String(p.text ?? '');
        const text = p.parse_mode === 'HTML' ? parseTelegramHtml(html) : html;
        if (text.trim() === '') throw new TgError(400, 'Bad Request: message text is empty');
        if (text.length > 4096) throw new TgError(400, 'Bad Request: message is too long');
        const markup = this.checkMarkup(json(p.reply_markup));
        return this.store({ chat, kind: 'text', text, html, reply_markup: markup, reply_to: this.replyTo(p) });
      }
      case 'sendPhoto':
      case 'sendVideo': {
        if (!chat) throw new TgError(400, 'Bad Request: chat_id is empty');
        this.checkChat(chat);
        const field = method === 'sendPhoto' ? 'photo' : 'video';
        const file = body.files[field];
        if (!file) throw new TgError(400, `Bad Request: there is no ${field} in the request`);
        if (method === 'sendPhoto' && file.data.length > 10 * 1024 * 1024) throw new TgError(400, 'Bad Request: PHOTO_INVALID_DIMENSIONS');
        const html = String(p.caption ?? '');
        const caption = p.parse_mode === 'HTML' ? parseTelegramHtml(html) : html;
        if (caption.length > 1024) throw new TgError(400, 'Bad Request: message caption is too long');
        return this.store({
          chat,
          kind: field,
          caption,
          reply_to: this.replyTo(p),
          media: { bytes: file.data.length, sha256: createHash('sha256').update(file.data).digest('hex'), contentType: file.contentType, filename: file.filename },
        });
      }
      case 'sendLocation': {
        if (!chat) throw new TgError(400, 'Bad Request: chat_id is empty');
        this.checkChat(chat);
        const latitude = Number(p.latitude);
        const longitude = Number(p.longitude);
        if (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude) <= 180)) throw new TgError(400, 'Bad Request: wrong latitude or longitude');
        return this.store({ chat, kind: 'location', location: { latitude, longitude }, reply_to: this.replyTo(p) });
      }
      case 'editMessageText': {
        const msg = this.findMessage(chat, p.message_id);
        const html = String(p.text ?? '');
        const text = p.parse_mode === 'HTML' ? parseTelegramHtml(html) : html;
        if (text.length > 4096) throw new TgError(400, 'Bad Request: message is too long');
        const markup = this.checkMarkup(json(p.reply_markup));
        if (msg.html === html && JSON.stringify(msg.reply_markup ?? null) === JSON.stringify(markup ?? null)) {
          throw new TgError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        Object.assign(msg, { text, html, reply_markup: markup, edits: msg.edits + 1 });
        return this.view(msg);
      }
      case 'editMessageReplyMarkup': {
        const msg = this.findMessage(chat, p.message_id);
        const markup = this.checkMarkup(json(p.reply_markup));
        if (JSON.stringify(msg.reply_markup ?? null) === JSON.stringify(markup ?? null)) throw new TgError(400, 'Bad Request: message is not modified');
        Object.assign(msg, { reply_markup: markup, edits: msg.edits + 1 });
        return this.view(msg);
      }
      default:
        throw new TgError(404, 'Not Found');
    }
  }

  /** Chats the tests mark unreachable: `blocked` answers 403 as Telegram does for a user who blocked the bot. */
  readonly blocked = new Set<string>();
  readonly unknownChats = new Set<string>();

  private checkChat(chat: string): void {
    if (this.blocked.has(chat)) throw new TgError(403, 'Forbidden: bot was blocked by the user');
    if (this.unknownChats.has(chat)) throw new TgError(400, 'Bad Request: chat not found');
  }

  private checkMarkup(markup: unknown): TgMessage['reply_markup'] | undefined {
    if (markup === undefined || markup === null) return undefined;
    const m = markup as TgMessage['reply_markup'];
    for (const row of m?.inline_keyboard ?? []) {
      for (const button of row) {
        if (button.callback_data !== undefined) {
          const bytes = Buffer.byteLength(button.callback_data);
          if (bytes < 1 || bytes > 64) throw new TgError(400, 'Bad Request: BUTTON_DATA_INVALID');
        }
      }
    }
    return m;
  }

  private replyTo(p: Record<string, unknown>): number | undefined {
    const raw = typeof p.reply_parameters === 'string' ? JSON.parse(p.reply_parameters) : p.reply_parameters;
    return raw && typeof raw === 'object' ? Number((raw as { message_id?: unknown }).message_id) : undefined;
  }

  private store(msg: Omit<TgMessage, 'message_id' | 'edits' | 'at'>): unknown {
    const stored: TgMessage = { ...msg, message_id: this.nextMessageId++, edits: 0, at: this.now() };
    this.messages.push(stored);
    return this.view(stored);
  }

  private view(m: TgMessage): unknown {
    return { message_id: m.message_id, chat: { id: Number(m.chat) }, date: Math.floor(Date.now() / 1000), text: m.text, caption: m.caption };
  }
}
