import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { alertNodes, collect as collectFrom, helper, load, logLines, nextError, node, useRuntime, waitFor } from '../support/nodered';
import { assertFinite } from './finite';

const evacuationNode = require('../../nodes/evacuation/impetus-evacuation');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Record<string, unknown>; topic?: string; [k: string]: unknown };
type PlanPayload = {
  rset?: { totalSeconds: number; premovementSeconds: number; travelSeconds: number; queuingSeconds: number };
  noExit: Array<{ areaId: string; people: number }>;
  exits: Array<{ exitId: string; open: boolean; people: number }>;
  closed: string[];
  people: number;
  confidence: number;
  gateway?: { exitId: string; approach: string[] };
  whatIf?: unknown;
  scenarioGuideline?: { text: string };
  guideline: string;
  planMs: number;
};

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'f', type: 'tab', label: 'evacuation' },
    { id: 'ev', z: 'f', type: 'impetus-evacuation', siteFile: 'padova-piazza-dei-signori.geojson', debounce: 0, timeZone: 'Europe/Rome', ...config, wires: [['plans'], ['alert'], ['maps'], ['state'], ['clear'], ['routes'], ['whatIfs']] },
    { id: 'plans', z: 'f', type: 'helper' },
    { id: 'whatIfs', z: 'f', type: 'helper' },
    { id: 'clear', z: 'f', type: 'helper' },
    { id: 'routes', z: 'f', type: 'helper' },
    { id: 'maps', z: 'f', type: 'helper' },
    { id: 'state', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['ev'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const collect = (id: string) => collectFrom<Msg>(id);
const nodes = [...alertNodes, evacuationNode, catchNode];
const counts = (west: number, east: number) => ({
  payload: [
    { ts: Date.now(), sensorId: 'cam-west', variable: 'occupancy', value: west, zone: 'signori-west' },
    { ts: Date.now(), sensorId: 'cam-east', variable: 'occupancy', value: east, zone: 'signori-east' },
  ],
});

/** The node with `config`, these counts, and the first alert they raise. */
async function firstAlert(config: Record<string, unknown>, west: number, east: number) {
  await load(nodes, flow(config));
  const plans = collect('plans');
  const stored = collect('stored');
  node('ev').receive(counts(west, east));
  await waitFor(() => stored.length === 1, 'the alert');
  return { plans, stored, alert: stored[0].payload as unknown as Alert };
}

describe('impetus-evacuation', function () {
  const userDir = useRuntime();

  it('plans from camera counts after the debounce: RSET split, exits, gateway, map and state', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const maps = collect('maps');
    const state = collect('state');
    node('ev').receive(counts(1800, 1200));
    await waitFor(() => plans.length === 1, 'the plan');
    const plan = plans[0].payload as unknown as PlanPayload;
    assert.equal(plans[0].topic, 'evacuation/plan');
    assert.equal(plan.people, 3000);
    assert.ok(plan.rset);
    assert.equal(plan.rset.premovementSeconds, 60);
    assert.equal(Math.round(plan.rset.totalSeconds), Math.round(plan.rset.premovementSeconds + plan.rset.travelSeconds + plan.rset.queuingSeconds));
    assert.equal(plan.exits.reduce((s, e) => s + e.people, 0), 3000);
    assert.ok(plan.gateway && plan.gateway.approach[0] === plan.gateway.exitId, JSON.stringify(plan.gateway));
    assert.equal(plan.confidence, 1);
    assertFinite(plan, 'plan');
    const fc = maps[0].payload as { type: string; features: Array<{ properties: { kind: string; color?: string } }> };
    assert.equal(fc.type, 'FeatureCollection');
    assert.deepEqual([...new Set(fc.features.map((f) => f.properties.kind))].sort(), ['approach', 'area', 'exit', 'route', 'route-arrow']);
    assert.equal(state.at(-1)?.payload.state, 'ok');
  });

  it('a closure that cuts people off raises a P1 "No exit", with no infinite time anywhere', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const stored = collect('stored');
    node('ev').receive(counts(1000, 500));
    await waitFor(() => plans.length === 1, 'the first plan');
    node('ev').receive({ payload: { action: 'close', ids: ['exit-sauro', 'exit-manin', 'signori-middle'] } });
    await waitFor(() => stored.length === 1, 'the alert');
    const alert = stored[0].payload as unknown as Alert;
    assert.equal(alert.priority, 'P1');
    assert.equal(alert.event, 'No exit');
    assert.match(alert.headline, /^No way out for 500 people in Piazza dei Signori, east half/);
    const plan = plans.at(-1)?.payload as unknown as PlanPayload;
    assert.equal(plan.rset, undefined);
    assert.deepEqual(plan.noExit, [{ areaId: 'signori-east', people: 500 }]);
    assertFinite(plan, 'plan');
    // The same situation again is not drafted again.
    node('ev').receive({ payload: { action: 'plan' } });
    await waitFor(() => plans.length === 3, 'the re-plan');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(stored.length, 1);
  });

  it('crossing the time limit drafts a P2 once; a what-if changes nothing and alerts nobody', async () => {
    const { plans, stored, alert } = await firstAlert({ limitSeconds: 90 }, 1800, 1200);
    assert.equal(alert.priority, 'P2');
    assert.equal(alert.event, 'Evacuation above limits');
    assert.equal((alert.data as { kind: string }).kind, 'limit');
    const before = plans.at(-1)?.payload as unknown as PlanPayload;
    node('ev').receive({ payload: { action: 'whatIf', close: ['exit-dante'], add: { 'signori-west': 500 } } });
    await waitFor(() => plans.length === 2, 'the what-if');
    const whatIf = plans[1].payload as unknown as PlanPayload;
    assert.equal(plans[1].topic, 'evacuation/what-if');
    assert.equal(whatIf.people, 3500);
    assert.deepEqual(whatIf.closed, ['exit-dante']);
    assert.ok((whatIf.rset?.totalSeconds ?? 0) > (before.rset?.totalSeconds ?? Infinity));
    node('ev').receive({ payload: { action: 'plan' } });
    // The live plan, and beside it the what-if still on show.
    await waitFor(() => plans.length === 4, 'the live plan and the what-if');
    assert.equal(plans[2].topic, 'evacuation/plan');
    assert.deepEqual((plans[2].payload as unknown as PlanPayload).closed, []);
    assert.equal(plans[3].topic, 'evacuation/what-if');
    assert.equal(stored.length, 1);
  });

  it('an area counted above its capacity raises an alert naming it, updated as the crowd grows', async () => {
    // Within the time and risk limits, so the capacity alert is the only one.
    const { plans, stored, alert } = await firstAlert({ limitSeconds: 86_400, maxRisk: 100 }, 5000, 100);
    assert.equal(alert.event, 'Area over capacity');
    assert.equal(alert.priority, 'P2');
    assert.equal(alert.headline, 'Over capacity: Piazza dei Signori, west half (clock tower side) holds 5000 people, capacity 4618');
    assert.deepEqual((plans.at(-1)?.payload as { overCapacity: unknown }).overCapacity, [{ areaId: 'signori-west', people: 5000, capacity: 4618 }]);
    // The same crowd again drafts nothing; one 10 % larger updates the same alert.
    node('ev').receive(counts(5050, 100));
    await waitFor(() => plans.length === 2, 'the second plan');
    node('ev').receive(counts(5600, 100));
    await waitFor(() => stored.length === 2, 'the update');
    const updated = stored[1].payload as unknown as Alert;
    assert.equal(updated.id, alert.id);
    assert.match(updated.headline, /holds 5600 people, capacity 4618$/);
  });

  it('refuses negative, absurd and unplaced counts with done(err), keeping the good ones', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    let error = nextError(node('ev'));
    node('ev').receive({
      payload: [
        { sensorId: 'cam-west', variable: 'occupancy', value: 100, zone: 'signori-west' },
        { sensorId: 'cam-east', variable: 'occupancy', value: -4, zone: 'signori-east' },
        { sensorId: 'cam-east', variable: 'occupancy', value: 1e7, zone: 'signori-east' },
        { sensorId: 'cam-x', variable: 'occupancy', value: 3, zone: 'elsewhere' },
        { sensorId: 'cam-y', variable: 'temperature', value: 3, zone: 'signori-east' },
        'junk',
      ],
    });
    const err = await error;
    assert.match(err, /5 of 6 readings rejected/);
    assert.match(err, /negative occupancy -4/);
    assert.match(err, /refused as absurd/);
    await waitFor(() => plans.length === 1, 'the plan of the good reading');
    assert.equal((plans[0].payload as unknown as PlanPayload).people, 100);
    error = nextError(node('ev'));
    node('ev').receive({ payload: { action: 'close', ids: ['no-such-exit'] } });
    assert.match(await error, /no exit or link "no-such-exit"/);
    error = nextError(node('ev'));
    node('ev').receive({ payload: { action: 'add', add: { 'signori-west': 'lots' } } });
    assert.match(await error, /people to add in "signori-west" must be a number/);
  });

  it('an invalid site refuses every message with the reasons', async () => {
    const site = { siteId: 's', name: 's', areas: [{ id: 'a', areaM2: 10 }, { id: 'b', areaM2: 10 }], exits: [{ id: 'x' }], links: [{ id: 'd', kind: 'door', from: 'a', to: 'x', widthM: 2, wallWidthM: 1 }] };
    await load(nodes, flow({ siteJson: JSON.stringify(site) }));
    const error = nextError(node('ev'));
    node('ev').receive(counts(1, 1));
    const err = await error;
    assert.match(err, /door "d" is 2 m wide, wider than its wall \(1 m\)/);
  });

  it('the edit dialog\'s check answers every problem a deploy would refuse the site for, or what the site holds', async () => {
    await load(nodes, flow());
    const check = async (body: object) => (await helper.request().post('/impetus-evacuation/check-site').send(body).expect(200)).body as { ok: boolean; problems?: string[]; summary?: Record<string, unknown> };
    const shipped = await check({ siteFile: 'padova-piazza-dei-signori.geojson' });
    assert.equal(shipped.ok, true);
    assert.equal(shipped.summary?.siteId, 'padova-piazza-dei-signori');
    assert.ok(Number(shipped.summary?.areas) > 1 && Number(shipped.summary?.exits) > 1 && Number(shipped.summary?.areaM2) > 1000, JSON.stringify(shipped.summary));
    // As the node names them: a door wider than its wall; with the door fixed, the area it leaves cut off.
    const site = { siteId: 's', name: 's', areas: [{ id: 'a', areaM2: 10 }, { id: 'b', areaM2: 10 }], exits: [{ id: 'x' }], links: [{ id: 'd', kind: 'door', from: 'a', to: 'x', widthM: 2, wallWidthM: 1 }] };
    const bad = await check({ siteJson: JSON.stringify(site), siteFile: 'padova-piazza-dei-signori.geojson' });
    assert.equal(bad.ok, false, 'the pasted JSON wins over the file, as in the node');
    assert.deepEqual(bad.problems, ['door "d" is 2 m wide, wider than its wall (1 m)']);
    site.links[0].wallWidthM = 3;
    assert.deepEqual((await check({ siteJson: JSON.stringify(site) })).problems, ['no way out from area "b"']);
    assert.match((await check({ siteJson: '{"areas": [' })).problems?.[0] ?? '', /the site JSON does not parse/);
    assert.match((await check({ siteFile: 'no-such-site.geojson' })).problems?.[0] ?? '', /no site file no-such-site\.geojson/);
    assert.match((await check({})).problems?.[0] ?? '', /no site: choose a site file or paste the site JSON/);
    await helper.request().post('/impetus-evacuation/check-site').send({ siteJson: { areas: [] } }).expect(400);
  });

  it('pre-simulates the scenario library with progress, and the live plan shows the matching guideline', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const state = collect('state');
    node('ev').receive(counts(600, 400));
    await waitFor(() => plans.length === 1, 'the plan');
    node('ev').receive({ payload: { action: 'presimulate' } });
    // 6 closures (none and each of 5 exits) × 4 crowd sizes.
    await waitFor(() => state.some((m) => m.topic === 'evacuation/progress' && m.payload.done === 24), 'the library', 60_000);
    node('ev').receive({ payload: { action: 'close', ids: ['exit-manin'] } });
    await waitFor(() => plans.length === 2, 'the plan with closure');
    const plan = plans[1].payload as unknown as PlanPayload;
    assert.match(plan.scenarioGuideline?.text ?? '', /^Via Manin, east closed, 1000 people: evacuate via /);
    assert.ok(plan.planMs < 1000, `re-plan took ${plan.planMs} ms`);
  });

  it('pre-simulates the times of day too: within the live time\'s slot its scenario is matched and shown, with a progress bar', async () => {
    // The demo square with a slot around now (Rome time) of 700 + 300 people.
    const site = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'sites', 'padova-piazza-dei-signori.geojson'), 'utf8')) as { properties: Record<string, unknown> };
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
    site.properties.timesOfDay = [{ name: 'now', from: hhmm(Date.now() - 3_600_000), to: hhmm(Date.now() + 3_600_000), people: { 'signori-west': 700, 'signori-east': 300 } }];
    await load(nodes, flow({ siteFile: '', siteJson: JSON.stringify(site) }));
    const plans = collect('plans');
    const state = collect('state');
    node('ev').receive(counts(650, 300));
    await waitFor(() => plans.length === 1, 'the plan');
    node('ev').receive({ payload: { action: 'presimulate' } });
    // 6 closures × (4 crowd sizes + 1 time of day); the last word has no progress, so the bar goes.
    await waitFor(() => state.some((m) => m.topic === 'evacuation/progress' && m.payload.done === undefined), 'the library', 60_000);
    const progress = state.filter((m) => m.topic === 'evacuation/progress');
    assert.equal(progress.at(-2)?.payload.total, 30);
    assert.equal(progress.at(-2)?.payload.text, 'pre-simulating ▰▰▰▰▰▰▰▰▰▰ 30/30');
    assert.equal(progress[11].payload.text, 'pre-simulating ▰▰▰▰▱▱▱▱▱▱ 12/30');
    assert.deepEqual(progress.at(-1)?.payload, { state: 'ok', text: '30 scenarios ready', scenarios: 30, skipped: [] });
    node('ev').receive({ payload: { action: 'close', ids: ['exit-manin'] } });
    await waitFor(() => plans.length === 2, 'the plan with closure');
    const plan = plans[1].payload as unknown as PlanPayload & { scenarioGuideline: { scenarioId: string; text: string }; timeOfDay: string };
    assert.equal(plan.timeOfDay, 'now');
    assert.equal(plan.scenarioGuideline.scenarioId, 'close:exit-manin@now');
    assert.match(plan.scenarioGuideline.text, /^now \(\d\d:\d\d–\d\d:\d\d\): Via Manin, east closed, 1000 people: evacuate via /);
    // The console's evacuation status shows the guideline planned ahead for this time of day.
    const shown = state.filter((m) => m.topic === 'evacuation').at(-1)?.payload;
    assert.equal(shown?.text, `Pre-planned: ${plan.scenarioGuideline.text}`);
    assert.equal(shown?.scenarioId, 'close:exit-manin@now');
  });

  it('keeps the occupancy history it learnt across a restart, so a time of day without people of its own is still planned', async () => {
    // A slot around now (Rome time) with no people of its own: only the learnt crowd can plan it.
    const site = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'sites', 'padova-piazza-dei-signori.geojson'), 'utf8')) as { properties: Record<string, unknown> };
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
    site.properties.timesOfDay = [{ name: 'now', from: hhmm(Date.now() - 3_600_000), to: hhmm(Date.now() + 3_600_000) }];
    const config = { siteFile: '', siteJson: JSON.stringify(site) };
    const library = async () => {
      const state = collect('state');
      node('ev').receive({ payload: { action: 'presimulate' } });
      await waitFor(() => state.some((m) => m.topic === 'evacuation/progress' && m.payload.done === undefined), 'the library', 60_000);
      return state.filter((m) => m.topic === 'evacuation/progress').at(-1)?.payload as { scenarios: number; skipped: Array<{ timeOfDay: string }> };
    };
    await load(nodes, flow(config));
    assert.deepEqual((await library()).skipped.map((x) => x.timeOfDay), ['now'], 'nothing counted yet: the slot is skipped');
    const plans = collect('plans');
    node('ev').receive(counts(650, 300));
    await waitFor(() => plans.length === 1, 'the plan');
    await helper.unload();
    const file = path.join(userDir(), 'impetus-state', 'evacuation-ev.json');
    const savedState = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; siteId: string; history: { columns: Record<string, string> } };
    assert.equal(savedState.siteId, 'padova-piazza-dei-signori');
    assert.deepEqual(Object.keys(savedState.history.columns).sort(), ['signori-east', 'signori-west']);

    await load(nodes, flow(config));
    const after = await library();
    assert.deepEqual(after.skipped, [], 'the restored history plans the slot');
    assert.equal(after.scenarios, 30);

    // A history of another site is not used (and said so).
    await helper.unload();
    fs.writeFileSync(file, JSON.stringify({ ...savedState, siteId: 'elsewhere' }));
    await load(nodes, flow(config));
    assert.deepEqual((await library()).skipped.map((x) => x.timeOfDay), ['now']);
    assert.ok(logLines().some((l) => /saved occupancy history was not used.*of site "elsewhere"/.test(l)), 'and said so');
  });

  it('an exit clicked on the console map closes at once, audited; time to clear per exit and where each area goes', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const maps = collect('maps');
    const clear = collect('clear');
    const routes = collect('routes');
    node('ev').receive(counts(1800, 1200));
    await waitFor(() => plans.length === 1, 'the plan');
    type Feature = { properties: { kind: string; id?: string; state?: string; actions?: string[] } };
    const exitOf = (i: number, id: string) => (maps[i].payload as unknown as { features: Feature[] }).features.find((f) => f.properties.kind === 'exit' && f.properties.id === id);
    assert.deepEqual(exitOf(0, 'exit-manin')?.properties.actions, ['close', 'whatIfClose']);
    const before = clear[0].payload as unknown as Record<string, number>;
    assert.equal(clear[0].topic, 'time to clear (s)');
    const first = plans[0].payload as unknown as PlanPayload;
    assert.equal(Math.max(...Object.values(before)), first.rset?.totalSeconds);
    // What impetus-ui-map-layer sends when an operator presses Block on the exit.
    node('ev').receive({ topic: 'close', action: 'close', key: 'exit-manin', payload: exitOf(0, 'exit-manin')?.properties, user: { username: 'op1', name: 'Operator One', role: 'operator' } });
    await waitFor(() => plans.length === 2, 'the new plan');
    const plan = plans[1].payload as unknown as PlanPayload & { changes: Array<{ action: string; close?: string[]; by?: string }> };
    assert.deepEqual(plan.closed, ['exit-manin']);
    assert.deepEqual(plan.changes.at(-1), { ...plan.changes.at(-1), action: 'change', close: ['exit-manin'], by: 'op1 (operator)' });
    assert.equal(exitOf(1, 'exit-manin')?.properties.state, 'closed');
    assert.deepEqual(exitOf(1, 'exit-manin')?.properties.actions, ['open', 'whatIfOpen']);
    const after = clear[1].payload as unknown as Record<string, number>;
    const manin = Object.keys(after).find((k) => /Manin/.test(k)) as string;
    assert.ok(before[manin] > 0 && after[manin] === 0, JSON.stringify({ before, after }));
    // One row per area, each with an open exit.
    const rows = routes[1].payload as unknown as Array<{ area: string; exit: string; people: number }>;
    assert.ok(rows.length >= 2 && rows.every((r) => r.exit && !/Manin/.test(r.exit)), JSON.stringify(rows));
    // Unblock from the map: open again.
    node('ev').receive({ topic: 'open', action: 'open', key: 'exit-manin', user: { username: 'sup', name: 'Sup', role: 'supervisor' } });
    await waitFor(() => plans.length === 3, 'the plan after unblocking');
    assert.deepEqual((plans[2].payload as unknown as PlanPayload).closed, []);
  });

  it('a what-if from the map is shown beside the live plan, follows the counts, and only Apply makes it live', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const maps = collect('maps');
    const clear = collect('clear');
    const routes = collect('routes');
    const whatIfs = collect('whatIfs');
    node('ev').receive(counts(1800, 1200));
    await waitFor(() => plans.length === 1, 'the live plan');
    const live = plans[0].payload as unknown as PlanPayload;
    // What impetus-ui-map-layer sends when an operator presses "What if blocked?" on Via Manin.
    node('ev').receive({ topic: 'whatIfClose', action: 'whatIfClose', key: 'exit-manin', user: { username: 'op1', role: 'operator' } });
    await waitFor(() => whatIfs.length === 1, 'the what-if layer');
    type Cmp = { summary: string; liveSeconds: number; whatIfSeconds: number; deltaSeconds: number; exits: Array<{ exitId: string; live: number; whatIf: number; closed: boolean }>; routes: Array<{ areaId: string; live: { exitId: string; via: string[] }; whatIf: { exitId: string; via: string[] } }> };
    const w = plans.at(-1)?.payload as unknown as PlanPayload & { comparison: Cmp; requestedBy: string };
    assert.equal(plans.at(-1)?.topic, 'evacuation/what-if');
    assert.deepEqual(w.closed, ['exit-manin']);
    assert.equal(w.requestedBy, 'op1 (operator)');
    // Side by side: the live plan's figures and the what-if's, on the same counts.
    const cmp = w.comparison;
    assert.equal(cmp.liveSeconds, Math.round(live.rset?.totalSeconds ?? NaN));
    assert.equal(cmp.whatIfSeconds, Math.round(w.rset?.totalSeconds ?? NaN));
    assert.equal(cmp.deltaSeconds, cmp.whatIfSeconds - cmp.liveSeconds);
    const manin = cmp.exits.find((e) => e.exitId === 'exit-manin');
    assert.ok(manin && manin.closed && manin.live > 0 && manin.whatIf === 0, JSON.stringify(manin));
    assert.equal(cmp.exits.reduce((s, e) => s + e.whatIf, 0), 3000);
    // Only the areas whose route changes are listed, and none of them still goes to Via Manin.
    assert.ok(cmp.routes.length >= 1 && cmp.routes.every((r) => r.whatIf.exitId !== 'exit-manin' && JSON.stringify(r.live) !== JSON.stringify(r.whatIf)), JSON.stringify(cmp.routes));
    assert.ok(cmp.routes.some((r) => r.live.exitId === 'exit-manin'), 'the area sent to Via Manin live changes route');
    assert.match(cmp.summary, /^What-if \(close Via Manin, east\): evacuation \d+ s → \d+ s/);
    // Its own layer: the summary with Apply and Discard, the routes that change, Via Manin closed.
    type Feature = { properties: { kind: string; id?: string; state?: string; actions?: string[]; name: string } };
    const layer = (whatIfs[0].payload as unknown as { features: Feature[] }).features;
    assert.deepEqual(layer.find((f) => f.properties.kind === 'what-if')?.properties.actions, ['apply', 'discard']);
    assert.equal(layer.find((f) => f.properties.id === 'what-if:exit-manin')?.properties.state, 'closed');
    assert.ok(layer.some((f) => f.properties.kind === 'route'));
    // The live outputs did not move: one live map, one set of rows; the chart has a second series.
    assert.equal(maps.length, 1);
    assert.equal(routes.length, 1);
    assert.equal(clear.at(-1)?.topic, 'what-if (s)');
    // New counts: the live plan and, beside it, the what-if on the same counts.
    node('ev').receive(counts(900, 600));
    await waitFor(() => whatIfs.length === 2, 'the what-if again');
    assert.equal(maps.length, 2);
    const again = plans.at(-1)?.payload as unknown as PlanPayload & { comparison: Cmp };
    assert.equal(again.people, 1500);
    assert.deepEqual((plans.at(-2)?.payload as unknown as PlanPayload).closed, []);
    // Discard: the layer empties, the chart's what-if series goes, nothing live changes.
    node('ev').receive({ topic: 'discard', action: 'discard', key: 'what-if', user: { username: 'op1', role: 'operator' } });
    await waitFor(() => whatIfs.length === 3, 'the cleared layer');
    assert.deepEqual(whatIfs[2].payload, { type: 'FeatureCollection', features: [] });
    assert.deepEqual(clear.at(-1), { ...clear.at(-1), topic: 'what-if (s)', payload: {} });
    let error = nextError(node('ev'));
    node('ev').receive({ topic: 'apply', action: 'apply', key: 'what-if', user: { username: 'op1', role: 'operator' } });
    assert.match(await error, /no what-if on show to apply/);
    // Ask again and apply: the closure becomes live, audited as the one who applied it.
    node('ev').receive({ topic: 'whatIfClose', action: 'whatIfClose', key: 'exit-manin', user: { username: 'op1', role: 'operator' } });
    await waitFor(() => whatIfs.length === 4, 'the what-if once more');
    node('ev').receive({ topic: 'apply', action: 'apply', key: 'what-if', user: { username: 'sup', role: 'supervisor' } });
    await waitFor(() => whatIfs.length === 5, 'the layer cleared on apply');
    const applied = plans.at(-1)?.payload as unknown as PlanPayload & { changes: Array<{ close?: string[]; by?: string }> };
    assert.equal(plans.at(-1)?.topic, 'evacuation/plan');
    assert.deepEqual(applied.closed, ['exit-manin']);
    assert.deepEqual(applied.changes.at(-1), { ...applied.changes.at(-1), close: ['exit-manin'], by: 'sup (supervisor)' });
    assert.deepEqual(whatIfs[4].payload, { type: 'FeatureCollection', features: [] });
    // A scenario of the library as a what-if: its closures exactly (Via Manin reopened), its crowd size.
    node('ev').receive({ payload: { action: 'whatIf', scenario: 'close:exit-dante@2x' } });
    await waitFor(() => whatIfs.length === 6, 'the scenario');
    const scenario = plans.at(-1)?.payload as unknown as PlanPayload;
    assert.deepEqual(scenario.closed, ['exit-dante']);
    assert.equal(scenario.people, 3000);
    error = nextError(node('ev'));
    node('ev').receive({ payload: { action: 'whatIf', scenario: 'close:nowhere@1x' } });
    assert.match(await error, /no scenario "close:nowhere@1x"/);
    error = nextError(node('ev'));
    node('ev').receive({ payload: { action: 'whatIf', factor: -1 } });
    assert.match(await error, /crowd factor must be a number above 0/);
  });

  it('an evacuation under way reports its progress as the counts fall', async () => {
    await load(nodes, flow());
    const plans = collect('plans');
    const state = collect('state');
    node('ev').receive(counts(1800, 1200));
    await waitFor(() => plans.length === 1, 'the plan');
    node('ev').receive({ payload: { action: 'start' } });
    await waitFor(() => plans.length === 2, 'the plan at the start');
    node('ev').receive(counts(600, 300));
    await waitFor(() => plans.length === 3, 'the plan as people leave');
    const progress = (plans[2].payload as unknown as { progress: { peopleAtStart: number; peopleInside: number; out: number; plannedSeconds: number } }).progress;
    assert.deepEqual({ start: progress.peopleAtStart, inside: progress.peopleInside, out: progress.out }, { start: 3000, inside: 900, out: 0.7 });
    assert.equal(progress.plannedSeconds, (plans[1].payload as unknown as PlanPayload).rset?.totalSeconds);
    assert.match(String(state.at(-1)?.payload.text), /900 of 3000 people still inside \(70 % out\)/);
    node('ev').receive({ payload: { action: 'end' } });
    await waitFor(() => plans.length === 4, 'the plan after the end');
    assert.equal((plans[3].payload as unknown as { progress?: unknown }).progress, undefined);
  });

  it('line counters: in − out per area, with the counter mapping', async () => {
    await load(nodes, flow({ counters: 'gate-1=signori-east' }));
    const plans = collect('plans');
    const t0 = Date.now();
    node('ev').receive({ payload: [{ ts: t0, sensorId: 'gate-1', variable: 'in', value: 1000 }, { ts: t0, sensorId: 'gate-1', variable: 'out', value: 200 }] });
    await waitFor(() => plans.length === 1, 'the first plan');
    node('ev').receive({ payload: [{ ts: t0 + 1000, sensorId: 'gate-1', variable: 'in', value: 1300 }, { ts: t0 + 1000, sensorId: 'gate-1', variable: 'out', value: 260 }] });
    await waitFor(() => plans.length === 2, 'the second plan');
    assert.equal((plans[1].payload as unknown as PlanPayload).people, 240);
  });
});
