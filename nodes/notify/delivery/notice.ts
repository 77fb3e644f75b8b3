import type { Alert, Geometry, MessageStatus, Priority, Tlp } from '../../platform';

/**
 * What an outbox entry says about an alert: the fields a chat message shows, copied from the
 * alert when it was queued. Media stay in the alert store (by digest) and are read when the
 * message is sent; tool payloads, history and comments never leave the SOC through a chat.
 */
export interface NoticeAlert {
  id: string;
  version: number;
  tool: string;
  event: string;
  headline: string;
  description?: string;
  instruction?: string;
  priority: Priority;
  severity: string;
  status: MessageStatus;
  state: string;
  areaDesc?: string;
  zone?: string;
  /** The TLP marking: the connection's gate reads it, and the card shows it. */
  tlp?: Tlp;
  /** [longitude, latitude] of the location, or of its centre for lines and areas. */
  point?: [number, number];
  occurredAt: string;
  lastSeen: string;
  count: number;
  assignee?: string;
  ack?: { by: string; at: string };
  resolved?: { by: string; at: string; reason: string };
  silenced?: { reason: string };
  /** Muted by an inhibition rule (an open incident, a quiet sensor): not sent on its own. */
  muted?: { by: string; reason: string };
  escalationLevel?: number;
  photo?: MediaPointer;
  video?: MediaPointer;
}

export interface MediaPointer {
  digest: string;
  mimeType: string;
  size?: number;
}

export interface MediaOptions {
  photo: boolean;
  location: boolean;
  video: boolean;
}

/** An alert card (and its media) in a chat. */
export interface AlertNotice {
  kind: 'alert';
  alert: NoticeAlert;
  media: MediaOptions;
  /** Set on the separate message an escalation sends to the escalation chats. */
  escalation?: number;
}

/** A plain answer in a chat, e.g. the confirmation of a command typed in Rocket.Chat. */
export interface TextNotice {
  kind: 'text';
  text: string;
  /** The message it answers (a thread in Rocket.Chat). */
  replyTo?: string;
}

export type Notice = AlertNotice | TextNotice;

/** Longer descriptions are cut: a chat is not the place for a report, the console link is. */
export const MAX_DESCRIPTION = 3000;

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

function centre(geometry: Geometry | undefined): [number, number] | undefined {
  if (!geometry) return undefined;
  const points: number[][] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') points.push(c as number[]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(geometry.coordinates);
  if (points.length === 0) return undefined;
  // The mean of the vertices: for the small areas of a city alert it lies inside, and a pin
  // near the middle is all a responder needs; the exact shape is in the console.
  const lon = points.reduce((s, p) => s + p[0], 0) / points.length;
  const lat = points.reduce((s, p) => s + p[1], 0) / points.length;
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return [lon, lat];
}

function firstMedia(alert: Alert, prefix: string): MediaPointer | undefined {
  const r = (alert.resources ?? []).find((x) => typeof x?.digest === 'string' && typeof x.mimeType === 'string' && x.mimeType.startsWith(prefix));
  if (!r) return undefined;
  const pointer: MediaPointer = { digest: r.digest!, mimeType: r.mimeType };
  if (typeof r.size === 'number') pointer.size = r.size;
  return pointer;
}

export function noticeAlert(alert: Alert): NoticeAlert {
  const n: NoticeAlert = {
    id: alert.id,
    version: alert.version,
    tool: alert.tool,
    event: alert.event,
    headline: alert.headline || alert.event,
    priority: alert.priority,
    severity: alert.severity,
    status: alert.status,
    state: alert.state,
    occurredAt: alert.occurredAt,
    lastSeen: alert.lastSeen,
    count: alert.count,
  };
  if (alert.description) n.description = cut(alert.description, MAX_DESCRIPTION);
  if (alert.instruction) n.instruction = cut(alert.instruction, MAX_DESCRIPTION);
  if (alert.areaDesc) n.areaDesc = alert.areaDesc;
  if (alert.tlp) n.tlp = alert.tlp;
  if (alert.zone) n.zone = alert.zone;
  const point = centre(alert.location);
  if (point) n.point = point;
  if (alert.assignee) n.assignee = alert.assignee;
  if (alert.ack) n.ack = { by: alert.ack.by, at: alert.ack.at };
  if (alert.resolved) n.resolved = { by: alert.resolved.by, at: alert.resolved.at, reason: alert.resolved.reason };
  if (alert.silenced) n.silenced = { reason: alert.silenced.reason };
  if (alert.muted) n.muted = { by: alert.muted.by, reason: alert.muted.reason };
  if (alert.escalation && alert.escalation.level > 0) n.escalationLevel = alert.escalation.level;
  const photo = firstMedia(alert, 'image/');
  if (photo) n.photo = photo;
  const video = firstMedia(alert, 'video/');
  if (video) n.video = video;
  return n;
}

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];

/** The checks an alert arriving in msg.payload must pass before anything is queued. */
export function assertAlert(value: unknown): asserts value is Alert {
  const a = value as Partial<Alert> | null;
  if (!a || typeof a !== 'object' || Array.isArray(a)) throw new TypeError('msg.payload must be an IMPETUS alert (an object)');
  if (typeof a.id !== 'string' || a.id === '') throw new TypeError('msg.payload.id is missing: send the alert that impetus-alert or impetus-alert-events outputs');
  if (!PRIORITIES.includes(a.priority as string)) throw new TypeError(`alert ${a.id} has no valid priority (P1 to P4)`);
  if (typeof a.headline !== 'string' && typeof a.event !== 'string') throw new TypeError(`alert ${a.id} has neither headline nor event`);
  for (const field of ['tool', 'status', 'state', 'occurredAt', 'lastSeen'] as const) {
    if (typeof a[field] !== 'string') throw new TypeError(`alert ${a.id} has no ${field}`);
  }
  if (!Number.isInteger(a.version)) throw new TypeError(`alert ${a.id} has no version: send a stored alert, not a draft`);
}

export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}
