// The alerts this browser knows: loaded over HTTP, kept current by live events. A newer version
// always wins, so an HTTP reload and a live event can arrive in either order.
import { matchesText } from './format.js';

const RANK = { P1: 1, P2: 2, P3: 3, P4: 4 };
const STATE_RANK = { open: 1, acknowledged: 2, resolved: 3 };
const newest = (a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen);
const byPriority = (a, b) => RANK[a.priority] - RANK[b.priority] || newest(a, b);
/** The queue's orders: each falls back to priority, then the most recent. */
export const SORTS = {
  priority: { label: 'Priority', compare: byPriority },
  time: { label: 'Newest first', compare: (a, b) => newest(a, b) || RANK[a.priority] - RANK[b.priority] },
  oldest: { label: 'Oldest first', compare: (a, b) => -newest(a, b) || RANK[a.priority] - RANK[b.priority] },
  tool: { label: 'Tool', compare: (a, b, names) => (names.get(a.tool) || a.tool).localeCompare(names.get(b.tool) || b.tool) || byPriority(a, b) },
  status: { label: 'State', compare: (a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byPriority(a, b) },
};
/** Kept at most; resolved alerts go first when it is full. */
const MAX_KNOWN = 5000;

export class AlertList extends EventTarget {
  constructor() {
    super();
    this.byId = new Map();
    /** Tool id → the name the queue shows, which the tool order follows. */
    this.toolNames = new Map();
  }

  /** Returns true when the alert is new or newer than the one known. */
  put(alert) {
    const known = this.byId.get(alert.id);
    if (known && known.version > alert.version) return false;
    this.byId.set(alert.id, alert);
    if (this.byId.size > MAX_KNOWN) this.trim();
    return true;
  }

  putAll(alerts) {
    for (const a of alerts) this.put(a);
    this.changed();
  }

  /** A lifecycle event from the live stream. */
  apply(event) {
    const isNew = !this.byId.has(event.alert.id);
    if (!this.put(event.alert)) return;
    this.changed();
    this.dispatchEvent(new CustomEvent('event', { detail: { ...event, isNew } }));
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  clear() {
    this.byId.clear();
  }

  trim() {
    const victims = [...this.byId.values()].sort((a, b) => (a.state === 'resolved') - (b.state === 'resolved') || Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
    for (const a of victims.slice(MAX_KNOWN * 0.9)) this.byId.delete(a.id);
  }

  /** In the queue's order (`filters.sort`, by default priority first, then the most recent). */
  select(filters, limit = 200) {
    const out = [];
    for (const a of this.byId.values()) {
      if (filters.state.length && !filters.state.includes(a.state)) continue;
      if (filters.priority.length && !filters.priority.includes(a.priority)) continue;
      if (filters.tool && a.tool !== filters.tool) continue;
      if (filters.zone && a.zone !== filters.zone) continue;
      if (!filters.exercise && a.status !== 'Actual') continue;
      if (!matchesText(a, filters.text)) continue;
      out.push(a);
    }
    const { compare } = SORTS[filters.sort] || SORTS.priority;
    out.sort((a, b) => compare(a, b, this.toolNames));
    return { items: out.slice(0, limit), total: out.length };
  }

  zones() {
    return [...new Set([...this.byId.values()].map((a) => a.zone).filter(Boolean))].sort();
  }
}
