import { createHash } from 'node:crypto';
import type { OutboxEntry } from '../../platform';
import type { DeliveryContext, EngineLog, Transport } from '../delivery/engine';
import type { AlertNotice, MediaPointer, Notice } from '../delivery/notice';
import type { RateLimit } from '../delivery/token-bucket';
import type { RocketChatApi } from './api';
import { RocketChatApiError } from './api';
import type { RocketChatRenderOptions } from './format';
import type { RenderedMessage } from './format';
import { defuse, mediaDescription, renderIncidentMessage, renderMessage } from './format';

export interface RocketChatLimits {
  global: RateLimit;
  perRoom: RateLimit;
}

/**
 * Rocket.Chat documents no per-room limit; its REST rate limiter is per user and endpoint and
 * configurable by the server's admin (bots usually hold `api-bypass-rate-limit`). These
 * defaults keep a busy room readable; a 429 is honoured whatever the server's settings.
 */
export const ROCKETCHAT_LIMITS: RocketChatLimits = {
  global: { limit: 10, windowMs: 1000 },
  perRoom: { limit: 1, windowMs: 1000 },
};

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export type MediaReader = (digest: string) => Promise<{ data: Buffer; mimeType: string } | undefined>;

export interface RocketChatTransportOptions {
  api: RocketChatApi;
  limits: RocketChatLimits;
  render: RocketChatRenderOptions;
  media: MediaReader;
  maxUploadBytes?: number;
  /** Told the room id behind every chat it posts to, so that replies and reactions there are watched. */
  onRoom(rid: string, chat: string): void;
  log: EngineLog;
}

interface Shown {
  /** The card's message id and its room. */
  card?: string;
  rid?: string;
  hash?: string;
  version: number;
  photo?: string | 'skipped';
  video?: string | 'skipped';
  complete?: boolean;
}

interface PostAnswer {
  message: { _id: string; rid: string };
}

interface UploadAnswer {
  file: { _id: string };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** `#channel` and `@user` go by name; anything else is a room id. */
export function target(chat: string): { channel: string } | { roomId: string } {
  return chat.startsWith('#') || chat.startsWith('@') ? { channel: chat } : { roomId: chat };
}

/**
 * Alert messages in Rocket.Chat: chat.postMessage with an attachment coloured by priority,
 * its fields and Acknowledge/Resolve buttons; the photo (and, when asked, the video) uploaded
 * through rooms.media and published into the card's thread with rooms.mediaConfirm. Later
 * deliveries edit the card's text with chat.update, which is where the state line lives.
 */
export class RocketChatTransport implements Transport {
  constructor(private readonly options: RocketChatTransportOptions) {}

  chatLimits(): RateLimit[] {
    return [this.options.limits.perRoom];
  }

  async deliver(entry: OutboxEntry, ctx: DeliveryContext): Promise<void> {
    const notice = entry.payload as unknown as Notice;
    const { api } = this.options;
    if (notice?.kind === 'text') {
      const sent = await ctx.request(() => api.post<PostAnswer>('chat.postMessage', { ...target(entry.chat), text: defuse(notice.text), ...(notice.replyTo ? { tmid: notice.replyTo } : {}) }, ctx.signal));
      this.options.onRoom(sent.message.rid, entry.chat);
      return;
    }
    const shown = ctx.ref?.data as Shown | undefined;
    if (notice?.kind === 'incident' && notice.incident) {
      // No media on an incident card; deleted from the room, it is posted again (a new member is news).
      const message = renderIncidentMessage(notice, this.options.render);
      let previous = shown;
      // A message every member left is only ever an update: never posted, or deleted, it has nothing to take back.
      const emptied = notice.incident.emptied === true;
      if (emptied && !shown?.complete) return;
      if (shown?.complete) {
        if ((await this.edit(message, notice.incident.version, shown, ctx)) !== 'gone' || emptied) return;
        // Recorded before posting, so that a retry (a 429 on the way) posts rather than updates again.
        previous = { version: shown.version };
        await ctx.saveRef({ data: { ...previous } });
      }
      await this.send(entry, message, notice.incident.version, undefined, previous, ctx);
      return;
    }
    if (notice?.kind !== 'alert' || !notice.alert) throw new RocketChatApiError('permanent', 'deliver', 'outbox entry holds no alert notice', {});
    const message = renderMessage(notice, this.options.render);
    if (!shown?.complete) await this.send(entry, message, notice.alert.version, notice, shown, ctx);
    else if ((await this.edit(message, notice.alert.version, shown, ctx)) === 'gone') this.options.log.warn(`card of alert ${entry.alertId} in ${entry.chat} is gone; not edited`);
  }

