import { EventEmitter, setMaxListeners } from 'node:events';
import type { DeliveryRef, OutboxEnqueue, OutboxEntry, OutboxStore } from '../../platform';
import type { BackoffPolicy } from './backoff';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { DeliveryError, StoppedError } from './errors';
import type { RateLimit, Token } from './token-bucket';
import { TokenBucket } from './token-bucket';

/** What a transport gets for one delivery attempt. */
export interface DeliveryContext {
  /** What earlier attempts (before a failure or a restart) already put in the chat. */
  readonly ref: DeliveryRef | undefined;
  /**
   * Sends one request to the chat service: waits until the global and the chat's rate limits
   * allow it, runs `send`, and counts the request against the limits from its answer on. Every
   * request of a transport goes through here.
   */
  request<T>(send: () => Promise<T>): Promise<T>;
  /** Records progress durably, so that a retry or a restart continues where this attempt stopped. */
  saveRef(update: { messageId?: string; data: Record<string, unknown> }): Promise<DeliveryRef>;
  /** Aborted when the engine stops and the grace period is over. */
  readonly signal: AbortSignal;
}

/** A chat service (Telegram, Rocket.Chat) as the engine drives it. */
export interface Transport {
  /** The limits of one chat, besides the channel's global limit. */
  chatLimits(chat: string): RateLimit[];
  /** Brings the chat up to date with the entry; throws DeliveryError to say how a failure is handled. */
  deliver(entry: OutboxEntry, ctx: DeliveryContext): Promise<void>;
}

export interface EngineLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EngineOptions {
  /** The account: one engine, one set of rate limits, per channel. */
  channel: string;
  outbox: OutboxStore;
  transport: Transport;
  globalLimit: RateLimit;
  /** Added to every rate window, for clock granularity. Default 2 ms. */
  marginMs?: number;
  backoff?: BackoffPolicy;
  clock?: Clock;
  random?: () => number;
  /** Chats delivering at the same time. Default 64. */
  maxInFlight?: number;
  log?: EngineLog;
}

export type Outcome =
  | { type: 'delivered'; entry: OutboxEntry }
  | { type: 'retry'; entry: OutboxEntry; error: Error; delayMs: number }
  | { type: 'rate-limited'; entry: OutboxEntry; error: Error; retryAfterMs: number }
  | { type: 'failed'; entry: OutboxEntry; error: Error }
  | { type: 'account'; entry: OutboxEntry; error: Error; delayMs: number };

export interface EngineStats {
  pending: number;
  inFlight: number;
  delivered: number;
  retries: number;
  rateLimited: number;
  failed: number;
}

interface Waiter {
  chat: ChatQueue;
  urgent: boolean;
  seq: number;
  resolve(grant: Grant): void;
  reject(err: Error): void;
}

/** The tokens one request spent, settled when its answer comes. */
interface Grant {
  tokens: Array<[TokenBucket, Token]>;
}

/** One chat: a FIFO of entries, with a fast lane for P1. */
class ChatQueue {
  readonly urgent: OutboxEntry[] = [];
  readonly normal: OutboxEntry[] = [];
  /** The entry being delivered, if any: one delivery per chat at a time. */
  sending: string | undefined;

  get busy(): boolean {
    return this.sending !== undefined;
  }

  /** Until when the service told us to leave this chat alone (429 retry_after). */
  blockedUntil = 0;

  constructor(readonly id: string, readonly buckets: TokenBucket[]) {}

  /**
   * The first entry in lane order that no group wait holds back, and when the earliest held
   * one comes due. A held entry is stepped over, not waited on: an incident card gathering
   * members must not hold up the chat's other cards.
   */
  next(now: number, holdOf: (entry: OutboxEntry) => number): { entry?: OutboxEntry; wake: number } {
    let wake = Infinity;
    for (const lane of [this.urgent, this.normal]) {
      for (const entry of lane) {
        const hold = holdOf(entry);
        if (hold <= now) return { entry, wake };
        wake = Math.min(wake, hold);
      }
    }
    return { wake };
  }

