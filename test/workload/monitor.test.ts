/**
 * The workload monitor without Node-RED, with the shipped ONNX model: the sample recording of an
 * operator who becomes overloaded is detected; smoothing, hysteresis and minimum duration;
 * signal quality lowering confidence; bad input (NaN, flat line, clock jump, a new sensor id);
 * pause; calibration; and retention (estimates deleted after the configured time).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { edfChunks } from '../../nodes/workload/replay';
import { WorkloadModel } from '../../nodes/workload/model';
import { DEFAULT_MONITOR, WorkloadMonitor } from '../../nodes/workload/monitor';
import type { OperatorRow } from '../../nodes/workload/monitor';
import { OwnIndicators } from '../../nodes/workload/own';
import { consoleUsers } from '../../nodes/workload/settings';
import type { Chunk } from '../../nodes/workload/samples';
import { WorkloadTracker } from '../../nodes/workload/tracker';
import { Rng } from '../../bench/random';

const SAMPLE = path.join(PACKAGE_ROOT, 'flows', 'workload', 'operator-2.edf');
const T0 = Date.UTC(2026, 11, 5, 21, 0, 0);

/** One second of a plausible headband: 2 EEG channels at 128 Hz and a PPG at 128 Hz. */
function second(rng: Rng, s: number, opts: { operator?: string; device?: string; eeg?: (i: number) => number; ppg?: (i: number) => number } = {}): Chunk {
  const eeg = opts.eeg ?? (() => 8 * Math.sin(2 * Math.PI * 10 * rng.next()) + 5 * rng.normal());
  const t = (i: number) => s + i / 128;
  return {
    operator: opts.operator ?? 'op-1', device: opts.device ?? 'band-1', t0: T0 + s * 1000,
    channels: [
      { name: 'AF7', kind: 'eeg', rate: 128, values: Array.from({ length: 128 }, (_, i) => eeg(i)) },
      { name: 'TP10', kind: 'eeg', rate: 128, values: Array.from({ length: 128 }, (_, i) => eeg(i)) },
      { name: 'PPG', kind: 'ppg', rate: 128, values: Array.from({ length: 128 }, (_, i) => opts.ppg?.(i) ?? Math.sin(2 * Math.PI * 1.2 * t(i)) ** 3) },
    ],
  };
}

