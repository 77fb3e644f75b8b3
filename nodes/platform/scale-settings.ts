/**
 * Settings of the scale-out adapters (MongoDB store, Kafka bus), kept apart from settings.ts so
 * that the embedded defaults stay readable. Validated at start-up: a typo fails the runtime's
 * start with the setting's name, not the first write at 3 a.m.
 */
import type { KafkaTls, SaslMechanism } from './bus/kafka-client';

export interface MongoStoreSettings {
  /** mongodb:// URL; for production a replica set (`?replicaSet=rs0`). */
  url?: string;
  database?: string;
  /** Kept out of the URL so that it never shows in logs; usually read from the environment. */
  credentials?: { username: string; password: string };
  collectionPrefix?: string;
  /** How long an operation waits for a reachable server before the alert node reports an outage. */
  serverSelectionTimeoutMs?: number;
}

export interface ResolvedMongoStore {
  url: string;
  database: string;
  credentials?: { username: string; password: string };
  collectionPrefix: string;
  serverSelectionTimeoutMs: number;
}

export interface KafkaBusSettings {
  /** `host:port` list, as an array or comma-separated. */
  brokers?: string[] | string;
  topic?: string;
  clientId?: string;
  /** This runtime's consumer group; by default derived from `instance`, so keep `instance` stable. */
  groupId?: string;
  partitions?: number;
  ssl?: boolean | KafkaTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export interface ResolvedKafkaBus {
  brokers: string[];
  topic: string;
  clientId: string;
  groupId: string;
  partitions: number;
  ssl?: boolean | KafkaTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

function fail(message: string): never {
  throw new Error(`impetus settings: ${message}`);
}

export function resolveMongoStore(raw: MongoStoreSettings): ResolvedMongoStore {
  if (typeof raw.url !== 'string' || !/^mongodb(\+srv)?:\/\//.test(raw.url)) fail('store.url must be a mongodb:// URL when store.type is mongodb');
  const database = raw.database ?? 'impetus';
  if (typeof database !== 'string' || !/^[^/\\. "$]{1,63}$/.test(database)) fail('store.database must be a MongoDB database name');
  if (raw.credentials && (typeof raw.credentials.username !== 'string' || typeof raw.credentials.password !== 'string')) {
    fail('store.credentials needs a username and a password');
  }
  const timeout = raw.serverSelectionTimeoutMs ?? 5000;
  if (!Number.isInteger(timeout) || timeout <= 0) fail('store.serverSelectionTimeoutMs must be a positive integer');
  return { url: raw.url, database, credentials: raw.credentials, collectionPrefix: raw.collectionPrefix ?? 'impetus_', serverSelectionTimeoutMs: timeout };
}

export function resolveKafkaBus(raw: KafkaBusSettings, instance: string): ResolvedKafkaBus {
  const brokers = (Array.isArray(raw.brokers) ? raw.brokers : String(raw.brokers ?? '').split(','))
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) fail('bus.brokers must name at least one host:port when bus.type is kafka');
  for (const b of brokers) if (!/^[^\s:]+:\d+$/.test(b)) fail(`bus.brokers entry ${b} is not host:port`);
  const partitions = raw.partitions ?? 6;
  if (!Number.isInteger(partitions) || partitions < 1) fail('bus.partitions must be a positive integer');
  const mechanisms: SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
  if (raw.sasl && !mechanisms.includes(raw.sasl.mechanism)) fail(`bus.sasl.mechanism must be one of ${mechanisms.join(', ')}`);
  const safe = instance.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    brokers,
    topic: raw.topic ?? 'impetus.lifecycle',
    clientId: raw.clientId ?? `impetus-${safe}`,
    groupId: raw.groupId ?? `impetus-bus-${safe}`,
    partitions,
    ssl: raw.ssl,
    sasl: raw.sasl,
  };
}
