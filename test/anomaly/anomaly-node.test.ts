import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../nodes/anomaly/config';
import { AnomalyDetector } from '../../nodes/anomaly/detector';
import type { Alert } from '../../nodes/platform';
import { generate } from '../../bench/anomaly-data';
import type { Dataset } from '../../bench/anomaly-data';
import { alertNodes, collect as collectFrom, helper, load, nextError, node, useRuntime, waitFor } from '../support/nodered';

const anomalyNode = require('../../nodes/anomaly/impetus-anomaly');
const sensorIn = require('../../nodes/sensors/impetus-sensor-in');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Record<string, unknown> & unknown; topic?: string; [k: string]: unknown };
const SETTINGS = { calibrationSamples: 1000 };

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'f', type: 'tab', label: 'anomaly' },
    { id: 'det', z: 'f', type: 'impetus-anomaly', name: 'ring-2 detector', settings: JSON.stringify(SETTINGS), ...config, wires: [['scores'], ['alert'], ['band'], ['bars']] },
    { id: 'scores', z: 'f', type: 'helper' },
    { id: 'band', z: 'f', type: 'helper' },
    { id: 'bars', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['det'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const collect = (id: string) => collectFrom<Msg>(id);

/** Rows of a dataset as impetus-sensor-in sends them: one message per row, readings of sensor ring-2. */
function rowMessage(data: Dataset, r: number, override?: Record<string, number>) {
  return {
    payload: data.names.map((name, j) => ({ ts: data.ts[r], sensorId: 'ring-2', variable: name, value: override?.[name] ?? data.values[r * data.p + j], zone: 'ring-2', location: { type: 'Point', coordinates: [10.7522, 59.9139] } })),
  };
}

async function feed(data: Dataset, from: number, to: number, scores: Msg[], override?: (r: number) => Record<string, number> | undefined) {
  const det = node('det');
  const before = scores.length;
  for (let r = from; r < to; r++) {
    det.receive(rowMessage(data, r, override?.(r)));
    // Let the runtime breathe: thousands of queued messages would only measure the queue.
    if (r % 200 === 199) await waitFor(() => scores.length >= before + (r - from) - 1, `scores up to row ${r}`, 30_000);
  }
}

const dataset = () => generate('node', { seed: 5, variables: 2, weeks: 3, stepMinutes: 10, cleanDays: 100, kinds: [], spacingDays: 3 });

describe('impetus-anomaly', function () {
  const dir = useRuntime();

  it('learns a place, then raises an explained alert for a night-time anomaly (through impetus-alert)', async () => {
    await load([...alertNodes, anomalyNode, catchNode], flow());
    const data = dataset();
    const scores = collect('scores');
    const stored = collect('stored');
    const bars = collect('bars');
    const band = collect('band');
    const night = 20 * 144 + 15; // day 21, 02:30
    // The first row of a group waits to learn which variables the group has; from then on each
    // row holds them all and is scored on arrival.
    await feed(data, 0, night + 1, scores, (r) => (r === night ? { bus_delay_s: 600 } : undefined));
    await waitFor(() => scores.length === night + 1, 'every row scored', 20_000);
    const last = scores[scores.length - 1].payload as { group: string; score: number; alarm: boolean };
    assert.equal(last.group, 'ring-2');
    assert.equal(last.alarm, true, JSON.stringify(last));
    // Alerts of one group are deduplicated by impetus-alert while open: find the occurrence of
    // this row by the time in its data.
    const nightAlert = () => stored.map((m) => m.payload as unknown as Alert).find((a) => (a.data as { observedAt?: string }).observedAt === new Date(data.ts[night]).toISOString());
    await waitFor(() => nightAlert() !== undefined, 'the alert', 20_000);
    // About 3,000 scored rows at one false alarm per 1,000: about 3 others are expected
    // (Poisson; more than 8 has probability 0.004).
    assert.ok(stored.length <= 9, `${stored.length} alerts in three weeks`);
    const alert = nightAlert()!;
    assert.equal(alert.tool, 'anomaly');
    assert.equal(alert.zone, 'ring-2');
    assert.equal(alert.source.ref, 'ring-2');
    assert.deepEqual(alert.location, { type: 'Point', coordinates: [10.7522, 59.9139] });
    assert.match(alert.headline, /^Ring 2: bus delay up \(600 vs [\d.]+ s expected\)/);
    const data_ = alert.data as { contributors: Array<{ variable: string; direction: string; observed: number; expected: number }>; score: number };
    assert.equal(data_.contributors[0].variable, 'bus_delay_s');
    assert.equal(data_.contributors[0].direction, 'up');
    assert.equal(data_.contributors[0].observed, 600);
    assert.ok(data_.score > 0.5);
    assert.match(alert.description ?? '', /bus delay: 600 s, expected [\d.]+ s/);
    assert.equal(bars.length, stored.length, 'contributions for each alert');
    assert.ok(Object.keys(bars[bars.length - 1].payload).some((k) => k.startsWith('bus_delay_s (up)')));
    const points = band[band.length - 1].payload as unknown as Array<{ series: string; y: number; low: number; high: number }>;
    assert.deepEqual(points.map((p) => p.series).sort(), ['bus_delay_s', 'vehicles']);
    assert.ok(points.every((p) => p.low < p.high));
  });

  it('keeps its learning across a redeploy: the next scores are those of an uninterrupted detector', async () => {
    const data = dataset();
    const half = 1500;
    const end = 1800;
    await load([...alertNodes, anomalyNode, catchNode], flow());
    let scores = collect('scores');
    await feed(data, 0, half, scores);
    await waitFor(() => scores.length === half, 'the first half');
    await helper.unload();
    const saved = path.join(dir(), 'impetus-state', 'anomaly-det.json');
    assert.ok(fs.existsSync(saved), 'saved on stop');
    await load([...alertNodes, anomalyNode, catchNode], flow());
    scores = collect('scores');
    await feed(data, half, end, scores);
    await waitFor(() => scores.length === end - half, 'the second half');
    const reference = new AnomalyDetector(resolveConfig(SETTINGS));
    const expected: number[] = [];
    for (let r = 0; r < end; r++) {
      const res = reference.stepRecord(data.ts[r], Object.fromEntries(data.names.map((n, j) => [n, data.values[r * data.p + j]])));
      if (r >= half) expected.push(res.score);
    }
    assert.deepEqual(scores.map((m) => (m.payload as { score: number }).score), expected);
  });

  it('forgets everything on msg.reset (or topic "reset"), so a replayed history can be scored again', async () => {
    await load([...alertNodes, anomalyNode, catchNode], flow());
    const scores = collect('scores');
    const data = dataset();
    await feed(data, 0, 200, scores);
    await waitFor(() => scores.length === 200, 'the first pass');
    const warn = new Promise<string>((resolve) => node('det').once('call:warn', (c: { args: unknown[] }) => resolve(String(c.args[0]))));
    node('det').receive({ payload: rowMessage(data, 10).payload });
    assert.match(await warn, /older than rows already scored/, 'the past is refused before a reset');
    node('det').receive({ topic: 'reset', payload: 'again' });
    await feed(data, 0, 200, scores);
    await waitFor(() => scores.length === 400, 'the second pass');
    assert.deepEqual(scores.slice(200).map((m) => (m.payload as { score: number }).score), scores.slice(0, 200).map((m) => (m.payload as { score: number }).score));
  });

  it('moves unreadable saved state aside and starts afresh', async () => {
    const file = path.join(dir(), 'impetus-state', 'anomaly-det.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{ not json');
    await load([...alertNodes, anomalyNode, catchNode], flow());
    const scores = collect('scores');
    const data = dataset();
    await feed(data, 0, 3, scores);
    await waitFor(() => scores.length === 3, 'scores');
    assert.ok(fs.readdirSync(path.dirname(file)).some((f) => f.startsWith('anomaly-det.json.unreadable-')));
  });

  it('assembles rows from one message per variable, and drops late readings with a warning', async () => {
    await load([...alertNodes, anomalyNode, catchNode], flow({ settings: '' }));
    const scores = collect('scores');
    const det = node('det');
    const t0 = Date.UTC(2025, 2, 3);
    for (let i = 0; i < 4; i++) {
      det.receive({ payload: { ts: t0 + i * 60_000, sensorId: 's', variable: 'a', value: i } });
      det.receive({ payload: { ts: t0 + i * 60_000, sensorId: 's', variable: 'b', value: 2 * i } });
    }
    await waitFor(() => scores.length >= 4, 'four rows (row 0 when row 1 starts, then each as it completes)');
    assert.deepEqual(scores.map((m) => (m.payload as { observed: number }).observed), [2, 2, 2, 2]);
    const warned = new Promise<string>((resolve) => det.once('call:warn', (call: { args: unknown[] }) => resolve(String(call.args[0]))));
    det.receive({ payload: { ts: t0, sensorId: 's', variable: 'a', value: 9 } });
    assert.match(await warned, /1 reading\(s\) older than rows already scored were dropped/);
  });

  const bad: Array<[string, unknown, RegExp, Record<string, unknown>?]> = [
    ['a payload without readings', 'hello', /expected an object|no readings/],
    ['a record it cannot read', [{ ts: 'soon', sensorId: 's', variable: 'a', value: 1 }], /1 record\(s\) rejected/],
    ['too many groups', [{ ts: 1, sensorId: 'a', variable: 'x', value: 1 }, { ts: 1, sensorId: 'b', variable: 'x', value: 1 }], /more than 1 groups/, { maxGroups: 1 }],
    ['too many variables', [{ ts: 1, sensorId: 'a', variable: 'x', value: 1 }, { ts: 1, sensorId: 'a', variable: 'y', value: 1 }], /maxVariables/, { settings: '{"maxVariables": 1}' }],
    ['a bad setting', [{ ts: 1, sensorId: 'a', variable: 'x', value: 1 }], /falseAlarmRate must be a number/, { falseAlarmRate: 'often' }],
    ['unparseable settings JSON', [{ ts: 1, sensorId: 'a', variable: 'x', value: 1 }], /settings must be a JSON object/, { settings: '{oops' }],
  ];
  for (const [what, payload, message, config] of bad) {
    it(`fails the message with done(err) on ${what}`, async () => {
      await load([...alertNodes, anomalyNode, catchNode], flow(config));
      const error = nextError(node('det'));
      node('det').receive({ payload });
      assert.match(await error, message);
    });
  }

  it('works behind impetus-sensor-in, and marks the drafts of exercise readings as Exercise', async () => {
    await load([...alertNodes, anomalyNode, sensorIn, catchNode], [
      ...flow({ settings: JSON.stringify({ calibrationSamples: 300, seasonality: 'none', warmupHours: 0 }) }),
      { id: 'in', z: 'f', type: 'impetus-sensor-in', sensorId: 'gate-3', wires: [['det'], [], []] },
    ]);
    const stored = collect('stored');
    const t0 = Date.UTC(2025, 2, 3);
    let i = 0;
    for (; i < 600; i++) node('in').receive({ payload: { ts: t0 + i * 60_000, people: 100 + (i % 7) - 3, gates: 4 + (i % 2) } });
    node('in').receive({ payload: { ts: t0 + i++ * 60_000, people: 900, gates: 4 }, exercise: true, status: 'Exercise' });
    node('in').receive({ payload: { ts: t0 + i * 60_000, people: 100, gates: 4 }, exercise: true, status: 'Exercise' });
    await waitFor(() => stored.length === 1, 'the alert', 20_000);
    const alert = stored[0].payload as unknown as Alert;
    assert.equal(alert.status, 'Exercise');
    assert.match(alert.headline, /^Gate 3: people up \(900 vs 100 expected\)/);
  });
});
