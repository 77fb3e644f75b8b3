/**
 * In-memory counts of unresolved alerts for the status tiles. Counting in the store on every
 * change would cost dozens of COUNT queries a second under load; instead the index is loaded
 * once and kept current from lifecycle events, grouped into buckets (tool × priority × status ×
 * zone × TLP × acknowledged × silenced) so that a role's tiles are a short loop over the buckets with
 * the same visibility rule as everything else.
 *
 * Keeping counts exact from events needs each alert's last known bucket, which costs memory per
 * unresolved alert. Above `maxTracked` of them (a flood no operator reads one by one) the index
 * forgets the alerts and recounts from the store instead, no more often than its own query time
 * allows, and goes back to tracking once the flood has been dealt with: memory stays bounded
 * whatever comes in, and the tiles then lag by at most a few seconds.
 */
import type { Priority } from '../model/types';
import type { AlertStore, OpenCount } from '../store/types';
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
  /** Work under way (an evacuation library being pre-simulated): the page draws a bar until done. */
  progress?: { done: number; total: number };
}

export interface Tile extends ToolInfo {
  /**
   * The tool's health, the one state of a tile, worked out here and only drawn by the console:
   * the health its page's status panels show (the role's, the worst of them), so that a tile
   * and its page never disagree. ok: its sources report ok; degraded: a source reports trouble
   * or went quiet; unknown: nothing has reported (no status panel, or no report yet). Open
   * alerts are counted beside it (`open`, `actualOpen`), never folded into it: a tool can be
   * degraded and have open alerts, and the tile shows both.
   */
  state: 'ok' | 'degraded' | 'unknown';
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

const PAGE = 1000;

export interface AlertIndexOptions {
  /** Unresolved alerts tracked one by one before the index switches to recounting. Default 50,000. */
  maxTracked?: number;
  /** Shortest gap between two recounts. Default 1 s. */
  recountMinMs?: number;
  /** A recount waits at least this many times as long as the previous one took. Default 10. */
  recountDutyFactor?: number;
  onError?: (err: Error) => void;
}

function zeroCounts(): Counts {
  return { P1: 0, P2: 0, P3: 0, P4: 0 };
}

export class AlertIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Bucket>();
  /** Newest lastSeen per visibility key, resolved alerts included: a tile's "last event". */
  private readonly latest = new Map<string, Visible & { at: number }>();
  private buffer: AlertSummary[] | undefined;
  private store: AlertStore | undefined;
  /** Whether the counts come from recounts in the store rather than from tracked alerts. */
  private recounting = false;
  private recountTimer: NodeJS.Timeout | undefined;
  private recountRunning = false;
  /** A change arrived while a recount was running: count again afterwards. */
  private recountAgain = false;
  private lastRecountMs = 0;
  private closed = false;
  private readonly maxTracked: number;
  private readonly recountMinMs: number;
  private readonly recountDutyFactor: number;
  private readonly onError: (err: Error) => void;

  constructor(options: AlertIndexOptions = {}) {
    this.maxTracked = options.maxTracked ?? 50_000;
    this.recountMinMs = options.recountMinMs ?? 1000;
    this.recountDutyFactor = options.recountDutyFactor ?? 10;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Unresolved alerts tracked one by one (0 while recounting). */
  get size(): number {
    return this.entries.size;
  }

  /** True while the tiles' counts come from periodic recounts in the store. */
  get delayed(): boolean {
    return this.recounting;
  }

  /** Applies the newest state of one alert; older versions than the one known are ignored. */
  apply(alert: AlertSummary): void {
    if (this.buffer) {
      this.buffer.push(alert);
      return;
    }
    if (this.recounting) {
      this.noteLatest(alert);
      this.scheduleRecount();
      return;
    }
    this.put(alert);
    if (this.entries.size > this.maxTracked) this.startRecounting();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.recountTimer);
  }

  private visibility(alert: Visible): { vis: Visible; visKey: string } {
    const vis: Visible = { tool: alert.tool, priority: alert.priority, status: alert.status, zone: alert.zone, tlp: alert.tlp };
    return { vis, visKey: `${vis.tool}\u0000${vis.priority}\u0000${vis.status}\u0000${vis.zone ?? ''}\u0000${vis.tlp ?? ''}` };
  }

  private noteLatest(alert: AlertSummary): string {
    const { vis, visKey } = this.visibility(alert);
    const at = Date.parse(alert.lastSeen);
    const seen = this.latest.get(visKey);
    if (!seen || seen.at < at) this.latest.set(visKey, { ...vis, at });
    return visKey;
  }

