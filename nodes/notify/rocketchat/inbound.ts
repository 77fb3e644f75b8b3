import { randomUUID } from 'node:crypto';
import type { ChatConnection } from '../delivery/connection';
import type { EngineLog } from '../delivery/engine';
import { alertIdFromShort, incidentIdFromShort } from '../delivery/ids';
import { isIncidentKey } from '../delivery/notice';
import type { RocketChatApi } from './api';
import { parseCommand } from './format';

/** A Rocket.Chat message as chat.syncMessages returns it (and as an outgoing webhook is mapped to). */
export interface RcMessage {
  _id: string;
  rid: string;
  msg?: string;
  tmid?: string;
  t?: string;
  u?: { _id?: string; username?: string };
  reactions?: Record<string, { usernames?: string[] }>;
  _updatedAt?: string | { $date: number };
}

export const ACK_REACTIONS = [':white_check_mark:', ':heavy_check_mark:'];
export const RESOLVE_REACTIONS = [':checkered_flag:'];

const SEEN_LIMIT = 5000;

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return typeof value;
  }
}

/**
 * Chat actions from Rocket.Chat: a command (`ack`, `resolve <reason>`) typed as a reply in an
 * alert card's thread or sent by the card's buttons, or a reaction on the card (✅ acknowledges,
 * 🏁 resolves). Each goes through the same role check as Telegram's buttons; the answer is
 * posted in the card's thread through the delivery engine (durable, rate-limited).
 */
export class RocketChatInbound {
  /** Message ids (and reaction keys) already handled: webhook retries and overlapping polls come twice. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly api: RocketChatApi,
    private readonly connection: ChatConnection,
    private readonly chatOf: (rid: string) => string | undefined,
  ) {}

  private get log(): EngineLog {
    return this.connection.log;
  }

  private remember(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  async handle(raw: unknown): Promise<void> {
    const m = raw as RcMessage | null;
    if (!m || typeof m !== 'object' || typeof m._id !== 'string' || typeof m.rid !== 'string') {
      this.log.warn(`Rocket.Chat: skipped a malformed message (${describe(raw)})`);
      return;
    }
    const chat = this.chatOf(m.rid) ?? m.rid;
    if (!this.connection.chatAllowed(chat) && !this.connection.chatAllowed(m.rid)) return;
    if (m.reactions && typeof m.reactions === 'object') await this.reactions(m, chat);
    if (m.t || m.u?._id === this.api.userId) return;
    const command = parseCommand(m.msg);
    if (!command || !this.remember(`msg:${m._id}`)) return;
    const identity = { id: String(m.u?._id ?? ''), username: typeof m.u?.username === 'string' ? m.u.username : undefined };
    const outbox = this.connection.outbox;
    if (!outbox) return;
    let alertId: string | undefined;
    let thread = m.tmid;
    if (m.tmid) alertId = (await outbox.refByMessage(this.connection.channel, chat, m.tmid))?.alertId;
    if (!alertId && command.token) alertId = alertIdFromShort(command.token) ?? incidentIdFromShort(command.token);
    if (!alertId) {
      this.log.warn(`Rocket.Chat: ${command.action} from ${identity.username ?? identity.id} in ${chat} names no alert card`);
      await this.reply(chat, thread, 'Which alert? Reply in the thread of its card, or use the card\'s buttons.');
      return;
    }
    // Only alerts whose card is in this room: a command cannot reach an alert the room never saw.
    const card = (await outbox.refsForAlert(this.connection.channel, alertId)).find((r) => r.chat === chat || r.data.rid === m.rid);
    if (!card) {
      this.log.warn(`Rocket.Chat: refused ${command.action} of alert ${alertId} from ${identity.username ?? identity.id} in ${chat}: no card of that alert in this room`);
      await this.reply(chat, thread, 'There is no card of that alert in this room.');
      return;
    }
    thread ??= card.messageId;
    const result = await this.connection.act({ action: command.action, alertId, incident: isIncidentKey(card.key), identity, chat, reason: command.rest });
    await this.reply(chat, thread, result.ok ? `${command.action === 'acknowledge' ? '✅ Acknowledged' : '✔️ Resolved'} by ${result.user.user}.` : result.message);
  }

  private async reactions(m: RcMessage, chat: string): Promise<void> {
    const outbox = this.connection.outbox;
    if (!outbox) return;
    const card = await outbox.refByMessage(this.connection.channel, chat, m._id);
    if (!card) return;
    for (const [emoji, detail] of Object.entries(m.reactions!)) {
      const action = ACK_REACTIONS.includes(emoji) ? 'acknowledge' : RESOLVE_REACTIONS.includes(emoji) ? 'resolve' : undefined;
      if (!action || !Array.isArray(detail?.usernames)) continue;
      for (const username of detail.usernames) {
        if (typeof username !== 'string' || !this.remember(`react:${m._id}:${emoji}:${username}`)) continue;
        const result = await this.connection.act({ action, alertId: card.alertId, incident: isIncidentKey(card.key), identity: { id: await this.accountOf(username), username }, chat });
        if (result.ok || result.refused) await this.reply(chat, m._id, result.ok ? `${action === 'acknowledge' ? '✅ Acknowledged' : '✔️ Resolved'} by ${result.user.user}.` : `@${username}: ${result.message}`);
      }
    }
  }

  /**
   * A reaction carries only the user name, which its owner can change and someone else then
   * take: the server is asked which account holds it now, and only that account's stable id is
   * matched against the mapping. Empty when the server does not know it.
   */
  private async accountOf(username: string): Promise<string> {
    try {
      const answer = await this.api.get<{ user?: { _id?: unknown; username?: unknown } }>('users.info', { username });
      return typeof answer.user?._id === 'string' && answer.user.username === username ? answer.user._id : '';
    } catch (err) {
      this.log.warn(`Rocket.Chat: could not look up the account of @${username}: ${(err as Error).message}`);
      return '';
    }
  }

