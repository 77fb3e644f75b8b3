/**
 * Depth and size limits at the alert node (issue 12): an oversize `data` is refused with a clear
 * error and nothing is stored; both limits come from the settings.
 */
import assert from 'node:assert/strict';
import { alertNodes, api, load, nextError, nextMessage, node, useRuntime } from '../support/nodered';

const flow = [
  { id: 'alert', type: 'impetus-alert', name: '', tool: 'firearm', severity: 'high', wires: [['out']] },
  { id: 'out', type: 'helper' },
];

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

async function stored(): Promise<number> {
  return (await api().get('/impetus/api/alerts').expect(200)).body.total;
}

describe('alert limits', function () {
  describe('defaults', function () {
    useRuntime();

    it('refuses a 10 MB data with a clear error and stores nothing', async () => {
      await load(alertNodes, flow);
      const error = nextError(node('alert'));
      node('alert').receive({ payload: { tool: 'limits-test', event: 'Deep data', zone: 'piazza', data: { blob: 'x'.repeat(10 * 1024 * 1024) } } });
      assert.match(await error, /\/data is larger than 256 KiB \(impetus\.limits\.alertData\)/);
      assert.equal(await stored(), 0);
    });

    it('refuses data nested deeper than 32 levels, takes 30', async () => {
      await load(alertNodes, flow);
      const error = nextError(node('alert'));
      node('alert').receive({ payload: { tool: 'limits-test', event: 'Deep data', zone: 'piazza', data: nested(40) } });
      assert.match(await error, /\/data is nested deeper than 32 levels/);
      const out = nextMessage(node('out'));
      node('alert').receive({ payload: { tool: 'limits-test', event: 'Deep data', zone: 'piazza', data: nested(30) } });
      await out;
      assert.equal(await stored(), 1);
    });

    it('refuses a message nested 10,000 levels before the node sees it', async () => {
      await load(alertNodes, flow);
      const error = nextError(node('alert'));
      node('alert').receive({ payload: { event: 'Firearm detected', data: nested(10_000) } });
      assert.match(await error, /message refused: msg\.payload is nested deeper than 64 levels/);
    });
  });

  describe('from the settings', function () {
    useRuntime(() => ({ limits: { alertData: { maxBytes: 1024 * 1024 }, message: { maxDepth: 8 } } }));

    it('takes a 512 KB data when alertData.maxBytes is 1 MiB, and refuses what message.maxDepth forbids', async () => {
      await load(alertNodes, flow);
      const out = nextMessage(node('out'));
      node('alert').receive({ payload: { tool: 'limits-test', event: 'Deep data', zone: 'piazza', data: { blob: 'x'.repeat(512 * 1024) } } });
      await out;
      const error = nextError(node('alert'));
      node('alert').receive({ payload: { tool: 'limits-test', event: 'Deep data', zone: 'piazza', data: nested(8) } });
      assert.match(await error, /nested deeper than 8 levels/);
      assert.equal(await stored(), 1);
    });
  });
});
