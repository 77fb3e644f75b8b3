import { MongoOutboxStore } from '../../../nodes/platform/store/mongodb-outbox';
import { outboxStoreContract } from '../../contract/outbox-store.contract';
import { mongoHarness } from '../../support/mongo';
import { mongoUrl } from '../../support/services';

describe('MongoDB outbox (real server)', function () {
  this.timeout(60000);
  let url = '';
  before(function () {
    url = mongoUrl(this);
  });

  outboxStoreContract('mongodb', async () => ({
    ...(await mongoHarness(url, 'impetus_outbox', (database) => new MongoOutboxStore({ url, database }))),
    durable: true,
  }));
});
