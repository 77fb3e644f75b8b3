// Labels, colours and times shared by every view.

export const PRIORITY_LABEL = { P1: 'P1 Critical', P2: 'P2 High', P3: 'P3 Medium', P4: 'P4 Low' };
export const PRIORITY_COLOUR = { P1: '#e5484d', P2: '#f76b15', P3: '#ffc53d', P4: '#5b9bd5' };
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
export const STATES = ['open', 'acknowledged', 'resolved'];
export const STATE_LABEL = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };
export const ACTION_LABEL = { acknowledge: 'Acknowledge', assign: 'Assign', comment: 'Comment', resolve: 'Resolve', reopen: 'Reopen' };

/** The site's time zone (the `timeZone` setting, from the session): every time is shown in it. */
let zone;
const formats = new Map();

export function setTimeZone(tz) {
  zone = tz || undefined;
  formats.clear();
}

export function timeZone() {
  return zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A formatter in the site's zone, 24-hour (en-GB writes "05 Dec, 14:03:09 CET"). */
function format(key, options) {
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', ...options }));
  return formats.get(key);
}

/** "just now", "4 min ago", "2 h ago", or the date for anything older than a day. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return clock(iso);
}

/** Date and time in the site's zone, 24-hour, with the zone: "05 Dec, 14:03:09 CET". */
export function clock(iso) {
  if (!iso) return '—';
  return format('clock', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }).format(new Date(iso));
}

/** A chart's time axis: the time, and the date too when the axis spans more than one day. */
export function axisTime(ms, withDate) {
  return withDate
    ? format('axis-date', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(ms))
    : format('axis', { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms));
}

/** The zone's short name now ("CET"), for axis titles and table headings. */
export function zoneName() {
  const part = format('zone', { timeZoneName: 'short' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
  return part ? part.value : timeZone();
}

export function toolName(tools, id) {
  return (tools.find((t) => t.id === id) || { name: id }).name;
}

/** The fields the queue's text filter searches: the same as the server's `q`. */
export function matchesText(alert, text) {
  if (!text) return true;
  const t = text.toLowerCase();
  return [alert.headline, alert.description, alert.event, alert.areaDesc].some((f) => f && f.toLowerCase().includes(t));
}
