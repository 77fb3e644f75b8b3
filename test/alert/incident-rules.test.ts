import assert from 'node:assert/strict';
import { DEFAULT_RULES, platformFor } from '../../nodes/platform';
import { alertNodes, currentRed, helper, load, nextError, nextMessage, node, useRuntime } from '../support/nodered';

const SQUARE = [{ id: 'square', tools: ['firearm', 'anomaly'], context: ['workload'], windowMinutes: 10, distanceMeters: 200 }];

describe('impetus-incident-rules', function () {
  useRuntime();

  it('sets the grouping rules at deploy, replaces them from msg.payload, and gives the settings\' rules back on close', async () => {
    await load(alertNodes, [
      { id: 'rules', type: 'impetus-incident-rules', rules: JSON.stringify(SQUARE), wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const platform = platformFor(currentRed());
    assert.deepEqual(platform.incidents.currentRules.map((r) => r.id), ['square']);
    const out = nextMessage<{ payload: Array<{ id: string }> }>(node('out'));
    node('rules').receive({ payload: [{ id: 'night', tools: ['firearm'], windowMinutes: 60, distanceMeters: 500 }] });
    assert.deepEqual((await out).payload.map((r) => r.id), ['night']);
    const { alert } = await platform.alerts.raise({ tool: 'firearm', event: 'Firearm detected', zone: 'z', data: { camera: 'c', frame: { width: 1, height: 1 }, detections: [{ className: 'handgun', score: 0.9, box: [1, 1, 2, 2] }] } });
    assert.equal((await platform.incidents.get(alert.incidentId!))?.rule, 'night');
    // A digest rule from a flow: a low anomaly alone goes into it.
    const digested = nextMessage<{ payload: Array<{ id: string; digest?: unknown }> }>(node('out'));
    node('rules').receive({ payload: [...SQUARE, { id: 'low', tools: ['anomaly'], windowMinutes: 120, digest: { priorities: ['P4'] } }] });
    assert.deepEqual((await digested).payload.map((r) => [r.id, r.digest]), [['square', undefined], ['low', { priorities: ['P4'], groupBy: ['tool', 'event'] }]]);
    const low = (await platform.alerts.raise({ tool: 'anomaly', event: 'Traffic anomaly', zone: 'market', severity: 'low', urgency: 'Expected', certainty: 'Possible' })).alert;
    assert.deepEqual((await platform.incidents.get(low.incidentId!))?.digest?.labels, { tool: 'anomaly', event: 'Traffic anomaly' });
    // A redeploy without the node closes it.
    await helper.setFlows([{ id: 'other', type: 'helper' }], 'full');
    assert.deepEqual(platform.incidents.currentRules.map((r) => r.id), DEFAULT_RULES.map((r) => r.id));
  });

  it('refuses wrong rules with a clear error and keeps the rules in force', async () => {
    await load(alertNodes, [{ id: 'rules', type: 'impetus-incident-rules', rules: '', wires: [[]] }]);
    const platform = platformFor(currentRed());
    const before = platform.incidents.currentRules;
    for (const [payload, message] of [
      [[{ id: 'Bad Id', tools: ['firearm'], windowMinutes: 5 }], /id must be lower-case/],
      [[{ id: 'x', tools: [], windowMinutes: 5 }], /must name at least one tool/],
      [[{ id: 'x', tools: ['firearm'], windowMinutes: -1 }], /windowMinutes must be a number/],
      [[{ id: 'x', tools: ['anomaly'], windowMinutes: 60, digest: { priorities: ['P1'] } }], /may hold only P3 and P4/],
      ['not a list', /Unexpected token|not valid JSON|must be a non-empty list/],
      [[], /non-empty list/],
    ] as const) {
      const failed = nextError(node('rules'));
      node('rules').receive({ payload });
      assert.match(await failed, message);
      assert.equal(platform.incidents.currentRules, before);
    }
  });
});
