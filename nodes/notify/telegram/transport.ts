import { createHash } from 'node:crypto';
import type { OutboxEntry } from '../../platform';
import type { DeliveryContext, EngineLog, Transport } from '../delivery/engine';
import type { AlertNotice, MediaPointer, Notice } from '../delivery/notice';
import type { RateLimit } from '../delivery/token-bucket';
import type { TelegramApi } from './api';
import { TelegramApiError } from './api';
import type { TelegramRenderOptions } from './format';
import type { RenderedCard } from './format';
import { escapeHtml, renderCaption, renderCard, renderIncidentCard } from './format';

export interface TelegramLimits {
  global: RateLimit;
  perChat: RateLimit;
  perGroup: RateLimit;
}

/** The Bot API FAQ: about 30 messages a second overall, one a second per chat, 20 a minute per group. */
export const TELEGRAM_LIMITS: TelegramLimits = {
  global: { limit: 30, windowMs: 1000 },
  perChat: { limit: 1, windowMs: 1000 },
  perGroup: { limit: 20, windowMs: 60_000 },
};

/** Bot API upload limits: 10 MB for photos, 50 MB for other files. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_VIDEO_BYTES = 20 * 1024 * 1024;

export type MediaReader = (digest: string) => Promise<{ data: Buffer; mimeType: string } | undefined>;

export interface TelegramTransportOptions {
  api: TelegramApi;
  limits: TelegramLimits;
  render: TelegramRenderOptions;
  media: MediaReader;
  maxVideoBytes?: number;
  log: EngineLog;
}

/** What the chat already shows for one entry, kept in the delivery ref. */
interface Shown {
  /** Message ids of the card's parts; the first carries the buttons. */
  parts: number[];
  /** Hash of each part's text (and the first's buttons), so an edit that changes nothing sends nothing. */
  hashes: string[];
  /** Alert version shown: an older snapshot arriving late never overwrites a newer one. */
  version: number;
  photo?: number | 'skipped';
  location?: number | 'skipped';
  video?: number | 'skipped';
  /** Every step of the first delivery is done; later deliveries are edits. */
  complete?: boolean;
}

interface SentMessage {
  message_id: number;
}

