import { randomUUID } from 'node:crypto';
import type { AdapterLog } from './adapters';
import { createBus, createStore } from './adapters';
import { AlertService } from './alert-service';
import type { Clock } from './alert-service';
import type { EventBus } from './bus/types';
import { IncidentService } from './incidents/service';
import { Validators } from './model/validate';
import type { ResolvedSettings } from './settings';
import { SilenceRegistry } from './silences';
import type { AlertStore, IncidentStore, OutboxStore } from './store/types';

export type PlatformLog = AdapterLog;

/**
 * The services every IMPETUS node shares inside one Node-RED runtime: store, bus, validators,
 * the alert service and its timers. Opened asynchronously; nodes wait on `ready` before touching
 * the store. `platformFor(RED)` (lifetime.ts) creates it with the runtime and closes it when the
 * runtime stops.
 */
export class Platform {
  readonly validators: Validators;
  readonly store: AlertStore;
  readonly bus: EventBus;
  readonly alerts: AlertService;
  /** Grouping into incidents, inhibition, and actions on incidents (docs/incidents.md). */
  readonly incidents: IncidentService;
  private readonly incidentStore: IncidentStore;
  readonly ready: Promise<void>;
  private readonly outbox: () => OutboxStore;
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private readonly closeHooks: Array<() => void> = [];
  private holders = 0;
  private stopping = false;
  private readonly done = deferred();
  /** Names this runtime's incident events, so that it can tell them from other runtimes' (instances may share a name). */
  private readonly runtimeId = randomUUID();

  constructor(readonly settings: ResolvedSettings, private readonly log: PlatformLog, clock?: Clock) {
    this.validators = new Validators();
    const { store, createOutbox, incidents } = createStore(settings, log);
    this.store = store;
    this.incidentStore = incidents;
    this.outbox = createOutbox;
    this.bus = createBus(settings, log);
    const silences = new SilenceRegistry(this.store);
    this.alerts = new AlertService(this.store, this.bus, this.validators, silences, {
      instance: settings.instance,
      fingerprintKeys: settings.fingerprintKeys,
      dataLimits: settings.limits.alertData,
      sender: settings.sender,
      escalation: settings.escalation.policy,
      clock,
      log: (message) => log.warn(message),
    });
    this.incidents = new IncidentService(incidents, this.alerts, settings.incidents, {
      clock,
      log: (message) => log.warn(message),
      announce: (incident) => this.announce(incident.id, incident.version, clock ?? Date.now),
    });
    if (settings.incidents.enabled) this.alerts.setHooks(this.incidents);
    this.ready = this.start(silences, clock ?? Date.now);
    // A failed start is reported by every node that awaits `ready`; this keeps it from being unhandled.
    this.ready.catch((err) => log.error(`IMPETUS platform failed to start: ${(err as Error).message}`));
  }

  private async start(silences: SilenceRegistry, clock: Clock): Promise<void> {
    await this.store.open();
    await this.incidentStore.open();
    await this.bus.open();
    // Incident-only changes made by other runtimes (a tick, a comment, a move, an action on it) reach this one's listeners.
    const offIncidents = this.bus.subscribeIncidents((event) => {
      if (event.origin === this.runtimeId) return;
      this.incidents.changedElsewhere(event.incidentId, event.version).catch((err) => this.log.warn(`incident ${event.incidentId} changed elsewhere, not read: ${(err as Error).message}`));
    });
    this.closeHooks.push(offIncidents);
    await silences.load(clock());
    if (this.closing) return;
    this.every(this.settings.escalation.tickSeconds * 1000, () => this.alerts.escalateDue());
    if (this.settings.retention.resolvedDays > 0) {
      const purge = async () => {
        const before = new Date(clock() - this.settings.retention.resolvedDays * 86_400_000);
        const purged = await this.store.purge(before);
        const incidents = await this.incidentStore.purgeIncidents(before);
        if (purged.alerts || purged.media || incidents) this.log.info(`retention: purged ${purged.alerts} resolved alerts, ${incidents} resolved incidents and ${purged.media} media items`);
      };
      this.every(this.settings.retention.intervalMinutes * 60_000, purge);
      await purge();
    }
  }

  /** Publishes an incident this runtime wrote; as for alert events, the store stays the truth and a bus failure is logged. */
  private announce(incidentId: string, version: number, clock: Clock): void {
    this.bus
      .publishIncident({ id: randomUUID(), type: 'incident-changed', incidentId, version, at: new Date(clock()).toISOString(), origin: this.runtimeId })
      .catch((err) => this.log.warn(`incident event for ${incidentId} not published: ${(err as Error).message}`));
  }

  /** A periodic job that never overlaps itself and never keeps the process alive. */
  private every(ms: number, job: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.closing) return;
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

  /**
   * A new, unopened notification outbox beside the alert store (the same SQLite file, or the
   * same MongoDB database). Whoever opens it closes it.
   */
  createOutbox(): OutboxStore {
    return this.outbox();
  }

  /** Runs when the platform closes, before the bus and store do (the console ends its live connections). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  /**
   * Keeps the platform open while a node that writes through it runs. Node-RED closes all the
   * nodes of a stopping runtime at once, so "after the nodes" has to be counted: a node holds the
   * platform when it starts and calls the release at the very end of its own close, once its
   * work in flight is stored. On a redeploy the release resolves at once; when the runtime stops,
   * the platform closes after the last release, and every release resolves when it has closed,
   * so Node-RED's stop, which waits for node closes, waits for the store and the bus too.
   */
  hold(): () => Promise<void> {
    this.holders += 1;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.holders -= 1;
      }
      if (!this.stopping) return Promise.resolve();
      if (this.holders === 0) return this.close();
      return this.closed();
    };
  }

  /**
   * The runtime is stopping, not redeploying: close once the last holder lets go (now, if none
   * holds the platform). Resolves when closed.
   */
  closeAfterRelease(): Promise<void> {
    this.stopping = true;
    return this.holders === 0 ? this.close() : this.closed();
  }

  /** Ends the console's connections, stops the timers, then closes the bus (committing its offsets) and flushes and closes the store. */
  close(): Promise<void> {
    this.closing ??= this.shutdown().finally(() => this.done.resolve());
    return this.closing;
  }

  /** Resolves when close() has finished, whoever started it. */
  private closed(): Promise<void> {
    return this.done.promise;
  }

  private async shutdown(): Promise<void> {
    for (const hook of this.closeHooks.splice(0)) hook();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.ready.catch(() => undefined);
    await this.bus.close().catch((err) => this.log.warn(`closing the event bus failed: ${(err as Error).message}`));
    await this.incidentStore.close().catch((err) => this.log.warn(`closing the incident store failed: ${(err as Error).message}`));
    await this.store.close();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
