import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { closePlatforms } from '../../nodes/platform';
import { alertNodes, collect, ctiNodes, helper, load, nextError, node, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const debugNode = require('@node-red/nodes/core/common/21-debug.js');

type Msg = { payload: Record<string, unknown>; [k: string]: unknown };
type FlowNode = Record<string, unknown> & { id: string; type: string };

const example = (): FlowNode[] => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'impetus-cti-match.json'), 'utf8')) as FlowNode[];
const shipped = (id: string): FlowNode => example().find((n) => n.id === id)!;
const injected = (id: string): unknown => JSON.parse(String(shipped(id).payload));

/** The example's match node wired to helpers: drafts, stored alerts, withdrawals and resolved alerts. */
function flow(config: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'f', type: 'tab', label: 'cti' },
    { ...shipped('ex-cti-match'), z: 'f', id: 'm', ...config, wires: [['drafts', 'alert'], ['withdrawals', 'act']] },
    { id: 'drafts', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'withdrawals', z: 'f', type: 'helper' },
    { id: 'act', z: 'f', type: 'impetus-alert-action', action: 'msg', wires: [['resolved']] },
    { id: 'resolved', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['m'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const statuses = (id: string): Array<{ fill?: string; text?: string }> => {
  const seen: Array<{ fill?: string; text?: string }> = [];
  node(id).on('call:status', ((call: { args: Array<{ fill?: string; text?: string }> }) => seen.push(call.args[0])) as never);
  return seen;
};

describe('impetus-cti-match', function () {
  const userDir = useRuntime();

  it('raises the example bundle\'s look-alike of the city portal, and resolves it when the source revokes the indicator', async () => {
    await load([...alertNodes, ...ctiNodes, catchNode], flow());
    const stored = collect<Msg>('stored');
    const withdrawals = collect<Msg>('withdrawals');
    const resolved = collect<Msg>('resolved');
    node('m').receive({ payload: injected('ex-cti-i1') });
    await waitFor(() => stored.length === 1, 'the look-alike alert stored');
    const alert = stored[0].payload as unknown as Alert;
    const data = alert.data as { match: { how: string; ofDomain: string }; asset: { id: string; criticality: string }; intel: { confidence: number; tlp: string } };
    assert.equal(alert.tool, 'cti');
    assert.equal(data.match.how, 'lookalike');
    assert.equal(data.match.ofDomain, 'city-portal.eu');
    assert.deepEqual([data.asset.id, data.asset.criticality, alert.tlp, data.intel.tlp, data.intel.confidence], ['portal', 'critical', 'amber', 'amber', 80]);

    node('m').receive({ payload: injected('ex-cti-i2') });
    await waitFor(() => resolved.length === 1, 'the alert resolved through impetus-alert-action');
    assert.equal(withdrawals[0].action, 'resolve');
    assert.equal(withdrawals[0].alertId, alert.id);
    const after = resolved[0].payload as unknown as Alert;
    assert.equal(after.state, 'resolved');
    assert.match(String(after.resolved?.reason), /withdrawn by national CERT \(example\): c1ty-portal\.eu/);
    assert.equal(stored.length, 1, 'the revoked indicator raised nothing new');

    // Withdrawn again: nothing open is left, so nothing goes out.
    node('m').receive({ payload: injected('ex-cti-i2') });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(withdrawals.length, 1);
  });

  it('reads MISP events, indicators in the one shape and plain lists, and keeps allow-listed values out', async () => {
    await load([...alertNodes, ...ctiNodes, catchNode], flow({
      allowList: JSON.stringify([{ value: 'cityportal.eu', reason: 'our own redirect domain, registered 2019' }]),
    }));
    const drafts = collect<Msg>('drafts');
    const seen = statuses('m');
    const misp = { Event: { uuid: '5c1c1e0a-0000-4000-8000-000000000001', info: 'Credential dump', Tag: [{ name: 'tlp:red' }], Attribute: [
      { uuid: 'a1', type: 'email-src', value: 'j.doe@city-portal.eu', to_ids: true },
      { uuid: 'a2', type: 'domain', value: 'cityportal.eu', to_ids: true },
    ] } };
    node('m').receive({ payload: [misp, { kind: 'ip', value: '198.51.100.7', source: 'ISAC', tlp: 'TLP:GREEN', confidence: 90 }] });
    node('m').receive({ payload: '# blocklist\ncity-portal.eu.login-check.com\nexample.org\n' });
    await waitFor(() => drafts.length === 3, 'three drafts');
    const hows = drafts.map((d) => (d.payload.data as { match: { how: string } }).match.how).sort();
    assert.deepEqual(hows, ['email-domain', 'ip', 'lookalike']);
    const leak = drafts.find((d) => (d.payload.data as { match: { how: string } }).match.how === 'email-domain')!;
    assert.equal((leak.payload as { tlp?: string }).tlp, 'red', 'the intelligence\'s TLP:RED is the alert\'s marking');
    assert.ok(!drafts.some((d) => JSON.stringify(d.payload).includes('"cityportal.eu"')), 'the allow-listed omission is not raised');
    await waitFor(() => /1 allowed/.test(String(seen.at(-1)?.text)), 'the allowed match counted in the status');
  });

  it('a false positive from the console allows the indicator on that asset, audited, and kept across a restart', async () => {
    await load([...alertNodes, ...ctiNodes, catchNode], flow());
    const drafts = collect<Msg>('drafts');
    const stored = collect<Msg>('stored');
    const caught = collect<Msg>('caught');
    const logged: string[] = [];
    node('m').on('call:log', ((call: { args: unknown[] }) => logged.push(String(call.args[0]))) as never);
    node('m').receive({ payload: injected('ex-cti-i1') });
    await waitFor(() => stored.length === 1, 'the look-alike alert stored');
    const alert = stored[0].payload as unknown as Alert;

    // What the demo's "False positive" button sends: the resolution to impetus-alert-action, the allow to the match.
    const reason = 'False positive: c1ty-portal.eu is our own typo domain (console)';
    node('act').receive({ action: 'resolve', alertId: alert.id, actor: 'cyber-ana', reason });
    node('m').receive({ action: 'allow', alertId: alert.id, actor: 'cyber-ana', reason });
    const file = path.join(userDir(), 'impetus-cti-allow', 'm.json');
    await waitFor(() => fs.existsSync(file), 'the allow-list entry persisted');
    const [entry] = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
    assert.deepEqual([entry.value, entry.asset, entry.reason, entry.by, entry.alertId], ['c1ty-portal.eu', 'portal', reason, 'cyber-ana', alert.id]);
    assert.ok(logged.some((l) => l.includes('cyber-ana') && l.includes(reason)), 'who and why in the log');
    node('m').receive({ payload: injected('ex-cti-i1') });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(drafts.length, 1, 'the same indicator on the same asset is not raised again');

    // A message that names no CTI alert fails, for a Catch node.
    node('m').receive({ action: 'allow', alertId: 'nope', actor: 'cyber-ana', reason });
    await waitFor(() => caught.length === 1, 'an unknown alert refused');
    assert.match(String((caught[0].error as { message: string }).message), /nope is not a CTI alert/);

    // After a restart the entry still holds.
    await helper.unload();
    await closePlatforms();
    await load([...alertNodes, ...ctiNodes, catchNode], flow());
    const again = collect<Msg>('drafts');
    const seen = statuses('m');
    node('m').receive({ payload: injected('ex-cti-i1') });
    await waitFor(() => /1 allowed/.test(String(seen.at(-1)?.text)), 'the match allowed after the restart');
    assert.equal(again.length, 0);
  });

  it('the editor lists the console\'s false positives and removes one: the indicator is raised again at once', async () => {
    await load([...alertNodes, ...ctiNodes, catchNode], flow());
    const stored = collect<Msg>('stored');
    const drafts = collect<Msg>('drafts');
    node('m').receive({ payload: injected('ex-cti-i1') });
    await waitFor(() => stored.length === 1, 'the look-alike alert stored');
    const alert = stored[0].payload as unknown as Alert;
    const reason = 'False positive: our own typo domain (console)';
    node('m').receive({ action: 'allow', alertId: alert.id, actor: 'cyber-ana', reason });
    const file = path.join(userDir(), 'impetus-cti-allow', 'm.json');
    await waitFor(() => fs.existsSync(file), 'the allow-list entry persisted');

    const listed = (await helper.request().get('/impetus-cti-match/m/allow-list').expect(200)).body as { entries: Array<Record<string, unknown>> };
    assert.equal(listed.entries.length, 1);
    const [entry] = listed.entries;
    assert.deepEqual([entry.value, entry.asset, entry.reason, entry.by, entry.alertId], ['c1ty-portal.eu', 'portal', reason, 'cyber-ana', alert.id]);
    assert.ok(!Number.isNaN(Date.parse(String(entry.at))), 'when it was added');

    // Refusals: a bad node id, no value, an entry that is not there.
    await helper.request().get('/impetus-cti-match/m%2F..%2Fx/allow-list').expect(400);
    await helper.request().delete('/impetus-cti-match/m/allow-list').expect(400);
    await helper.request().delete('/impetus-cti-match/m/allow-list').query({ value: 'c1ty-portal.eu', asset: 'other' }).expect(404);

    await helper.request().delete('/impetus-cti-match/m/allow-list').query({ value: 'c1ty-portal.eu', asset: 'portal' }).expect(204);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), [], 'gone from the file');
    assert.deepEqual((await helper.request().get('/impetus-cti-match/m/allow-list').expect(200)).body, { entries: [] });
    // The deployed node matches without it at once: the resolved alert's indicator raises a new one.
    node('act').receive({ action: 'resolve', alertId: alert.id, actor: 'cyber-ana', reason });
    await new Promise((r) => setTimeout(r, 200));
    node('m').receive({ payload: injected('ex-cti-i1') });
    await waitFor(() => drafts.length === 2, 'raised again after the removal');

    // A node that is not deployed (disabled, or a new one): the file is read and written directly.
    const other = path.join(userDir(), 'impetus-cti-allow', 'not-deployed.json');
    fs.writeFileSync(other, JSON.stringify([{ value: 'a.example', reason: 'r', by: 'x', at: new Date().toISOString(), alertId: 'a1' }, { value: 'b.example', asset: 'portal', reason: 'r' }]));
    assert.equal((await helper.request().get('/impetus-cti-match/not-deployed/allow-list').expect(200)).body.entries.length, 2);
    await helper.request().delete('/impetus-cti-match/not-deployed/allow-list').query({ value: 'a.example' }).expect(204);
    assert.deepEqual((JSON.parse(fs.readFileSync(other, 'utf8')) as Array<{ value: string }>).map((e) => e.value), ['b.example']);
    assert.deepEqual((await helper.request().get('/impetus-cti-match/never/allow-list').expect(200)).body, { entries: [] });
  });

  it('reads the register from a file under the user directory', async () => {
    const register = JSON.parse(String(shipped('ex-cti-match').register)) as Record<string, unknown>;
    fs.writeFileSync(path.join(userDir(), 'assets.json'), JSON.stringify(register));
    await load([...alertNodes, ...ctiNodes, catchNode], flow({ registerFrom: 'file', registerFile: 'assets.json', register: '' }));
    const drafts = collect<Msg>('drafts');
    node('m').receive({ payload: { kind: 'domain', value: 'www.city-portal.eu' } });
    await waitFor(() => drafts.length === 1, 'the subdomain draft');
  });

  it('passes what it can read, and fails the message naming each item it cannot', async () => {
    await load([...alertNodes, ...ctiNodes, catchNode], flow());
    const drafts = collect<Msg>('drafts');
    const caught = collect<Msg>('caught');
    const seen = statuses('m');
    node('m').receive({ payload: [{ kind: 'domain', value: 'city-portal.eu' }, 42, { kind: 'domain', value: 'x.eu', tlp: 'purple' },
      { type: 'indicator', id: 'indicator--1', pattern: "[domain-name:value = 'a'", pattern_type: 'stix' }] });
    await waitFor(() => caught.length === 1, 'the failure caught');
    assert.equal(drafts.length, 1);
    const message = String((caught[0].error as { message: string }).message);
    assert.match(message, /3 items could not be read/);
    assert.match(message, /\[1\]: not a STIX object/);
    assert.match(message, /\[2\]: tlp 'purple'/);
    assert.ok(seen.some((s) => s.fill === 'red'), 'a red status');
  });

  for (const [what, config, expected] of [
    ['a register that is not JSON', { register: '{"organisation": ' }, /asset register is not JSON/],
    ['a register that breaks the schema', { register: JSON.stringify({ organisation: 'X', domains: [{ id: 'd', name: 'not a domain', criticality: 'high' }] }) }, /asset register: \/domains\/0/],
    ['a missing register file', { registerFrom: 'file', registerFile: 'nowhere.json' }, /cannot read .*nowhere\.json/],
    ['an allow-list entry without its reason', { allowList: '[{"value": "a.eu"}]' }, /allow-list \[0\]: reason is required/],
  ] as const) {
    it(`refuses ${what} with a red status, and fails every message with the error`, async () => {
      await load([...alertNodes, ...ctiNodes, catchNode], flow(config));
      const error = nextError(node('m'));
      node('m').receive({ payload: { kind: 'domain', value: 'city-portal.eu' } });
      assert.match(await error, expected);
    });
  }

  it('the example flow runs as shipped', async () => {
    const flowWithProbe = example().map((n) => (n.id === 'ex-cti-alert' ? { ...n, wires: [['probe']] } : n));
    await load([...alertNodes, ...ctiNodes, injectNode, debugNode], [...flowWithProbe, { id: 'probe', z: 'ex-cti-tab', type: 'helper' }]);
    const stored = collect<Msg>('probe');
    (helper.getNode('ex-cti-i1') as unknown as { receive: (m: object) => void }).receive({});
    await waitFor(() => stored.length === 1, 'the example\'s look-alike alert');
    (helper.getNode('ex-cti-i3') as unknown as { receive: (m: object) => void }).receive({});
    await waitFor(() => stored.length === 3, 'the alerts of the shipped list: a combosquat and a DMZ address');
    assert.deepEqual(stored.slice(1).map((m) => (m.payload.data as { match: { how: string } }).match.how).sort(), ['ip', 'lookalike']);
  });
});
