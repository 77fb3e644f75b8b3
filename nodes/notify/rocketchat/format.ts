import type { Tlp } from '../../platform';
import { tlpLabel } from '../../platform';
import { shortId } from '../delivery/ids';
import type { AlertNotice, IncidentNotice, NoticeAlert } from '../delivery/notice';
import { consoleLink, formatTime, memberCount, stateLine } from '../delivery/present';

export interface RocketChatRenderOptions {
  consoleUrl?: string;
  timeZone?: string;
}

export interface Attachment {
  color: string;
  title: string;
  title_link?: string;
  text?: string;
  fields: Array<{ short: boolean; title: string; value: string }>;
  ts: string;
  actions?: Array<{ type: 'button'; text: string; msg: string; msg_in_chat_window: true; msg_processing_type: 'sendMessage' }>;
  button_alignment?: 'horizontal';
}

export interface RenderedMessage {
  /** The message text; it holds the state line, because chat.update can change only the text. */
  text: string;
  attachments: Attachment[];
}

/** Rocket.Chat's own palette for danger, warning, info and neutral. */
export const PRIORITY_COLOURS: Record<string, string> = { P1: '#f5455c', P2: '#f38c39', P3: '#ffd21f', P4: '#1d74f5' };

/** Alert text must not ping a whole room: @all and @here lose their power, nothing else changes. */
export function defuse(text: string): string {
  return text.replace(/@(all|here|everyone|channel)\b/gi, '@\u200b$1');
}

export function commandToken(alertId: string): string {
  return shortId(alertId);
}

/** The lines every message opens with: the TLP label first, before anything it covers (FIRST's TLP 2.0), then the exercise warning. */
function markings(m: { tlp?: Tlp; status: string }, what: 'alert' | 'incident'): string[] {
  const head: string[] = [];
  if (m.tlp) head.push(`*${tlpLabel(m.tlp)}*`);
  if (m.status !== 'Actual') head.push(`🧪 *${m.status.toUpperCase()}* — not a real ${what}`);
  return head;
}

export function renderMessage(notice: AlertNotice, options: RocketChatRenderOptions = {}): RenderedMessage {
  const a = notice.alert;
  const time = (iso: string) => formatTime(iso, options.timeZone);
  const head = markings(a, 'alert');
  const escalation = notice.escalation ?? (a.state === 'open' ? a.escalationLevel : undefined);
  if (escalation) head.push(`⏫ *ESCALATED* (level ${escalation}): nobody has acknowledged it yet`);
  head.push(`*${a.priority}* · ${defuse(a.headline)}`);
  const state = stateLine(a, options.timeZone);
  if (state) head.push(`${state.icon} ${state.parts.map((p) => (p.strong ? `*${defuse(p.text)}*` : defuse(p.text))).join('')}`);
  const fields: Attachment['fields'] = [
    { short: true, title: 'Priority', value: `${a.priority} (${a.severity})` },
    { short: true, title: 'Tool', value: defuse(a.tool) },
  ];
  const place = [a.areaDesc, a.zone ? `zone ${a.zone}` : undefined].filter(Boolean).join(' · ');
  if (place) fields.push({ short: true, title: 'Place', value: defuse(place) });
  if (a.point) {
    const [lon, lat] = a.point;
    fields.push({ short: true, title: 'Location', value: `[${lat.toFixed(5)}, ${lon.toFixed(5)}](https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon})` });
  }
  fields.push({ short: true, title: 'Occurred', value: a.count > 1 ? `${time(a.occurredAt)} · ${a.count}× (last ${time(a.lastSeen)})` : time(a.occurredAt) });
  fields.push({ short: true, title: 'State', value: a.state });
  const body = [a.instruction ? `➡️ *${defuse(a.instruction)}*` : undefined, a.description ? defuse(a.description) : undefined].filter(Boolean).join('\n\n');
  const attachment: Attachment = {
    color: PRIORITY_COLOURS[a.priority] ?? '#cbced1',
    title: defuse(a.headline),
    fields,
    ts: a.occurredAt,
  };
  const link = consoleLink(options.consoleUrl, a.id);
  if (link) attachment.title_link = link;
  if (body) attachment.text = body;
  const actions = buttons(a.state, commandToken(a.id));
  if (actions.length) {
    attachment.actions = actions;
    attachment.button_alignment = 'horizontal';
  }
  head.push(`_Reply in the thread_ \`ack\` _or_ \`resolve <reason>\`_, or react_ :white_check_mark: _(acknowledge) or_ :checkered_flag: _(resolve)._`);
  return { text: head.join('\n'), attachments: [attachment] };
}

