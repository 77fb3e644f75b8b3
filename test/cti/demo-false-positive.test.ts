/**
 * The demo's false-positive wiring, end to end, with the demo's own nodes (flows/demo.json): the
 * exercise's look-alike of the city portal raises a CTI alert; it reaches the CTI page's table
 * (impetus-alert-events → row → table); the cyber analyst presses "False positive" through the
 * console's panel route; the function resolves the alert under her name (impetus-alert-action) and,
 * through the link out / link in pair, the demo's impetus-cti-match allow-lists the indicator on that
 * asset; the same intelligence sent again raises nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { consoleSettings } from '../support/console';
import { allNodes, api, currentRed, load, node, useRuntime, waitFor } from '../support/nodered';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };

const demo = (): FlowNode[] => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as FlowNode[];

/** The intelligence the demo's exercise sends to its CTI match (output `cti`). */
function exerciseIntel(): unknown {
  const exercise = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo-exercise.json'), 'utf8')) as { events: Array<{ output: string; payload: unknown }> };
  const event = exercise.events.find((e) => e.output === 'cti');
  assert.ok(event, 'the demo exercise sends threat intelligence');
  return event.payload;
}

/** The demo's CTI nodes on both tabs, as shipped; the match's drafts go to the demo's alert node, which goes nowhere else here. */
function flow(): FlowNode[] {
  const ids = new Set(['demo-tab', 'demo-console', 'demo-cti-match', 'demo-alert', 'demo-cti-allow-in', 'dc-cti-events', 'dc-cti-row', 'dc-cti-tlp', 'dc-cti-table', 'dc-cti-red', 'dc-cti-action', 'dc-act', 'dc-cti-allow-out']);
  const nodes = demo().filter((n) => ids.has(n.id));
  assert.equal(nodes.length, ids.size, 'every node of the wiring is in the demo');
  return nodes.map((n) => (n.id === 'demo-alert' ? { ...n, wires: [[]] } : n));
}

describe('the demo\'s false positive, from the console button to the CTI match', function () {
  const userDir = useRuntime(() => consoleSettings());

  it('resolves the alert under the analyst\'s name, allow-lists the indicator on its asset, and the same intelligence no longer raises', async () => {
    await load(allNodes, flow());
    const platform = platformFor(currentRed());
    await platform.ready;
    const matchStatus: Array<{ text?: string }> = [];
    node('demo-cti-match').on('call:status', ((call: { args: Array<{ text?: string }> }) => matchStatus.push(call.args[0])) as never);

    node('demo-cti-match').receive({ payload: exerciseIntel(), exercise: true });
    let alert: Alert | undefined;
    await waitFor(async () => {
      alert = (await platform.store.query({ tool: 'cti' })).items[0];
      return alert !== undefined;
    }, 'the look-alike alert stored');
    assert.equal((alert!.data as { match: { how: string } }).match.how, 'lookalike');
    const cyber = api('cyber');
    // The row reaches the CTI page's table through the demo's wiring.
    await waitFor(async () => {
      const res = await cyber.get('/impetus/api/pages/cti');
      const table = (res.body.panels as Array<{ id: string; data: { rows: Array<{ alertId: string }> } }> | undefined)?.find((p) => p.id === 'dc-cti-table');
      return !!table?.data.rows.some((r) => r.alertId === alert!.id);
    }, 'the alert\'s row on the CTI page');

    // Roles the table does not let act are refused; the cyber analyst's press goes through.
    await api('supervisor').post('/impetus/api/panels/dc-cti-table/actions').send({ action: 'false-positive', key: alert!.id }).expect(403);
    await cyber.post('/impetus/api/panels/dc-cti-table/actions').send({ action: 'false-positive', key: alert!.id }).expect(204);

    await waitFor(async () => (await platform.store.get(alert!.id))?.state === 'resolved', 'the alert resolved');
    const resolved = (await platform.store.get(alert!.id))!;
    assert.equal(resolved.resolved?.by, 'test-cyber');
    assert.match(String(resolved.resolved?.reason), /^False positive: c1ty-portal\.eu is not a threat to /);
    const file = path.join(userDir(), 'impetus-cti-allow', 'demo-cti-match.json');
    await waitFor(() => fs.existsSync(file), 'the allow-list entry kept for the demo\'s match node');
    const [entry] = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
    assert.deepEqual([entry.value, entry.asset, entry.by, entry.alertId, entry.reason], ['c1ty-portal.eu', 'portal', 'test-cyber', alert!.id, resolved.resolved?.reason]);
    // The row shows the new state.
    await waitFor(async () => {
      const table = ((await cyber.get('/impetus/api/pages/cti')).body.panels as Array<{ id: string; data: { rows: Array<{ alertId: string; state: string }> } }>).find((p) => p.id === 'dc-cti-table');
      return table?.data.rows.find((r) => r.alertId === alert!.id)?.state === 'resolved';
    }, 'the row resolved');

    // The same intelligence again: allowed, not raised (a resolved alert would otherwise come back as a new one).
    node('demo-cti-match').receive({ payload: exerciseIntel(), exercise: true });
    await waitFor(() => /1 allowed/.test(String(matchStatus.at(-1)?.text)), 'the match counted as allowed');
    assert.match(String(matchStatus.at(-1)?.text), /1 alerts/, 'only the first sending raised an alert');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await platform.store.query({ tool: 'cti' })).total, 1, 'no new CTI alert');
  });
});
