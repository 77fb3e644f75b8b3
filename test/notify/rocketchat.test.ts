import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { commandToken } from '../../nodes/notify/rocketchat/format';
import { usersWithRoles } from '../support/console';
import { FakeRocketChat } from '../support/fake-rocketchat';
import { alertNodes, currentRed, helper, logLines, nextMessage, node, useRuntime, waitFor } from '../support/nodered';

const BOT = { userId: 'bot-user-1', token: 'pat-0123456789abcdef' };
const USERS = [
  { rocketchat: 'u-olga', username: 'olga', user: 'olga' },
  { rocketchat: 'u-rui', username: 'rui', user: 'rui' },
];
const rcNodes = [...alertNodes, require('../../nodes/notify/impetus-rocketchat'), require('../../nodes/notify/impetus-rocketchat-notify'), require('@node-red/nodes/core/common/25-catch.js')];

describe('Rocket.Chat notifier (against the local REST server)', function () {
  this.timeout(30000);
  useRuntime(() => ({ escalation: { tickSeconds: 3600 }, users: usersWithRoles({ olga: 'supervisor', rui: 'field' }) }));
  let fake: FakeRocketChat;
  let patrols: string;

  beforeEach(async function () {
    fake = await new FakeRocketChat({ ...BOT, rooms: [{ _id: 'room-patrols', name: 'patrols' }, { _id: 'room-lab', name: 'lab' }] }).start();
    patrols = 'room-patrols';
  });
  afterEach(async function () {
    await fake.stop();
  });

  function flow(conn: Record<string, unknown> = {}, chats = ['#patrols']) {
    return [
      {
        id: 'rc',
        type: 'impetus-rocketchat',
        name: 'city chat',
        serverUrl: fake.url,
        updates: 'polling',
        pollInterval: 0.2,
        chatUsers: JSON.stringify(USERS),
        allowedChats: '',
        consoleUrl: 'https://soc.example/impetus',
        timeZone: 'UTC',
        globalPerSecond: 100,
        perRoomPerSecond: 50,
        requestTimeout: 2,
        ...conn,
      },
      { id: 'f1', type: 'tab', label: 'notify' },
      { id: 'alert', type: 'impetus-alert', z: 'f1', tool: 'bacteria', wires: [['notify']] },
      { id: 'notify', type: 'impetus-rocketchat-notify', z: 'f1', connection: 'rc', rules: JSON.stringify([{ chats }]), photo: true, location: true, video: false, incidentCards: false, wires: [['reports']] },
      { id: 'reports', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: ['notify'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  let reports: Array<{ topic: string }> = [];
  /** Cards the notifier reported delivered: by then their refs are stored, and replies to them work. */
  const delivered = (n: number) => waitFor(() => reports.filter((r) => r.topic === 'delivered').length >= n, `${n} deliveries reported`);
  async function start(conn: Record<string, unknown> = {}, creds: Record<string, string> = {}, chats?: string[]) {
    await helper.load(rcNodes as never, flow(conn, chats) as never, { rc: { ...BOT, ...creds } } as never);
    reports = [];
    node('reports').on('input', (msg: { topic: string }) => reports.push(msg));
    const platform = platformFor(currentRed());
    await platform.ready;
    return platform;
  }

  function raise(draft: Record<string, unknown>): Promise<Alert> {
    const platform = platformFor(currentRed());
    const stored = new Promise<Alert>((resolve) => {
      const off = platform.bus.subscribe((e) => {
        if (e.type === 'created' || e.type === 'updated') {
          off();
          resolve(e.alert);
        }
      });
    });
    node('alert').receive({ payload: { severity: 'high', urgency: 'Immediate', certainty: 'Observed', event: 'Bacteria level', ...draft } });
    return stored;
  }

  const cards = () => fake.messagesIn(patrols).filter((m) => m.attachments?.some((a) => 'color' in a));

  it('posts an attachment coloured by priority with fields and buttons, and uploads the photo into its thread', async () => {
    const platform = await start();
    const media = await platform.store.putMedia(Buffer.alloc(5000, 3), 'image/png');
    const alert = await raise({
      headline: 'Abnormal bacteria concentration @all',
      instruction: 'Close the ventilation of hall B',
      zone: 'lab',
      areaDesc: 'Hospital, hall B',
      location: { type: 'Point', coordinates: [11.8768, 45.4064] },
      resources: [{ description: 'sampler photo', mimeType: 'image/png', digest: media.digest, size: media.size }],
    });
    const reported = nextMessage<{ topic: string }>(node('reports'));
    await waitFor(() => fake.messagesIn(patrols).some((m) => m.file), 'the photo');
    const [card] = cards();
    const att = card.attachments![0] as { color: string; title: string; title_link: string; fields: Array<{ title: string; value: string }>; actions: Array<{ msg: string; text: string }> };
    assert.equal(att.color, '#f5455c', 'P1 red');
    assert.equal(alert.priority, 'P1');
    assert.match(att.title, /Abnormal bacteria concentration @\u200ball/, '@all defused');
    assert.doesNotMatch(card.msg, /@all\b/);
    assert.equal(att.title_link, `https://soc.example/impetus/alerts/${alert.id}`);
    assert.deepEqual(att.fields.map((f) => f.title), ['Priority', 'Tool', 'Place', 'Location', 'Occurred', 'State']);
    assert.match(att.fields[3].value, /openstreetmap\.org\/\?mlat=45\.4064&mlon=11\.8768/);
    assert.deepEqual(att.actions.map((x) => x.msg.trim()), [`ack ${commandToken(alert.id)}`, `resolve ${commandToken(alert.id)}`]);
    const photo = fake.messagesIn(patrols).find((m) => m.file)!;
    assert.equal(photo.tmid, card._id, 'the photo is in the card\'s thread');
    assert.equal(photo.file!.bytes, 5000);
    assert.equal(fake.requests.filter((r) => r.endpoint === 'rooms.media').length, 1);
    assert.equal(fake.requests.filter((r) => r.endpoint === 'rooms.mediaConfirm').length, 1);
    assert.equal((await reported).topic, 'delivered');
  });

  it('acknowledges from a reply in the card\'s thread, edits the card and answers in the thread', async () => {
    const platform = await start();
    const alert = await raise({ zone: 'lab' });
    await delivered(1);
    const card = cards()[0];
    await fake.userPosts({ rid: patrols, userId: 'u-rui', username: 'rui', text: 'ack on my way', tmid: card._id });
    await waitFor(async () => (await platform.store.get(alert.id))!.state === 'acknowledged', 'the acknowledgement');
    const stored = (await platform.store.get(alert.id))!;
    assert.equal(stored.ack!.by, 'rui');
    assert.equal(stored.ack!.note, 'on my way');
    await waitFor(() => /Acknowledged by \*rui\*/.test(cards()[0].msg), 'the edited card');
    assert.equal(cards()[0].editedCount >= 1, true);
    await waitFor(() => fake.messagesIn(patrols).some((m) => m.tmid === card._id && /✅ Acknowledged by rui/.test(m.msg)), 'the answer in the thread');
    assert.equal(cards().length, 1, 'edited, not posted again');
  });

  it('resolves from the card\'s button command and from a reaction; refuses and logs users without the role', async () => {
    const platform = await start();
    const first = await raise({ zone: 'lab', source: { ref: 's1' } });
    const second = await raise({ zone: 'hall', source: { ref: 's2' } });
    await delivered(2);
    // The Resolve button posts `resolve <token> ` in the room; the user adds the reason.
    await fake.userPosts({ rid: patrols, userId: 'u-olga', username: 'olga', text: `resolve ${commandToken(first.id)} sampler was contaminated` });
    // A field responder may not resolve.
    await fake.userPosts({ rid: patrols, userId: 'u-rui', username: 'rui', text: `resolve ${commandToken(second.id)} done` });
    // Someone unmapped reacts ✅; then the supervisor reacts 🏁.
    const card2 = cards().find((c) => c.msg.includes('hall') || c.attachments!.some((a) => JSON.stringify(a).includes('hall')))!;
    fake.react(card2._id, ':white_check_mark:', { username: 'mallory', userId: 'u-mallory' });
    await waitFor(() => logLines().some((l) => /refused acknowledge of alert .* from Rocket.Chat user u-mallory \(@mallory\) in chat #patrols: this chat account is not mapped/.test(l)), 'the refused reaction logged');
    fake.react(card2._id, ':checkered_flag:', { username: 'olga', userId: 'u-olga' });
    await waitFor(async () => (await platform.store.get(first.id))!.state === 'resolved' && (await platform.store.get(second.id))!.state === 'resolved', 'both resolved');
    assert.equal((await platform.store.get(first.id))!.resolved!.reason, 'sampler was contaminated');
    assert.equal((await platform.store.get(second.id))!.resolved!.by, 'olga');
    const log = logLines().join('\n');
    assert.match(log, /refused resolve of alert .* from Rocket.Chat user u-rui \(@rui\) .*console user rui: the field role may not resolve alerts/);
    await waitFor(() => fake.messages.some((m) => /@mallory: Not allowed/.test(m.msg)), 'the refusal answered in the thread');
  });

  it('takes commands through an outgoing webhook that checks the integration token', async () => {
    const server = http.createServer((req, res) => (currentRed().httpNode as unknown as http.RequestListener)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const platform = await start({ updates: 'webhook' }, { webhookToken: 'integration-secret' });
      const alert = await raise({ zone: 'lab' });
      await delivered(1);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/impetus/notify/rocketchat/rc`;
      fake.webhook = { url, token: 'wrong-token', deliveries: [] };
      await fake.userPosts({ rid: patrols, userId: 'u-olga', username: 'olga', text: 'ack', tmid: cards()[0]._id });
      assert.deepEqual(fake.webhook.deliveries, [401]);
      assert.equal((await platform.store.get(alert.id))!.state, 'open');
      fake.webhook = { url, token: 'integration-secret', deliveries: [] };
      await fake.userPosts({ rid: patrols, userId: 'u-olga', username: 'olga', text: 'ack', tmid: cards()[0]._id });
      assert.deepEqual(fake.webhook.deliveries, [200]);
      await waitFor(async () => (await platform.store.get(alert.id))!.state === 'acknowledged', 'acknowledged through the webhook');
      assert.match(logLines().join('\n'), /refused a request without the integration token/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('waits out a 429 (X-RateLimit-Reset) and retries 5xx, delivering once', async () => {
    await start();
    fake.inject({ method: 'chat.postMessage', times: 1, fault: { kind: 'status', status: 429, headers: { 'X-RateLimit-Reset': String(Date.now() + 1500) }, body: { success: false, error: 'Error, too many requests. Please slow down. You must wait 2 seconds before trying this endpoint again. [error-too-many-requests]' } } });
    fake.inject({ method: 'chat.postMessage', times: 1, fault: { kind: 'status', status: 503 } });
    await raise({ zone: 'lab' });
    await waitFor(() => cards().length === 1, 'the card', 20000);
    const posts = fake.requests.filter((r) => r.endpoint === 'chat.postMessage');
    assert.deepEqual(posts.map((r) => r.status), [429, 503, 200]);
    assert.ok(posts[1].at - posts[0].at >= 1000, 'not retried before the reset time');
  });

  it('shows a refused room (400) at a Catch node and in the log', async () => {
    await start({}, {}, ['#nowhere', '#lab']);
    const refused = nextMessage<{ error: { message: string } }>(node('caught'));
    await raise({ zone: 'lab' });
    const err = await refused;
    assert.match(err.error.message, /#nowhere.*chat\.postMessage: 400 \[invalid-channel\]/);
    await waitFor(() => fake.messagesIn('room-lab').length === 1, 'the other room served');
    assert.match(logLines().join('\n'), /refused for good: chat\.postMessage: 400/);
  });
});
