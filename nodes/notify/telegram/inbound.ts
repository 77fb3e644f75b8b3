import type { ChatConnection } from '../delivery/connection';
import { isIncidentKey } from '../delivery/notice';
import type { TelegramApi } from './api';
import { parseCallbackData, shortId } from './format';
import { describe } from './poller';

interface CallbackQuery {
  id: string;
  from: { id: number; username?: string };
  data?: string;
  message?: { message_id: number; chat: { id: number } };
}

function isCallbackQuery(value: unknown): value is CallbackQuery {
  const q = value as CallbackQuery | null;
  return (
    !!q &&
    typeof q === 'object' &&
    typeof q.id === 'string' &&
    !!q.from &&
    typeof q.from === 'object' &&
    Number.isSafeInteger(q.from.id) &&
    (q.from.username === undefined || typeof q.from.username === 'string')
  );
}

/**
 * What comes in from Telegram: button presses (callback queries) become platform actions
 * after the role check, and every callback is answered, whatever happens, so that the
 * user's client never spins. A button only counts on a card this connection sent: its message
 * must be in the delivery refs and carry the alert the button names.
 */
export class TelegramInbound {
  private readonly answered = new Map<number, number>();

  constructor(
    private readonly api: TelegramApi,
    private readonly connection: ChatConnection,
  ) {}

  async handle(update: Record<string, unknown>): Promise<void> {
    if ('callback_query' in update) return this.callback(update.callback_query);
    if ('message' in update) return this.message(update.message);
    // Other update kinds are not asked for (allowed_updates); ignore what slips through.
  }

  private async answer(id: string, text: string, alert = false): Promise<void> {
    // Once, with one retry: a callback is only answerable for a short while, and a user who
    // waits longer sees the state in the edited card anyway.
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await this.api.call('answerCallbackQuery', { callback_query_id: id, text: text.slice(0, 200), show_alert: alert });
        return;
      } catch (err) {
        if (attempt === 2 || (err as { kind?: string }).kind === 'permanent') {
          this.connection.log.warn(`Telegram answerCallbackQuery failed: ${(err as Error).message}`);
          return;
        }
      }
    }
  }

  private async callback(raw: unknown): Promise<void> {
    const log = this.connection.log;
    if (!isCallbackQuery(raw)) {
      log.warn(`Telegram: skipped a malformed callback query (${describe(raw)})`);
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id) await this.answer(id, 'This button is not recognised.');
      return;
    }
    const q = raw;
    const who = `${q.from.id}${q.from.username ? ` (@${q.from.username})` : ''}`;
    const parsed = parseCallbackData(q.data);
    const message = q.message;
    if (!parsed || !message || !Number.isSafeInteger(message.message_id) || !Number.isSafeInteger(message.chat?.id)) {
      log.warn(`Telegram: refused a callback from user ${who} with unknown data ${describe(q.data)}`);
      await this.answer(q.id, 'This button is not recognised.', true);
      return;
    }
    const chat = String(message.chat.id);
    if (!this.connection.chatAllowed(chat)) {
      log.warn(`Telegram: refused a callback from user ${who} in chat ${chat}, which is not an allowed chat`);
      await this.answer(q.id, 'Not allowed in this chat.', true);
      return;
    }
    const outbox = this.connection.outbox;
    const ref = outbox ? await outbox.refByMessage(this.connection.channel, chat, String(message.message_id)) : undefined;
    if (!ref || shortId(ref.alertId) !== parsed.shortId) {
      log.warn(`Telegram: refused a callback from user ${who} in chat ${chat}: message ${message.message_id} is not a card of alert ${parsed.shortId} (forged or stale button)`);
      await this.answer(q.id, 'This button does not belong to a known alert card.', true);
      return;
    }
    // An incident card's buttons act on the incident (ref.alertId then names the incident).
    const result = await this.connection.act({ action: parsed.action, alertId: ref.alertId, incident: isIncidentKey(ref.key), identity: { id: String(q.from.id), username: q.from.username }, chat });
    if (result.ok) await this.answer(q.id, parsed.action === 'acknowledge' ? `Acknowledged as ${result.user.user}.` : `Resolved as ${result.user.user}.`);
    else await this.answer(q.id, result.message, result.refused);
  }

  private async message(raw: unknown): Promise<void> {
    const m = raw as { from?: { id?: unknown; username?: unknown }; chat?: { id?: unknown }; text?: unknown } | null;
    if (!m || typeof m !== 'object' || !m.chat || !Number.isSafeInteger(m.chat.id)) {
      this.connection.log.warn(`Telegram: skipped a malformed message update (${describe(raw)})`);
      return;
    }
    // Mapping users needs their numeric id; /whoami tells them, and the log tells the admin.
    // Only in a private chat, and once per user every ten minutes: strangers can write to any
    // bot, and their messages must not spend the rate budget the alerts need.
    if (typeof m.text === 'string' && /^\/(whoami|start)\b/.test(m.text.trim()) && Number.isSafeInteger(m.from?.id) && m.from!.id === m.chat.id) {
      const last = this.answered.get(m.chat.id as number) ?? 0;
      if (Date.now() - last < 600_000) return;
      this.answered.set(m.chat.id as number, Date.now());
      if (this.answered.size > 10_000) this.answered.clear();
      const username = typeof m.from?.username === 'string' ? m.from.username : undefined;
      this.connection.log.info(`Telegram user ${m.from!.id}${username ? ` (@${username})` : ''} asked for their id in chat ${m.chat.id}`);
      const engine = this.connection.running;
      await engine?.enqueue({
        channel: this.connection.channel,
        chat: String(m.chat.id),
        key: `whoami:${m.from!.id}:${Date.now()}`,
        priority: 4,
        payload: { kind: 'text', text: `Your Telegram user id is ${m.from!.id}. Ask the SOC to map it to your console user.` },
      });
    }
  }
}