  private async reply(chat: string, thread: string | undefined, text: string): Promise<void> {
    await this.connection.running?.enqueue({
      channel: this.connection.channel,
      chat,
      key: `reply:${randomUUID()}`,
      priority: 2,
      payload: { kind: 'text', text, ...(thread ? { replyTo: thread } : {}) },
    });
  }
}

interface SyncAnswer {
  result?: { updated?: unknown[]; deleted?: unknown[] };
}

function updatedAt(m: RcMessage): number {
  const v = m._updatedAt;
  if (typeof v === 'string') return Date.parse(v);
  if (v && typeof v === 'object' && typeof v.$date === 'number') return v.$date;
  return NaN;
}

export interface RoomPollerOptions {
  api: RocketChatApi;
  inbound: RocketChatInbound;
  intervalMs: number;
  rooms: () => string[];
  getCursor(rid: string): Promise<number | undefined>;
  setCursor(rid: string, at: number): Promise<void>;
  log: EngineLog;
  state(level: 'ok' | 'warn', text: string): void;
}

/**
 * Polls chat.syncMessages for every room with alert cards: new messages (commands) and
 * changed ones (reactions). The position per room is kept in the outbox's cursors, so a restart
 * neither replays old commands nor misses the ones sent while it was down.
 */
export class RoomPoller {
  private running = false;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private failures = 0;
  private abort = new AbortController();

  constructor(private readonly options: RoomPollerOptions) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.round;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.round = this.poll()
        .catch((err) => this.options.log.error(`Rocket.Chat polling failed: ${(err as Error).message}`))
        .finally(() => this.schedule(this.failures ? Math.min(60_000, this.options.intervalMs * 2 ** this.failures) : this.options.intervalMs));
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const { api, log } = this.options;
    let failed = false;
    for (const rid of this.options.rooms()) {
      if (!this.running) return;
      try {
        const since = (await this.options.getCursor(rid)) ?? Date.now() - this.options.intervalMs;
        const answer = await api.get<SyncAnswer>('chat.syncMessages', { roomId: rid, lastUpdate: new Date(since).toISOString() }, this.abort.signal);
        const updated = Array.isArray(answer.result?.updated) ? (answer.result!.updated as RcMessage[]) : [];
        let latest = since;
        for (const m of [...updated].sort((a, b) => (updatedAt(a) || 0) - (updatedAt(b) || 0))) {
          const at = m && typeof m === 'object' ? updatedAt(m) : NaN;
          if (Number.isFinite(at) && at > latest) latest = at;
          try {
            await this.options.inbound.handle(m);
          } catch (err) {
            log.error(`Rocket.Chat: message in room ${rid} could not be handled: ${(err as Error).message}`);
          }
        }
        if (latest > since) await this.options.setCursor(rid, latest);
      } catch (err) {
        if (!this.running) return;
        failed = true;
        if (this.failures === 0 || this.failures % 10 === 0) log.warn(`Rocket.Chat polling of room ${rid} failed: ${(err as Error).message}`);
        this.options.state('warn', `polling: ${(err as Error).message}`);
      }
    }
    if (failed) this.failures++;
    else if (this.failures) {
      this.failures = 0;
      this.options.state('ok', 'connected');
    }
  }
}
