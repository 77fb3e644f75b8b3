import type { Alert, Geometry, Incident, IncidentMember, MessageStatus, Priority, Tlp } from '../../platform';

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

/** One member line of an incident card. */
export interface NoticeMember {
  alertId: string;
  tool: string;
  headline: string;
  priority: Priority;
  state: string;
  areaDesc?: string;
}

/**
 * What an incident card shows in one chat: the incident as that chat may see it, i.e. only the
 * members its readers may see (TLP, the console view of a person's chat), with title, summary
 * and priority built from those members alone.
 */
export interface NoticeIncident {
  id: string;
  version: number;
  title: string;
  summary: string;
  priority: Priority;
  status: MessageStatus;
  state: string;
  /** The strictest marking among the members shown: the card carries its label. */
  tlp?: Tlp;
  areaDesc?: string;
  zone?: string;
  point?: [number, number];
  firstSeen: string;
  lastSeen: string;
  assignee?: string;
  ack?: { by: string; at: string };
  resolved?: { by: string; at: string; reason: string };
  /** The members shown, most urgent first, at most MAX_CARD_MEMBERS. */
  members: NoticeMember[];
  /** Members shown in the count but not listed (beyond MAX_CARD_MEMBERS). */
  more: number;
  /**
   * The chat had a card, and no member it may see is left (moved out of the incident by an
   * operator, or no longer shown to it): the card says so instead of listing them still.
   */
  emptied?: true;
}

/** An incident card: one per incident and chat, edited as members arrive and as it is acted on. */
export interface IncidentNotice {
  kind: 'incident';
  incident: NoticeIncident;
}

export type Notice = AlertNotice | TextNotice | IncidentNotice;

/** Members listed on a card; the rest are counted ("+ 12 more"), the console has them all. */
export const MAX_CARD_MEMBERS = 10;

/** The outbox key and delivery ref key of an incident's card in a chat. */
export function incidentKey(incidentId: string): string {
  return `inc:${incidentId}`;
}

export function isIncidentKey(key: string): boolean {
  return key.startsWith('inc:');
}

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

const TLP_ORDER: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/**
 * The card for a chat that has one but may see no member any more: nothing of the incident but
 * its id, state and times, so that no hidden member's title, place or priority shows.
 */
export function emptiedIncident(incident: Incident): NoticeIncident {
  return {
    id: incident.id, version: incident.version, title: 'No alerts left for this chat', summary: 'The alerts this chat was shown were moved out of the incident or are no longer shown here.',
    priority: 'P4', status: incident.status, state: incident.state, firstSeen: incident.firstSeen, lastSeen: incident.lastSeen, members: [], more: 0, emptied: true,
  };
}

/**
 * The card of `incident` built from `shown`, the members one chat may see (already filtered by
 * the caller: TLP, the reader's console view, no muted ones). The title and summary come from
 * `restricted` (the incident rebuilt from those members); the priority is the incident's when
 * every member is shown, else the highest shown member's, so that a hidden member's priority
 * does not show through.
 */
export function noticeIncident(incident: Incident, restricted: Pick<Incident, 'title' | 'summary'>, shown: IncidentMember[]): NoticeIncident {
  const sorted = [...shown].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.occurredAt.localeCompare(b.occurredAt));
  const all = shown.length === incident.members.length;
  const n: NoticeIncident = {
    id: incident.id,
    version: incident.version,
    title: cut(restricted.title, 300),
    summary: cut(restricted.summary, MAX_DESCRIPTION),
    priority: all ? incident.priority : sorted[0].priority,
    status: incident.status,
    state: incident.state,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    members: sorted.slice(0, MAX_CARD_MEMBERS).map((m) => {
      const member: NoticeMember = { alertId: m.alertId, tool: m.tool, headline: cut(m.headline || m.event, 300), priority: m.priority, state: m.state };
      if (m.areaDesc) member.areaDesc = m.areaDesc;
      return member;
    }),
    more: Math.max(0, sorted.length - MAX_CARD_MEMBERS),
  };
  const tlp = shown.reduce<Tlp | undefined>((worst, m) => (m.tlp && TLP_ORDER.indexOf(m.tlp) > TLP_ORDER.indexOf(worst ?? 'clear') ? m.tlp : worst), undefined);
  if (tlp) n.tlp = tlp;
  // The place too comes from what is shown: the incident's is its first located member's.
  const placed = all ? incident : { areaDesc: sorted.find((m) => m.areaDesc)?.areaDesc, zone: sorted.find((m) => m.zone)?.zone, center: sorted.find((m) => m.point)?.point };
  if (placed.areaDesc) n.areaDesc = placed.areaDesc;
  if (placed.zone) n.zone = placed.zone;
  if (placed.center) n.point = placed.center;
  if (incident.assignee) n.assignee = incident.assignee;
  if (incident.ack) n.ack = { by: incident.ack.by, at: incident.ack.at };
  if (incident.resolved) n.resolved = { by: incident.resolved.by, at: incident.resolved.at, reason: incident.resolved.reason };
  return n;
}
