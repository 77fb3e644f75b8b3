import { MongoClient } from 'mongodb';
import { MongoOutboxStore } from '../../nodes/platform/store/mongodb-outbox';
import { outboxStoreContract } from '../contract/outbox-store.contract';
import { mongoUrl, unique } from '../support/services';

describe('MongoDB outbox (real server)', function () {
  this.timeout(60000);
  let url = '';
  before(function () {
    url = mongoUrl(this);
  });

  outboxStoreContract('mongodb', async () => {
    const database = unique('impetus_outbox').replace(/-/g, '_');
    const make = async () => {
      const store = new MongoOutboxStore({ url, database });
      await store.open();
      return store;
    };
    let current = await make();
    return {
      store: current,
      durable: true,
      async reopen() {
        await current.close();
        current = await make();
        return current;
      },
      async cleanup() {
        await current.close();
        const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
        try {
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
});