/** Group and supergroup ids are negative; channels are `@name` or negative too. */
export function isGroupChat(chat: string): boolean {
  return chat.startsWith('-') || chat.startsWith('@');
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

function isNotModified(err: unknown): boolean {
  return err instanceof TelegramApiError && /message is not modified/i.test(err.description);
}

function isGone(err: unknown): boolean {
  return err instanceof TelegramApiError && /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(err.description);
}

/**
 * Alert cards in Telegram. A first delivery sends the card (text with buttons, split at 4096
 * characters), then as replies to it the photo (uploaded as multipart from the alert store),
 * the location pin and, when asked for, the video; each step is recorded, so a retry or a
 * restart continues with the next step instead of sending the card twice. Later deliveries of
 * the same alert edit the card in place: a repeat, an acknowledgement or a resolution changes
 * the message people already have rather than adding one.
 */
export class TelegramTransport implements Transport {
  constructor(private readonly options: TelegramTransportOptions) {}

  chatLimits(chat: string): RateLimit[] {
    return isGroupChat(chat) ? [this.options.limits.perChat, this.options.limits.perGroup] : [this.options.limits.perChat];
  }

  async deliver(entry: OutboxEntry, ctx: DeliveryContext): Promise<void> {
    const notice = entry.payload as unknown as Notice;
    if (notice?.kind === 'text') {
      await ctx.request(() => this.options.api.call<SentMessage>('sendMessage', { chat_id: entry.chat, text: escapeHtml(notice.text), parse_mode: 'HTML' }, { signal: ctx.signal }));
      return;
    }
    const shown = ctx.ref?.data as Shown | undefined;
    if (notice?.kind === 'incident' && notice.incident) {
      // An incident card has no media: one message (or its parts), edited as members arrive.
      // Deleted from the chat, it is sent again: a new member is news the chat must not miss.
      const card = renderIncidentCard(notice, this.options.render);
      let previous = shown;
      // A card every member left is only ever an edit: never sent, or deleted, it has nothing to take back.
      const emptied = notice.incident.emptied === true;
      if (emptied && !shown?.complete) return;
      if (shown?.complete) {
        if ((await this.edit(entry, card, notice.incident.version, shown, ctx)) !== 'gone' || emptied) return;
        // Recorded before sending, so that a retry (a 429 on the way) sends rather than edits again.
        previous = { parts: [], hashes: [], version: shown.version };
        await ctx.saveRef({ data: { ...previous } });
      }
      await this.send(entry, card, notice.incident.version, undefined, previous, ctx);
      return;
    }
    if (notice?.kind !== 'alert' || !notice.alert) throw new TelegramApiError('permanent', 'deliver', 'outbox entry holds no alert notice', {});
    const card = renderCard(notice, this.options.render);
    if (!shown?.complete) await this.send(entry, card, notice.alert.version, notice, shown, ctx);
    else if ((await this.edit(entry, card, notice.alert.version, shown, ctx)) === 'gone') {
      // Someone deleted the card: there is nothing to update, and resending it would surprise.
      this.options.log.warn(`card of alert ${entry.alertId} in chat ${entry.chat} is gone; not edited`);
    }
  }

  private markup(keyboard: ReturnType<typeof renderCard>['keyboard']) {
    return { inline_keyboard: keyboard };
  }

  private partHashes(parts: string[], keyboard: unknown): string[] {
    return parts.map((p, i) => hash(i === 0 ? `${p}\u0000${JSON.stringify(keyboard)}` : p));
  }

  /** The first delivery: the card's parts, then (for an alert) its media, each step recorded. */
  private async send(entry: OutboxEntry, card: RenderedCard, version: number, notice: AlertNotice | undefined, previous: Shown | undefined, ctx: DeliveryContext): Promise<void> {
    const { api } = this.options;
    const hashes = this.partHashes(card.parts, card.keyboard);
    const shown: Shown = previous ? { ...previous, parts: [...previous.parts], hashes: [...previous.hashes] } : { parts: [], hashes: [], version };
    const save = () => ctx.saveRef({ messageId: shown.parts.length ? String(shown.parts[0]) : undefined, data: { ...shown } });
    const reply = () => (shown.parts.length ? { message_id: shown.parts[0], allow_sending_without_reply: true } : undefined);

    for (let i = shown.parts.length; i < card.parts.length; i++) {
      const sent = await ctx.request(() =>
        api.call<SentMessage>(
          'sendMessage',
          {
            chat_id: entry.chat,
            text: card.parts[i],
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
            reply_markup: i === 0 && card.keyboard.length ? this.markup(card.keyboard) : undefined,
            reply_parameters: reply(),
          },
          { signal: ctx.signal },
        ),
      );
      shown.parts.push(sent.message_id);
      shown.hashes[i] = hashes[i];
      shown.version = version;
      await save();
    }

    if (!notice) {
      Object.assign(shown, { photo: 'skipped', location: 'skipped', video: 'skipped', complete: true });
      await save();
      return;
    }
    const a = notice.alert;
    if (shown.photo === undefined) {
      shown.photo = notice.media.photo && a.photo ? await this.upload(entry, 'sendPhoto', 'photo', a.photo, renderCaption(a), reply(), ctx) : 'skipped';
      await save();
    }
    if (shown.location === undefined) {
      if (notice.media.location && a.point) {
        const point = a.point;
        const sent = await ctx.request(() => api.call<SentMessage>('sendLocation', { chat_id: entry.chat, latitude: point[1], longitude: point[0], reply_parameters: reply() }, { signal: ctx.signal }));
        shown.location = sent.message_id;
      } else {
        shown.location = 'skipped';
      }
      await save();
    }
    if (shown.video === undefined) {
      shown.video = notice.media.video && a.video ? await this.upload(entry, 'sendVideo', 'video', a.video, renderCaption(a), reply(), ctx) : 'skipped';
      shown.complete = true;
      await save();
    } else if (!shown.complete) {
      shown.complete = true;
      await save();
    }
  }

  private async upload(
    entry: OutboxEntry,
    method: 'sendPhoto' | 'sendVideo',
    field: 'photo' | 'video',
    pointer: MediaPointer,
    caption: string,
    reply: unknown,
    ctx: DeliveryContext,
  ): Promise<number | 'skipped'> {
    const limit = field === 'photo' ? MAX_PHOTO_BYTES : this.options.maxVideoBytes ?? DEFAULT_MAX_VIDEO_BYTES;
    if (pointer.size !== undefined && pointer.size > limit) {
      this.options.log.warn(`${field} ${pointer.digest} of alert ${entry.alertId} is larger than ${limit} bytes: not sent`);
      return 'skipped';
    }
    const media = await this.options.media(pointer.digest);
    if (!media) {
      // Purged by retention, or never stored: the card went out, the media cannot.
      this.options.log.warn(`${field} ${pointer.digest} of alert ${entry.alertId} is not in the store: not sent`);
      return 'skipped';
    }
    if (media.data.length > limit) {
      this.options.log.warn(`${field} ${pointer.digest} of alert ${entry.alertId} is larger than ${limit} bytes: not sent`);
      return 'skipped';
    }
    const ext = (media.mimeType.split('/')[1] ?? 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 8) || 'bin';
    const params: Record<string, unknown> = { chat_id: entry.chat, caption, parse_mode: 'HTML', reply_parameters: reply };
    if (field === 'video') params.supports_streaming = true;
    const sent = await ctx.request(() =>
      this.options.api.upload<SentMessage>(method, params, { field, filename: `${field}.${ext}`, contentType: media.mimeType, data: media.data }, { signal: ctx.signal, timeoutMs: 120_000 }),
    );
    return sent.message_id;
  }

  /** Brings a card already sent up to date, part by part; 'gone' when the chat no longer has it. */
  private async edit(entry: OutboxEntry, card: RenderedCard, version: number, shown: Shown, ctx: DeliveryContext): Promise<'edited' | 'gone'> {
    if (version < shown.version) return 'edited';
    const hashes = this.partHashes(card.parts, card.keyboard);
    const next: Shown = { ...shown, parts: [...shown.parts], hashes: [...shown.hashes], version };
    for (let i = 0; i < card.parts.length; i++) {
      if (next.hashes[i] === hashes[i]) continue;
      if (i < next.parts.length) {
        const messageId = next.parts[i];
        try {
          await ctx.request(() =>
            this.options.api.call(
              'editMessageText',
              {
                chat_id: entry.chat,
                message_id: messageId,
                text: card.parts[i],
                parse_mode: 'HTML',
                link_preview_options: { is_disabled: true },
                // Without reply_markup an edit removes the buttons; an empty keyboard is how a resolved card loses them.
                reply_markup: i === 0 ? this.markup(card.keyboard) : undefined,
              },
              { signal: ctx.signal },
            ),
          );
        } catch (err) {
          if (isGone(err)) return 'gone';
          if (!isNotModified(err)) throw err;
        }
      } else {
        const first = next.parts[0];
        const sent = await ctx.request(() =>
          this.options.api.call<SentMessage>(
            'sendMessage',
            { chat_id: entry.chat, text: card.parts[i], parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_parameters: { message_id: first, allow_sending_without_reply: true } },
            { signal: ctx.signal },
          ),
        );
        next.parts.push(sent.message_id);
      }
      next.hashes[i] = hashes[i];
      await ctx.saveRef({ messageId: String(next.parts[0]), data: { ...next } });
    }
    if (next.version !== shown.version && next.hashes.every((h, i) => h === shown.hashes[i])) {
      await ctx.saveRef({ messageId: String(next.parts[0]), data: { ...next } });
    }
    return 'edited';
  }
}