  get size(): number {
    return this.urgent.length + this.normal.length;
  }

  insert(entry: OutboxEntry): void {
    const lane = entry.priority === 1 ? this.urgent : this.normal;
    let i = lane.length;
    while (i > 0 && lane[i - 1].seq > entry.seq) i--;
    lane.splice(i, 0, entry);
  }

  remove(entry: OutboxEntry): void {
    for (const lane of [this.urgent, this.normal]) {
      const i = lane.indexOf(entry);
      if (i >= 0) lane.splice(i, 1);
    }
  }
}

/**
 * Windows count from the answer, which the server's arrival stamp never follows: the margin
 * only covers millisecond rounding of the two clocks' readings.
 */
const DEFAULT_MARGIN_MS = 2;
/** Marks a recorded wait that the service asked for, so that a restart keeps it. */
const RATE_LIMITED = 'rate-limited: ';
const DEFAULT_MAX_IN_FLIGHT = 64;

/** What of the rate limits a stop hands to the next start, in the outbox's cursors. */
interface RateWindows {
  global: number[];
  chats: Record<string, { blockedUntil: number; buckets: number[][] }>;
}

/**
 * The delivery engine both notifiers share. It keeps the outbox's pending entries in one FIFO
 * per chat (P1 in a lane of its own that goes first), delivers one entry per chat at a time so
 * that the order in a chat is the order of the alerts, and gives every request a permit from a
 * global token bucket and the chat's buckets. A 429 blocks the chat for exactly `retry_after`;
 * 5xx and network failures retry the entry with exponential back-off; 400/403 set it aside as
 * failed. Every state change is written to the outbox first, so a restart resumes exactly here.
 *
 * Emits `outcome` (Outcome) for every delivery, retry and failure.
 */
export class DeliveryEngine extends EventEmitter {
  readonly channel: string;
  private readonly outbox: OutboxStore;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly marginMs: number;
  private readonly maxInFlight: number;
  private readonly log: EngineLog;
  private readonly global: TokenBucket;
  private readonly chats = new Map<string, ChatQueue>();
  private readonly byId = new Map<string, OutboxEntry>();
  /**
   * Until when an entry is held back by its notifier's group wait or interval (incident cards).
   * In memory only: after a restart what is pending goes out at once, as back-off waits do.
   */
  private readonly holds = new Map<string, number>();
  private readonly holdOf = (entry: OutboxEntry): number => this.holds.get(entry.id) ?? 0;
  private waiters: Waiter[] = [];
  private readonly jobs = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: unknown;
  private timerAt = Infinity;
  private pumpQueued = false;
  /** Whether the last run's windows were taken in: until then a stop must not overwrite them. */
  private windowsLoaded = false;
  private phase: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private started?: Promise<void>;
  /** Until when the whole channel waits (the account was refused). */
  private pausedUntil = 0;
  private accountFailures = 0;
  private readonly counters = { delivered: 0, retries: 0, rateLimited: 0, failed: 0 };

