import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Deadline for the whole exchange, connect to last byte: a half-open connection never hangs a chat. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The request did not get an answer: refused, reset, timed out, aborted, or the answer was too big. */
export class NetworkError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly timedOut = false) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface HttpClientOptions {
  /** Answers beyond this are cut off and count as a failure (a misbehaving server must not fill our memory). Default 10 MiB. */
  maxResponseBytes?: number;
  maxSockets?: number;
}

/**
 * A small HTTP client over node:http(s) with its own connection pool. Owning the pool is what
 * lets a connection be rebuilt after a network failure (`reset`) instead of reusing a socket
 * that a NAT or proxy silently dropped. Error messages never contain the URL, because the
 * Telegram URL carries the bot token.
 */
export class HttpClient {
  private httpAgent: http.Agent;
  private httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    this.httpAgent = this.newHttpAgent();
    this.httpsAgent = this.newHttpsAgent();
  }

  private newHttpAgent(): http.Agent {
    return new http.Agent({ keepAlive: true, maxSockets: this.options.maxSockets ?? 64 });
  }

  private newHttpsAgent(): https.Agent {
    return new https.Agent({ keepAlive: true, maxSockets: this.options.maxSockets ?? 64 });
  }

  /** Drops every pooled connection; the next request opens a fresh one. */
  reset(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.httpAgent = this.newHttpAgent();
    this.httpsAgent = this.newHttpsAgent();
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        reject(new NetworkError('invalid URL', 'ERR_INVALID_URL'));
        return;
      }
      if (req.signal?.aborted) {
        reject(new NetworkError('request aborted', 'ABORT_ERR'));
        return;
      }
      const secure = url.protocol === 'https:';
      const headers: Record<string, string> = { ...req.headers };
      if (req.body) headers['Content-Length'] = String(req.body.length);
      let settled = false;
      const finish = (err: Error | undefined, res?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res!);
      };
      const request = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxResponseBytes) {
              request.destroy(new NetworkError(`answer larger than ${this.maxResponseBytes} bytes`, 'ERR_RESPONSE_TOO_LARGE'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => finish(asNetworkError(err)));
          res.on('aborted', () => finish(new NetworkError('connection closed mid-answer', 'ECONNRESET')));
          res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      const timer = setTimeout(() => request.destroy(new NetworkError(`no answer within ${req.timeoutMs} ms`, 'ETIMEDOUT', true)), req.timeoutMs);
      const onAbort = () => request.destroy(new NetworkError('request aborted', 'ABORT_ERR'));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err) => finish(asNetworkError(err)));
      request.end(req.body);
    });
  }
}

function asNetworkError(err: Error & { code?: string }): NetworkError {
  if (err instanceof NetworkError) return err;
  // Node's messages name host and port, never the path, so they are safe to show.
  return new NetworkError(err.message, err.code);
}

export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** multipart/form-data (RFC 7578) for uploads: photos and videos go as bytes, never as URLs the service would fetch. */
export function multipart(fields: Record<string, string>, files: MultipartFile[]): { body: Buffer; contentType: string } {
  const boundary = `----impetus${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const quote = (s: string) => s.replace(/["\r\n\\]/g, '_');
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\n` +
          `Content-Type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
        'utf8',
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
