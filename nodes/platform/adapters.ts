/**
 * The one place where the settings pick the adapters: the alert store, the notification outbox
 * that lives beside it (in the same database), and the event bus. Everything else sees only the
 * contracts in store/types.ts and bus/types.ts, which every adapter passes (test/contract/).
 */
import { createKafkaClient } from './bus/kafka-client';
import { KafkaEventBus } from './bus/kafka';
import { MemoryEventBus } from './bus/memory';
import type { BusEvent, EventBus } from './bus/types';
import type { ResolvedSettings } from './settings';
import { MongoAlertStore } from './store/mongodb';
import { MongoIncidentStore } from './store/mongodb-incidents';
import { MongoOutboxStore } from './store/mongodb-outbox';
import { SqliteAlertStore } from './store/sqlite';
import { SqliteIncidentStore } from './store/sqlite-incidents';
import { SqliteOutboxStore } from './store/sqlite-outbox';
import type { AlertStore, IncidentStore, OutboxStore } from './store/types';

export interface AdapterLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StoreAdapters {
  store: AlertStore;
  /** A new, unopened outbox in the store's database; whoever opens it closes it. */
  createOutbox(): OutboxStore;
  /** The incidents, in the store's database; opened after the store, closed before it. */
  incidents: IncidentStore;
}

/** The alert store `settings.store.type` names, and how to make its outbox. */
export function createStore(settings: ResolvedSettings, log: AdapterLog): StoreAdapters {
  const { store } = settings;
  const mongodb = store.mongodb;
  if (store.type === 'mongodb' && mongodb) {
    const client = { url: mongodb.url, database: mongodb.database, credentials: mongodb.credentials, collectionPrefix: mongodb.collectionPrefix, serverSelectionTimeoutMs: mongodb.serverSelectionTimeoutMs };
    return {
      store: new MongoAlertStore({ ...mongodb, historyWindow: store.historyWindow }),
      incidents: new MongoIncidentStore(client),
      // Its own client: the outbox may outlive or precede the store's connection pool.
      createOutbox: () => new MongoOutboxStore(client),
    };
  }
  const sqlite = new SqliteAlertStore({ file: store.file, synchronous: store.synchronous, historyWindow: store.historyWindow, log: (message) => log.warn(message) });
  // The same connection and group commit as the alerts: an outbox write is as durable as an alert.
  return { store: sqlite, createOutbox: () => new SqliteOutboxStore(sqlite), incidents: new SqliteIncidentStore(sqlite) };
}

/** The event bus `settings.bus.type` names. */
export function createBus(settings: ResolvedSettings, log: AdapterLog): EventBus {
  const onHandlerError = (err: unknown, event: BusEvent) =>
    log.error(`lifecycle handler failed on ${event.type} ${'alertId' in event ? event.alertId : event.incidentId}: ${(err as Error).message}`);
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
