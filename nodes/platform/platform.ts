import type { NodeAPI } from 'node-red';
import { AlertService } from './alert-service';
import type { Clock } from './alert-service';
import { createKafkaClient } from './bus/kafka-client';
import { KafkaEventBus } from './bus/kafka';
import { MemoryEventBus } from './bus/memory';
import type { EventBus } from './bus/types';
import { Validators } from './model/validate';
import { mountConsole } from './console';
import type { ImpetusSettings, ResolvedSettings } from './settings';
import { resolveSettings } from './settings';
import { SilenceRegistry } from './silences';
import type { LifecycleEvent } from './model/types';
import { MongoAlertStore } from './store/mongodb';
import { SqliteAlertStore } from './store/sqlite';
import type { AlertStore } from './store/types';

export interface PlatformLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The services every IMPETUS node shares inside one Node-RED runtime: store, bus, validators,
 * the alert service and its timers. Created on first use, opened asynchronously; nodes wait on
 * `ready` before touching the store.
 */
export class Platform {
  readonly validators: Validators;
  readonly store: AlertStore;
  readonly bus: EventBus;
  readonly alerts: AlertService;
  readonly ready: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly closeHooks: Array<() => void> = [];

  constructor(readonly settings: ResolvedSettings, private readonly log: PlatformLog, clock?: Clock) {
    this.validators = new Validators();
    this.store = createStore(settings, log);
    this.bus = createBus(settings, log);
    const silences = new SilenceRegistry(this.store);
    this.alerts = new AlertService(this.store, this.bus, this.validators, silences, {
      instance: settings.instance,
      fingerprintKeys: settings.fingerprintKeys,
      escalation: settings.escalation.policy,
      clock,
      log: (message) => log.warn(message),
    });
    this.ready = this.start(silences, clock ?? Date.now);
    // A failed start is reported by every node that awaits `ready`; this keeps it from being unhandled.
    this.ready.catch((err) => log.error(`IMPETUS platform failed to start: ${(err as Error).message}`));
  }

  private async start(silences: SilenceRegistry, clock: Clock): Promise<void> {
    await this.store.open();
    await this.bus.open();
    await silences.load(clock());
    if (this.closed) return;
    this.every(this.settings.escalation.tickSeconds * 1000, () => this.alerts.escalateDue());
    if (this.settings.retention.resolvedDays > 0) {
      const purge = async () => {
        const before = new Date(clock() - this.settings.retention.resolvedDays * 86_400_000);
        const purged = await this.store.purge(before);
        if (purged.alerts || purged.media) this.log.info(`retention: purged ${purged.alerts} resolved alerts and ${purged.media} media items`);
      };
      this.every(this.settings.retention.intervalMinutes * 60_000, purge);
      await purge();
    }
  }

  /** A periodic job that never overlaps itself and never keeps the process alive. */
  private every(ms: number, job: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.closed) return;
      running = true;
      job()
        .catch((err) => this.log.warn(`background job failed: ${(err as Error).message}`))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Runs when the platform closes, before the bus and store do (the console ends its live connections). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const hook of this.closeHooks.splice(0)) hook();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.ready.catch(() => undefined);
    await this.bus.close();
    await this.store.close();
  }
}

/** The adapter `settings.store.type` names; the stores share one contract, so nothing else changes. */
function createStore(settings: ResolvedSettings, log: PlatformLog): AlertStore {
  const { store } = settings;
  if (store.type === 'mongodb' && store.mongodb) {
    return new MongoAlertStore({ ...store.mongodb, historyWindow: store.historyWindow });
  }
  return new SqliteAlertStore({ file: store.file, synchronous: store.synchronous, historyWindow: store.historyWindow, log: (message) => log.warn(message) });
}

function createBus(settings: ResolvedSettings, log: PlatformLog): EventBus {
  const onHandlerError = (err: unknown, event: LifecycleEvent) => log.error(`lifecycle handler failed on ${event.type} ${event.alertId}: ${(err as Error).message}`);
  const kafka = settings.bus.kafka;
  if (settings.bus.type === 'kafka' && kafka) {
    const client = createKafkaClient({
      clientId: kafka.clientId,
      brokers: kafka.brokers,
      ssl: kafka.ssl,
      sasl: kafka.sasl,
      log: (level, message) => (level === 'error' || level === 'warn' ? log.warn(message) : undefined),
    });
    return new KafkaEventBus({ client, topic: kafka.topic, groupId: kafka.groupId, partitions: kafka.partitions, onHandlerError, log: (_level, message) => log.warn(message) });
  }
  return new MemoryEventBus(onHandlerError);
}

/** Keyed by the runtime's event emitter, which all node modules of one runtime share. */
const platforms = new Map<object, Platform>();

export function platformFor(RED: NodeAPI): Platform {
  const key = RED.events as unknown as object;
  let platform = platforms.get(key);
  if (!platform) {
    const settings = resolveSettings((RED.settings as unknown as { impetus?: ImpetusSettings }).impetus, RED.settings.userDir);
    platform = new Platform(settings, RED.log);
    platforms.set(key, platform);
  }
  mountConsole(RED, platform.settings.httpPath, () => platforms.get(key));
  return platform;
}

/** Closes every platform; for tests and embedders that stop and restart the runtime in one process. */
export async function closePlatforms(): Promise<void> {
  const all = [...platforms.values()];
  platforms.clear();
  await Promise.all(all.map((p) => p.close()));
}
