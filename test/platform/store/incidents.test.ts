import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoIncidentStore } from '../../../nodes/platform/store/mongodb-incidents';
import { SqliteAlertStore } from '../../../nodes/platform/store/sqlite';
import { SqliteIncidentStore } from '../../../nodes/platform/store/sqlite-incidents';
import { incidentStoreContract } from '../../contract/incident-store.contract';
import { mongoHarness } from '../../support/mongo';
import { mongoUrl } from '../../support/services';

incidentStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-incidents-'));
  const file = path.join(dir, 'alerts.db');
  const open = async () => {
    const alerts = new SqliteAlertStore({ file });
    await alerts.open();
    const incidents = new SqliteIncidentStore(alerts);
    await incidents.open();
    return { alerts, incidents };
  };
  let current = await open();
  return {
    store: current.incidents,
    async reopen() {
      await current.incidents.close();
      await current.alerts.close();
      current = await open();
      return current.incidents;
    },
    async cleanup() {
      await current.incidents.close();
      await current.alerts.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('MongoDB incident store (real server)', function () {
  this.timeout(60000);
  let url = '';
  before(function () {
    url = mongoUrl(this);
  });
  incidentStoreContract('mongodb', () => mongoHarness(url, 'inc_contract', (database) => new MongoIncidentStore({ url, database })));
});