  private async send(entry: OutboxEntry, message: RenderedMessage, version: number, notice: AlertNotice | undefined, previous: Shown | undefined, ctx: DeliveryContext): Promise<void> {
    const { api } = this.options;
    const shown: Shown = previous ? { ...previous } : { version };
    const save = () => ctx.saveRef({ messageId: shown.card, data: { ...shown } });
    if (!shown.card) {
      const sent = await ctx.request(() => api.post<PostAnswer>('chat.postMessage', { ...target(entry.chat), text: message.text, attachments: message.attachments }, ctx.signal));
      Object.assign(shown, { card: sent.message._id, rid: sent.message.rid, hash: hash(message.text), version });
      this.options.onRoom(sent.message.rid, entry.chat);
      await save();
    }
    if (!notice) {
      Object.assign(shown, { photo: 'skipped', video: 'skipped', complete: true });
      await save();
      return;
    }
    const a = notice.alert;
    if (shown.photo === undefined) {
      shown.photo = notice.media.photo && a.photo ? await this.upload(entry, shown, a.photo, mediaDescription(a), ctx) : 'skipped';
      await save();
    }
    if (shown.video === undefined) {
      shown.video = notice.media.video && a.video ? await this.upload(entry, shown, a.video, mediaDescription(a), ctx) : 'skipped';
    }
    shown.complete = true;
    await save();
  }

  private async upload(entry: OutboxEntry, shown: Shown, pointer: MediaPointer, description: string, ctx: DeliveryContext): Promise<string | 'skipped'> {
    const limit = this.options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    const media = await this.options.media(pointer.digest);
    if (!media || media.data.length > limit) {
      this.options.log.warn(`media ${pointer.digest} of alert ${entry.alertId} ${media ? `is larger than ${limit} bytes` : 'is not in the store'}: not sent`);
      return 'skipped';
    }
    const ext = (media.mimeType.split('/')[1] ?? 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 8) || 'bin';
    const rid = encodeURIComponent(shown.rid!);
    // Two steps since Rocket.Chat 6.8: the upload, then the message that publishes it. A retry
    // after a failed confirm uploads again; the unconfirmed copy is discarded by the server.
    const filename = `${pointer.mimeType.startsWith('video/') ? 'clip' : 'snapshot'}.${ext}`;
    const uploaded = await ctx.request(() => this.options.api.upload<UploadAnswer>(`rooms.media/${rid}`, {}, { field: 'file', filename, contentType: media.mimeType, data: media.data }, ctx.signal));
    await ctx.request(() => this.options.api.post(`rooms.mediaConfirm/${rid}/${encodeURIComponent(uploaded.file._id)}`, { msg: '', description, tmid: shown.card }, ctx.signal));
    return uploaded.file._id;
  }

  /** Brings the card's text up to date with chat.update; 'gone' when the room no longer has it. */
  private async edit(message: RenderedMessage, version: number, shown: Shown, ctx: DeliveryContext): Promise<'edited' | 'gone'> {
    if (version < shown.version) return 'edited';
    const h = hash(message.text);
    if (h === shown.hash) {
      if (version !== shown.version) await ctx.saveRef({ messageId: shown.card, data: { ...shown, version } });
      return 'edited';
    }
    try {
      await ctx.request(() => this.options.api.post('chat.update', { roomId: shown.rid, msgId: shown.card, text: message.text }, ctx.signal));
    } catch (err) {
      if (err instanceof RocketChatApiError && err.kind === 'permanent' && /not found|invalid-message|error-message/i.test(`${err.message} ${err.errorType}`)) return 'gone';
      throw err;
    }
    await ctx.saveRef({ messageId: shown.card, data: { ...shown, hash: h, version } });
    return 'edited';
  }
}
