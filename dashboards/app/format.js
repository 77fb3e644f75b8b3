// Labels, colours and times shared by every view.

export const PRIORITY_LABEL = { P1: 'P1 Critical', P2: 'P2 High', P3: 'P3 Medium', P4: 'P4 Low' };
export const PRIORITY_COLOUR = { P1: '#e5484d', P2: '#f76b15', P3: '#ffc53d', P4: '#5b9bd5' };
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
export const STATES = ['open', 'acknowledged', 'resolved'];
export const STATE_LABEL = { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' };
export const ACTION_LABEL = { acknowledge: 'Acknowledge', assign: 'Assign', comment: 'Comment', resolve: 'Resolve', reopen: 'Reopen' };

/** "just now", "4 min ago", "2 h ago", or the date for anything older than a day. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}

export function clock(iso) {
  return iso ? new Date(iso).toLocaleString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: 'short' }) : '—';
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
