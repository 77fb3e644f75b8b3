import * as assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { Node, NodeStatus } from 'node-red';
import scenarioNode from '../../nodes/scenario/impetus-scenario';
import type { Timeline } from '../../nodes/scenario/timeline';
import { sleep, waitFor } from '../support/util';

helper.init(require.resolve('node-red'));

type Msg = Record<string, unknown> & { payload?: unknown; topic?: string };
type TestNode = Node & { receive(msg: Msg): void };
type FlowNode = { id: string; type: string; wires?: string[][]; [key: string]: unknown };

/** Offsets are in scenario time; at ×1000 this whole drill plays in a few milliseconds. */
const drill: Timeline = {
  name: 'Market drill',
  outputs: ['alerts', 'sensors'],
  events: [
    { at: 0, output: 'sensors', topic: 'people-counter', payload: { zone: 'market', count: 120 } },
    { at: 'PT1S', output: 'alerts', topic: 'firearm', payload: { tool: 'firearm', headline: 'Firearm on camera 12', severity: 'high' } },
    { at: 'PT2S', output: 'sensors', payload: 42, repeat: { every: 'PT1S', count: 2 } },
    { at: 'PT4S', output: 'alerts', payload: 'text alert' },
  ],
};

/** Catch nodes only see errors from nodes on their own tab, so everything lives on one. */
function flow(node: Partial<FlowNode> = {}, timeline: unknown = drill): FlowNode[] {
  return [
    { id: 'f1', type: 'tab', label: 'scenario' },
    {
      id: 'n1',
      z: 'f1',
      type: 'impetus-scenario',
      name: '',
      source: 'inline',
      timeline: typeof timeline === 'string' ? timeline : JSON.stringify(timeline),
      speed: 1000,
      loop: '',
      autostart: false,
      outputs: 2,
      outputNames: ['alerts', 'sensors'],
      wires: [['alerts'], ['sensors']],
      ...node,
    },
    { id: 'alerts', z: 'f1', type: 'helper' },
    { id: 'sensors', z: 'f1', type: 'helper' },
    { id: 'c1', z: 'f1', type: 'catch', scope: ['n1'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

interface Run {
  n1: TestNode;
  all: Array<{ port: string; msg: Msg }>;
  errors: Msg[];
  statuses: NodeStatus[];
}

async function load(nodes: FlowNode[]): Promise<Run> {
  await helper.load(scenarioNode, nodes);
  const n1 = helper.getNode('n1') as TestNode;
  const run: Run = { n1, all: [], errors: [], statuses: [] };
  for (const port of ['alerts', 'sensors']) helper.getNode(port).on('input', (msg: Msg) => run.all.push({ port, msg }));
  helper.getNode('caught').on('input', (msg: Msg) => run.errors.push(msg));
  // The helper re-emits every status() call on the node as 'call:status'.
  (n1 as unknown as EventEmitter).on('call:status', (call: { args: [NodeStatus] }) => run.statuses.push(call.args[0]));
  return run;
}

/** A node with only the alerts output, playing at ×1 'first' at once and 'second' after `gap`. */
function loadFirstAndSecond(gap: string): Promise<Run> {
  const timeline: Timeline = {
    name: 'slow',
    outputs: ['alerts'],
    events: [
      { at: 0, output: 'alerts', payload: 'first' },
      { at: gap, output: 'alerts', payload: 'second' },
    ],
  };
  return load(flow({ speed: 1, outputs: 1, outputNames: ['alerts'], wires: [['alerts']] }, timeline));
}


/** Catch nodes see done(err) as `String(err)`, so drop the "Error: " prefix. */
function errorText(msg: Msg): string {
  return String((msg.error as { message?: string } | undefined)?.message).replace(/^Error: /, '');
}

function lastStatus(run: Run): string {
  return String(run.statuses.at(-1)?.text ?? '');
}

describe('impetus-scenario node', function () {
  let userDir = '';

  beforeEach(function (done) {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-scenario-'));
    helper.settings({ userDir });
    helper.startServer(done);
  });

  afterEach(async function () {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('loads and shows it is ready without sending anything', async function () {
    const run = await load(flow());
    await waitFor(() => lastStatus(run).startsWith('ready'), 'ready status');
    assert.equal(lastStatus(run), 'ready: 5 events');
    assert.equal(run.all.length, 0);
  });

  it('sends every event to its named output, in order, marked as an exercise', async function () {
    const run = await load(flow());
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 5, 'five messages');

    assert.deepEqual(
      run.all.map(({ port, msg }) => [port, (msg.scenario as { event: number }).event]),
      [['sensors', 0], ['alerts', 1], ['sensors', 2], ['sensors', 2], ['alerts', 3]],
    );
    for (const { msg } of run.all) {
      assert.equal(msg.status, 'Exercise');
      assert.equal(msg.exercise, true);
    }
    const [counter, firearm, first42, second42, text] = run.all.map((r) => r.msg);
    assert.equal(counter.topic, 'people-counter');
    assert.deepEqual(counter.payload, { zone: 'market', count: 120, status: 'Exercise' });
    assert.deepEqual(firearm.payload, { tool: 'firearm', headline: 'Firearm on camera 12', severity: 'high', status: 'Exercise' });
    assert.deepEqual(firearm.scenario, { name: 'Market drill', event: 1, occurrence: 0, loop: 0 });
    assert.equal(first42.payload, 42);
    assert.equal(first42.topic, undefined);
    assert.deepEqual([first42.scenario, second42.scenario].map((s) => (s as { occurrence: number }).occurrence), [0, 1]);
    assert.equal(text.payload, 'text alert');
    await waitFor(() => lastStatus(run).startsWith('✓'), 'finished status');
    assert.equal(lastStatus(run), '✓ done 5/5');
  });

  it('accepts msg.command, in any case, over msg.payload', async function () {
    const run = await load(flow());
    run.n1.receive({ command: ' START ', payload: 'ignored data' });
    await waitFor(() => run.all.length === 5, 'five messages');
  });

  it('speeds up a running scenario when msg.speed arrives', async function () {
    // At ×1 the second event is an hour away; only a live speed change can bring it here.
    const slow: Timeline = {
      name: 'slow',
      outputs: ['alerts', 'sensors'],
      events: [
        { at: 0, output: 'alerts', payload: 'now' },
        { at: 'PT1H', output: 'alerts', payload: 'later' },
      ],
    };
    const run = await load(flow({ speed: 1 }, slow));
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 1, 'first message');
    run.n1.receive({ speed: 10_000 });
    await waitFor(() => run.all.length === 2, 'second message after the speed-up');
    assert.deepEqual(run.all.map((r) => r.msg.payload), ['now', 'later']);
    assert.deepEqual(run.errors, []);
  });

  it('pauses and resumes where it left off', async function () {
    const run = await loadFirstAndSecond('PT1H');
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 1, 'first message');
    run.n1.receive({ payload: 'pause' });
    // While paused, even ×10000 (the hour in 360 ms) must not move the scenario on.
    run.n1.receive({ speed: 10_000 });
    await waitFor(() => lastStatus(run).startsWith('⏸'), 'paused status');
    await sleep(600);
    assert.equal(run.all.length, 1);
    assert.equal(lastStatus(run), '⏸ 1/2');
    run.n1.receive({ payload: 'resume' });
    await waitFor(() => run.all.length === 2, 'second message after resume');
    assert.deepEqual(run.all.map((r) => r.msg.payload), ['first', 'second']);
  });

  it('stops, then starts over from the beginning', async function () {
    const run = await loadFirstAndSecond('PT0.3S');
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 1, 'first message');
    run.n1.receive({ payload: 'stop' });
    await waitFor(() => lastStatus(run).startsWith('■'), 'stopped status');
    await sleep(600);
    assert.equal(run.all.length, 1);
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 3, 'a full second run');
    assert.deepEqual(run.all.map((r) => r.msg.payload), ['first', 'first', 'second']);
  });

  it('restarts from the beginning while running', async function () {
    const run = await loadFirstAndSecond('PT1H');
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 1, 'first message');
    run.n1.receive({ payload: 'restart' });
    await waitFor(() => run.all.length === 2, 'first message again');
    assert.deepEqual(run.all.map((r) => r.msg.payload), ['first', 'first']);
    await waitFor(() => lastStatus(run) === '▶ 1/2 ×1', 'running status with progress');
  });

  it('loops, counting passes, until stopped', async function () {
    const run = await load(flow({ loop: 'true' }));
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length >= 15, 'three passes');
    run.n1.receive({ payload: 'stop' });
    const passes = run.all.slice(0, 15).map((r) => (r.msg.scenario as { loop: number }).loop);
    assert.deepEqual(passes, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    assert.deepEqual(
      run.all.slice(5, 10).map((r) => (r.msg.scenario as { event: number }).event),
      [0, 1, 2, 2, 3],
    );
    await waitFor(() => lastStatus(run).startsWith('■'), 'stopped status');
    const count = run.all.length;
    await sleep(100);
    assert.equal(run.all.length, count);
  });

  it('honours the timeline loop flag unless the node overrides it', async function () {
    const run = await load(flow({ loop: 'false' }, { ...drill, loop: true }));
    run.n1.receive({ payload: 'start' });
    await waitFor(() => lastStatus(run).startsWith('✓'), 'finished status');
    assert.equal(run.all.length, 5);
  });

  it('starts on deploy when autostart is set', async function () {
    const run = await load(flow({ autostart: true }));
    await waitFor(() => run.all.length === 5, 'five messages without a start command');
  });

  it('loads and starts a scenario from msg.scenario without touching the caller object', async function () {
    const other: Timeline = {
      name: 'Other drill',
      outputs: ['sensors'],
      events: [{ at: 0, output: 'sensors', payload: { reading: 1 } }],
    };
    const run = await load(flow());
    run.n1.receive({ scenario: other, payload: 'from a file-in node' });
    await waitFor(() => run.all.length === 1, 'one message');
    assert.equal(run.all[0].port, 'sensors');
    assert.deepEqual(run.all[0].msg.payload, { reading: 1, status: 'Exercise' });
    assert.deepEqual(run.all[0].msg.scenario, { name: 'Other drill', event: 0, occurrence: 0, loop: 0 });
    assert.deepEqual(other.events[0].payload, { reading: 1 });
    // The loaded scenario replaces the configured one for later commands too.
    run.n1.receive({ payload: 'restart' });
    await waitFor(() => run.all.length === 2, 'the replayed message');
    assert.equal((run.all[1].msg.scenario as { name: string }).name, 'Other drill');
  });

  it('rejects an invalid msg.scenario with the failing path, a red status, and keeps working', async function () {
    const run = await load(flow());
    run.n1.receive({ scenario: { ...drill, events: [{ at: 'soon', output: 'alerts', payload: 1 }] } });
    await waitFor(() => run.errors.length === 1, 'caught error');
    const message = errorText(run.errors[0]);
    assert.match(message, /^Invalid scenario: scenario: \/events\/0\/at /);
    assert.equal(
      message,
      'Invalid scenario: scenario: /events/0/at must be milliseconds or an ISO 8601 duration such as PT5S or PT1M30S (weeks to seconds; no years or months) (#/$defs/duration/pattern)',
    );
    await waitFor(() => run.statuses.some((s) => s.fill === 'red'), 'red status');

    run.n1.receive({ scenario: { ...drill, events: [{ at: 0, output: 'video', payload: 1 }] } });
    await waitFor(() => run.errors.length === 2, 'second caught error');
    assert.match(errorText(run.errors[1]), /\/events\/0\/output "video" is not one of the scenario's outputs/);

    run.n1.receive({ scenario: 'not an object' });
    await waitFor(() => run.errors.length === 3, 'third caught error');
    assert.match(errorText(run.errors[2]), /msg\.scenario must be a timeline object/);

    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 5, 'the configured drill still plays');
  });

  it('rejects unknown commands and bad speeds through done(err)', async function () {
    const run = await load(flow());
    run.n1.receive({ payload: 'launch' });
    run.n1.receive({ payload: 1712345678 });
    run.n1.receive({ command: 'pause please' });
    run.n1.receive({ speed: 0 });
    run.n1.receive({ speed: 'fast', payload: 'start' });
    run.n1.receive({});
    await waitFor(() => run.errors.length === 6, 'six caught errors');
    assert.deepEqual(run.errors.map(errorText), [
      'Unknown command "launch": use start, stop, pause, resume or restart',
      'Unknown command "1712345678": use start, stop, pause, resume or restart',
      'Unknown command "pause please": use start, stop, pause, resume or restart',
      'Invalid speed "0": must be a number greater than 0 and at most 10000',
      'Invalid speed "fast": must be a number greater than 0 and at most 10000',
      'No command: set msg.payload or msg.command to start, stop, pause, resume or restart',
    ]);
    // A rejected message changes nothing: the bad speed did not start the scenario.
    await sleep(50);
    assert.equal(run.all.length, 0);
  });

  it('reports an event sent to an output the node does not have, once, at load', async function () {
    const run = await load(flow({ outputs: 1, outputNames: ['alerts'], wires: [['alerts']] }));
    await waitFor(() => run.errors.length === 1, 'load error');
    assert.match(errorText(run.errors[0]), /\/events\/0\/output "sensors" is not one of the node's configured outputs \(alerts\)/);
    assert.equal(run.statuses.at(-1)?.fill, 'red');
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.errors.length === 2, 'start error');
    assert.match(errorText(run.errors[1]), /^No scenario loaded: Invalid scenario: /);
    assert.equal(run.all.length, 0);
  });

  it('reports an inline timeline that is not JSON', async function () {
    const run = await load(flow({}, '{"name": "broken",'));
    await waitFor(() => run.errors.length === 1, 'load error');
    assert.match(errorText(run.errors[0]), /^The inline timeline is not valid JSON: /);
  });

  it('reads a timeline file relative to the user directory', async function () {
    fs.mkdirSync(path.join(userDir, 'scenarios'));
    fs.writeFileSync(path.join(userDir, 'scenarios', 'drill.json'), JSON.stringify(drill));
    const run = await load(flow({ source: 'file', file: 'scenarios/drill.json', timeline: '' }));
    await waitFor(() => lastStatus(run).startsWith('ready'), 'ready status');
    run.n1.receive({ payload: 'start' });
    await waitFor(() => run.all.length === 5, 'five messages');
  });

  it('reports a missing, oversized or broken timeline file', async function () {
    const big = path.join(userDir, 'big.json');
    fs.writeFileSync(big, Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    fs.writeFileSync(path.join(userDir, 'bad.json'), '{ nope');
    const nodes = [
      ...flow({ source: 'file', file: 'missing.json' }),
      { ...flow({ source: 'file', file: big })[1], id: 'n2', wires: [[], []] },
      { ...flow({ source: 'file', file: 'bad.json' })[1], id: 'n3', wires: [[], []] },
    ];
    nodes[4].scope = ['n1', 'n2', 'n3'];
    const run = await load(nodes);
    await waitFor(() => run.errors.length === 3, 'three load errors');
    const messages = run.errors.map(errorText).sort();
    assert.match(messages[0], /^Scenario file "missing\.json" not found \(looked in .*missing\.json/);
    assert.match(messages[1], /bad\.json is not valid JSON: /);
    assert.match(messages[2], /big\.json is 10485761 bytes; the limit is 10485760 bytes$/);
  });

  it('clears its timers on close: nothing is sent after the flow stops', async function () {
    const run = await loadFirstAndSecond('PT0.2S');
    let sent = 0;
    const send = run.n1.send.bind(run.n1);
    run.n1.send = (msg) => {
      sent++;
      send(msg);
    };
    run.n1.receive({ payload: 'start' });
    await waitFor(() => sent === 1, 'first message');
    await helper.unload();
    await sleep(400);
    assert.equal(sent, 1);
  });

  it('clears a pending autostart on close', async function () {
    const run = await load(flow({ autostart: true }));
    let sent = 0;
    run.n1.send = () => {
      sent++;
    };
    await helper.unload();
    await sleep(700);
    assert.equal(sent, 0);
  });
});
