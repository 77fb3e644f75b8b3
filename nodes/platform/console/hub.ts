/**
 * The live hub: lifecycle events and dashboard-panel data to every connected console.
 *
 * - Each event is summarised and serialised once, numbered (a global sequence) and kept in a
 *   ring, so a client that reconnects with `since` gets what it missed.
 * - Events are batched: every `flushMs` one frame per role, built from the same strings, goes to
 *   each client of that role. Fan-out cost is one send per client per flush, not per event.
 * - A storm's repeats fold: an alert's repeats within one flush go out as one `updated` event
 *   with its newest state (count, lastSeen), unless another event of the alert came between.
 * - A role sees an event only when its view may see the alert (views.canSee), and a panel only
 *   when it may see the panel: the same rules as the HTTP API. A personal panel's update is for
 *   one user: it goes in a frame of its own to that user's clients, never in a shared one.
 * - An incident's own changes (a playbook tick, a comment, a move, an action on it) go out as the
 *   incident as each role sees it (incident-view.ts: a member it may see, and only those), the
 *   latest version per flush, in the batch's `incidents`. They are not numbered nor replayed: a
 *   console that reconnects reads the incidents again over HTTP.
 * - A slow client never slows the runtime: nothing is written to a socket whose buffer is above
 *   the high-water mark; frames wait in a bounded per-client queue; when that overflows, the
 *   queue is dropped and the client is told to resync (reload over HTTP). A client that stays
 *   stalled is disconnected.
 */
import { randomUUID } from 'node:crypto';
import type { Incident } from '../incidents/types';
import type { LifecycleEvent } from '../model/types';
import { incidentFor } from './incident-view';
import type { AlertIndex, ToolHealth } from './alert-index';
import type { PanelRegistry, PanelUpdate } from './panels';
import type { Session } from './sessions';
import type { Role } from './settings';
import type { AlertSummary } from './summary';
import { summarize } from './summary';
import type { View, Visible } from './views';
import { canSee, seesTool } from './views';

