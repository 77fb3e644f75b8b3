/**
 * One connection to Mastodon's streaming API (server-sent events): `update` events are statuses;
 * heartbeats (`:thump` comments) only prove the connection alive. SSE parsing by
 * eventsource-parser (npm, MIT: the parser behind the `eventsource` client, works on any chunked
 * body, so the connection, its headers and its reconnect policy stay ours).
 */
import { createParser } from 'eventsource-parser';
import { SourceError } from './http';
import type { MastodonApi, TimelineSpec } from './mastodon';
import { endpoints } from './mastodon';
import { retryAfterMs } from './source';

export interface StreamEvents {
  /** The server accepted the connection and sent its first bytes. */
  onLive(): void;
  onStatus(status: unknown): void;
  /** An event whose data is not JSON: reported, the stream goes on. */
  onGarbage(detail: string): void;
}

/**
 * Reads one stream until it ends, fails, is aborted, or stays silent `idleMs` (Mastodon sends a
 * heartbeat every few seconds). Always rejects with why it stopped: a stream does not end well.
 */
export async function streamOnce(api: MastodonApi, spec: TimelineSpec, signal: AbortSignal, idleMs: number, events: StreamEvents): Promise<never> {
  const url = new URL(endpoints(spec).stream, api.streamingUrl).href;
  const idle = new AbortController();
  let watchdog = setTimeout(() => idle.abort(), idleMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'text/event-stream', 'user-agent': 'node-red-contrib-impetus social', ...api.authHeaders() }, signal: AbortSignal.any([signal, idle.signal]) });
    } catch (err) {
      throw new SourceError(`${url}: ${(err as Error).message}`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new SourceError(`${url}: HTTP ${res.status}`, res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined);
    }
    const parser = createParser({
      onEvent(e) {
        if (e.event !== 'update') return;
        let status: unknown;
        try {
          status = JSON.parse(e.data);
        } catch {
          events.onGarbage(`${url}: an update that is not JSON (${e.data.slice(0, 40)})`);
          return;
        }
        events.onStatus(status);
      },
    });
    const decoder = new TextDecoder();
    let live = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => idle.abort(), idleMs);
        if (!live) {
          live = true;
          events.onLive();
        }
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch (err) {
      if (idle.signal.aborted) throw new SourceError(`${url}: silent for ${Math.round(idleMs / 1000)} s, reconnecting`);
      throw new SourceError(`${url}: stream dropped (${(err as Error).message})`);
    }
    throw new SourceError(`${url}: the server closed the stream`);
  } finally {
    clearTimeout(watchdog);
  }
}