/** The Acknowledge and Resolve buttons: each posts the command with the card's token for the user to send. */
function buttons(state: string, token: string): NonNullable<Attachment['actions']> {
  const actions: NonNullable<Attachment['actions']> = [];
  if (state === 'open') actions.push({ type: 'button', text: '✅ Acknowledge', msg: `ack ${token}`, msg_in_chat_window: true, msg_processing_type: 'sendMessage' });
  if (state === 'open' || state === 'acknowledged') actions.push({ type: 'button', text: '✔️ Resolve', msg: `resolve ${token} `, msg_in_chat_window: true, msg_processing_type: 'sendMessage' });
  return actions;
}

/**
 * An incident's message: the text holds the head and the member lines (chat.update changes only
 * the text, and members arrive after the first post); the attachment the place and the buttons,
 * which act on the incident.
 */
export function renderIncidentMessage(notice: IncidentNotice, options: RocketChatRenderOptions = {}): RenderedMessage {
  const inc = notice.incident;
  const time = (iso: string) => formatTime(iso, options.timeZone);
  const link = consoleLink(options.consoleUrl, inc.id, 'incidents');
  if (inc.emptied) {
    // The text says it (chat.update changes only the text); no buttons on a message posted anew.
    const attachment: Attachment = { color: '#cbced1', title: defuse(inc.title), fields: [], ts: inc.firstSeen };
    if (link) attachment.title_link = link;
    return { text: `*INCIDENT* · ${defuse(inc.title)}\n${defuse(inc.summary)}`, attachments: [attachment] };
  }
  const head = markings(inc, 'incident');
  const tools = new Set(inc.members.map((m) => m.tool)).size;
  head.push(`*${inc.priority}* · *INCIDENT* · ${memberCount(inc.members.length + inc.more, tools)}${inc.more ? '+' : ''} · ${defuse(inc.title)}`);
  const state = stateLine(inc, options.timeZone);
  if (state) head.push(`${state.icon} ${state.parts.map((p) => (p.strong ? `*${defuse(p.text)}*` : defuse(p.text))).join('')}`);
  for (const m of inc.members) head.push(`• *${m.priority}* ${defuse(m.tool)}: ${defuse(m.headline)}${m.state === 'open' ? '' : ` _(${m.state})_`}`);
  if (inc.more) head.push(`… and ${inc.more} more in the console`);
  head.push(`_Reply in the thread_ \`ack\` _or_ \`resolve <reason>\`_, or react_ :white_check_mark: _(acknowledge) or_ :checkered_flag: _(resolve): it acts on the whole incident._`);
  const fields: Attachment['fields'] = [];
  const place = [inc.areaDesc, inc.zone ? `zone ${inc.zone}` : undefined].filter(Boolean).join(' · ');
  if (place) fields.push({ short: true, title: 'Place', value: defuse(place) });
  if (inc.point) {
    const [lon, lat] = inc.point;
    fields.push({ short: true, title: 'Location', value: `[${lat.toFixed(5)}, ${lon.toFixed(5)}](https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon})` });
  }
  fields.push({ short: true, title: 'Since', value: time(inc.firstSeen) });
  const attachment: Attachment = { color: PRIORITY_COLOURS[inc.priority] ?? '#cbced1', title: defuse(inc.title), fields, ts: inc.firstSeen };
  if (link) attachment.title_link = link;
  const actions = buttons(inc.state, commandToken(inc.id));
  if (actions.length) {
    attachment.actions = actions;
    attachment.button_alignment = 'horizontal';
  }
  return { text: head.join('\n'), attachments: [attachment] };
}

export function mediaDescription(a: NoticeAlert): string {
  return defuse(`${a.priority} · ${a.headline}`).slice(0, 1000);
}

/** A command typed or sent by a button: `ack [id] [note]`, `resolve [id] <reason>`. */
export function parseCommand(text: unknown): { action: 'acknowledge' | 'resolve'; token?: string; rest: string } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^\s*\/?(ack|acknowledge|resolve|resolved)\b\s*(.*)$/is.exec(text);
  if (!m) return undefined;
  const action = m[1].toLowerCase().startsWith('ack') ? 'acknowledge' : 'resolve';
  const rest = m[2].trim();
  const t = /^([A-Za-z0-9_-]{22}|h[A-Za-z0-9_-]{20}|i[A-Za-z0-9_-]{22})(?:\s+|$)(.*)$/s.exec(rest);
  return t ? { action, token: t[1], rest: t[2].trim() } : { action, rest };
}
