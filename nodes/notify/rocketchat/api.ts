import { DeliveryError } from '../delivery/errors';
import type { HttpClient, HttpResponse, MultipartFile } from '../delivery/http';
import { multipart, NetworkError } from '../delivery/http';

export interface RocketChatApiOptions {
  serverUrl: string;
  userId: string;
  token: string;
  http: HttpClient;
  timeoutMs: number;
}

export class RocketChatApiError extends DeliveryError {
  constructor(kind: DeliveryError['kind'], readonly endpoint: string, message: string, details: DeliveryError['details'], readonly errorType = '') {
    super(kind, message, details);
    this.name = 'RocketChatApiError';
  }
}

export function checkServerUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`the Rocket.Chat URL ${url} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('the Rocket.Chat URL must be http or https');
}

interface Answer {
  success?: boolean;
  status?: string;
  error?: string;
  errorType?: string;
  message?: unknown;
}

/**
 * The Rocket.Chat REST API (v1) with a personal access token. Failures come back classified
 * for the delivery engine; a 429 carries the wait the server asked for (X-RateLimit-Reset, or
 * Retry-After, or the seconds in its message).
 */
export class RocketChatApi {
  private readonly base: string;

  constructor(private readonly options: RocketChatApiOptions) {
    checkServerUrl(options.serverUrl);
    this.base = `${options.serverUrl.replace(/\/+$/, '')}/api/v1`;
  }

  get userId(): string {
    return this.options.userId;
  }

  private headers(): Record<string, string> {
    return { 'X-User-Id': this.options.userId, 'X-Auth-Token': this.options.token, Accept: 'application/json' };
  }

  async get<T>(endpoint: string, query: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    return this.send<T>(endpoint, { method: 'GET', url: `${this.base}/${endpoint}${qs ? `?${qs}` : ''}`, headers: this.headers(), timeoutMs: this.options.timeoutMs, signal });
  }

  async post<T>(endpoint: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return this.send<T>(endpoint, {
      method: 'POST',
      url: `${this.base}/${endpoint}`,
      headers: { ...this.headers(), 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      timeoutMs: this.options.timeoutMs,
      signal,
    });
  }

  async upload<T>(endpoint: string, fields: Record<string, string>, file: MultipartFile, signal?: AbortSignal): Promise<T> {
    const { body, contentType } = multipart(fields, [file]);
    return this.send<T>(endpoint, { method: 'POST', url: `${this.base}/${endpoint}`, headers: { ...this.headers(), 'Content-Type': contentType }, body, timeoutMs: 120_000, signal });
  }

  private async send<T>(endpoint: string, request: Parameters<HttpClient['request']>[0]): Promise<T> {
    const name = endpoint.split('/')[0];
    let res: HttpResponse;
    try {
      res = await this.options.http.request(request);
    } catch (err) {
      throw new RocketChatApiError('transient', name, `${name}: ${(err as Error).message}`, { code: err instanceof NetworkError ? err.code : undefined });
    }
    return parseRocketAnswer<T>(name, res);
  }
}

export function parseRocketAnswer<T>(endpoint: string, res: HttpResponse): T {
  let body: Answer | undefined;
  try {
    body = JSON.parse(res.body.toString('utf8')) as Answer;
  } catch {
    body = undefined;
  }
  const status = res.status;
  if (status >= 200 && status < 300 && body && typeof body === 'object' && body.success === true) return body as T;
  const reason = body && typeof body === 'object' ? String(body.error ?? body.message ?? '').slice(0, 300) : '';
  const message = `${endpoint}: ${status}${reason ? ` ${reason}` : ''}`;
  if (status === 429) {
    throw new RocketChatApiError('rate-limited', endpoint, message, { status, retryAfterMs: retryAfterMs(res, reason) }, body?.errorType);
  }
  if (status >= 500 || status === 408 || status === 0) throw new RocketChatApiError('transient', endpoint, message, { status });
  if (!body || typeof body !== 'object') {
    throw new RocketChatApiError(status >= 400 ? 'permanent' : 'transient', endpoint, `${endpoint}: ${status} with an answer that is not Rocket.Chat's JSON`, { status });
  }
  if (status === 401) throw new RocketChatApiError('account', endpoint, `${message} (check the user id and the personal access token)`, { status });
  throw new RocketChatApiError('permanent', endpoint, message, { status }, body.errorType ?? (typeof body.error === 'string' ? body.error : ''));
}

function retryAfterMs(res: HttpResponse, reason: string): number {
  const reset = Number(res.headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) {
    // Epoch milliseconds in Rocket.Chat's rate limiter.
    const wait = reset - Date.now();
    if (wait > 0 && wait < 3_600_000) return wait;
  }
  const retryAfter = Number(res.headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  const seconds = /wait (\d+) seconds?/i.exec(reason);
  if (seconds) return Number(seconds[1]) * 1000;
  return 1000;
}
