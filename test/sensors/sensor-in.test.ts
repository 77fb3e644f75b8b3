import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import type { Reading } from '../../nodes/sensors/reading';
import { CsvReplay, peekTimes, weeksShift } from '../../nodes/sensors/replay';
import { FakeClock } from '../support/fake-clock';
import { alertNodes, api, collect as collectFrom, load, nextError, node, tempDir, useRuntime, waitFor } from '../support/nodered';

const sensorIn = require('../../nodes/sensors/impetus-sensor-in');
const T = '2025-03-03T10:00:00Z';

type Msg = { payload: unknown; topic?: string; [k: string]: unknown };

const collect = (id: string) => collectFrom<Msg>(id);

/** A tab, because a Catch node needs one. */
const flow = (config: Record<string, unknown> = {}) => [
  { id: 'f', type: 'tab', label: 'sensors' },
  { id: 'in', z: 'f', type: 'impetus-sensor-in', name: 'sensors', ...config, wires: [['readings'], ['health'], ['alert']] },
  { id: 'readings', z: 'f', type: 'helper' },
  { id: 'health', z: 'f', type: 'helper' },
  { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
  { id: 'stored', z: 'f', type: 'helper' },
  { id: 'catcher', z: 'f', type: 'catch', scope: ['in'], uncaught: false, wires: [['caught']] },
  { id: 'caught', z: 'f', type: 'helper' },
];

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

describe('impetus-sensor-in', function () {
  const dir = useRuntime();

  it('normalises an MQTT-style record, keeping the input message and naming the sensor from the topic', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow());
    const out = collect('readings');
    node('in').receive({ topic: 'oslo/ring-2', payload: { ts: T, variable: 'buses_stopped', value: 9 }, kafka: { key: 'k1' } });
    await waitFor(() => out.length === 1, 'readings');
    assert.deepEqual(out[0].payload, [{ ts: Date.parse(T), sensorId: 'oslo/ring-2', variable: 'buses_stopped', value: 9 }]);
    assert.deepEqual(out[0].kafka, { key: 'k1' }, 'the rest of the message travels on');
  });

  it('reads JSON text, a Buffer, an NGSI-LD notification and CSV text; one message per reading when asked', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow({ output: 'each', sensorId: 'default-sensor' }));
    const out = collect('readings');
    node('in').receive({ payload: JSON.stringify({ ts: T, pm10: 18, no2: 40 }) });
    node('in').receive({ payload: Buffer.from(`timestamp,a\n${T},1\n${T},2\n`) });
    node('in').receive({ payload: { type: 'Notification', subscriptionId: 's', notifiedAt: T, data: [{ id: 'urn:ngsi-ld:X:1', type: 'X', speed: { type: 'Property', value: 31 } }] } });
    await waitFor(() => out.length === 5, 'five readings');
    assert.deepEqual(out.map((m) => m.topic), ['default-sensor/pm10', 'default-sensor/no2', 'default-sensor/a', 'default-sensor/a', 'urn:ngsi-ld:X:1/speed']);
    assert.equal((out[4].payload as Reading).value, 31);
  });

  it('sends the good records of a partly bad batch, then fails the message naming the bad ones', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow());
    const out = collect('readings');
    const caught = collect('caught');
    node('in').receive({ payload: [{ ts: T, sensorId: 's', variable: 'a', value: 1 }, { ts: T, sensorId: 's', variable: 'b', value: 'oops' }] });
    await waitFor(() => caught.length === 1, 'the Catch node');
    assert.equal((out[0].payload as Reading[]).length, 1);
    assert.match(String((caught[0].error as { message: string }).message), /1 of 2 records rejected: \[1\]: value "oops" is not a number/);
  });

  const bad: Array<[string, unknown, RegExp, Record<string, unknown>?]> = [
    ['not JSON', '{ts: broken', /neither JSON nor CSV/],
    ['a number', 42, /expected an object/],
    ['no readings at all', { ts: T, sensorId: 's', note: 'text only' }, /at least one numeric field/],
    ['too many bytes', JSON.stringify({ ts: T, sensorId: 's', blob: 'x'.repeat(3000), a: 1 }), /over maxBytes \(2048\)/, { maxBytes: 2048 }],
    ['too many readings', Array.from({ length: 6 }, (_, i) => ({ ts: T, sensorId: 's', variable: `v${i}`, value: i })), /more than 5 readings/, { maxReadings: 5 }],
    ['CSV without a timestamp column', 'when,a\nx,1\n', /timestamp column/],
  ];
  for (const [what, payload, message, config] of bad) {
    it(`turns red and calls done(err) on ${what}`, async () => {
      await load([...alertNodes, sensorIn, catchNode], flow(config));
      const out = collect('readings');
      const error = nextError(node('in'));
      node('in').receive({ payload });
      assert.match(await error, message);
      assert.equal(out.length, 0);
    });
  }

  it('refuses a bad configuration at deploy and fails every message with it', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow({ tool: 'Not A Tool' }));
    const error = nextError(node('in'));
    node('in').receive({ payload: { ts: T, sensorId: 's', a: 1 } });
    assert.match(await error, /tool must be a tool key/);
  });

  it('a quiet sensor degrades the tool and raises one sensor-availability alert; its next reading restores it', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow({ silentAfter: 1, zone: 'ring-2', lat: 59.91, lon: 10.75 }));
    const health = collect('health');
    const stored = collect('stored');
    node('in').receive({ payload: { ts: T, sensorId: 'bus-counter-7', buses: 3 } });
    node('in').receive({ payload: { ts: T, sensorId: 'bus-counter-8', buses: 2 } });
    await waitFor(() => health.length >= 1, 'first health message');
    assert.equal((health[0].payload as { state: string }).state, 'ok');
    // Keep sensor 8 alive while 7 goes quiet.
    const keepAlive = setInterval(() => node('in').receive({ payload: { ts: T, sensorId: 'bus-counter-8', buses: 2 } }), 200);
    try {
      await waitFor(() => stored.length === 1, 'the availability alert', 8000);
      await waitFor(() => health.some((h) => (h.payload as { state: string }).state === 'degraded'), 'degraded health');
    } finally {
      clearInterval(keepAlive);
    }
    const alert = stored[0].payload as Alert;
    assert.equal(alert.tool, 'anomaly');
    assert.equal(alert.event, 'Sensor quiet');
    assert.equal(alert.source.ref, 'bus-counter-7');
    assert.equal(alert.zone, 'ring-2');
    assert.deepEqual(alert.location, { type: 'Point', coordinates: [10.75, 59.91] });
    assert.equal((alert.data as { kind: string }).kind, 'sensor-availability');
    const degraded = health.find((h) => (h.payload as { state: string }).state === 'degraded')!;
    assert.match((degraded.payload as { text: string }).text, /bus-counter-7/);
    node('in').receive({ payload: { ts: T, sensorId: 'bus-counter-7', buses: 3 } });
    await waitFor(() => (health[health.length - 1].payload as { state: string }).state === 'ok', 'health restored');
    assert.equal(stored.length, 1, 'one alert each time it goes quiet, not one per check');
    const all = (await api().get('/impetus/api/alerts?tool=anomaly').expect(200)).body;
    assert.equal(all.total, 1);
  });

  it('replays a CSV file from the user directory as fast as possible, in order, marked Exercise when an exercise started it', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow({ replaySpeed: 0, sensorId: 'replayed' }));
    const rows = Array.from({ length: 1500 }, (_, i) => `${new Date(Date.parse(T) + i * 60_000).toISOString()},${i},${i % 2 ? '' : i * 2}`);
    fs.writeFileSync(path.join(dir(), 'history.csv'), `timestamp,a,b\n${rows.join('\n')}\n`);
    const out = collect('readings');
    node('in').receive({ replay: { file: 'history.csv' }, exercise: true, status: 'Exercise' });
    await waitFor(() => out.length === 1500, 'every row', 20_000);
    const values = out.map((m) => (m.payload as Reading[])[0].value);
    assert.deepEqual(values, rows.map((_, i) => i), 'in file order');
    assert.equal((out[0].payload as Reading[]).length, 2);
    assert.equal((out[1].payload as Reading[]).length, 1, 'empty cells are missing values');
    assert.ok(out.every((m) => m.exercise === true && m.status === 'Exercise'));
  });

  it('moves replay times by whole weeks: the first replay ends before now, the next continues after it', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow({ replaySpeed: 0, replayShift: 'continue', sensorId: 'ring-2' }));
    const first = Date.UTC(2025, 2, 3, 0, 0);
    const rows = Array.from({ length: 50 }, (_, i) => `${new Date(first + i * 3_600_000).toISOString()},${i}`);
    fs.writeFileSync(path.join(dir(), 'loop.csv'), `timestamp,buses\n${rows.join('\n')}\n`);
    const out = collect('readings');
    node('in').receive({ replay: { file: 'loop.csv' } });
    await waitFor(() => out.length === 50, 'the first replay');
    // The form a scenario timeline can send: topic "replay", the command as payload.
    node('in').receive({ topic: 'replay', payload: { file: 'loop.csv' } });
    await waitFor(() => out.length === 100, 'the second replay');
    const ts = out.map((m) => (m.payload as Reading[])[0].ts);
    const week = 7 * 86_400_000;
    assert.ok(ts[49] <= Date.now() && ts[49] > Date.now() - week, 'the first replay ends within the week before now');
    assert.equal((ts[0] - first) % week, 0, 'shifted by whole weeks');
    assert.ok(ts[50] > ts[49], 'the second replay starts after the first ended');
    assert.equal((ts[50] - ts[0]) % week, 0);
    assert.equal(ts[99] - ts[50], ts[49] - ts[0]);
  });

  it('reports a replay file that does not exist or is not a readings CSV', async () => {
    await load([...alertNodes, sensorIn, catchNode], flow());
    let error = nextError(node('in'));
    node('in').receive({ replay: { file: 'nowhere.csv' } });
    assert.match(await error, /no file nowhere.csv/);
    fs.writeFileSync(path.join(dir(), 'bad.csv'), 'when,a\n1,2\n');
    error = nextError(node('in'));
    node('in').receive({ replay: { file: 'bad.csv', speed: 0 } });
    assert.match(await error, /timestamp column/);
  });
});

