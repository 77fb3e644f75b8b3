import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { closePlatforms } from '../../nodes/platform';
import { alertNodes, api, helper, load, nextError, nextMessage, node, useRuntime, waitFor } from '../support/nodered';

type Msg = { payload: Alert; outcome?: string };

const flow = [
  { id: 'alert', type: 'impetus-alert', name: '', tool: 'firearm', severity: 'high', wires: [['out']] },
  { id: 'out', type: 'helper' },
  { id: 'events', type: 'impetus-alert-events', events: [], wires: [['ev']] },
  { id: 'ev', type: 'helper' },
  { id: 'act', type: 'impetus-alert-action', action: 'msg', actor: '', wires: [['acted']] },
  { id: 'acted', type: 'helper' },
  { id: 'silence', type: 'impetus-silence', mode: 'create', tool: 'firearm', zone: 'piazza', reason: 'maintenance of camera 4', createdBy: 'olga', durationMinutes: 30, wires: [['silenced']] },
  { id: 'silenced', type: 'helper' },
  { id: 'unsilence', type: 'impetus-silence', mode: 'expire', wires: [['silenced']] },
];

describe('alert nodes', function () {
  useRuntime();

  async function loadAll() {
    await load(alertNodes, flow);
    return {
      alert: node('alert'),
      out: node('out'),
      ev: node('ev'),
      act: node('act'),
      acted: node('acted'),
      silence: node('silence'),
      unsilence: node('unsilence'),
      silenced: node('silenced'),
    };
  }

  async function storedCount(): Promise<number> {
    const res = await api().get('/impetus/api/alerts').expect(200);
    return res.body.total;
  }

  it('stores a draft and outputs the stored alert', async () => {
    const n = await loadAll();
    const received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Firearm detected', zone: 'piazza', urgency: 'Immediate', certainty: 'Observed' } });
    const msg = await received;
    assert.equal(msg.outcome, 'created');
    assert.equal(msg.payload.tool, 'firearm', 'node default fills the tool');
    assert.equal(msg.payload.priority, 'P1');
    assert.equal(msg.payload.version, 2, 'stored, then grouped into its incident (one write each)');
    assert.ok(msg.payload.incidentId, 'in an incident');
    assert.equal(msg.payload.source.node, 'alert');
  });

  it('raises with the node\'s alertStatus, reads `status` from earlier flows, and ignores the editor\'s runtime status object there', async () => {
    await load(alertNodes, [
      { id: 'exercise', type: 'impetus-alert', tool: 'firearm', alertStatus: 'Exercise', wires: [['out']] },
      { id: 'earlier', type: 'impetus-alert', tool: 'firearm', status: 'Test', wires: [['out']] },
      // What a deploy from the editor sent before the rename: the runtime status dot, not a setting.
      { id: 'clobbered', type: 'impetus-alert', tool: 'firearm', status: { fill: 'grey', shape: 'ring', text: 'ready' }, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const statuses: string[] = [];
    for (const id of ['exercise', 'earlier', 'clobbered']) {
      const received = nextMessage<Msg>(node('out'));
      node(id).receive({ payload: { event: `from ${id}`, source: { ref: id } } });
      statuses.push((await received).payload.status);
    }
    assert.deepEqual(statuses, ['Exercise', 'Test', 'Actual']);
  });

  it('deduplicates a repeat while open and links a new alert after resolve', async () => {
    const n = await loadAll();
    const draft = { event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-4' } };
    let received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: draft });
    const first = (await received).payload;
    received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { ...draft, description: 'still there' } });
    const second = await received;
    assert.equal(second.outcome, 'deduplicated');
    assert.equal(second.payload.id, first.id);
    assert.equal(second.payload.count, 2);
    assert.deepEqual(second.payload.occurrences?.first.map((o) => o.n), [1, 2]);

    const resolved = nextMessage<Msg>(n.acted);
    n.act.receive({ action: 'resolve', alertId: first.id, actor: 'olga', reason: 'arrested' });
    assert.equal((await resolved).payload.state, 'resolved');

    received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: draft });
    const third = await received;
    assert.equal(third.outcome, 'created');
    assert.notEqual(third.payload.id, first.id);
    assert.equal(third.payload.previousId, first.id);
  });

  it('rejects an invalid draft with the schema path, a red status, and stores nothing', async () => {
    const n = await loadAll();
    const error = nextError(n.alert);
    const status = new Promise<{ fill?: string }>((resolve) => n.alert.on('call:status', (call: { args: Array<{ fill?: string }> }) => {
      if (call.args[0].fill === 'red') resolve(call.args[0]);
    }));
    n.alert.receive({ payload: { event: 'x', severity: 'apocalyptic' } });
    assert.match(await error, /\/severity .*#\/properties\/severity\/enum/);
    assert.equal((await status).fill, 'red');
    assert.equal(await storedCount(), 0);
  });

  it('raises an array of drafts in one message: a refused draft fails alone, the rest are stored and sent in order', async () => {
    const n = await loadAll();
    const received = nextMessage<{ payload: Alert[]; outcome: string[]; alertIds: string[]; errors?: Array<{ index: number; message: string }> }>(n.out);
    const error = nextError(n.alert);
    const drafts = [
      { event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-1' } },
      { event: 'x', severity: 'apocalyptic' },
      { event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-2' } },
      { event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-1' } },
    ];
    n.alert.receive({ payload: drafts });
    const msg = await received;
    assert.deepEqual(msg.outcome, ['created', 'created', 'deduplicated']);
    assert.deepEqual(msg.payload.map((a) => a.source.ref), ['cam-1', 'cam-2', 'cam-1']);
    assert.equal(msg.payload[2].count, 2, 'a repeat within the batch is merged into the alert the batch created');
    assert.deepEqual(msg.alertIds, msg.payload.map((a) => a.id));
    assert.equal(msg.errors?.length, 1);
    assert.equal(msg.errors?.[0].index, 1);
    assert.match(await error, /1 of 4 drafts refused .*\[1\] .*\/severity/);
    assert.equal(await storedCount(), 2);
  });

  it('announces the events of an array of drafts in the drafts\' order, a silenced draft\'s included', async () => {
    const n = await loadAll();
    const events: string[] = [];
    // The events' alerts are as they are once grouped into an incident, by then with the batch's repeat.
    n.ev.on('input', (m: { payload: Alert; event: { type: string } }) => events.push(`${m.event.type} ${m.payload.zone}`));
    const created = nextMessage<{ payload: { id: string } }>(n.silenced);
    n.silence.receive({ payload: {} });
    await created;
    const received = nextMessage<{ payload: Alert[]; outcome: string[] }>(n.out);
    n.alert.receive({
      payload: [
        { event: 'Firearm detected', zone: 'station', source: { ref: 'cam-1' } },
        { event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-2' } },
        { event: 'Firearm detected', zone: 'station', source: { ref: 'cam-1' } },
      ],
    });
    const msg = await received;
    assert.deepEqual(msg.outcome, ['created', 'created', 'deduplicated']);
    assert.deepEqual(msg.payload.map((a) => Boolean(a.silenced)), [false, true, false]);
    await waitFor(() => events.length >= 4, 'four lifecycle events');
    assert.deepEqual(events, ['created station', 'created piazza', 'silenced piazza', 'updated station']);
  });

  it('refuses an empty array of drafts, and one too long to raise at once, storing nothing', async () => {
    const n = await loadAll();
    let error = nextError(n.alert);
    n.alert.receive({ payload: [] });
    assert.match(await error, /empty array/);
    error = nextError(n.alert);
    n.alert.receive({ payload: Array.from({ length: 10_001 }, (_, i) => ({ event: 'x', source: { ref: `r${i}` } })) });
    assert.match(await error, /10001 drafts, more than 10000 in one message/);
    assert.equal(await storedCount(), 0);
  });

  for (const [name, payload] of [
    ['a string', 'not an alert'],
    ['a buffer', Buffer.alloc(1024 * 1024)],
    ['a huge description', { event: 'x', description: 'y'.repeat(100_000) }],
    ['a polygon with a million points', { event: 'x', location: { type: 'Polygon', coordinates: [Array.from({ length: 1_000_000 }, () => [1, 1])] } }],
  ] as const) {
    it(`rejects ${name} without crashing`, async () => {
      const n = await loadAll();
      const error = nextError(n.alert);
      n.alert.receive({ payload });
      assert.ok((await error).length > 0);
      assert.equal(await storedCount(), 0);
    });
  }

  it('acts on alerts from a flow and announces every change', async () => {
    const n = await loadAll();
    const types: Array<{ type: string; actor?: string }> = [];
    n.ev.on('input', (m: { event: { type: string; actor?: string } }) => types.push({ type: m.event.type, actor: m.event.actor }));
    const received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Firearm detected' } });
    const alert = (await received).payload;

    for (const step of [
      { action: 'acknowledge', actor: 'olga' },
      { action: 'assign', actor: 'olga', assignee: 'patrol-7' },
      { action: 'comment', actor: 'sam', comment: 'patrol on site' },
      { action: 'resolve', actor: 'olga', reason: 'suspect detained' },
      { action: 'reopen', actor: 'olga', reason: 'second suspect' },
    ]) {
      const acted = nextMessage<Msg>(n.acted);
      n.act.receive({ ...step, payload: alert });
      await acted;
    }
    await waitFor(() => types.length >= 6, 'six lifecycle events');
    assert.deepEqual(types, [
      { type: 'created', actor: undefined },
      { type: 'acknowledged', actor: 'olga' },
      { type: 'assigned', actor: 'olga' },
      { type: 'commented', actor: 'sam' },
      { type: 'resolved', actor: 'olga' },
      { type: 'reopened', actor: 'olga' },
    ]);
    const res = await api().get(`/impetus/api/alerts/${alert.id}`).expect(200);
    assert.deepEqual(res.body.history.map((h: { action: string; by?: string }) => `${h.action}:${h.by ?? ''}`), [
      'created:', 'grouped:', 'acknowledged:olga', 'assigned:olga', 'commented:sam', 'resolved:olga', 'reopened:olga',
    ]);
  });

  it('reports unknown alerts, forbidden transitions and missing fields clearly', async () => {
    const n = await loadAll();
    let error = nextError(n.act);
    n.act.receive({ action: 'acknowledge', alertId: 'no-such-alert', actor: 'olga' });
    assert.match(await error, /unknown alert no-such-alert/);

    const received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Firearm detected' } });
    const alert = (await received).payload;
    error = nextError(n.act);
    n.act.receive({ action: 'reopen', alertId: alert.id, actor: 'olga' });
    assert.match(await error, /cannot reopen alert .*: it is open/);

    error = nextError(n.act);
    n.act.receive({ action: 'acknowledge', alertId: alert.id });
    assert.match(await error, /who acts is missing/);

    error = nextError(n.act);
    n.act.receive({ action: 'explode', alertId: alert.id, actor: 'olga' });
    assert.match(await error, /msg.action must be one of/);

    error = nextError(n.act);
    n.act.receive({ action: 'resolve', alertId: alert.id, actor: 'olga' });
    assert.match(await error, /resolution reason is required/);
  });

  it('filters lifecycle events by type, tool, priority and status', async () => {
    await load(alertNodes, [
      { id: 'alert', type: 'impetus-alert', tool: 'bacteria', wires: [[]] },
      { id: 'events', type: 'impetus-alert-events', events: ['created'], priorities: ['P1'], statuses: ['Exercise'], tools: 'bacteria, firearm', wires: [['ev']] },
      { id: 'ev', type: 'helper' },
    ]);
    const seen: Alert[] = [];
    node('ev').on('input', (m: Msg) => seen.push(m.payload));
    const alert = node('alert');
    alert.receive({ payload: { event: 'CFU above 5000', severity: 'critical', status: 'Exercise' } });
    alert.receive({ payload: { event: 'CFU above 5000', severity: 'critical', status: 'Actual', zone: 'z2' } });
    alert.receive({ payload: { event: 'CFU rising', severity: 'low', status: 'Exercise' } });
    alert.receive({ payload: { event: 'CFU above 5000', severity: 'critical', status: 'Exercise' } });
    await waitFor(async () => (await api().get('/impetus/api/alerts').expect(200)).body.total === 3, 'three stored alerts');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 1, 'only the new P1 exercise alert passes; the repeat is an update');
    assert.equal(seen[0].status, 'Exercise');
  });

  it('silences matching alerts: stored, marked, announced, and live again after expiry', async () => {
    const n = await loadAll();
    const events: string[] = [];
    n.ev.on('input', (m: { event: { type: string } }) => events.push(m.event.type));

    let received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Firearm detected', zone: 'piazza' } });
    const before = (await received).payload;
    assert.equal(before.silenced, undefined);

    const created = nextMessage<{ payload: { id: string; endsAt: string } }>(n.silenced);
    n.silence.receive({ payload: {} });
    const silence = (await created).payload;
    await waitFor(() => events.includes('silenced'), 'the open alert marked silenced');
    const marked = (await api().get(`/impetus/api/alerts/${before.id}`).expect(200)).body as Alert;
    assert.equal(marked.silenced?.silenceId, silence.id);
    assert.equal(marked.escalation, undefined, 'silenced alerts do not escalate');

    received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Knife detected', zone: 'piazza' } });
    const muted = (await received).payload;
    assert.equal(muted.silenced?.reason, 'maintenance of camera 4');

    received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Firearm detected', zone: 'station' } });
    assert.equal((await received).payload.silenced, undefined, 'another zone is not silenced');

    const expired = nextMessage<{ payload: { expiredAt?: string } }>(n.silenced);
    n.unsilence.receive({ silenceId: silence.id });
    assert.ok((await expired).payload.expiredAt);

    received = nextMessage<Msg>(n.out);
    n.alert.receive({ payload: { event: 'Knife detected', zone: 'piazza' } });
    const live = (await received).payload;
    assert.equal(live.id, muted.id);
    assert.equal(live.silenced, undefined, 'the next repeat after expiry is live again');
  });

  it('refuses a silence without a reason or matchers', async () => {
    await load(alertNodes, [{ id: 's', type: 'impetus-silence', mode: 'create', tool: 'firearm', reason: '', createdBy: 'olga', wires: [[]] }]);
    const s = node('s');
    let error = nextError(s);
    s.receive({ payload: {} });
    assert.match(await error, /needs a reason/);
    error = nextError(s);
    s.receive({ payload: { matchers: {}, reason: 'x' } });
    assert.match(await error, /at least one matcher/);
  });
});

describe('escalation', function () {
  useRuntime(() => ({ escalation: { policy: { P1: { afterMinutes: 0.003, repeat: 2 } }, tickSeconds: 0.02 } }));

  const escalationFlow = [
    { id: 'alert', type: 'impetus-alert', tool: 'firearm', severity: 'critical', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'events', type: 'impetus-alert-events', events: ['escalated'], wires: [['ev']] },
    { id: 'ev', type: 'helper' },
    { id: 'act', type: 'impetus-alert-action', action: 'acknowledge', actor: 'olga', wires: [['acted']] },
    { id: 'acted', type: 'helper' },
  ];

  async function start(levels: Array<[string, number]>) {
    await load(alertNodes, escalationFlow);
    node('ev').on('input', (m: { payload: Alert; event: { details: { level: number } } }) => levels.push([m.payload.event, m.event.details.level]));
  }

  async function raise(event: string): Promise<Alert> {
    const received = nextMessage<Msg>(node('out'));
    node('alert').receive({ payload: { event } });
    return (await received).payload;
  }

  it('escalates an unacknowledged P1 up to the configured number of levels; an ack stops it', async () => {
    const levels: Array<[string, number]> = [];
    await start(levels);
    await raise('unattended');
    const handled = await raise('handled');
    const acked = nextMessage<Msg>(node('acted'));
    node('act').receive({ payload: handled });
    assert.equal((await acked).payload.state, 'acknowledged');
    await waitFor(() => levels.length >= 2, 'two escalation levels');
    // Several more ticks and deadlines pass: nothing more may come.
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(levels, [['unattended', 1], ['unattended', 2]]);
    const stored = (await api().get('/impetus/api/alerts?q=unattended').expect(200)).body.items[0] as Alert;
    assert.deepEqual(stored.escalation, { level: 2 });
  });

  it('carries on escalating after a restart of the runtime', async () => {
    const before: Array<[string, number]> = [];
    await start(before);
    await raise('unattended');
    await waitFor(() => before.length >= 1, 'first level');
    await helper.unload();
    await closePlatforms();

    const after: Array<[string, number]> = [];
    await start(after);
    await waitFor(() => after.length >= 1, 'the next level from the restarted runtime');
    assert.deepEqual(after[0], ['unattended', 2]);
  });
});

describe('alert nodes with the store down', function () {
  // A regular file where the store's folder should be: opening fails at once with ENOTDIR.
  const blocker = path.join(os.tmpdir(), `impetus-not-a-directory-${process.pid}`);
  before(() => fs.writeFileSync(blocker, 'not a directory'));
  after(() => fs.rmSync(blocker, { force: true }));
  useRuntime(() => ({ store: { file: path.join(blocker, 'alerts.db') } }));

  it('shows the outage on the node and fails each message without crashing', async () => {
    await load(alertNodes, [{ id: 'alert', type: 'impetus-alert', tool: 'firearm', wires: [[]] }]);
    const alert = node('alert');
    const error = nextError(alert);
    alert.receive({ payload: { event: 'Firearm detected' } });
    assert.match(await error, /cannot open alert store .*impetus-not-a-directory/);
    await api().get('/impetus/api/alerts').expect(503);
  });
});
