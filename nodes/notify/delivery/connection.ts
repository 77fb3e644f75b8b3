import type { OutboxStore, Platform } from '../../platform';
import { consoleOf } from '../../platform';
import type { AccessPolicy, MappedUser } from './access';
import type { ChatAction, ChatActionResult } from './actions';
import { performChatAction } from './actions';
import type { EngineLog, Outcome, Transport } from './engine';
import { DeliveryEngine } from './engine';
import type { NoticeAlert } from './notice';
import { acquireOutbox } from './outbox';
import type { RateLimit } from './token-bucket';

export type ConnectionState = { level: 'ok' | 'warn' | 'error'; text: string };

/** What differs between Telegram and Rocket.Chat; everything else a connection does is here, once. */
export interface ConnectionDriver {
  /** `Telegram`, `Rocket.Chat`: for logs and resolution reasons. */
  readonly service: string;
  readonly globalLimit: RateLimit;
  createTransport(outbox: OutboxStore): Transport;
  /** Starts receiving chat actions (polling, webhook); called once the engine runs. */
  startInbound?(connection: ChatConnection): void;
  stopInbound?(): Promise<void>;
  /** The direct chat of a mapped user, for routing rules that name roles. */
  directChat(user: MappedUser): string | undefined;
  /** Releases what the driver holds (HTTP pools). */
  close?(): void;
}

export interface ChatConnectionOptions {
  /** Unique per account and runtime: `telegram:<config node id>@<instance>`. */
  channel: string;
  platform: Platform;
  policy: AccessPolicy;
  /** Chats messages may go to and actions may come from; empty allows every chat. */
  allowedChats: string[];
  /** Group chats and channels marked for TLP:AMBER (their members are all cleared for it); none by default. */
  amberChats?: string[];
  driver: ConnectionDriver;
  log: EngineLog;
  /** Grace for requests on the wire when the connection closes. Default 5 s, well inside Node-RED's 15 s. */
  stopGraceMs?: number;
}

/**
 * One chat account as the notifier nodes share it: the outbox, the delivery engine with the
 * account's rate limits, and the inbound side (callbacks, commands) that turns chat actions
 * into platform actions. Reference-counted: it starts with the first notifier node that
 * attaches and stops with the last, or when its config node closes.
 */
export class ChatConnection {
  readonly channel: string;
  readonly platform: Platform;
  readonly policy: AccessPolicy;
  readonly log: EngineLog;
  private readonly allowed: Set<string>;
  private readonly amber: Set<string>;
  private engine?: DeliveryEngine;
  private starting?: Promise<DeliveryEngine>;
  private releaseOutbox?: () => Promise<void>;
  private outboxStore?: OutboxStore;
  private users = 0;
  private closed = false;
  private state: ConnectionState = { level: 'ok', text: 'ready' };
  private readonly outcomeListeners = new Set<(outcome: Outcome) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  /** A stopping runtime closes the store (and the SQLite outbox in it) only after this connection has stopped. */
  private readonly releasePlatform: () => Promise<void>;

  constructor(private readonly options: ChatConnectionOptions) {
    this.channel = options.channel;
    this.platform = options.platform;
    this.releasePlatform = options.platform.hold();
    this.policy = options.policy;
    this.log = options.log;
    this.allowed = new Set(options.allowedChats);
    this.amber = new Set(options.amberChats ?? []);
  }

  get service(): string {
    return this.options.driver.service;
  }

  get outbox(): OutboxStore | undefined {
    return this.outboxStore;
  }

  get running(): DeliveryEngine | undefined {
    return this.engine;
  }

  /** Called by a notifier node when it starts; resolves with the running engine. */
  attach(): Promise<DeliveryEngine> {
    if (this.closed) return Promise.reject(new Error(`${this.service} connection is closed`));
    this.users++;
    this.starting ??= this.start();
    return this.starting;
  }