describe('workload monitor', function () {
  this.timeout(60_000);
  let model: WorkloadModel;
  before(async () => {
    model = await WorkloadModel.load();
  });
  after(() => model.close());

  it('tracker: smooths, enters and leaves bands with hysteresis, alerts once after the minimum duration', () => {
    const tr = new WorkloadTracker({ highEnter: 0.7, highExit: 0.6, lowEnter: 0.25, lowExit: 0.35, minDurationS: 60, smoothingS: 0 });
    const at = (s: number) => T0 + s * 1000;
    assert.equal(tr.update(at(0), 0.75, 1, 1).state, 'high');
    assert.equal(tr.update(at(10), 0.65, 1, 1).state, 'high', 'inside the hysteresis gap it stays high');
    assert.equal(tr.update(at(50), 0.8, 1, 1).sustained, undefined, 'not yet the minimum duration');
    assert.equal(tr.update(at(60), 0.8, 1, 1).sustained, 'high');
    assert.equal(tr.update(at(70), 0.8, 1, 1).sustained, undefined, 'alerted once');
    assert.equal(tr.update(at(80), 0.55, 1, 1).state, 'normal');
    const smooth = new WorkloadTracker({ highEnter: 0.7, highExit: 0.6, lowEnter: 0.25, lowExit: 0.35, minDurationS: 0, smoothingS: 60 });
    smooth.update(at(0), 0.5, 1, 1);
    const spike = smooth.update(at(10), 1, 1, 1);
    assert.ok(spike.index < 0.6 && spike.state === 'normal', `one high estimate does not flip the state (${spike.index})`);
    assert.equal(smooth.update(at(20), 1, 0.9, 0.5).confidence, 0.45, 'confidence is certainty × quality');
  });

  it('detects the sample operator\'s overload, and how long after it began', async () => {
    const monitor = new WorkloadMonitor(model, { ...DEFAULT_MONITOR, zone: 'soc' });
    const drafts = [];
    let first: number | undefined;
    for await (const chunk of edfChunks(SAMPLE, { operator: 'op-2', device: 'replay', start: T0 })) {
      monitor.ingest(chunk, T0);
      for (const d of await monitor.step()) {
        drafts.push(d);
        if (d.event === 'Operator workload high' && first === undefined) first = chunk.t0;
      }
    }
    const high = drafts.find((d) => d.event === 'Operator workload high');
    assert.ok(high, `drafts: ${drafts.map((d) => d.event).join(', ')}; rows ${JSON.stringify(monitor.rows())}`);
    // The overload starts 60 s into the recording; the band must hold 120 s before it is told.
    const delay = (first! - T0) / 1000 - 60;
    assert.ok(delay >= 120 && delay <= 230, `detected ${delay} s after the overload began`);
    assert.deepEqual(Object.keys(high.data!).sort(), ['confidence', 'device', 'index', 'kind', 'minutes', 'operator', 'state']);
    assert.equal(high.tool, 'workload');
    assert.equal(monitor.rows()[0].state, 'high');
    assert.equal(monitor.team().high, 1);
  });

  it('marks failing channels, leaves their features out and lowers the confidence', async () => {
    const rng = new Rng(5);
    const good = new WorkloadMonitor(model);
    const bad = new WorkloadMonitor(model);
    for (let s = 0; s < 40; s++) {
      good.ingest(second(rng, s), T0);
      // NaN bursts (dropouts) on AF7, a flat line on TP10.
      const c = second(rng, s);
      c.channels[0].values = c.channels[0].values.map((v, i) => (i % 3 === 0 ? NaN : v));
      c.channels[1].values = c.channels[1].values.map(() => 3);
      bad.ingest(c, T0);
      await good.step();
      await bad.step();
    }
    const [g] = good.rows();
    const [b] = bad.rows();
    assert.equal(g.sensor, 'ok');
    assert.match(b.sensor, /AF7 dropout/);
    assert.match(b.sensor, /TP10 flat/);
    assert.ok(b.confidence! < g.confidence!, `confidence ${b.confidence} with failing channels vs ${g.confidence}`);
  });

  it('a clock jump restarts the channel; a new sensor id starts the operator again; nothing throws', async () => {
    const rng = new Rng(6);
    const monitor = new WorkloadMonitor(model);
    for (let s = 0; s < 35; s++) monitor.ingest(second(rng, s), T0);
    assert.deepEqual(monitor.ingest(second(rng, 10), T0).map((e) => e.kind), ['clock-jump', 'clock-jump', 'clock-jump']);
    const events = monitor.ingest(second(rng, 36, { device: 'band-7' }), T0);
    assert.deepEqual(events[0], { kind: 'device-changed', from: 'band-1', to: 'band-7' });
    await monitor.step();
    assert.equal(monitor.rows()[0].device, 'band-7');
    assert.equal(monitor.rows()[0].state, 'waiting', 'a new sensor waits for a whole window');
  });

  it('sensor alerts: headband off, battery, no data; each once per episode', async () => {
    const rng = new Rng(7);
    const monitor = new WorkloadMonitor(model);
    const drafts = [];
    for (let s = 0; s < 45; s++) {
      const c = second(rng, s);
      if (s > 30) Object.assign(c, { contact: false, battery: 9 });
      monitor.ingest(c, T0 + s * 1000);
      drafts.push(...(await monitor.step()));
    }
    assert.deepEqual(drafts.map((d) => d.event).sort(), ['Workload sensor battery low', 'Workload sensor off']);
    assert.equal(monitor.checkQuiet(T0 + 60_000).length, 0);
    const quiet = monitor.checkQuiet(T0 + 80_000);
    assert.deepEqual(quiet.map((d) => [d.event, (d.data as { problem: string }).problem]), [['Workload sensor no data', 'no-data']]);
    assert.equal(monitor.checkQuiet(T0 + 90_000).length, 0, 'told once');
  });

  it('pause: one call, audited by a draft naming who; samples dropped until resumed', async () => {
    const rng = new Rng(8);
    const monitor = new WorkloadMonitor(model);
    for (let s = 0; s < 35; s++) monitor.ingest(second(rng, s), T0);
    await monitor.step();
    const draft = monitor.setPaused('op-1', true, 'sofia', T0 + 40_000);
    assert.equal(draft.event, 'Operator monitoring paused');
    assert.deepEqual(draft.data, { kind: 'monitoring', operator: 'op-1', paused: true, by: 'sofia' });
    assert.deepEqual(monitor.ingest(second(rng, 36), T0), []);
    assert.deepEqual(await monitor.step(), []);
    assert.equal(monitor.rows()[0].state, 'paused');
    assert.deepEqual(monitor.rows()[0].actions, ['resume'], 'the team table offers Resume, not Pause');
    assert.equal(monitor.setPaused('op-1', false, 'sofia', T0).event, 'Operator monitoring resumed');
    assert.deepEqual(monitor.rows()[0].actions, ['pause']);
  });

  it('an operator\'s own pause: marked as theirs, and lifted by them only', () => {
    const monitor = new WorkloadMonitor(model);
    const own = monitor.setPaused('op-1', true, 'Alice', T0, true);
    assert.match(own.headline!, /op-1: monitoring paused by Alice \(their own choice\)/);
    assert.deepEqual(own.data, { kind: 'monitoring', operator: 'op-1', paused: true, by: 'Alice', self: true });
    assert.throws(() => monitor.setPaused('op-1', false, 'sofia', T0), /op-1 paused their own monitoring; only they can resume it/);
    assert.deepEqual(monitor.rows()[0].actions, [], 'the supervisor is offered no button that would be refused');
    monitor.setPaused('op-1', true, 'sofia', T0);
    assert.throws(() => monitor.setPaused('op-1', false, 'sofia', T0), /only they/, 'a supervisor\'s pause on top does not take it over');
    assert.equal(monitor.rows()[0].state, 'paused');
    assert.equal(monitor.setPaused('op-1', false, 'Alice', T0, true).event, 'Operator monitoring resumed');
    monitor.setPaused('op-1', true, 'sofia', T0);
    assert.equal(monitor.setPaused('op-1', false, 'Alice', T0, true).event, 'Operator monitoring resumed', 'the operator may resume a supervisor\'s pause');
  });

  it('own indicators: a row per mapped operator for their user, taken down when the operator is forgotten; the unmapped warned of once', () => {
    const warned: string[] = [];
    const own = new OwnIndicators(consoleUsers('op-1:alice\nop-2:bob'), (op) => warned.push(op));
    const row = (operator: string, state: OperatorRow['state'] = 'normal'): OperatorRow => ({ operator, device: 'd', state, index: 0.4, confidence: 0.8, minutes: 2, sensor: 'ok', battery: 50, calibration: 'none', updated: new Date(T0).toISOString(), actions: state === 'paused' ? ['resume'] : ['pause'] });
    const first = own.messages([row('op-1'), row('op-2', 'high'), row('op-3')]);
    assert.deepEqual(first.map((m) => [m.user, (m.payload as { operator: string }).operator, (m.payload as { state: string }).state]), [['alice', 'op-1', 'normal'], ['bob', 'op-2', 'high']]);
    assert.equal(first[0].topic, undefined);
    assert.deepEqual(Object.keys(first[0].payload as object).sort(), ['actions', 'confidence', 'index', 'minutes', 'operator', 'sensor', 'state', 'updated'], 'no device, battery or calibration');
    assert.deepEqual((first[0].payload as { actions: string[] }).actions, ['pause']);
    assert.deepEqual((own.messages([row('op-1', 'paused')])[0].payload as { actions: string[] }).actions, ['resume'], 'their own button: Resume while paused');
    own.messages([row('op-1'), row('op-2'), row('op-3')]);
    assert.deepEqual(warned, ['op-3'], 'once');
    // op-2's estimates went with the retention time: bob's indicator is taken down, once.
    assert.deepEqual(own.messages([row('op-1')]).filter((m) => m.topic === 'remove'), [{ topic: 'remove', user: 'bob', payload: 'op-2' }]);
    assert.deepEqual(own.messages([row('op-1')]).filter((m) => m.topic === 'remove'), []);
    const off = new OwnIndicators(consoleUsers(''), (op) => warned.push(op));
    assert.deepEqual(off.messages([row('op-4')]), []);
    assert.deepEqual(warned, ['op-3'], 'no mapping at all: the indicators are off, nobody is warned of');
  });

  it('console users of the own indicators: operator:user per line, each operator once', () => {
    assert.deepEqual([...consoleUsers('op-2:alice\n  ops:room:1:bob  \n\n')], [['op-2', 'alice'], ['ops:room:1', 'bob']]);
    assert.equal(consoleUsers('').size, 0);
    assert.equal(consoleUsers(undefined).size, 0);
    assert.throws(() => consoleUsers('op-2:alice\nop-2:bob'), /op-2 is mapped twice/);
    for (const bad of ['op-2', 'op-2:', ':alice', 'op 2:alice', 'op-2:al ice']) assert.throws(() => consoleUsers(bad), /console users/, bad);
    assert.throws(() => consoleUsers(42), /must be text/);
  });

  it('calibration: a rest and a task segment personalise; too short a segment is refused', async () => {
    const rng = new Rng(9);
    const monitor = new WorkloadMonitor(model, { ...DEFAULT_MONITOR, stepS: 5 });
    assert.throws(() => monitor.calibrate('op-1', 'rest', 'start'), /no data from operator "op-1"/);
    monitor.ingest(second(rng, 0), T0);
    monitor.calibrate('op-1', 'rest', 'start');
    for (let s = 1; s < 40; s++) {
      monitor.ingest(second(rng, s), T0);
      await monitor.step();
    }
    assert.equal(monitor.rows()[0].calibration, 'recording rest');
    assert.match(monitor.calibrate('op-1', 'rest', 'stop'), /rest segment calibrated from \d+ estimates/);
    monitor.calibrate('op-1', 'task', 'start');
    assert.throws(() => monitor.calibrate('op-1', 'task', 'stop'), /needs at least 3/);
    assert.equal(monitor.rows()[0].calibration, 'rest');
  });

  it('retention: estimates older than the retention time are deleted', async () => {
    const rng = new Rng(10);
    const monitor = new WorkloadMonitor(model, { ...DEFAULT_MONITOR, retentionH: 1 });
    for (let s = 0; s < 60; s++) {
      monitor.ingest(second(rng, s), T0 + s * 1000);
      await monitor.step();
    }
    const kept = monitor.history('op-1').length;
    assert.ok(kept >= 3);
    assert.equal(monitor.prune(T0 + 3_600_000 + 30_000), 0, 'nothing is older than an hour yet... ');
    const removed = monitor.prune(T0 + 3_600_000 + 50_500);
    assert.ok(removed > 0 && removed < kept, `${removed} of ${kept} removed`);
    monitor.prune(T0 + 2 * 3_600_000);
    assert.equal(monitor.history('op-1').length, 0);
    assert.deepEqual(monitor.rows(), [], 'an operator with nothing kept is forgotten');
  });
});
