import type { DeliveryRef, OutboxEntry, OutboxState } from './types';

/**
 * An outbox entry as the SQLite and MongoDB outboxes keep it: absent optionals as null, the
 * payload as JSON text (SQLite has no object type; MongoDB restricts `$` and `.` in keys). The
 * SQLite outbox reads its columns under these names, so one conversion serves both.
 */
export interface EntryFields {
  seq: number;
  channel: string;
  chat: string;
  key: string;
  alertId: string | null;
  origin: string | null;
  priority: number;
  version: number;
  state: OutboxState;
  attempts: number;
  notBefore: number;
  createdAt: number;
  lastError: string | null;
  payload: string;
}

/** A delivery reference as both outboxes keep it, under the same rules as {@link EntryFields}. */
export interface RefFields {
  channel: string;
  chat: string;
  key: string;
  alertId: string;
  origin: string | null;
  messageId: string | null;
  updatedAt: number;
  data: string;
}

export function toEntry(id: string, row: EntryFields): OutboxEntry {
  const entry: OutboxEntry = {
    id,
    channel: row.channel,
    chat: row.chat,
    key: row.key,
    priority: row.priority,
    seq: row.seq,
    version: row.version,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    notBefore: row.notBefore,
    createdAt: row.createdAt,
    state: row.state,
  };
  if (row.alertId !== null) entry.alertId = row.alertId;
  if (row.origin !== null) entry.origin = row.origin;
  if (row.lastError !== null) entry.lastError = row.lastError;
  return entry;
}

export function toRef(row: RefFields): DeliveryRef {
  const ref: DeliveryRef = { channel: row.channel, chat: row.chat, key: row.key, alertId: row.alertId, data: JSON.parse(row.data) as Record<string, unknown>, updatedAt: row.updatedAt };
  if (row.origin !== null) ref.origin = row.origin;
  if (row.messageId !== null) ref.messageId = row.messageId;
  return ref;
}

export function toRefFields(ref: DeliveryRef): RefFields {
  return {
    channel: ref.channel,
    chat: ref.chat,
    key: ref.key,
    alertId: ref.alertId,
    origin: ref.origin ?? null,
    messageId: ref.messageId ?? null,
    updatedAt: ref.updatedAt,
    data: JSON.stringify(ref.data ?? {}),
  };
}
