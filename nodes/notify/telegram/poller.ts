import type { BackoffPolicy } from '../delivery/backoff';
import { backoffDelay } from '../delivery/backoff';
import type { ConnectionState } from '../delivery/connection';
import type { EngineLog } from '../delivery/engine';
import type { HttpClient } from '../delivery/http';
import type { TelegramApi } from './api';
import { TelegramApiError } from './api';

export const ALLOWED_UPDATES = ['callback_query', 'message'];

export interface PollerOptions {
  api: TelegramApi;
  http: HttpClient;
  /** Long-poll seconds Telegram holds a getUpdates open. Default 30. */
  timeoutSec?: number;
  handle(update: Record<string, unknown>): Promise<void>;
  log: EngineLog;
  state(state: ConnectionState): void;
  random?: () => number;
}

const NETWORK_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 30_000 };
const CONFLICT_BACKOFF: BackoffPolicy = { baseMs: 5000, capMs: 60_000 };
const ACCOUNT_BACKOFF: BackoffPolicy = { baseMs: 10_000, capMs: 5 * 60_000 };

/**
 * Long polling of getUpdates, kept alive whatever happens:
 * - the HTTP deadline is the long-poll time plus a margin, so a silently dropped connection is
 *   noticed and rebuilt (a fresh pool) instead of hanging forever;
 * - 409 "terminated by other getUpdates request" means another process polls with the same
 *   token: it is shown and logged, and polling backs off rather than fighting over the token;
 * - 409 because a webhook is set: polling was chosen, so the webhook is removed;
 * - each update is handled on its own; one that is malformed or whose handling fails is logged
 *   and skipped, and the offset moves past it, so no update can stall the ones behind it.
 */
export class TelegramPoller {
  private running = false;
  private abort?: AbortController;
  private loop?: Promise<void>;
  private wake?: () => void;
  private offset?: number;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((err) => this.options.log.error(`Telegram polling stopped: ${(err as Error).message}`));
  }

  /** Ends the long poll in flight and any back-off at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const { api, log, state } = this.options;
    const timeoutSec = this.options.timeoutSec ?? 30;
    let failures = 0;
    let conflicts = 0;
    let account = 0;
    while (this.running) {
      this.abort = new AbortController();
      let updates: unknown;
      try {
        updates = await api.call<unknown>(
          'getUpdates',
          { offset: this.offset, timeout: timeoutSec, allowed_updates: ALLOWED_UPDATES },
          { timeoutMs: (timeoutSec + 15) * 1000, signal: this.abort.signal },
        );
        if (!Array.isArray(updates)) throw new TelegramApiError('transient', 'getUpdates', 'getUpdates: the result is not a list of updates', {});
      } catch (err) {
        if (!this.running) return;
        const e = err as TelegramApiError;
        if (e.details?.status === 409 && /webhook/i.test(e.description)) {
          log.warn('Telegram: a webhook is set for this bot but polling is configured; removing the webhook');
          await api.call('deleteWebhook', { drop_pending_updates: false }).catch((del) => log.warn(`Telegram deleteWebhook failed: ${(del as Error).message}`));
          await this.sleep(backoffDelay(1, NETWORK_BACKOFF, this.options.random));
        } else if (e.details?.status === 409) {
          conflicts++;
          state({ level: 'warn', text: 'conflict: another poller uses this bot token' });
          if (conflicts === 1 || conflicts % 10 === 0) log.warn(`Telegram: ${e.message} (${conflicts}×); another runtime polls with this bot token, backing off`);
          await this.sleep(backoffDelay(conflicts, CONFLICT_BACKOFF, this.options.random));
        } else if (e.kind === 'account') {
          account++;
          state({ level: 'error', text: e.message });
          if (account === 1 || account % 10 === 0) log.error(`Telegram: ${e.message}`);
          await this.sleep(backoffDelay(account, ACCOUNT_BACKOFF, this.options.random));
        } else {
          failures++;
          // Rebuild the connection: the socket the last poll used may be the one that died.
          this.options.http.reset();
          state({ level: 'warn', text: `reconnecting: ${e.message}` });
          if (failures === 1 || failures % 10 === 0) log.warn(`Telegram polling failed (${failures}×): ${e.message}`);
          const retryAfter = e.kind === 'rate-limited' ? e.details.retryAfterMs ?? 0 : 0;
          await this.sleep(Math.max(retryAfter, backoffDelay(failures, NETWORK_BACKOFF, this.options.random)));
        }
        continue;
      }
      if (failures || conflicts || account) {
        log.info('Telegram polling connected again');
        state({ level: 'ok', text: 'connected' });
      }
      failures = conflicts = account = 0;
      await this.dispatch(updates as unknown[]);
    }
  }

  private async dispatch(updates: unknown[]): Promise<void> {
    const { log } = this.options;
    let usable = 0;
    for (const update of updates) {
      const id = (update as { update_id?: unknown } | null)?.update_id;
      if (!update || typeof update !== 'object' || !Number.isSafeInteger(id)) {
        log.warn(`Telegram: skipped a malformed update (${describe(update)})`);
        continue;
      }
      usable++;
      // The offset moves first: an update that breaks its handler is not fetched again forever.
      if (this.offset === undefined || (id as number) >= this.offset) this.offset = (id as number) + 1;
      try {
        await this.options.handle(update as Record<string, unknown>);
      } catch (err) {
        log.error(`Telegram: update ${id} could not be handled: ${(err as Error).message}`);
      }
    }
    // A batch of nothing but garbage cannot move the offset; waiting keeps it from spinning.
    if (updates.length > 0 && usable === 0) await this.sleep(backoffDelay(1, NETWORK_BACKOFF, this.options.random));
  }
}

export function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return typeof value;
  }
}
