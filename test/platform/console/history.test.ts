/**
 * The alert history as the console's detail view reads it: each entry says what happened in
 * words an operator can act on, the comment's text included.
 */
import assert from 'node:assert/strict';
import { platformFor } from '../../../nodes/platform';
import { alertNodes, api, currentRed, load, useRuntime } from '../../support/nodered';
import { consoleSettings, runtime, toolData } from '../../support/console';

const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];

describe('console alert history', function () {
  useRuntime(() => consoleSettings());
  beforeEach(async () => {
    await load(alertNodes, flow);
    await runtime().ready;
  });

  it('gives a "commented" entry the comment it records (its text, author and time)', async () => {
    const { alert } = await platformFor(currentRed()).alerts.raise({ tool: 'firearm', event: 'Firearm detected', headline: 'sighting', severity: 'critical', zone: 'z1', data: toolData('firearm') });
    const operator = api('operator');
    await operator.post(`/impetus/api/alerts/${alert.id}/actions`).send({ action: 'comment', text: 'Patrol 7 on its way' }).expect(200);
    await operator.post(`/impetus/api/alerts/${alert.id}/actions`).send({ action: 'comment', text: 'Second camera confirms' }).expect(200);
    const history = (await operator.get(`/impetus/api/alerts/${alert.id}/history`).expect(200)).body as { entries: Array<{ action: string; by?: string; details?: { comment?: { text: string; by: string; at: string } } }> };
    const commented = history.entries.filter((e) => e.action === 'commented');
    assert.deepEqual(commented.map((e) => e.details?.comment?.text), ['Patrol 7 on its way', 'Second camera confirms']);
    for (const e of commented) {
      assert.equal(e.details?.comment?.by, e.by);
      assert.ok(e.details?.comment?.at);
    }
  });
});
