import type { NoticeAlert } from './notice';

/**
 * What both chat formats say in words, so that Telegram and Rocket.Chat cards tell the same
 * story; each format only decides the markup.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a time zone the runtime does not know: config nodes check it at deploy. */
export function checkTimeZone(timeZone: string | undefined): void {
  if (timeZone) new Intl.DateTimeFormat('en-GB', { timeZone });
}

/** `2025-03-01 10:02 UTC` in the configured zone (UTC by default). */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** The alert's (or the incident's) page in the operator console, when the console's public URL is configured. */
export function consoleLink(consoleUrl: string | undefined, id: string, page: 'alerts' | 'incidents' = 'alerts'): string | undefined {
  if (!consoleUrl) return undefined;
  return `${consoleUrl.replace(/\/+$/, '')}/${page}/${encodeURIComponent(id)}`;
}

/** Only http(s) URLs: a chat client opens the link, so no other scheme may come from configuration. */
export function checkConsoleUrl(url: string | undefined): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`console URL ${url} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('the console URL must be http or https');
}

export interface StateLine {
  icon: string;
  parts: Array<{ text: string; strong?: boolean }>;
}

/** Who acknowledged or resolved the alert and when: the line an edit adds to a card. */
export function stateLine(a: Pick<NoticeAlert, 'state' | 'resolved' | 'ack' | 'assignee' | 'silenced'>, timeZone?: string): StateLine | undefined {
  if (a.state === 'resolved' && a.resolved) {
    return { icon: '✔️', parts: [{ text: 'Resolved by ' }, { text: a.resolved.by, strong: true }, { text: ` at ${formatTime(a.resolved.at, timeZone)}: ${a.resolved.reason}` }] };
  }
  if (a.state === 'acknowledged' && a.ack) {
    const assignee = a.assignee ? `, assigned to ${a.assignee}` : '';
    return { icon: '✅', parts: [{ text: 'Acknowledged by ' }, { text: a.ack.by, strong: true }, { text: ` at ${formatTime(a.ack.at, timeZone)}${assignee}` }] };
  }
  if (a.silenced) return { icon: '🔕', parts: [{ text: `Silenced: ${a.silenced.reason}` }] };
  if (a.assignee) return { icon: '👤', parts: [{ text: `Assigned to ${a.assignee}` }] };
  return undefined;
}

/** `6 alerts from 5 tools` on an incident card: the members it shows, counted. */
export function memberCount(members: number, tools: number): string {
  return `${members} ${members === 1 ? 'alert' : 'alerts'} from ${tools} ${tools === 1 ? 'tool' : 'tools'}`;
}