  private put(alert: AlertSummary): void {
    const visKey = this.noteLatest(alert);
    const known = this.entries.get(alert.id);
    if (known && known.version > alert.version) return;
    if (known) this.count(known.bucket, -1);
    if (alert.state === 'resolved') {
      this.entries.delete(alert.id);
      return;
    }
    const key = this.bucketFor(alert, visKey, alert.state === 'acknowledged', alert.silenced === true);
    this.count(key, 1);
    this.entries.set(alert.id, { bucket: key, version: alert.version });
  }

  private bucketFor(alert: Visible, visKey: string, acked: boolean, silenced: boolean): string {
    const key = `${visKey}\u0000${acked ? 1 : 0}${silenced ? 1 : 0}`;
    if (!this.buckets.has(key)) this.buckets.set(key, { ...this.visibility(alert).vis, acked, silenced, n: 0 });
    return key;
  }

  private count(key: string, delta: number): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    bucket.n += delta;
    if (bucket.n <= 0) this.buckets.delete(key);
  }

  private setCounts(counts: readonly OpenCount[]): void {
    this.buckets.clear();
    for (const c of counts) {
      const key = this.bucketFor(c, this.visibility(c).visKey, c.state === 'acknowledged', c.silenced);
      this.count(key, c.n);
    }
  }

  private startRecounting(): void {
    this.recounting = true;
    this.entries.clear();
    this.scheduleRecount();
  }

  private scheduleRecount(): void {
    if (this.recountRunning) this.recountAgain = true;
    if (this.recountTimer || this.recountRunning || this.closed || !this.store) return;
    const wait = Math.max(this.recountMinMs, this.lastRecountMs * this.recountDutyFactor);
    this.recountTimer = setTimeout(() => {
      this.recountTimer = undefined;
      void this.recount();
    }, wait);
    this.recountTimer.unref();
  }

  private async recount(): Promise<void> {
    const store = this.store;
    if (!store || this.closed) return;
    this.recountRunning = true;
    this.recountAgain = false;
    const started = Date.now();
    try {
      const counts = await store.openCounts();
      this.lastRecountMs = Date.now() - started;
      if (this.closed) return;
      const total = counts.reduce((sum, c) => sum + c.n, 0);
      if (total <= this.maxTracked / 2) {
        this.recountRunning = false;
        await this.load(store);
        return;
      }
      this.setCounts(counts);
    } catch (err) {
      this.onError(err as Error);
      // The store is down: the last counts stay, and the next change retries.
    } finally {
      this.recountRunning = false;
    }
    if (this.recountAgain && this.recounting) this.scheduleRecount();
  }

  /**
   * Loads the unresolved alerts, or only their counts when there are more than `maxTracked`.
   * Events that arrive meanwhile are held and applied afterwards by version, so nothing is lost
   * or counted twice. Offset paging can skip an alert when another is resolved between two
   * pages, so the load is repeated (at most three times) until its size matches the store's count.
   */
  async load(store: AlertStore): Promise<void> {
    this.store = store;
    this.buffer = [];
    try {
      const recent = await store.query({ sort: 'recent', limit: PAGE });
      for (const alert of recent.items) this.noteLatest(summarize(alert));
      const counts = await store.openCounts();
      if (counts.reduce((sum, c) => sum + c.n, 0) > this.maxTracked) {
        this.recounting = true;
        this.entries.clear();
        this.setCounts(counts);
        return;
      }
      this.recounting = false;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        this.entries.clear();
        this.buckets.clear();
        let total = 0;
        for (let offset = 0; offset < total || offset === 0; offset += PAGE) {
          const page = await store.query({ state: ['open', 'acknowledged'], sort: 'recent', limit: PAGE, offset });
          for (const alert of page.items) this.put(summarize(alert));
          total = page.total;
        }
        if (this.entries.size === (await store.query({ state: ['open', 'acknowledged'], limit: 1 })).total) break;
      }
    } finally {
      const held = this.buffer ?? [];
      this.buffer = undefined;
      for (const alert of held) this.apply(alert);
    }
  }

  /** One tile per tool the view sees: the named tools, or every known and seen tool for "*" (less those left out). */
  tiles(view: View, health: ReadonlyMap<string, ToolHealth>): Tile[] {
    const tools = view.tools.includes('*')
      ? [...new Set([...TOOLS.map((t) => t.id), ...[...this.buckets.values()].map((b) => b.tool), ...health.keys()])]
      : view.tools;
    const tiles = new Map<string, Tile>();
    for (const tool of tools) {
      if (!seesTool(view, tool)) continue;
      const t: Tile = { ...toolInfo(tool), state: 'unknown', counts: zeroCounts(), actualCounts: zeroCounts(), open: 0, actualOpen: 0 };
      const h = health.get(tool);
      if (h) {
        t.health = h;
        t.state = h.state;
      }
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
    }
    return [...tiles.values()];
  }
}
