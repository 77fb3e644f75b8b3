/**
 * In-memory counts of unresolved alerts for the status tiles. Counting in the store on every
 * change would cost dozens of COUNT queries a second under load; instead the index is loaded
 * once and kept current from lifecycle events, grouped into buckets (tool × priority × status ×
 * zone × acknowledged × silenced) so that a role's tiles are a short loop over the buckets with
 * the same visibility rule as everything else.
 */
import type { Priority } from '../model/types';
import type { AlertStore } from '../store/types';
import type { AlertSummary } from './summary';
import { summarize } from './summary';
import type { ToolInfo } from './tools';
import { TOOLS, toolInfo } from './tools';
import type { View, Visible } from './views';
import { canSee, seesTool } from './views';

export type Counts = Record<Priority, number>;

export interface ToolHealth {
  state: 'ok' | 'degraded';
  text?: string;
  at: string;
}

export interface Tile extends ToolInfo {
  /** alerting: an unacknowledged, unsilenced alert is open; degraded: its source is silent or failing. */
  state: 'ok' | 'degraded' | 'alerting';
  /** Unresolved alerts by priority, all statuses and Actual only (the console's Exercise toggle). */
  counts: Counts;
  actualCounts: Counts;
  /** Unacknowledged, unsilenced: the ones that need someone now. */
  open: number;
  actualOpen: number;
  lastEventAt?: string;
  health?: ToolHealth;
}

interface Bucket extends Visible {
  acked: boolean;
  silenced: boolean;
  n: number;
}

interface Entry {
  bucket: string;
  version: number;
}

const MAX_LOAD = 500_000;
const PAGE = 1000;

function zeroCounts(): Counts {
  return { P1: 0, P2: 0, P3: 0, P4: 0 };
}

export class AlertIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Bucket>();
  /** Newest lastSeen per visibility key, resolved alerts included: a tile's "last event". */
  private readonly latest = new Map<string, Visible & { at: number }>();
  private buffer: AlertSummary[] | undefined;
  /** More unresolved alerts than MAX_LOAD: counts are a lower bound. */
  truncated = false;

  get size(): number {
    return this.entries.size;
  }

  /** Applies the newest state of one alert; older versions than the one known are ignored. */
  apply(alert: AlertSummary): void {
    if (this.buffer) {
      this.buffer.push(alert);
      return;
    }
    this.put(alert);
  }

  private put(alert: AlertSummary): void {
    const vis: Visible = { tool: alert.tool, priority: alert.priority, status: alert.status, zone: alert.zone };
    const visKey = `${vis.tool}\u0000${vis.priority}\u0000${vis.status}\u0000${vis.zone ?? ''}`;
    const at = Date.parse(alert.lastSeen);
    const seen = this.latest.get(visKey);
    if (!seen || seen.at < at) this.latest.set(visKey, { ...vis, at });

    const known = this.entries.get(alert.id);
    if (known && known.version > alert.version) return;
    if (known) this.count(known.bucket, -1);
    if (alert.state === 'resolved') {
      this.entries.delete(alert.id);
      return;
    }
    const acked = alert.state === 'acknowledged';
    const silenced = alert.silenced === true;
    const key = `${visKey}\u0000${acked ? 1 : 0}${silenced ? 1 : 0}`;
    if (!this.buckets.has(key)) this.buckets.set(key, { ...vis, acked, silenced, n: 0 });
    this.count(key, 1);
    this.entries.set(alert.id, { bucket: key, version: alert.version });
  }

  private count(key: string, delta: number): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    bucket.n += delta;
    if (bucket.n <= 0) this.buckets.delete(key);
  }

  /**
   * Loads the unresolved alerts. Events that arrive meanwhile are held and applied afterwards by
   * version, so nothing is lost or counted twice. Offset paging can skip an alert when another
   * is resolved between two pages, so the load is repeated (at most three times) until its size
   * matches the store's count.
   */
  async load(store: AlertStore): Promise<void> {
    this.buffer = [];
    try {
      const recent = await store.query({ sort: 'recent', limit: PAGE });
      for (const alert of recent.items) this.put(summarize(alert));
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        this.entries.clear();
        this.buckets.clear();
        let total = 0;
        for (let offset = 0; offset < MAX_LOAD; offset += PAGE) {
          const page = await store.query({ state: ['open', 'acknowledged'], sort: 'recent', limit: PAGE, offset });
          for (const alert of page.items) this.put(summarize(alert));
          total = page.total;
          if (offset + PAGE >= page.total) break;
        }
        this.truncated = total > MAX_LOAD;
        if (this.truncated || this.entries.size === (await store.query({ state: ['open', 'acknowledged'], limit: 1 })).total) break;
      }
    } finally {
      const held = this.buffer ?? [];
      this.buffer = undefined;
      for (const alert of held) this.put(alert);
    }
  }

  /** One tile per tool the view sees: the named tools, or every known and seen tool for "*". */
  tiles(view: View, health: ReadonlyMap<string, ToolHealth>): Tile[] {
    const tools = view.tools.includes('*')
      ? [...new Set([...TOOLS.map((t) => t.id), ...[...this.buckets.values()].map((b) => b.tool), ...health.keys()])]
      : view.tools;
    const tiles = new Map<string, Tile>();
    for (const tool of tools) {
      if (!seesTool(view, tool)) continue;
      const t: Tile = { ...toolInfo(tool), state: 'ok', counts: zeroCounts(), actualCounts: zeroCounts(), open: 0, actualOpen: 0 };
      const h = health.get(tool);
      if (h) t.health = h;
      tiles.set(tool, t);
    }
    for (const b of this.buckets.values()) {
      const t = tiles.get(b.tool);
      if (!t || !canSee(view, b)) continue;
      t.counts[b.priority] += b.n;
      if (b.status === 'Actual') t.actualCounts[b.priority] += b.n;
      if (!b.acked && !b.silenced) {
        t.open += b.n;
        if (b.status === 'Actual') t.actualOpen += b.n;
      }
    }
    for (const l of this.latest.values()) {
      const t = tiles.get(l.tool);
      if (!t || !canSee(view, l)) continue;
      if (!t.lastEventAt || Date.parse(t.lastEventAt) < l.at) t.lastEventAt = new Date(l.at).toISOString();
    }
    for (const t of tiles.values()) {
      if (t.health && (!t.lastEventAt || Date.parse(t.lastEventAt) < Date.parse(t.health.at))) t.lastEventAt = t.health.at;
      t.state = t.open > 0 ? 'alerting' : t.health?.state === 'degraded' ? 'degraded' : 'ok';
    }
    return [...tiles.values()];
  }
}
