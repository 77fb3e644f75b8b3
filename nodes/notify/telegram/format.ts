import type { Tlp } from '../../platform';
import { tlpLabel } from '../../platform';
import { shortId } from '../delivery/ids';
import type { AlertNotice, IncidentNotice, NoticeAlert } from '../delivery/notice';
import { consoleLink, formatTime, memberCount, stateLine } from '../delivery/present';

/** Bot API limits, in characters after entity parsing; measured here on the HTML, which is never shorter. */
export const MAX_TEXT = 4096;
export const MAX_CAPTION = 1024;
export const MAX_CALLBACK_DATA = 64;

export interface TelegramRenderOptions {
  consoleUrl?: string;
  timeZone?: string;
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface RenderedCard {
  /** The card's text in HTML parse mode, split into messages of at most 4096 characters. */
  parts: string[];
  /** Buttons under the first part; empty once the alert is resolved (which removes them). */
  keyboard: InlineButton[][];
}

/** Telegram's HTML mode knows only these three entities in text (and &quot; in attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

function escapedLength(ch: string): number {
  return ch === '&' ? 5 : ch === '<' || ch === '>' ? 4 : ch.length;
}

/**
 * Cuts plain text into pieces whose escaped form fits `budget`, at a line break or space where
 * one lies in the second half of the piece, and never inside a surrogate pair.
 */
export function chunkPlain(text: string, budget: number): string[] {
  const chars = Array.from(text);
  const chunks: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let size = 0;
    let end = start;
    let lastBreak = -1;
    while (end < chars.length && size + escapedLength(chars[end]) <= budget) {
      size += escapedLength(chars[end]);
      if (/\s/.test(chars[end])) lastBreak = end;
      end++;
    }
    if (end < chars.length && lastBreak > start + (end - start) / 2) end = lastBreak + 1;
    chunks.push(chars.slice(start, end).join(''));
    start = end;
  }
  return chunks;
}

/** Plain text cut (with an ellipsis) so that its escaped form fits `budget`. */
export function fitPlain(text: string, budget: number): string {
  const chunks = chunkPlain(text, budget - 1);
  return chunks.length <= 1 ? text : `${chunks[0].trimEnd()}…`;
}