  /** Called by a notifier node when it closes; the last one stops the connection. */
  async detach(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users === 0) await this.shutdown();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.users = 0;
    await this.shutdown();
    this.options.driver.close?.();
    await this.releasePlatform();
  }

  private async start(): Promise<DeliveryEngine> {
    try {
      const { outbox, release } = await acquireOutbox(this.platform);
      this.outboxStore = outbox;
      this.releaseOutbox = release;
      const engine = new DeliveryEngine({
        channel: this.channel,
        outbox,
        transport: this.options.driver.createTransport(outbox),
        globalLimit: this.options.driver.globalLimit,
        log: this.log,
      });
      engine.on('outcome', (outcome: Outcome) => {
        // A refused account shows on every notifier until a delivery goes through again.
        if (outcome.type === 'account') {
          this.accountRefused = true;
          this.setState({ level: 'error', text: outcome.error.message });
        } else if (outcome.type === 'delivered' && this.accountRefused) {
          this.accountRefused = false;
          this.setState({ level: 'ok', text: 'connected' });
        }
        for (const listener of this.outcomeListeners) listener(outcome);
      });
      await engine.start();
      this.engine = engine;
      if (this.closed || this.users === 0) {
        await this.shutdown();
        throw new Error(`${this.service} connection closed while starting`);
      }
      this.options.driver.startInbound?.(this);
      // A cleanup pass a day: refs of cards nobody will act on any more, failures long seen.
      this.purgeTimer = setInterval(() => {
        outbox.purge(Date.now() - REF_RETENTION_MS).catch((err) => this.log.warn(`outbox purge failed: ${(err as Error).message}`));
      }, PURGE_INTERVAL_MS);
      this.purgeTimer.unref();
      return engine;
    } catch (err) {
      this.starting = undefined;
      this.setState({ level: 'error', text: (err as Error).message });
      throw err;
    }
  }

  private accountRefused = false;
  private purgeTimer?: NodeJS.Timeout;

  private async shutdown(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    await this.options.driver.stopInbound?.().catch((err) => this.log.warn(`stopping ${this.service} updates failed: ${(err as Error).message}`));
    const engine = this.engine ?? (await starting?.catch(() => undefined));
    this.engine = undefined;
    await engine?.stop(this.options.stopGraceMs ?? 5000);
    const release = this.releaseOutbox;
    this.releaseOutbox = undefined;
    this.outboxStore = undefined;
    await release?.().catch((err) => this.log.warn(`closing the outbox failed: ${(err as Error).message}`));
  }

  onOutcome(listener: (outcome: Outcome) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /** Connection-wide state (polling conflict, refused token) for the notifier nodes' status. */
  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  setState(state: ConnectionState): void {
    if (state.level === this.state.level && state.text === this.state.text) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  chatAllowed(chat: string): boolean {
    return this.allowed.size === 0 || this.allowed.has(chat);
  }

  /** The direct chats of the mapped users with one of these console roles (the notifier's unseenBy gate then applies). */
  chatsForRoles(roles: string[]): string[] {
    return this.policy
      .withRoles(roles)
      .map((u) => this.options.driver.directChat(u))
      .filter((c): c is string => c !== undefined);
  }

  /**
   * Why this chat may not receive this alert, or undefined when it may. TLP:RED never leaves the
   * console through a chat. A mapped user's direct chat gets only what the console shows that
   * user (ConsoleRuntime.mayView: the role view's tools and filters and the user's TLP clearance,
   * the check of every console route). A group or channel has no console user: it gets no
   * TLP:AMBER+STRICT, TLP:AMBER only when it is marked for it (`amberChats`), and otherwise what
   * its routing rule sends it. The console user is looked up on every delivery: the settings are
   * the truth.
   */
  refusal(chat: string, alert: Pick<NoticeAlert, 'tool' | 'priority' | 'status' | 'zone' | 'tlp'>): string | undefined {
    if (alert.tlp === 'red') return `TLP:RED is not sent to chats (chat ${chat})`;
    const owner = this.policy.users.find((u) => this.options.driver.directChat(u) === chat);
    if (!owner) {
      if (alert.tlp === 'amber+strict') return `TLP:AMBER+STRICT is not sent to group chats (chat ${chat})`;
      if (alert.tlp === 'amber' && !this.amber.has(chat)) return `TLP:AMBER is sent only to group chats marked for it (chat ${chat})`;
      return undefined;
    }
    const runtime = consoleOf(this.platform);
    const user = runtime.user(owner.user);
    return user && runtime.mayView(user, alert) ? undefined : `the console does not show this alert to ${owner.user} (chat ${chat})`;
  }

  /** Role check and platform action for a button, command or reaction. */
  act(request: Omit<ChatAction, 'via'>): Promise<ChatActionResult> {
    return performChatAction(this.platform, this.policy, this.log, { ...request, via: this.service });
  }
}

/**
 * The outbox channel of a config node. Runtimes that share one MongoDB must each own their
 * notifications, so a runtime named in the settings (`impetus.instance`) puts its name in the
 * channel; the default instance name holds the process id and changes with every restart, so
 * it is left out, or a restart would orphan the queued notifications.
 */
export function channelName(kind: string, nodeId: string, settings: unknown): string {
  const instance = (settings as { impetus?: { instance?: unknown } } | undefined)?.impetus?.instance;
  return typeof instance === 'string' && instance.trim() ? `${kind}:${nodeId}@${instance.trim()}` : `${kind}:${nodeId}`;
}

const REF_RETENTION_MS = 30 * 86_400_000;
const PURGE_INTERVAL_MS = 86_400_000;
