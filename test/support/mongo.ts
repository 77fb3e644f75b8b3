import { MongoClient } from 'mongodb';
import { unique } from './services';

interface Openable {
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * A MongoDB adapter open on a database of its own, for a store contract: `reopen` opens a new
 * instance on the same database, `cleanup` closes it and drops the database.
 */
export async function mongoHarness<S extends Openable>(url: string, prefix: string, create: (database: string) => S) {
  const database = unique(prefix).replace(/-/g, '_');
  const make = async () => {
    const store = create(database);
    await store.open();
    return store;
  };
  let current = await make();
  return {
    store: current,
    async reopen() {
      await current.close();
      current = await make();
      return current;
    },
    async cleanup() {
      await current.close();
      await dropDatabase(url, database);
    },
  };
}