/** Packs self-contained HTML lines into messages of at most `limit` characters. */
export function pack(lines: string[], limit = MAX_TEXT): string[] {
  const parts: string[] = [];
  let current = '';
  for (const line of lines) {
    if (line.length > limit) throw new Error('a card line is longer than a message');
    if (current === '') current = line;
    else if (current.length + 1 + line.length <= limit) current += `\n${line}`;
    else {
      parts.push(current);
      current = line;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}

const ICONS: Record<string, string> = { P1: '🔴', P2: '🟠', P3: '🟡', P4: '🔵' };

/** A long text field as lines: each piece wrapped the same way, each within a message. */
function longField(text: string, wrap: (html: string) => string, overhead: number): string[] {
  return chunkPlain(text, MAX_TEXT - overhead).map((piece) => wrap(escapeHtml(piece)));
}

/** The lines every card opens with: the TLP label first, before anything it covers (FIRST's TLP 2.0), then the exercise warning. */
function markings(m: { tlp?: Tlp; status: string }, what: 'alert' | 'incident'): string[] {
  const lines: string[] = [];
  if (m.tlp) lines.push(`<b>${escapeHtml(tlpLabel(m.tlp))}</b>`);
  if (m.status !== 'Actual') lines.push(`🧪 <b>${escapeHtml(m.status.toUpperCase())}</b> — not a real ${what}`);
  return lines;
}

export function renderCard(notice: AlertNotice, options: TelegramRenderOptions = {}): RenderedCard {
  const a = notice.alert;
  const time = (iso: string) => escapeHtml(formatTime(iso, options.timeZone));
  const lines = markings(a, 'alert');
  const escalation = notice.escalation ?? (a.state === 'open' ? a.escalationLevel : undefined);
  if (escalation) lines.push(`⏫ <b>ESCALATED</b> (level ${escalation}): nobody has acknowledged it yet`);
  lines.push(`${ICONS[a.priority] ?? '⚪'} <b>${escapeHtml(a.priority)}</b> · ${escapeHtml(fitPlain(`${a.tool} · ${a.severity}`, 200))}`);
  lines.push(...longField(a.headline, (h) => `<b>${h}</b>`, 7));
  const place = [a.areaDesc, a.zone ? `zone ${a.zone}` : undefined].filter(Boolean).join(' · ');
  if (place) lines.push(`📍 ${escapeHtml(fitPlain(place, 500))}`);
  const repeats = a.count > 1 ? ` · ${a.count}× (last ${time(a.lastSeen)})` : '';
  lines.push(`🕒 ${time(a.occurredAt)}${repeats}`);
  if (a.instruction) lines.push(...longField(a.instruction, (h) => `➡️ <b>${h}</b>`, 12));
  if (a.description) lines.push(...longField(a.description, (h) => h, 0));
  const state = stateLine(a, options.timeZone);
  if (state) lines.push(escapeHtml(state.icon) + ' ' + state.parts.map((p) => (p.strong ? `<b>${escapeHtml(p.text)}</b>` : escapeHtml(p.text))).join(''));
  const link = consoleLink(options.consoleUrl, a.id);
  if (link) lines.push(`🔗 <a href="${escapeAttr(link)}">Open in the console</a>`);
  return { parts: pack(lines), keyboard: keyboardFor(a) };
}

/**
 * An incident's card: its priority, title and place, one line per member the chat may see (most
 * urgent first), the state line and the console link; the buttons act on the incident.
 */
export function renderIncidentCard(notice: IncidentNotice, options: TelegramRenderOptions = {}): RenderedCard {
  const inc = notice.incident;
  const time = (iso: string) => escapeHtml(formatTime(iso, options.timeZone));
  const link = consoleLink(options.consoleUrl, inc.id, 'incidents');
  if (inc.emptied) {
    // No buttons: acting on it from here would act on no alert this chat may see.
    const lines = [`⚪ <b>INCIDENT</b> · ${escapeHtml(inc.title)}`, escapeHtml(inc.summary)];
    if (link) lines.push(`🔗 <a href="${escapeAttr(link)}">Open the incident in the console</a>`);
    return { parts: pack(lines), keyboard: [] };
  }
  const lines = markings(inc, 'incident');
  const shown = inc.members.length + inc.more;
  const tools = new Set(inc.members.map((m) => m.tool)).size;
  lines.push(`${ICONS[inc.priority] ?? '⚪'} <b>${escapeHtml(inc.priority)}</b> · <b>INCIDENT</b> · ${escapeHtml(memberCount(shown, tools))}${inc.more ? '+' : ''}`);
  lines.push(...longField(inc.title, (h) => `<b>${h}</b>`, 7));
  const place = [inc.areaDesc, inc.zone ? `zone ${inc.zone}` : undefined].filter(Boolean).join(' · ');
  if (place) lines.push(`📍 ${escapeHtml(fitPlain(place, 500))}`);
  lines.push(`🕒 ${time(inc.firstSeen)}${inc.lastSeen !== inc.firstSeen ? ` – ${time(inc.lastSeen)}` : ''}`);
  for (const m of inc.members) {
    const state = m.state === 'open' ? '' : ` (${m.state})`;
    lines.push(`${ICONS[m.priority] ?? '⚪'} ${escapeHtml(m.priority)} ${escapeHtml(m.tool)}: ${escapeHtml(fitPlain(m.headline, 300))}${escapeHtml(state)}`);
  }
  if (inc.more) lines.push(`… and ${inc.more} more in the console`);
  const state = stateLine(inc, options.timeZone);
  if (state) lines.push(escapeHtml(state.icon) + ' ' + state.parts.map((p) => (p.strong ? `<b>${escapeHtml(p.text)}</b>` : escapeHtml(p.text))).join(''));
  if (link) lines.push(`🔗 <a href="${escapeAttr(link)}">Open the incident in the console</a>`);
  return { parts: pack(lines), keyboard: keyboardFor(inc) };
}

export function keyboardFor(a: Pick<NoticeAlert, 'id' | 'state'>): InlineButton[][] {
  const row: InlineButton[] = [];
  if (a.state === 'open') row.push({ text: '✅ Acknowledge', callback_data: callbackData('acknowledge', a.id) });
  if (a.state === 'open' || a.state === 'acknowledged') row.push({ text: '✔️ Resolve', callback_data: callbackData('resolve', a.id) });
  return row.length ? [row] : [];
}

/** The caption under the photo or video: priority and headline, within 1024 characters. */
export function renderCaption(a: NoticeAlert): string {
  const head = `${ICONS[a.priority] ?? '⚪'} <b>${escapeHtml(a.priority)}</b> `;
  const exercise = a.status !== 'Actual' ? ` (${escapeHtml(a.status.toUpperCase())})` : '';
  return `${head}${escapeHtml(fitPlain(a.headline, MAX_CAPTION - head.length - exercise.length))}${exercise}`;
}

export { shortId };

const ACTION_CODES = { acknowledge: 'a', resolve: 'r' } as const;
export type ButtonAction = keyof typeof ACTION_CODES;

/** `a:<short id>` or `r:<short id>`: at most 24 bytes, never JSON. */
export function callbackData(action: ButtonAction, alertId: string): string {
  const data = `${ACTION_CODES[action]}:${shortId(alertId)}`;
  if (Buffer.byteLength(data) > MAX_CALLBACK_DATA) throw new Error('callback data too long');
  return data;
}

export function parseCallbackData(data: unknown): { action: ButtonAction; shortId: string } | undefined {
  if (typeof data !== 'string' || Buffer.byteLength(data) > MAX_CALLBACK_DATA) return undefined;
  const m = /^([ar]):([A-Za-z0-9_-]{1,40})$/.exec(data);
  if (!m) return undefined;
  return { action: m[1] === 'a' ? 'acknowledge' : 'resolve', shortId: m[2] };
}
