/**
 * What the MongoDB stores that sit beside the alert store (the notification outbox, the
 * incidents) share: their options, the check of those options, and the connection into the alert
 * store's database with its collection prefix.
 */
import type { Db, MongoClientOptions } from 'mongodb';
import { MongoClient } from 'mongodb';

export interface MongoBesideOptions {
  url: string;
  database: string;
  credentials?: { username: string; password: string };
  /** The alert store's prefix: these collections sit beside its collections. Default `impetus_`. */
  collectionPrefix?: string;
  serverSelectionTimeoutMs?: number;
}

/** Refuses a store's options without a mongodb:// URL or a database name, naming the store. */
export function checkMongoOptions(options: { url?: unknown; database?: unknown } | undefined, store: string): void {
  if (typeof options?.url !== 'string' || !/^mongodb(\+srv)?:\/\//.test(options.url)) throw new TypeError(`${store} needs a mongodb:// URL`);
  if (typeof options.database !== 'string' || options.database === '') throw new TypeError(`${store} needs a database name`);
}

/** A connected client on the alert store's database, and the prefix for the collections' names. */
export async function connectBeside(options: MongoBesideOptions, extra: MongoClientOptions = {}): Promise<{ client: MongoClient; db: Db; prefix: string }> {
  const { credentials } = options;
  const client = new MongoClient(options.url, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
    ...extra,
    ...(credentials ? { auth: { username: credentials.username, password: credentials.password } } : {}),
  });
  await client.connect();
  return { client, db: client.db(options.database), prefix: options.collectionPrefix ?? 'impetus_' };
}
