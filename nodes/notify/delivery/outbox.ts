import type { Platform } from '../../platform/platform';
import { MongoOutboxStore } from '../../platform/store/mongodb-outbox';
import { SqliteAlertStore } from '../../platform/store/sqlite';
import { SqliteOutboxStore } from '../../platform/store/sqlite-outbox';
import type { OutboxStore } from '../../platform/store/types';

interface Shared {
  outbox: OutboxStore;
  users: number;
  opened: Promise<void>;
}

const shared = new WeakMap<Platform, Shared>();

/** The outbox adapter that sits beside the platform's alert store, in the same database. */
function createOutbox(platform: Platform): OutboxStore {
  const store = platform.store;
  if (store instanceof SqliteAlertStore) return new SqliteOutboxStore(store);
  const mongodb = platform.settings.store.mongodb;
  if (store.kind === 'mongodb' && mongodb) {
    return new MongoOutboxStore({
      url: mongodb.url,
      database: mongodb.database,
      credentials: mongodb.credentials,
      collectionPrefix: mongodb.collectionPrefix,
      serverSelectionTimeoutMs: mongodb.serverSelectionTimeoutMs,
    });
  }
  throw new Error(`the ${store.kind} alert store has no notification outbox`);
}

/**
 * The platform's outbox, shared by every chat connection of the runtime and opened once the
 * platform is ready. Reference-counted: the last `release` closes it (the MongoDB adapter
 * holds a client of its own).
 */
export async function acquireOutbox(platform: Platform): Promise<{ outbox: OutboxStore; release: () => Promise<void> }> {
  await platform.ready;
  let entry = shared.get(platform);
  if (!entry) {
    const outbox = createOutbox(platform);
    entry = { outbox, users: 0, opened: outbox.open() };
    shared.set(platform, entry);
  }
  entry.users++;
  const current = entry;
  try {
    await current.opened;
  } catch (err) {
    current.users--;
    if (shared.get(platform) === current) shared.delete(platform);
    throw err;
  }
  let released = false;
  return {
    outbox: current.outbox,
    release: async () => {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      if (shared.get(platform) === current) shared.delete(platform);
      await current.outbox.close();
    },
  };
}
