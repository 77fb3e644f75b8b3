import { DeliveryError } from '../delivery/errors';
import type { HttpClient, HttpResponse, MultipartFile } from '../delivery/http';
import { multipart, NetworkError } from '../delivery/http';

export const DEFAULT_API_BASE = 'https://api.telegram.org';

export interface TelegramApiOptions {
  /** `https://api.telegram.org`, or a local Bot API server / a test double. */
  baseUrl: string;
  token: string;
  http: HttpClient;
  /** Deadline for one ordinary request. */
  timeoutMs: number;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A refused or failed Bot API call, already classified for the delivery engine. */
export class TelegramApiError extends DeliveryError {
  constructor(
    kind: DeliveryError['kind'],
    readonly method: string,
    message: string,
    details: DeliveryError['details'],
    readonly description = '',
    readonly parameters: { retry_after?: number; migrate_to_chat_id?: number } = {},
  ) {
    super(kind, message, details);
    this.name = 'TelegramApiError';
  }
}

/** Bot tokens look like `123456789:AA…`; checking the shape catches a pasted chat id or URL at deploy time. */
export function checkToken(token: string): void {
  if (!/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/.test(token)) throw new TypeError('the bot token does not look like one from BotFather (digits, a colon, then 20+ letters)');
}

export function checkBaseUrl(base: string): void {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TypeError(`the Bot API URL ${base} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('the Bot API URL must be http or https');
}

interface Envelope<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/**
 * The Bot API over HTTP. Every failure comes back as a TelegramApiError whose kind tells the
 * engine what to do (see delivery/errors.ts); messages name the method, never the URL, which
 * holds the token.
 */
export class TelegramApi {
  private readonly base: string;

  constructor(private readonly options: TelegramApiOptions) {
    checkBaseUrl(options.baseUrl);
    this.base = `${options.baseUrl.replace(/\/+$/, '')}/bot${options.token}`;
  }

  call<T>(method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    const body = Buffer.from(JSON.stringify(params), 'utf8');
    return this.send<T>(method, body, 'application/json', options);
  }

  /** A multipart call: scalar fields as text (objects as JSON, as the Bot API expects), the file as bytes. */
  upload<T>(method: string, params: Record<string, unknown>, file: MultipartFile, options: CallOptions = {}): Promise<T> {
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      fields[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    const { body, contentType } = multipart(fields, [file]);
    return this.send<T>(method, body, contentType, options);
  }

  private async send<T>(method: string, body: Buffer, contentType: string, options: CallOptions): Promise<T> {
    let res: HttpResponse;
    try {
      res = await this.options.http.request({
        method: 'POST',
        url: `${this.base}/${method}`,
        headers: { 'Content-Type': contentType, Accept: 'application/json' },
        body,
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        signal: options.signal,
      });
    } catch (err) {
      const e = err as NetworkError;
      throw new TelegramApiError('transient', method, `${method}: ${e.message}`, { code: e instanceof NetworkError ? e.code : undefined });
    }
    return parseAnswer<T>(method, res);
  }
}

export function parseAnswer<T>(method: string, res: HttpResponse): T {
  let envelope: Envelope<T> | undefined;
  try {
    envelope = JSON.parse(res.body.toString('utf8')) as Envelope<T>;
  } catch {
    envelope = undefined;
  }
  const status = res.status;
  if (envelope && typeof envelope === 'object' && envelope.ok === true && status >= 200 && status < 300) {
    if (!('result' in envelope)) throw new TelegramApiError('transient', method, `${method}: answer without a result`, { status });
    return envelope.result as T;
  }
  const code = typeof envelope?.error_code === 'number' ? envelope.error_code : status;
  const description = typeof envelope?.description === 'string' ? envelope.description.slice(0, 300) : '';
  const parameters = envelope?.parameters && typeof envelope.parameters === 'object' ? envelope.parameters : {};
  const message = `${method}: ${code}${description ? ` ${description}` : ''}`;
  if (!envelope || typeof envelope !== 'object') {
    // An HTML error page from a proxy, a cut connection: nothing the Bot API said.
    const kind = status === 429 ? 'rate-limited' : status >= 400 && status < 500 && status !== 408 ? 'permanent' : 'transient';
    throw new TelegramApiError(kind, method, `${method}: ${status} with an answer that is not the Bot API's JSON`, { status, retryAfterMs: kind === 'rate-limited' ? 1000 : undefined });
  }
  if (code === 429) {
    const retryAfter = Number(parameters.retry_after);
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter * 1000) : 1000;
    throw new TelegramApiError('rate-limited', method, message, { status: code, retryAfterMs }, description, parameters);
  }
  if (code >= 500 || code === 408) throw new TelegramApiError('transient', method, message, { status: code }, description, parameters);
  if (code === 401 || code === 404) {
    // The Bot API answers an unknown token with 401 Unauthorized or 404 Not Found.
    throw new TelegramApiError('account', method, `${message} (check the bot token and the Bot API URL)`, { status: code }, description, parameters);
  }
  if (code === 409) throw new TelegramApiError('transient', method, message, { status: code }, description, parameters);
  if (parameters.migrate_to_chat_id !== undefined) {
    throw new TelegramApiError('permanent', method, `${message}: the group became supergroup ${parameters.migrate_to_chat_id}; route to that chat id`, { status: code }, description, parameters);
  }
  throw new TelegramApiError('permanent', method, message, { status: code }, description, parameters);
}
