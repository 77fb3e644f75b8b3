import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { callbackData } from '../../nodes/notify/telegram/format';
import { usersWithRoles } from '../support/console';
import { FakeTelegram } from '../support/fake-telegram';
import { alertNodes, currentRed, helper, logLines, nextMessage, node, useRuntime, waitFor } from '../support/nodered';

const TOKEN = '123456789:AAE_test-token_for_the_fake_server_01';
/** Chat accounts mapped to console users; what each may do is its console role's (test/support/console usersWithRoles below). */
const OPERATOR = { telegram: 501, username: 'olga_soc', user: 'olga' };
const RESPONDER = { telegram: 502, username: 'rui_field', user: 'rui' };
const ANALYST = { telegram: 503, username: 'ana_intel', user: 'ana' };
/** Fast limits for the tests, enforced by the fake server as well: the rate logic still applies. */
const FAST = { global: { limit: 200, windowMs: 1000 }, perChat: { limit: 50, windowMs: 1000 }, perGroup: { limit: 3000, windowMs: 60_000 } };

const telegramNodes = [...alertNodes, require('../../nodes/notify/impetus-telegram'), require('../../nodes/notify/impetus-telegram-notify'), require('@node-red/nodes/core/common/25-catch.js')];

describe('Telegram notifier (against the local Bot API server)', function () {
  this.timeout(30000);
  useRuntime(() => ({ escalation: { tickSeconds: 3600 }, users: usersWithRoles({ olga: 'operator', rui: 'field', ana: 'manager' }) }));
  let fake: FakeTelegram;

  beforeEach(async function () {
    fake = await new FakeTelegram({ token: TOKEN, limits: FAST }).start();
  });
  afterEach(async function () {
    await fake.stop();
  });

  function flow(options: { bot?: Record<string, unknown>; rules?: unknown[]; video?: boolean } = {}) {
    return [
      {
        id: 'bot',
        type: 'impetus-telegram',
        name: 'test bot',
        apiBase: fake.url,
        updates: 'polling',
        chatUsers: JSON.stringify([OPERATOR, RESPONDER, ANALYST]),
        allowedChats: '',
        consoleUrl: 'https://soc.example/impetus',
        timeZone: 'UTC',
        globalPerSecond: 200,
        perChatPerSecond: 50,
        perGroupPerMinute: 3000,
        pollTimeout: 1,
        requestTimeout: 2,
        ...options.bot,
      },
      { id: 'f1', type: 'tab', label: 'notify' },
      { id: 'alert', type: 'impetus-alert', z: 'f1', tool: 'anomaly', wires: [['tg']] },
      {
        id: 'tg',
        type: 'impetus-telegram-notify',
        z: 'f1',
        connection: 'bot',
        rules: JSON.stringify(options.rules ?? [{ chats: ['100'] }]),
        photo: true,
        location: true,
        video: options.video ?? false,
        // Per-alert cards: incident cards are test/notify/incident-cards.test.ts.
        incidentCards: false,
        wires: [['reports']],
      },
      { id: 'reports', type: 'helper', z: 'f1' },
      { id: 'catcher', type: 'catch', z: 'f1', scope: ['tg'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
    ];
  }

  let reports: Array<{ topic: string }> = [];
  async function start(options: Parameters<typeof flow>[0] = {}) {
    await helper.load(telegramNodes as never, flow(options) as never, { bot: { token: TOKEN } } as never);
    reports = [];
    node('reports').on('input', (msg: { topic: string }) => reports.push(msg));
    const platform = platformFor(currentRed());
    await platform.ready;
    return platform;
  }

  /** Cards the notifier reported delivered: by then its refs are stored, and buttons on them work. */
  const delivered = (n: number) => waitFor(() => reports.filter((r) => r.topic === 'delivered').length >= n, `${n} deliveries reported`);

  function raise(draft: Record<string, unknown>): Promise<Alert> {
    const received = new Promise<Alert>((resolve, reject) => {
      const platform = platformFor(currentRed());
      const off = platform.bus.subscribe((e) => {
        if (e.type === 'created' || e.type === 'updated') {
          off();
          resolve(e.alert);
        }
      });
      setTimeout(() => reject(new Error('no alert stored')), 10000).unref();
    });
    node('alert').receive({ payload: { severity: 'critical', urgency: 'Immediate', certainty: 'Observed', ...draft } });
    return received;
  }

  const cards = (chat = '100') => fake.messagesIn(chat).filter((m) => m.kind === 'text');

  it('sends an HTML card escaped as Telegram parses it, then the photo (multipart), the location pin; buttons hold short ids', async () => {
    const platform = await start();
    const delivered = nextMessage<{ topic: string; payload: { alertId: string; chat: string } }>(node('reports'));
    const photo = Buffer.alloc(20_000, 7);
    const media = await platform.store.putMedia(photo, 'image/jpeg');
    const alert = await raise({
      event: 'Firearm detected',
      headline: 'Gun <b>near</b> gate A & B > C',
      instruction: 'Keep <distance>; call 112 & wait',
      areaDesc: 'Oslo S, main hall',
      zone: 'station',
      location: { type: 'Point', coordinates: [10.7522, 59.9111] },
      resources: [{ description: 'snapshot', mimeType: 'image/jpeg', digest: media.digest, size: media.size }],
    });
    await waitFor(() => fake.messagesIn('100').length === 3, 'card, photo and location');
    const [card, pic, pin] = fake.messagesIn('100');
    assert.equal(card.kind, 'text');
    assert.match(card.text!, /Gun <b>near<\/b> gate A & B > C/, 'what the user reads is the literal headline');
    assert.match(card.text!, /Keep <distance>; call 112 & wait/);
    assert.match(card.text!, /P1/);
    assert.match(card.text!, /Oslo S, main hall · zone station/);
    assert.match(card.html!, /<a href="https:\/\/soc\.example\/impetus\/alerts\/[0-9a-f-]+">Open in the console<\/a>/);
    const buttons = card.reply_markup!.inline_keyboard!.flat();
    assert.deepEqual(buttons.map((b) => b.text), ['✅ Acknowledge', '✔️ Resolve']);
    for (const b of buttons) {
      assert.ok(Buffer.byteLength(b.callback_data!) <= 64);
      assert.doesNotMatch(b.callback_data!, /[{}"]/, 'never JSON');
      assert.ok(!b.callback_data!.includes(alert.id), 'a short id, not the raw alert id');
    }
    assert.equal(pic.kind, 'photo');
    assert.equal(pic.media!.bytes, photo.length);
    assert.equal(pic.reply_to, card.message_id);
    assert.ok(pic.caption!.length <= 1024);
    assert.equal(pin.kind, 'location');
    assert.deepEqual(pin.location, { latitude: 59.9111, longitude: 10.7522 });
    const report = await delivered;
    assert.equal(report.topic, 'delivered');
    assert.deepEqual(report.payload, { ...report.payload, alertId: alert.id, chat: '100' });
    assert.equal(fake.total429, 0);
  });

  it('uploads the short video when the node asks for it', async () => {
    const platform = await start({ video: true });
    const clip = await platform.store.putMedia(Buffer.alloc(64_000, 9), 'video/mp4');
    await raise({ event: 'Firearm detected', resources: [{ description: 'clip', mimeType: 'video/mp4', digest: clip.digest, size: clip.size }] });
    await waitFor(() => fake.messagesIn('100').some((m) => m.kind === 'video'), 'the video');
    const [card, video] = fake.messagesIn('100');
    assert.equal(card.kind, 'text');
    assert.equal(video.media!.bytes, 64_000);
    assert.equal(video.media!.contentType, 'video/mp4');
    assert.equal(video.reply_to, card.message_id);
  });

  it('turns a config mistake into a red status and a failed message, never a crash', async () => {
    await helper.load(telegramNodes as never, flow({ bot: { chatUsers: '[{"telegram": 1}]' } }) as never, { bot: { token: TOKEN } } as never);
    const caught = nextMessage<{ error: { message: string } }>(node('caught'));
    node('tg').receive({ payload: { id: 'x' } });
    assert.match((await caught).error.message, /user mapping entry 1 needs the console user/);
    await helper.unload();
    await helper.load(telegramNodes as never, flow() as never, { bot: { token: 'not-a-token' } } as never);
    const again = nextMessage<{ error: { message: string } }>(node('caught'));
    node('tg').receive({ payload: { id: 'x' } });
    assert.match((await again).error.message, /does not look like one from BotFather/);
  });

  it('refuses a payload that is not a stored alert at a Catch node', async () => {
    await start();
    const caught = nextMessage<{ error: { message: string } }>(node('caught'));
    node('tg').receive({ payload: { event: 'a draft, not an alert' } });
    assert.match((await caught).error.message, /msg.payload.id is missing/);
    const again = nextMessage<{ error: { message: string } }>(node('caught'));
    node('tg').receive({ payload: 'text' });
    assert.match((await again).error.message, /must be an IMPETUS alert/);
  });

  it('splits long texts at 4096 characters and keeps captions within 1024', async () => {
    const platform = await start();
    const media = await platform.store.putMedia(Buffer.from('png-bytes'), 'image/png');
    await raise({
      event: 'Crowd anomaly',
      // 510 characters that escape to 2210: the caption has to be cut.
      headline: '&<>'.repeat(170),
      description: 'Description line with <angle> & ampersand. '.repeat(68),
      instruction: 'Step: keep <distance> & wait. '.repeat(100),
      resources: [{ description: 'snapshot', mimeType: 'image/png', digest: media.digest }],
    });
    await waitFor(() => fake.messagesIn('100').some((m) => m.kind === 'photo'), 'the photo after the card parts');
    const texts = cards();
    assert.ok(texts.length >= 2, `the card is split (${texts.length} parts)`);
    for (const t of texts) assert.ok(t.text!.length <= 4096, `part of ${t.text!.length} characters`);
    const visible = texts.map((t) => t.text).join('\n');
    assert.equal((visible.match(/Description line with <angle> & ampersand\./g) ?? []).length, 68, 'nothing lost in the split');
    assert.equal((visible.match(/Step: keep <distance> & wait\./g) ?? []).length, 100);
    assert.ok(texts.slice(1).every((t) => t.reply_to === texts[0].message_id), 'later parts answer the first');
    const pic = fake.messagesIn('100').find((m) => m.kind === 'photo')!;
    assert.ok(pic.caption!.length <= 1024);
    assert.ok(pic.caption!.endsWith('…'));
  });

  it('acknowledges from the button of an allowed user, answers the callback and edits the card to show who and when', async () => {
    const platform = await start();
    const alert = await raise({ event: 'Firearm detected', zone: 'station' });
    await delivered(1);
    const card = cards()[0];
    const query = fake.pressButton({ fromId: RESPONDER.telegram, username: RESPONDER.username, chat: '100', messageId: card.message_id, data: callbackData('acknowledge', alert.id) });
    await waitFor(() => fake.answers.has(query), 'answerCallbackQuery');
    assert.match(fake.answers.get(query)!.text!, /Acknowledged as rui/);
    const stored = await platform.store.get(alert.id);
    assert.equal(stored!.state, 'acknowledged');
    assert.equal(stored!.ack!.by, 'rui');
    await waitFor(() => /Acknowledged by rui at \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(cards()[0].text ?? ''), 'the edited card');
    assert.equal(cards().length, 1, 'edited, not sent again');
    assert.deepEqual(cards()[0].reply_markup!.inline_keyboard!.flat().map((b) => b.text), ['✔️ Resolve']);
    // A second press on the stale Acknowledge button is answered, and changes nothing.
    const again = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: card.message_id, data: callbackData('acknowledge', alert.id) });
    await waitFor(() => fake.answers.has(again), 'answer to the repeat');
    assert.match(fake.answers.get(again)!.text!, /acknowledged by rui/);
    // Resolve removes the buttons.
    const resolveQuery = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: card.message_id, data: callbackData('resolve', alert.id) });
    await waitFor(() => fake.answers.has(resolveQuery), 'answer to resolve');
    await waitFor(() => /Resolved by olga/.test(cards()[0].text ?? ''), 'the resolved card');
    assert.deepEqual(cards()[0].reply_markup!.inline_keyboard, []);
    assert.equal((await platform.store.get(alert.id))!.state, 'resolved');
  });

  it('rejects and logs a forged callback from a user who is not allowed, and one naming another alert', async () => {
    const platform = await start();
    const alert = await raise({ event: 'Firearm detected' });
    const other = await raise({ event: 'Bacteria level', zone: 'lab', source: { ref: 'other' } });
    await delivered(2);
    const card = cards().find((c) => c.text!.includes('Firearm'))!;
    // Not mapped at all.
    const stranger = fake.pressButton({ fromId: 999, username: 'mallory', chat: '100', messageId: card.message_id, data: callbackData('acknowledge', alert.id) });
    // Mapped, but the console user's role (manager) may do nothing.
    const analyst = fake.pressButton({ fromId: ANALYST.telegram, chat: '100', messageId: card.message_id, data: callbackData('resolve', alert.id) });
    // A field responder may acknowledge but not resolve.
    const responder = fake.pressButton({ fromId: RESPONDER.telegram, chat: '100', messageId: card.message_id, data: callbackData('resolve', alert.id) });
    // Allowed user, but the data names another alert than the card's.
    const swapped = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: card.message_id, data: callbackData('acknowledge', other.id) });
    await waitFor(() => [stranger, analyst, responder, swapped].every((q) => fake.answers.has(q)), 'every callback answered');
    for (const q of [stranger, analyst, responder, swapped]) assert.equal(fake.answers.get(q)!.show_alert, true);
    assert.match(fake.answers.get(stranger)!.text!, /not mapped/);
    assert.match(fake.answers.get(responder)!.text!, /may not resolve/);
    assert.equal((await platform.store.get(alert.id))!.state, 'open');
    assert.equal((await platform.store.get(other.id))!.state, 'open');
    const log = logLines().join('\n');
    assert.match(log, /refused acknowledge of alert .* from Telegram user 999 \(@mallory\) in chat 100: this chat account is not mapped/);
    assert.match(log, /refused resolve of alert .* from Telegram user 502 .*console user rui: the field role may not resolve alerts/);
    assert.match(log, /forged or stale button/);
  });

  it('waits out a 429 with retry_after and delivers once', async () => {
    await start();
    fake.inject({ method: 'sendMessage', chat: '100', times: 1, fault: { kind: 'status', status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } } });
    await raise({ event: 'Firearm detected' });
    await waitFor(() => cards().length === 1, 'the card after the 429');
    const attempts = fake.requests.filter((r) => r.method === 'sendMessage' && r.chat === '100');
    assert.deepEqual(attempts.map((r) => r.status), [429, 200]);
    assert.ok(attempts[1].at - attempts[0].at >= 1000, 'not retried before retry_after');
  });

  it('retries 5xx and garbage answers with back-off, delivering the card exactly once', async () => {
    await start();
    fake.inject({ method: 'sendMessage', chat: '100', times: 2, fault: { kind: 'status', status: 502 } });
    fake.inject({ method: 'sendMessage', chat: '100', times: 1, fault: { kind: 'garbage' } });
    await raise({ event: 'Firearm detected' });
    await waitFor(() => cards().length === 1, 'the card after three failures', 25000);
    const attempts = fake.requests.filter((r) => r.method === 'sendMessage');
    assert.deepEqual(attempts.map((r) => r.status), [502, 502, 200, 200], 'two 502s, a garbled 200, then success');
    // Exponential: each wait at least half the doubled base (1 s, 2 s, 4 s).
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i].at);
    assert.ok(gaps[0] >= 500 && gaps[1] >= 1000 && gaps[2] >= 2000, `back-off gaps ${gaps.join(', ')} ms`);
    assert.equal(cards().length, 1);
  });

  it('retries after a request that hangs past the timeout and after a reset connection', async () => {
    await start();
    fake.inject({ method: 'sendMessage', chat: '100', times: 1, fault: { kind: 'hang' } });
    fake.inject({ method: 'sendMessage', chat: '100', times: 1, fault: { kind: 'reset' } });
    await raise({ event: 'Firearm detected' });
    await waitFor(() => cards().length === 1, 'the card after a timeout and a reset', 25000);
    const attempts = fake.requests.filter((r) => r.method === 'sendMessage');
    assert.equal(attempts.length, 3);
    assert.ok(attempts[1].at - attempts[0].at >= 2000, 'the hung request was given up after the 2 s request timeout');
    assert.equal(cards().length, 1, 'exactly once: the hung and the reset requests were never processed');
  });

  it('shows a 403 on the node status, in the log and at a Catch node, and goes on with other chats', async () => {
    await start({ rules: [{ chats: ['100', '200'] }] });
    fake.blocked.add('200');
    const statuses: Array<{ fill?: string; text?: string }> = [];
    node('tg').on('call:status', (call: { args: [{ fill?: string; text?: string }] }) => statuses.push(call.args[0]));
    const caught = nextMessage<{ error: { message: string } }>(node('caught'));
    await raise({ event: 'Firearm detected' });
    const err = await caught;
    assert.match(err.error.message, /chat 200.*403 Forbidden: bot was blocked by the user/);
    await waitFor(() => cards('100').length === 1, 'the other chat served');
    assert.match(logLines().join('\n'), /refused for good: sendMessage: 403 Forbidden: bot was blocked by the user/);
    assert.ok(statuses.some((st) => st.fill === 'red' && /403 Forbidden/.test(st.text ?? '')), 'red status naming the refusal');
  });

  it('rides out a 409 from another poller and processes callbacks again afterwards', async () => {
    const platform = await start();
    const alert = await raise({ event: 'Firearm detected' });
    await delivered(1);
    // Another instance polls with the same token.
    const rival = () =>
      new Promise<number>((resolve) => {
        const req = http.request(`${fake.url}/bot${TOKEN}/getUpdates`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(JSON.stringify({ timeout: 1 }));
      });
    const before = fake.conflicts;
    await Promise.all([rival(), rival()]);
    await waitFor(() => logLines().some((l) => /another runtime polls with this bot token/.test(l)), 'the 409 seen and logged');
    assert.ok(fake.conflicts > before);
    const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: cards()[0].message_id, data: callbackData('acknowledge', alert.id) });
    await waitFor(() => fake.answers.has(query), 'callback handled after the conflict', 25000);
    assert.equal((await platform.store.get(alert.id))!.state, 'acknowledged');
  });

  it('removes a webhook that blocks polling (409) and polls', async () => {
    fake.webhook = { url: 'http://127.0.0.1:9/never', deliveries: [] };
    await start();
    await waitFor(() => fake.webhook === undefined, 'deleteWebhook');
    const alert = await raise({ event: 'Firearm detected' });
    await delivered(1);
    const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: cards()[0].message_id, data: callbackData('acknowledge', alert.id) });
    await waitFor(() => fake.answers.has(query), 'callback handled');
  });

  it('skips malformed updates and garbled getUpdates answers without stopping', async () => {
    const platform = await start();
    const alert = await raise({ event: 'Firearm detected' });
    await delivered(1);
    fake.inject({ method: 'getUpdates', times: 1, fault: { kind: 'garbage' } });
    fake.inject({ method: 'getUpdates', times: 1, fault: { kind: 'status', status: 200, body: { ok: true, result: { not: 'a list' } } } });
    fake.pushUpdate(null);
    fake.pushUpdate(42);
    fake.pushUpdate({ update_id: 'seven' });
    fake.pushUpdate({ update_id: fake.nextUpdate(), callback_query: { id: 5 } });
    fake.pushUpdate({ update_id: fake.nextUpdate(), callback_query: { id: 'q-bad', from: { id: OPERATOR.telegram }, data: 'x'.repeat(100), message: { message_id: 1, chat: { id: 100 } } } });
    fake.pushUpdate({ update_id: fake.nextUpdate(), callback_query: { id: 'q-json', from: { id: OPERATOR.telegram }, data: '{"a":"ack"}', message: { message_id: 1, chat: { id: 100 } } } });
    fake.pushUpdate({ update_id: fake.nextUpdate(), message: 'not an object' });
    const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: cards()[0].message_id, data: callbackData('acknowledge', alert.id) });
    await waitFor(() => fake.answers.has(query), 'the valid callback behind the garbage', 25000);
    assert.equal((await platform.store.get(alert.id))!.state, 'acknowledged');
    const log = logLines().join('\n');
    assert.match(log, /skipped a malformed update/);
    assert.match(log, /skipped a malformed callback query/);
    assert.match(log, /refused a callback .* with unknown data/);
  });

  it('takes updates through a webhook that checks the secret token', async () => {
    // The helper does not serve httpNode; serve it here so that the fake server can call it.
    const server = http.createServer((req, res) => (currentRed().httpNode as unknown as http.RequestListener)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await helper.load(telegramNodes as never, flow({ bot: { updates: 'webhook', webhookBase: base } }) as never, { bot: { token: TOKEN, webhookSecret: 'sekret_42' } } as never);
      reports = [];
      node('reports').on('input', (msg: { topic: string }) => reports.push(msg));
      const platform = platformFor(currentRed());
      await waitFor(() => fake.webhook !== undefined, 'setWebhook');
      assert.equal(fake.webhook!.secret, 'sekret_42');
      assert.match(fake.webhook!.url, /\/impetus\/notify\/telegram\/bot$/);
      const alert = await raise({ event: 'Firearm detected' });
      await delivered(1);
      // A forger without the secret is refused.
      const forged = await new Promise<number>((resolve) => {
        const req = http.request(fake.webhook!.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'guess' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.end(JSON.stringify({ update_id: 1, callback_query: { id: 'x', from: { id: OPERATOR.telegram }, data: callbackData('acknowledge', alert.id), message: { message_id: cards()[0].message_id, chat: { id: 100 } } } }));
      });
      assert.equal(forged, 401);
      assert.equal((await platform.store.get(alert.id))!.state, 'open');
      const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '100', messageId: cards()[0].message_id, data: callbackData('acknowledge', alert.id) });
      await waitFor(() => fake.answers.has(query), 'callback through the webhook');
      assert.deepEqual(fake.webhook!.deliveries, [200]);
      assert.equal((await platform.store.get(alert.id))!.state, 'acknowledged');
      assert.match(logLines().join('\n'), /refused a request without the secret token/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never notifies silenced alerts, and exercise alerts only where a rule asks for them', async () => {
    const platform = await start({ rules: [{ chats: ['100'] }, { chats: ['300'], statuses: ['Exercise'] }] });
    await platform.alerts.createSilence({ matchers: { tool: 'anomaly', zone: 'depot' }, reason: 'camera maintenance', createdBy: 'olga', durationMinutes: 30 });
    await raise({ event: 'Firearm detected', zone: 'depot' });
    await raise({ event: 'Drill', status: 'Exercise', source: { ref: 'drill' } });
    await raise({ event: 'Real one', zone: 'station', source: { ref: 'real' } });
    await waitFor(() => cards('100').length === 1 && cards('300').length === 1, 'the real alert and the exercise');
    assert.match(cards('100')[0].text!, /Real one/);
    assert.match(cards('300')[0].text!, /EXERCISE — not a real alert/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.messages.filter((m) => m.kind === 'text').length, 2, 'nothing about the silenced alert');
  });

  it('never sends a card for a muted alert (its sensor is reported quiet)', async () => {
    await start({ rules: [{ chats: ['100'] }] });
    await raise({ event: 'Sensor quiet', headline: 'Sensor cnt-7 quiet for 5 min', severity: 'low', zone: 'depot', source: { ref: 'cnt-7' }, data: { kind: 'sensor-availability', sensorId: 'cnt-7' } });
    await waitFor(() => cards('100').length === 1, 'the quiet-sensor card');
    const muted = await raise({ event: 'Counter flat-lined', severity: 'medium', zone: 'depot', source: { ref: 'cnt-7' } });
    assert.equal(muted.muted?.rule, 'sensor-unavailable');
    await raise({ event: 'Counter flat-lined', severity: 'medium', zone: 'depot', source: { ref: 'cnt-8' } });
    await waitFor(() => cards('100').length === 2, 'the card of the other sensor');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.messages.filter((m) => m.kind === 'text').length, 2, 'nothing about the muted alert');
  });

  it('edits rather than resends on repeats, and sends escalations to the escalation chat', async () => {
    const platform = await start({ rules: [{ chats: ['100'] }, { escalated: true, chats: ['-900'] }] });
    const alert = await raise({ event: 'Firearm detected', zone: 'station', source: { ref: 'cam-1' } });
    await waitFor(() => cards().length === 1, 'the card');
    for (let i = 0; i < 5; i++) await raise({ event: 'Firearm detected', zone: 'station', source: { ref: 'cam-1' } });
    await waitFor(() => /6×/.test(cards()[0].text ?? ''), 'the card shows six occurrences');
    assert.equal(cards().length, 1, 'repeats edit the card');
    // Make the escalation due now and run the escalation pass.
    const current = (await platform.store.get(alert.id))!;
    await platform.store.replace({ ...current, escalation: { level: 0, nextAt: new Date(Date.now() - 1000).toISOString() } });
    assert.equal(await platform.alerts.escalateDue(), 1);
    await waitFor(() => cards('-900').length === 1, 'the escalation message');
    assert.match(cards('-900')[0].text!, /ESCALATED/);
    await waitFor(() => /ESCALATED/.test(cards('100')[0].text ?? ''), 'the original card shows the escalation');
    assert.equal(cards('100').length, 1);
  });
});