/** The part of a `ws` WebSocket the hub uses; tests pass fakes. */
export interface LiveSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  /** Frames are UTF-8 JSON already encoded: one Buffer shared by every client of a role. */
  send(data: Buffer, options: { binary: false }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

export interface HubOptions {
  ringSize: number;
  flushMs: number;
  summaryMs: number;
  /** Frames and bytes a client may have waiting before it is told to resync. */
  maxQueueFrames: number;
  maxQueueBytes: number;
  /** Nothing more is written while the socket holds this much unsent. */
  highWaterBytes: number;
  /** A client whose socket stays above the high-water mark this long is disconnected. */
  stallMs: number;
  pingMs: number;
  clock?: () => number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  ringSize: 20_000,
  flushMs: 50,
  // Tiles are counted from the in-memory index, so twice a second is cheap and keeps them in step with the queue.
  summaryMs: 500,
  maxQueueFrames: 200,
  maxQueueBytes: 8 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  stallMs: 30_000,
  pingMs: 20_000,
};

const OPEN = 1;
const REPLAY_CHUNK = 500;
/** Sent as text frames: the bytes are UTF-8 JSON. */
const TEXT = { binary: false } as const;

function encode(message: object): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** An event as clients get it, serialised on first use: with nobody connected, never. */
class RingItem {
  private text: string | undefined;

  constructor(readonly seq: number, public vis: Visible, private message: Record<string, unknown> | undefined) {}

  /** Takes a newer state of the same alert, while nothing has been sent of this item yet. */
  fold(vis: Visible, message: Record<string, unknown>): void {
    this.vis = vis;
    this.message = message;
    this.text = undefined;
  }

  get json(): string {
    if (this.text === undefined) {
      this.text = JSON.stringify(this.message);
      this.message = undefined;
    }
    return this.text;
  }
}

export class LiveClient {
  queue: Buffer[] = [];
  queuedBytes = 0;
  resync = false;
  stalledSince: number | undefined;
  /** A client asked whether it is caught up; answered after the next flush, behind everything before it. */
  syncId: string | undefined;
  /** Counters for tests and the benchmark. */
  readonly stats = { frames: 0, resyncs: 0 };

  constructor(readonly socket: LiveSocket, readonly session: Session, readonly view: View) {}

  get role(): Role {
    return this.view.role;
  }
}

export interface HubDeps {
  index: AlertIndex;
  panels: PanelRegistry;
  /** The view a session's user works in (their role's, with their TLP clearance). */
  viewFor: (user: Session['user']) => View;
  /** Whether a connected session is still valid; called periodically, it also keeps an open console's session alive. */
  alive: (session: Session) => boolean;
}

export class LiveHub {
  readonly epoch = randomUUID();
  private seq = 0;
  /** Everything up to here has been handed to the clients' queues (pings carry it). */
  private flushedSeq = 0;
  private readonly ring: Array<RingItem | undefined>;
  private pending: RingItem[] = [];
  /** Per alert, its pending `updated` item that the alert's next repeat may fold into (see publish), and its version. */
  private readonly foldable = new Map<string, { item: RingItem; version: number }>();
  /** Incidents changed since the last flush, the latest version of each. */
  private pendingIncidents = new Map<string, Incident>();
  private readonly clients = new Set<LiveClient>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastSummary = 0;
  private summaryDirty = true;
  private readonly ticker: NodeJS.Timeout;
  private lastPing = 0;
  private readonly options: HubOptions;
  private readonly clock: () => number;
  private closed = false;

  constructor(private readonly deps: HubDeps, options: Partial<HubOptions> = {}) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options };
    this.clock = this.options.clock ?? Date.now;
    this.ring = new Array(this.options.ringSize);
    // Summaries, pings, stalled-client checks; unref'd so that it never keeps a process alive.
    this.ticker = setInterval(() => this.tick(), Math.min(250, this.options.summaryMs));
    this.ticker.unref();
  }

  get sequence(): number {
    return this.seq;
  }

  get connected(): number {
    return this.clients.size;
  }

  /** Called for every lifecycle event on the bus; must stay cheap, it runs inside publish. */
  publish(event: LifecycleEvent): void {
    if (this.closed) return;
    const alert = summarize(event.alert);
    this.deps.index.apply(alert);
    this.summaryDirty = true;
    // A storm's repeats (an `updated` without an actor) of an alert whose last pending event is
    // such a repeat fold into it: each flush sends the alert's newest state once, not a
    // thousand times a second to every console. Only while it may be seen by the same roles, and
    // never past another event of the alert, so the order of what clients get is kept. A repeat
    // older than the one waiting (another runtime's, late on the bus) is one a console ignores.
    const repeat = event.type === 'updated' && event.actor === undefined;
    const waiting = repeat ? this.foldable.get(alert.id) : undefined;
    if (waiting && sameVisibility(waiting.item.vis, alert)) {
      if (alert.version >= waiting.version) {
        waiting.item.fold(alert, eventMessage(waiting.item.seq, event, alert));
        waiting.version = alert.version;
      }
      return;
    }
    const seq = ++this.seq;
    const item = new RingItem(seq, alert, eventMessage(seq, event, alert));
    this.ring[seq % this.options.ringSize] = item;
    this.pending.push(item);
    if (repeat) this.foldable.set(alert.id, { item, version: alert.version });
    else this.foldable.delete(alert.id);
    this.schedule();
  }

  /** An incident changed in this runtime; each role gets it with the next flush, as it may see it. */
  publishIncident(incident: Incident): void {
    if (this.closed) return;
    this.pendingIncidents.set(incident.id, incident);
    this.schedule();
  }

  /** A panel has news (or a status tile changed); it goes with the next flush. */
  panelChanged(isStatus: boolean): void {
    if (isStatus) this.summaryDirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.options.flushMs);
  }

  /**
   * Registers a connected socket. `since` (epoch and last sequence seen) asks for a replay;
   * when the ring no longer holds everything after it, or the runtime restarted in between
   * (another epoch), the client is told to resync instead.
   */
  connect(socket: LiveSocket, session: Session, since?: { epoch?: string; seq?: number }): LiveClient {
    const view = this.deps.viewFor(session.user);
    const client = new LiveClient(socket, session, view);
    this.clients.add(client);
    // Events after flushedSeq are still pending: the next flush brings them, so hello and the
    // replay stop there and nothing arrives twice.
    this.send(client, encode({ type: 'hello', epoch: this.epoch, seq: this.flushedSeq, role: view.role }));
    if (since?.seq !== undefined) {
      const oldest = Math.max(1, this.seq - this.options.ringSize + 1);
      if (since.epoch !== this.epoch || since.seq > this.flushedSeq || since.seq < oldest - 1) client.resync = true;
      else this.replay(client, since.seq);
    }
    this.deliver(client, Buffer.from(this.summaryFrame(view)));
    this.pump(client);
    return client;
  }

  /**
   * The client's `{type: 'sync', id}`: answered with `{type: 'sync', id, seq}` once everything
   * published before it has been queued to the client. Only the latest request is kept.
   */
  requestSync(client: LiveClient, id: string): void {
    client.syncId = id;
    this.schedule();
  }

  disconnect(client: LiveClient): void {
    this.clients.delete(client);
  }

  /** Ends every connection of a session (logout, expiry). */
  endSession(session: Session): void {
    for (const client of this.clients) {
      if (client.session.id === session.id) {
        client.socket.close(4401, 'session ended');
        this.clients.delete(client);
      }
    }
  }

  private replay(client: LiveClient, since: number): void {
    let batch: string[] = [];
    const out = () => {
      if (batch.length) this.deliver(client, Buffer.from(`{"type":"batch","seq":${this.flushedSeq},"replay":true,"events":[${batch.join(',')}],"panels":[]}`));
      batch = [];
    };
    for (let seq = since + 1; seq <= this.flushedSeq; seq += 1) {
      const item = this.ring[seq % this.options.ringSize];
      if (item && item.seq === seq && canSee(client.view, item.vis)) batch.push(item.json);
      if (batch.length >= REPLAY_CHUNK) out();
    }
    out();
  }

  /** Sends what accumulated since the last flush: one frame per role, shared by its clients. */
  flush(): void {
    const items = this.pending;
    this.pending = [];
    this.foldable.clear();
    const incidents = [...this.pendingIncidents.values()];
    this.pendingIncidents = new Map();
    this.flushedSeq = this.seq;
    const panelUpdates = this.deps.panels.takeUpdates();
    if (!this.clients.size) return;
    // Built and encoded once per role: each client of the role gets the same bytes.
    // Keyed by the view object: users of one role with another TLP clearance get their own frame.
    const frames = new Map<View, Buffer | null>();
    const personal = new Map<string, PanelUpdate[]>();
    for (const u of panelUpdates) if (u.user !== undefined) personal.set(u.user, [...(personal.get(u.user) ?? []), u]);
    for (const client of this.clients) {
      let frame = frames.get(client.view);
      if (frame === undefined) {
        frame = this.frameFor(client.view, items, panelUpdates, incidents);
        frames.set(client.view, frame);
      }
      if (frame) this.deliver(client, frame);
      const own = personal.get(client.session.user.username);
      if (own) this.deliverOwn(client, own);
      if (client.syncId !== undefined) {
        this.deliver(client, encode({ type: 'sync', id: client.syncId, seq: this.seq }));
        client.syncId = undefined;
      }
      this.pump(client);
    }
  }

  private frameFor(view: View, items: RingItem[], panelUpdates: PanelUpdate[], changed: Incident[]): Buffer | null {
    const events: string[] = [];
    for (const item of items) if (canSee(view, item.vis)) events.push(item.json);
    const panels: string[] = [];
    for (const u of panelUpdates) if (u.user === undefined && this.deps.panels.visible(u.panel, view)) panels.push(u.json);
    const incidents: string[] = [];
    for (const incident of changed) {
      const seen = incidentFor(view, incident);
      if (seen) incidents.push(JSON.stringify(seen));
    }
    if (!events.length && !panels.length && !incidents.length) return null;
    const extra = incidents.length ? `,"incidents":[${incidents.join(',')}]` : '';
    return Buffer.from(`{"type":"batch","seq":${this.seq},"events":[${events.join(',')}],"panels":[${panels.join(',')}]${extra}}`);
  }

  /** A user's own panel updates, to a client of that user whose role the panel names (a user name alone is not enough). */
  private deliverOwn(client: LiveClient, updates: PanelUpdate[]): void {
    const username = client.session.user.username;
    const panels = updates.filter((u) => this.deps.panels.ownState(u.panel, client.view, username)).map((u) => u.json);
    if (panels.length) this.deliver(client, Buffer.from(`{"type":"batch","seq":${this.seq},"events":[],"panels":[${panels.join(',')}]}`));
  }

  /** Tool health from the status panels this role may see, for its tiles. */
  healthFor(view: View): Map<string, ToolHealth> {
    const health = new Map<string, ToolHealth>();
    for (const panel of this.deps.panels.all()) {
      const tile = panel.state.tile;
      const h = tile?.health();
      // A personal panel is someone's own: it never colours a tool's tile.
      if (!tile || !h || panel.personal) continue;
      const tool = tile.tool;
      if (!seesTool(view, tool) || !(view.role === 'admin' || panel.def.roles.includes(view.role))) continue;
      const seen = health.get(tool);
      // Several sources for one tool: the worst one decides, then the most recent.
      if (!seen || (h.state === 'degraded' && seen.state === 'ok') || (h.state === seen.state && h.at > seen.at)) health.set(tool, h);
    }
    return health;
  }

  summaryFrame(view: View): string {
    return JSON.stringify({ type: 'summary', tiles: this.deps.index.tiles(view, this.healthFor(view)), countsDelayed: this.deps.index.delayed || undefined });
  }

  private deliver(client: LiveClient, frame: Buffer): void {
    // Overflowed: the resync message will stand for everything until it is sent.
    if (client.resync) return;
    client.queue.push(frame);
    client.queuedBytes += frame.length;
    if (client.queue.length > this.options.maxQueueFrames || client.queuedBytes > this.options.maxQueueBytes) {
      client.queue = [];
      client.queuedBytes = 0;
      client.resync = true;
    }
  }

  /** Writes queued frames while the socket has room; never blocks, never buffers without bound. */
  private pump(client: LiveClient): void {
    const socket = client.socket;
    if (socket.readyState !== OPEN) return;
    while (socket.bufferedAmount < this.options.highWaterBytes && (client.queue.length || client.resync)) {
      if (client.queue.length) {
        const frame = client.queue.shift()!;
        client.queuedBytes -= frame.length;
        this.send(client, frame);
      } else {
        client.resync = false;
        client.stats.resyncs += 1;
        this.send(client, encode({ type: 'resync', epoch: this.epoch, seq: this.flushedSeq }));
      }
    }
    if (client.queue.length || client.resync) client.stalledSince ??= this.clock();
    else client.stalledSince = undefined;
  }

  private send(client: LiveClient, frame: Buffer): void {
    try {
      client.socket.send(frame, TEXT);
      client.stats.frames += 1;
    } catch {
      // A socket closing under us; its close handler removes the client.
    }
  }

  private tick(): void {
    const now = this.clock();
    for (const client of this.clients) {
      if (!this.deps.alive(client.session)) {
        client.socket.close(4401, 'session ended');
        this.clients.delete(client);
        continue;
      }
      if (client.stalledSince !== undefined && now - client.stalledSince > this.options.stallMs) {
        client.socket.terminate();
        this.clients.delete(client);
        continue;
      }
      this.pump(client);
    }
    if (this.summaryDirty && now - this.lastSummary >= this.options.summaryMs) {
      this.summaryDirty = false;
      this.lastSummary = now;
      const frames = new Map<View, Buffer>();
      for (const client of this.clients) {
        let frame = frames.get(client.view);
        if (!frame) frames.set(client.view, (frame = Buffer.from(this.summaryFrame(client.view))));
        this.deliver(client, frame);
        this.pump(client);
      }
    }
    if (now - this.lastPing >= this.options.pingMs) {
      this.lastPing = now;
      const ping = encode({ type: 'ping', epoch: this.epoch, seq: this.flushedSeq });
      for (const client of this.clients) if (!client.queue.length && !client.resync) this.send(client, ping);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const client of this.clients) client.socket.close(1001, 'console shutting down');
    this.clients.clear();
  }
}

function eventMessage(seq: number, event: LifecycleEvent, alert: AlertSummary): Record<string, unknown> {
  const message: Record<string, unknown> = { seq, type: event.type, at: event.at, alert };
  if (event.actor !== undefined) message.actor = event.actor;
  if (event.details !== undefined) message.details = event.details;
  return message;
}

function sameVisibility(a: Visible, b: Visible): boolean {
  return a.tool === b.tool && a.priority === b.priority && a.status === b.status && a.zone === b.zone && a.tlp === b.tlp;
}