describe('CSV replay timing', () => {
  it('peeks at the first and last times of a file, and plans week shifts', async () => {
    const file = path.join(tempDir(), 'peek.csv');
    fs.writeFileSync(file, `timestamp;a\n2025-03-03T00:00:00Z;1\n2025-03-04T00:00:00Z;2\n\n`);
    assert.deepEqual(await peekTimes(file), { first: Date.UTC(2025, 2, 3), last: Date.UTC(2025, 2, 4) });
    const week = 7 * 86_400_000;
    assert.equal(weeksShift('recent', 0, 10, undefined, 3 * week + 20), 3 * week);
    assert.equal(weeksShift('recent', 0, 10, undefined, 3 * week + 5), 2 * week, 'ends before now, not after');
    assert.equal(weeksShift('recent', 0, 10, 3 * week + 10, 3 * week + 20), 3 * week, 'recent: the same again');
    assert.equal(weeksShift('continue', 0, 10, undefined, 3 * week + 20), 3 * week, 'continue: the first like recent');
    assert.equal(weeksShift('continue', 0, 10, 3 * week + 10, 0), 4 * week, 'continue: after the previous');
    assert.equal(weeksShift('none', 0, 10, 3 * week + 10, 5 * week), 0);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('spaces rows by their time divided by the speed factor (fake clock)', async () => {
    const file = path.join(tempDir(), 'timed.csv');
    // Rows one hour apart, replayed at 3600×: one second apart.
    fs.writeFileSync(file, ['timestamp,a', ...[0, 1, 2, 4].map((h) => `${new Date(Date.UTC(2025, 0, 1, h)).toISOString()},${h}`)].join('\n'));
    const clock = new FakeClock(1_000_000);
    const sent: Array<[number, string]> = [];
    let ended = false;
    const replay = new CsvReplay(file, 3600, (row) => sent.push([clock.now() - 1_000_000, row.fields[1]]), () => (ended = true), clock);
    replay.start();
    await waitFor(() => sent.length === 1, 'the first row (file read)');
    assert.deepEqual(sent, [[0, '0']]);
    await clock.advance(999);
    assert.equal(sent.length, 1, 'not before its time');
    await clock.advance(1);
    assert.deepEqual(sent[1], [1000, '1']);
    await clock.advance(3000);
    assert.deepEqual(sent.map((s) => s[0]), [0, 1000, 2000, 4000]);
    await waitFor(() => ended, 'the end of the file');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('stops at once and sends nothing more', async () => {
    const file = path.join(tempDir(), 'stop.csv');
    fs.writeFileSync(file, ['timestamp,a', ...Array.from({ length: 10 }, (_, i) => `${Date.UTC(2025, 0, 1, i) / 1000},${i}`)].join('\n'));
    const clock = new FakeClock(0);
    let sent = 0;
    const replay = new CsvReplay(file, 3600, () => (sent += 1), () => undefined, clock);
    replay.start();
    await waitFor(() => sent === 1, 'the first row');
    replay.stop();
    await clock.advance(60_000);
    assert.equal(sent, 1);
    assert.equal(clock.pendingTimers, 0);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});