  constructor(options: EngineOptions) {
    super();
    this.channel = options.channel;
    this.outbox = options.outbox;
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.log = options.log ?? { info: () => undefined, warn: () => undefined, error: () => undefined };
    this.global = new TokenBucket(options.globalLimit, this.marginMs);
    // Every request in flight listens on the one stop signal: tens at once are normal, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  /** Loads what the outbox holds for this channel (a restart's backlog) and starts delivering. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.phase = 'starting';
      const [pending, windows] = await Promise.all([this.outbox.pending(this.channel), this.loadRateWindows()]);
      if (this.phase !== 'starting') return;
      const now = this.clock.now();
      this.restoreRateWindows(windows, now);
      for (const entry of pending) {
        // A restart is usually someone fixing something: back-off waits start afresh. A wait the
        // service asked for (429 retry_after) is kept, since it applies whoever asks again.
        if (!entry.lastError?.startsWith(RATE_LIMITED)) entry.notBefore = Math.min(entry.notBefore, now);
        this.track(entry);
      }
      this.phase = 'running';
      if (pending.length) this.log.info(`${this.channel}: ${pending.length} notification(s) waiting in the outbox`);
      this.schedulePump();
    })();
    return this.started;
  }

  /**
   * Durably queues (or coalesces) a notification; resolves once it is in the outbox. `holdUntil`
   * keeps a new entry back until then (a group wait); on a coalesce it can only bring the
   * entry's hold forward (a P1 member does not wait), never add or lengthen one.
   */
  async enqueue(request: OutboxEnqueue, options: { holdUntil?: number } = {}): Promise<{ entry: OutboxEntry; coalesced: boolean }> {
    if (this.phase === 'stopped') throw new StoppedError();
    await this.start();
    const result = await this.outbox.enqueue(request, this.clock.now());
    if (this.stopped) return result;
    const known = this.byId.get(result.entry.id);
    if (known) {
      // A coalesce: the newer payload replaces the queued one in place. A delivery in flight
      // works on its own copy and finds the newer version still pending when it completes.
      known.payload = result.entry.payload;
      known.version = result.entry.version;
      if (result.entry.priority < known.priority) {
        const chat = this.chats.get(known.chat)!;
        chat.remove(known);
        known.priority = result.entry.priority;
        chat.insert(known);
      }
      const held = this.holds.get(known.id);
      if (held !== undefined && options.holdUntil !== undefined && options.holdUntil < held) this.holds.set(known.id, options.holdUntil);
      // The version on the wire is the last one sent: the newer payload is the next delivery, and
      // a hold asked for it (a group interval starting now) applies to it.
      else if (held === undefined && options.holdUntil !== undefined && this.isSending(known) && options.holdUntil > this.clock.now()) this.holds.set(known.id, options.holdUntil);
    } else {
      this.track(result.entry);
      if (options.holdUntil !== undefined && options.holdUntil > this.clock.now()) this.holds.set(result.entry.id, options.holdUntil);
    }
    this.schedulePump();
    return result;
  }

  get stopped(): boolean {
    return this.phase === 'stopped';
  }

  /** True while `entry` is being delivered (a coalesce then queues the next delivery). */
  isSending(entry: OutboxEntry): boolean {
    return this.chats.get(entry.chat)?.sending === entry.id;
  }

  /** Pending entries, for notifiers that look for what is queued about an alert. */
  pendingEntries(): IterableIterator<OutboxEntry> {
    return this.byId.values();
  }

  stats(): EngineStats {
    let inFlight = 0;
    for (const chat of this.chats.values()) if (chat.busy) inFlight++;
    return { pending: this.byId.size, inFlight, ...this.counters };
  }

  /**
   * Stops at once what has not started: permits still waiting are refused, so no new request
   * goes out. Requests already on the wire get `graceMs` to finish (their result is recorded,
   * which is what makes a stop-and-restart deliver exactly once); then they are aborted, and
   * their entries stay in the outbox for the next start.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters) waiter.reject(new StoppedError());
    this.waiters = [];
    const all = Promise.allSettled([...this.jobs]);
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
      graceTimer.unref();
    });
    await Promise.race([all, grace]);
    clearTimeout(graceTimer);
    this.abort.abort(new StoppedError());
    await all;
    if (this.windowsLoaded) await this.saveRateWindows();
    this.removeAllListeners();
  }

  // ---- rate windows across a restart ----

  private get rateCursor(): string {
    return `${this.channel}:rate-windows`;
  }

  /**
   * The chat service counts requests from before a restart too: without this, a runtime
   * restarted mid-backlog would send at once to chats it had just written to and earn 429s.
   * After a crash nothing was saved, and the 429's retry_after covers the first request.
   */
  private async saveRateWindows(): Promise<void> {
    const now = this.clock.now();
    const windows: RateWindows = { global: this.global.spent(now), chats: {} };
    for (const chat of this.chats.values()) {
      const buckets = chat.buckets.map((b) => b.spent(now));
      if (chat.blockedUntil > now || buckets.some((b) => b.length)) windows.chats[chat.id] = { blockedUntil: chat.blockedUntil, buckets };
    }
    try {
      await this.outbox.setCursor(this.rateCursor, JSON.stringify(windows), now);
    } catch (err) {
      this.log.warn(`${this.channel}: could not keep the rate windows for the next start: ${(err as Error).message}`);
    }
  }

  private async loadRateWindows(): Promise<RateWindows | undefined> {
    try {
      const saved = await this.outbox.getCursor(this.rateCursor);
      return saved ? (JSON.parse(saved) as RateWindows) : undefined;
    } catch (err) {
      this.log.warn(`${this.channel}: the rate windows of the last run are unreadable, starting with full buckets: ${(err as Error).message}`);
      return undefined;
    }
  }

  private restoreRateWindows(windows: RateWindows | undefined, now: number): void {
    this.windowsLoaded = true;
    if (!windows) return;
    if (Array.isArray(windows.global)) this.global.restore(windows.global, now);
    for (const [id, saved] of Object.entries(windows.chats ?? {})) {
      const chat = this.chat(id);
      if (Number.isFinite(saved.blockedUntil)) chat.blockedUntil = Math.max(chat.blockedUntil, saved.blockedUntil);
      saved.buckets?.forEach((times, i) => Array.isArray(times) && chat.buckets[i]?.restore(times, now));
      this.forgetIfIdle(chat);
    }
  }

  // ---- scheduling ----

  private chat(id: string): ChatQueue {
    let chat = this.chats.get(id);
    if (!chat) {
      chat = new ChatQueue(id, this.transport.chatLimits(id).map((limit) => new TokenBucket(limit, this.marginMs)));
      this.chats.set(id, chat);
    }
    return chat;
  }

  private track(entry: OutboxEntry): void {
    if (this.byId.has(entry.id)) return;
    this.byId.set(entry.id, entry);
    this.chat(entry.chat).insert(entry);
  }

  private untrack(entry: OutboxEntry): void {
    this.byId.delete(entry.id);
    this.holds.delete(entry.id);
    this.chats.get(entry.chat)?.remove(entry);
  }

  /**
   * Idle chats whose buckets are full again are forgotten, so that a long-running runtime does
   * not keep one queue per chat it ever wrote to. One still holding spent tokens or a 429 block
   * is kept: forgetting it would forget the limit.
   */
  private forgetIfIdle(chat: ChatQueue): void {
    const now = this.clock.now();
    if (chat.size === 0 && !chat.busy && chat.blockedUntil <= now && chat.buckets.every((b) => b.full(now))) this.chats.delete(chat.id);
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.phase !== 'running') return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.safePump();
    });
  }

  /** The pump runs from microtasks and timers: whatever goes wrong in it must not reach the runtime. */
  private safePump(): void {
    try {
      this.pump();
    } catch (err) {
      this.log.error(`${this.channel}: scheduling failed: ${(err as Error).message}`);
      this.wakeAt(this.clock.now() + 1000);
    }
  }

  private pump(): void {
    if (this.phase !== 'running') return;
    const now = this.clock.now();
    let wake = Infinity;
    const paused = now < this.pausedUntil;
    if (paused) wake = this.pausedUntil;

    // Start a delivery in every idle chat whose head is due: P1 heads first, then the oldest.
    if (!paused) {
      let inFlight = 0;
      const ready: Array<[ChatQueue, OutboxEntry]> = [];
      for (const chat of this.chats.values()) {
        if (chat.busy) {
          inFlight++;
          continue;
        }
        const { entry: head, wake: held } = chat.next(now, this.holdOf);
        wake = Math.min(wake, held);
        if (!head) {
          this.forgetIfIdle(chat);
          continue;
        }
        const due = Math.max(head.notBefore, chat.blockedUntil);
        if (due > now) wake = Math.min(wake, due);
        else ready.push([chat, head]);
      }
      ready.sort((a, b) => order(a[1], b[1]));
      for (const [chat, head] of ready) {
        if (inFlight >= this.maxInFlight) break;
        inFlight++;
        this.run(chat, head);
      }
    }

    // Grant permits in the same order. The global bucket is shared: once it is empty nobody
    // else can go either; a chat's own bucket only holds that chat back.
    if (!paused && this.waiters.length) {
      this.waiters.sort((a, b) => (a.urgent === b.urgent ? a.seq - b.seq : a.urgent ? -1 : 1));
      const left: Waiter[] = [];
      let globalWait = 0;
      for (const waiter of this.waiters) {
        if (globalWait > 0) {
          left.push(waiter);
          continue;
        }
        // A wait of Infinity means a token is on the wire: its answer pumps again.
        const chatWait = Math.max(waiter.chat.blockedUntil - now, ...waiter.chat.buckets.map((b) => b.waitMs(now)));
        if (chatWait > 0) {
          wake = Math.min(wake, now + chatWait);
          left.push(waiter);
          continue;
        }
        globalWait = this.global.waitMs(now);
        if (globalWait > 0) {
          wake = Math.min(wake, now + globalWait);
          left.push(waiter);
          continue;
        }
        const grant: Grant = { tokens: [[this.global, this.global.take(now)]] };
        for (const bucket of waiter.chat.buckets) grant.tokens.push([bucket, bucket.take(now)]);
        waiter.resolve(grant);
      }
      this.waiters = left;
    }

    if (wake < Infinity) this.wakeAt(wake);
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.safePump();
    }, at - this.clock.now());
  }

  // ---- one delivery ----

  private run(chat: ChatQueue, entry: OutboxEntry): void {
    chat.sending = entry.id;
    // The transport works on a copy: a coalesce during the delivery changes the queued entry only.
    const job: OutboxEntry = { ...entry };
    const work = this.deliver(chat, entry, job)
      .catch((err) => {
        // The outbox refused the bookkeeping (disk full, database down). The entry stays queued
        // and waits like a failed attempt, so that an outage does not turn into a hot loop; its
        // next attempt finds the ref and does not send twice what was already delivered.
        entry.attempts += 1;
        entry.notBefore = this.clock.now() + backoffDelay(entry.attempts, this.backoff, this.random);
        this.log.error(`${this.channel}: outbox bookkeeping failed: ${(err as Error).message}`);
      })
      .finally(() => {
        chat.sending = undefined;
        this.jobs.delete(work);
        this.forgetIfIdle(chat);
        this.schedulePump();
      });
    this.jobs.add(work);
  }

  private async deliver(chat: ChatQueue, entry: OutboxEntry, job: OutboxEntry): Promise<void> {
    let ref: DeliveryRef | undefined;
    try {
      ref = await this.outbox.getRef(this.channel, job.chat, job.key);
      const ctx: DeliveryContext = {
        ref,
        request: async <T>(send: () => Promise<T>): Promise<T> => {
          const grant = await this.permit(chat, job);
          try {
            return await send();
          } finally {
            const at = this.clock.now();
            for (const [bucket, token] of grant.tokens) bucket.settle(token, at);
            this.schedulePump();
          }
        },
        saveRef: async (update) => {
          const next: DeliveryRef = {
            channel: this.channel,
            chat: job.chat,
            key: job.key,
            alertId: job.alertId ?? job.key,
            origin: job.origin,
            messageId: update.messageId ?? ref?.messageId,
            data: update.data,
            updatedAt: this.clock.now(),
          };
          if (next.origin === undefined) delete next.origin;
          if (next.messageId === undefined) delete next.messageId;
          await this.outbox.putRef(next);
          ref = next;
          return next;
        },
        signal: this.abort.signal,
      };
      await this.transport.deliver(job, ctx);
    } catch (err) {
      if (this.phase === 'stopped' || err instanceof StoppedError) return;
      await this.failed(chat, entry, job, err);
      return;
    }
    this.accountFailures = 0;
    const removed = await this.outbox.complete(job.id, job.version);
    if (removed || entry.version === job.version) {
      // Delivered, or gone from the outbox meanwhile: either way nothing is left to do for it.
      this.untrack(entry);
      this.counters.delivered++;
      this.emitOutcome({ type: 'delivered', entry: job });
    }
    // Otherwise a newer payload arrived during the delivery: it stays queued, and its delivery
    // finds the ref just saved and edits rather than sends again.
  }

  private permit(chat: ChatQueue, job: OutboxEntry): Promise<Grant> {
    if (this.phase === 'stopped') return Promise.reject(new StoppedError());
    return new Promise<Grant>((resolve, reject) => {
      this.waiters.push({ chat, urgent: job.priority === 1, seq: job.seq, resolve, reject });
      this.schedulePump();
    });
  }

  private async failed(chat: ChatQueue, entry: OutboxEntry, job: OutboxEntry, err: unknown): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err));
    const kind = err instanceof DeliveryError ? err.kind : 'transient';
    const now = this.clock.now();
    const message = error.message;
    switch (kind) {
      case 'rate-limited': {
        const retryAfterMs = (err as DeliveryError).details.retryAfterMs ?? 1000;
        chat.blockedUntil = Math.max(chat.blockedUntil, now + retryAfterMs);
        this.counters.rateLimited++;
        await this.record(entry, entry.attempts, chat.blockedUntil, `${RATE_LIMITED}${message}`);
        this.emitOutcome({ type: 'rate-limited', entry: job, error, retryAfterMs });
        return;
      }
      case 'account': {
        this.accountFailures++;
        const delayMs = backoffDelay(this.accountFailures, this.backoff, this.random);
        this.pausedUntil = now + delayMs;
        this.log.error(`${this.channel}: ${message}; every chat waits ${Math.round(delayMs / 1000)} s`);
        this.emitOutcome({ type: 'account', entry: job, error, delayMs });
        return;
      }
      case 'permanent': {
        const failed = await this.outbox.fail(job.id, job.version, message, now);
        if (failed || entry.version === job.version) {
          this.untrack(entry);
          this.counters.failed++;
          this.log.error(`${this.channel}: notification to chat ${job.chat} refused for good: ${message}`);
          this.emitOutcome({ type: 'failed', entry: job, error });
        }
        return;
      }
      default: {
        const attempts = entry.attempts + 1;
        const delayMs = backoffDelay(attempts, this.backoff, this.random);
        this.counters.retries++;
        await this.record(entry, attempts, now + delayMs, message);
        this.emitOutcome({ type: 'retry', entry: job, error, delayMs });
      }
    }
  }

  /** Keeps the retry state in memory even when the outbox cannot take it (it is down too, then). */
  private async record(entry: OutboxEntry, attempts: number, notBefore: number, lastError: string): Promise<void> {
    entry.attempts = attempts;
    entry.notBefore = notBefore;
    entry.lastError = lastError;
    try {
      await this.outbox.retry(entry.id, attempts, notBefore, lastError);
    } catch (err) {
      this.log.warn(`${this.channel}: could not record a retry in the outbox: ${(err as Error).message}`);
    }
  }

  private emitOutcome(outcome: Outcome): void {
    try {
      this.emit('outcome', outcome);
    } catch (err) {
      this.log.error(`${this.channel}: outcome listener failed: ${(err as Error).message}`);
    }
  }
}

/** P1 before everything else, then arrival order. */
function order(a: OutboxEntry, b: OutboxEntry): number {
  const ua = a.priority === 1;
  const ub = b.priority === 1;
  if (ua !== ub) return ua ? -1 : 1;
  return a.seq - b.seq;
}
