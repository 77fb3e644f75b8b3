import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { Rng } from '../../bench/random';
import { alertNodes, collect as collectFrom, helper, load, nextError, node, useRuntime, waitFor } from '../support/nodered';

const bacteriaNode = require('../../nodes/bacteria/impetus-bacteria');
const sensorIn = require('../../nodes/sensors/impetus-sensor-in');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Record<string, unknown>; topic?: string; [k: string]: unknown };
const HOUR = 3_600_000;
const T = Date.UTC(2025, 2, 3, 10);

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'f', type: 'tab', label: 'bacteria' },
    { id: 'bac', z: 'f', type: 'impetus-bacteria', sampler: 'sampler-3', zone: 'metro-hall', areaDesc: 'Metro hall, Padova station', lat: 45.4176, lon: 11.8807, ...config, wires: [['levels'], ['alert'], ['health']] },
    { id: 'levels', z: 'f', type: 'helper' },
    { id: 'health', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['bac'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const collect = (id: string) => collectFrom<Msg>(id);

const alerts = (stored: Msg[]) => stored.map((m) => m.payload as unknown as Alert);

describe('impetus-bacteria', function () {
  const dir = useRuntime();

  it('an impactor reading over the limit becomes a P2 alert with instruction, summary and position', async () => {
    await load([...alertNodes, bacteriaNode, catchNode], flow());
    const stored = collect('stored');
    const levels = collect('levels');
    // 612 colonies would be far past a 400-hole plate; 350 corrected for positive holes, over 0.1 m³.
    node('bac').receive({ payload: { ts: T, method: 'impactor', holes: 400, colonies: 350, flowRate: '28.3 L/min', duration: '3.5 min' } });
    await waitFor(() => stored.length === 1, 'the alert');
    const [alert] = alerts(stored);
    assert.equal(alert.tool, 'bacteria');
    assert.equal(alert.priority, 'P2');
    assert.equal(alert.event, 'Airborne bacteria above threshold');
    assert.match(alert.headline, /^[\d,]+ CFU\/m³ in Metro hall, Padova station \(threshold 5,000\)$/);
    assert.match(alert.instruction ?? '', /FFP3/);
    assert.deepEqual(alert.location, { type: 'Point', coordinates: [11.8807, 45.4176] });
    const data = alert.data as { summary: string; method: string; cfuPerM3: number; tier: string };
    assert.equal(data.method, 'impactor');
    assert.equal(data.tier, 'threshold');
    assert.ok(data.cfuPerM3 > 5000);
    assert.match(data.summary, /^sampler-3 · Metro hall, Padova station · 45\.41760, 11\.88070 · [\d,]+ CFU\/m³$/);
    assert.equal(levels.length, 1);
    assert.equal(levels[0].payload.series, 'sampler-3');
    assert.equal(levels[0].payload.y, data.cfuPerM3);
  });

  it('an identified risk-group 3 organism is an immediate P1, marked Exercise when the reading was', async () => {
    await load([...alertNodes, bacteriaNode, catchNode], flow());
    const stored = collect('stored');
    node('bac').receive({ payload: { ts: T, cfuPerM3: 240, pathogen: 'Bacillus anthracis' }, exercise: true });
    await waitFor(() => stored.length === 1, 'the alert');
    const [alert] = alerts(stored);
    assert.equal(alert.priority, 'P1');
    assert.equal(alert.category, 'CBRNE');
    assert.equal(alert.status, 'Exercise');
    assert.match(alert.headline, /Bacillus anthracis \(risk group 3\) identified by sampler-3/);
    assert.deepEqual((alert.data as { pathogen: unknown }).pathogen, { name: 'Bacillus anthracis', riskGroup: 3 });
  });

  it('learns the background from sensor-in readings, flags a rise over it (P3), and keeps it across a redeploy', async () => {
    const nodes = [...alertNodes, bacteriaNode, sensorIn, catchNode];
    const withSensorIn = () => [...flow(), { id: 'in', z: 'f', type: 'impetus-sensor-in', wires: [['bac'], [], []] }];
    await load(nodes, withSensorIn());
    let levels = collect('levels');
    const rng = new Rng(12);
    const rows: string[] = [];
    for (let ts = T - 10 * 24 * HOUR; ts < T; ts += HOUR) rows.push(`${new Date(ts).toISOString()},sampler-3,${Math.round(700 * Math.exp(0.12 * rng.normal()))}`);
    node('in').receive({ payload: `timestamp,sensorId,cfu_per_m3\n${rows.join('\n')}\n` });
    await waitFor(() => levels.length === rows.length, 'the history');
    await helper.unload();
    assert.ok(fs.existsSync(path.join(dir(), 'impetus-state', 'bacteria-bac.json')));
    await load(nodes, withSensorIn());
    levels = collect('levels');
    const stored = collect('stored');
    node('in').receive({ payload: { ts: T + HOUR, sensorId: 'sampler-3', variable: 'cfu_per_m3', value: 2900 } });
    await waitFor(() => stored.length === 1, 'the alert');
    const [alert] = alerts(stored);
    assert.equal(alert.event, 'Airborne bacteria above background');
    assert.equal(alert.priority, 'P3');
    const data = alert.data as { backgroundCfuPerM3: number; riseFactor: number };
    assert.ok(data.backgroundCfuPerM3 > 550 && data.backgroundCfuPerM3 < 900, `background ${data.backgroundCfuPerM3}`);
    assert.ok(levels[0].payload.low !== undefined && (levels[0].payload.high as number) < 2900, 'the band is the usual range');
  });

  it('reports a failing sampler once (P3), degrades the tool, and recovers', async () => {
    await load([...alertNodes, bacteriaNode, catchNode], flow({ nominalFlow: '28.3 L/min', flowTolerance: 10 }));
    const stored = collect('stored');
    const health = collect('health');
    const reading = (flow: string) => ({ payload: { ts: T, method: 'impactor', colonies: 20, flowRate: flow, duration: '10 min' } });
    node('bac').receive(reading('19 L/min'));
    node('bac').receive(reading('18 L/min'));
    await waitFor(() => stored.length === 1 && health.length >= 1, 'the failure');
    const [alert] = alerts(stored);
    assert.equal(alert.event, 'Sampler failure');
    assert.equal(alert.priority, 'P3');
    assert.match(alert.headline, /flow 19\.0 L\/min is 33 % off the nominal 28\.3 L\/min/);
    assert.equal((health[0].payload as { state: string }).state, 'degraded');
    node('bac').receive(reading('28 L/min'));
    await waitFor(() => health.some((h) => (h.payload as { state: string }).state === 'ok'), 'recovery');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stored.length, 1, 'one alert per failure');
  });

  it('a quiet sampler is a failure', async () => {
    await load([...alertNodes, bacteriaNode, catchNode], flow({ silentAfter: 1 }));
    const stored = collect('stored');
    node('bac').receive({ payload: { ts: T, cfuPerM3: 500 } });
    await waitFor(() => stored.length === 1, 'the silence alert', 8000);
    assert.match(alerts(stored)[0].headline, /Sampler sampler-3 in Metro hall, Padova station: no reading for 1 min/);
  });

  const bad: Array<[string, unknown, RegExp, Record<string, unknown>?]> = [
    ['a flow without a unit', { method: 'impactor', colonies: 5, flowRate: 28.3, duration: '10 min' }, /flowRate: 28.3 has no unit/],
    ['a wrong unit', { concentration: '5 L/min' }, /a flow unit, a cfu-concentration unit is needed/],
    ['a negative count', { method: 'impactor', colonies: -2, airVolume: '1 m3' }, /colonies must be a number of at least 0/],
    ['a number', 42, /a reading must be an object/],
    ['nothing to assess', { ts: T }, /nothing to assess/],
    ['too many readings', Array.from({ length: 10_001 }, () => ({ cfuPerM3: 1 })), /more than 10000 readings/],
    ['a bad setting', { cfuPerM3: 1 }, /threshold must be a number above 0/, { threshold: 'high' }],
    ['an unknown nominal flow unit', { cfuPerM3: 1 }, /nominalFlow: unknown unit/, { nominalFlow: '3 buckets/day' }],
  ];
  for (const [what, payload, message, config] of bad) {
    it(`fails the message with done(err) on ${what}`, async () => {
      await load([...alertNodes, bacteriaNode, catchNode], flow(config));
      const error = nextError(node('bac'));
      node('bac').receive({ payload });
      assert.match(await error, message);
    });
  }

  it('assesses the good readings of a batch and names the bad ones', async () => {
    await load([...alertNodes, bacteriaNode, catchNode], flow());
    const levels = collect('levels');
    const caught = collect('caught');
    node('bac').receive({ payload: [{ ts: T, cfuPerM3: 800 }, { ts: T, particles: 300 }, { ts: T, concentration: '0.9 CFU/L' }] });
    await waitFor(() => caught.length === 1, 'the error');
    assert.equal(levels.length, 2);
    assert.match(String((caught[0].error as { message: string }).message), /1 of 3 readings rejected: \[1\]: particles: 300 has no unit/);
  });
});
