/**
 * One identity and role model: a chat account acts as the console user it is mapped to, and may
 * do exactly what that user may do in the console. Every console role against every chat action,
 * on alerts inside and outside its view, through the local Telegram and Rocket.Chat servers; each
 * outcome is compared with the role's packaged view and with the console HTTP API's answer for
 * the same role on a twin alert.
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Platform } from '../../nodes/platform';
import { platformFor } from '../../nodes/platform';
import { shortId } from '../../nodes/notify/delivery/ids';
import { commandToken } from '../../nodes/notify/rocketchat/format';
import { callbackData } from '../../nodes/notify/telegram/format';
import { consoleSettings, expectedVisible, fixtureDrafts, packagedViews, ROLES } from '../support/console';
import type { Role } from '../support/console';
import { FakeRocketChat } from '../support/fake-rocketchat';
import { FakeTelegram } from '../support/fake-telegram';
import { alertNodes, api, currentRed, helper, logLines, node, nextError, useRuntime, waitFor } from '../support/nodered';

const TOKEN = '123456789:AAE_test-token_for_the_fake_server_01';
const BOT = { userId: 'bot-user-1', token: 'pat-0123456789abcdef' };
const CHAT_ACTIONS = ['acknowledge', 'resolve'] as const;
type ChatAction = (typeof CHAT_ACTIONS)[number];

/** Alerts the roles see differently: a P1 anomaly, a P4 anomaly (outside the field filter), a P1 cyber alert. */
const KINDS: Array<{ name: string; draft: Partial<AlertDraft> }> = [
  { name: 'anomaly P1', draft: { tool: 'anomaly', severity: 'critical', urgency: 'Immediate', certainty: 'Observed' } },
  { name: 'anomaly P4', draft: { tool: 'anomaly', severity: 'info', urgency: 'Past', certainty: 'Unknown' } },
  { name: 'cti P1', draft: { tool: 'cti', severity: 'critical', urgency: 'Immediate', certainty: 'Observed' } },
];

interface Case {
  role: Role;
  action: ChatAction;
  kind: string;
  chat: Alert;
  twin: Alert;
  expected: boolean;
}

const telegramNodes = [...alertNodes, require('../../nodes/notify/impetus-telegram'), require('../../nodes/notify/impetus-telegram-notify')];
const rcNodes = [...alertNodes, require('../../nodes/notify/impetus-rocketchat'), require('../../nodes/notify/impetus-rocketchat-notify')];
const telegramId = (role: Role) => 7000 + ROLES.indexOf(role);

function flow(config: Record<string, unknown>, notifyType: string, chat: string, rules: object[] = [{ chats: [chat] }]): object[] {
  return [
    config,
    { id: 'f1', type: 'tab', label: 'roles' },
    { id: 'alert', type: 'impetus-alert', z: 'f1', tool: '', wires: [['notify']] },
    { id: 'notify', type: notifyType, z: 'f1', connection: config.id, rules: JSON.stringify(rules), photo: false, location: false, video: false, incidentCards: false, wires: [['reports']] },
    { id: 'reports', type: 'helper', z: 'f1' },
  ];
}

/** One alert per (role, action, kind) that goes to the chat, and its twin for the HTTP API. */
async function raiseCases(platform: Platform): Promise<Case[]> {
  const views = packagedViews();
  const cases: Case[] = [];
  const delivered = new Promise<void>((resolve) => {
    let n = 0;
    node('reports').on('input', (msg: { topic: string }) => {
      if (msg.topic === 'delivered' && ++n === ROLES.length * CHAT_ACTIONS.length * KINDS.length) resolve();
    });
  });
  for (const role of ROLES) {
    for (const action of CHAT_ACTIONS) {
      for (const kind of KINDS) {
        const draft = { event: `${kind.name} for ${role}`, headline: `${kind.name}: ${role} ${action}s`, ...kind.draft } as AlertDraft;
        const chat = await new Promise<Alert>((resolve) => {
          const off = platform.bus.subscribe((e) => {
            if (e.type === 'created' && e.alert.source?.ref === `chat-${role}-${action}-${kind.name}`) {
              off();
              resolve(e.alert);
            }
          });
          node('alert').receive({ payload: { ...draft, source: { ref: `chat-${role}-${action}-${kind.name}` } } });
        });
        const twin = (await platform.alerts.raise({ ...draft, source: { ref: `http-${role}-${action}-${kind.name}` } })).alert;
        cases.push({ role, action, kind: kind.name, chat, twin, expected: expectedVisible(views.get(role)!, chat) && views.get(role)!.actions.includes(action) });
      }
    }
  }
  await delivered;
  return cases;
}

/** The console API's verdict for the same role on the twin: what the chat must match. */
async function httpVerdicts(cases: Case[]): Promise<void> {
  for (const c of cases) {
    const res = await api(c.role).post(`/impetus/api/alerts/${encodeURIComponent(c.twin.id)}/actions`).send({ action: c.action, text: 'checked' });
    assert.equal(res.status === 200, c.expected, `HTTP ${c.action} of ${c.kind} as ${c.role}: ${res.status} ${JSON.stringify(res.body)}`);
    if (!c.expected) assert.ok([403, 404].includes(res.status), `HTTP refusal is 403 or 404, not ${res.status}`);
  }
}

/**
 * Routing by role: a rule that names every console role, before a rule for the group chat, and an
 * alert of every tool at P1 (Actual) and P4 (Exercise), each in its own zone. A mapped user's
 * direct chat must get exactly the alerts the console shows that user (the role's packaged view,
 * and the HTTP API's answer for the same role); the group chat, which has no console user, gets
 * every alert its rule sends it. Also: a one-click share (msg.chats) to the direct chat of someone
 * who may not see the alert is refused with an error.
 */
async function assertDirectDeliveries(platform: Platform, group: string, directChat: (role: Role) => string): Promise<void> {
  const views = packagedViews();
  const delivered: Array<{ alertId: string; chat: string }> = [];
  node('reports').on('input', (msg: { topic: string; payload: { alertId: string; chat: string } }) => {
    if (msg.topic === 'delivered') delivered.push(msg.payload);
  });
  const alerts: Alert[] = [];
  for (const draft of fixtureDrafts()) {
    const alert = (await platform.alerts.raise(draft)).alert;
    alerts.push(alert);
    node('notify').receive({ payload: alert });
  }
  // The group's card of an alert is queued after every direct chat of that alert (rule order).
  const pending = () => [...((helper.getNode('conn') as unknown as { connection: { running?: { pendingEntries(): Iterable<unknown> } } }).connection.running?.pendingEntries() ?? [])].length;
  await waitFor(() => alerts.every((a) => delivered.some((d) => d.chat === group && d.alertId === a.id)) && pending() === 0, 'every card delivered', 30000);
  for (const role of ROLES) {
    for (const alert of alerts) {
      const expected = expectedVisible(views.get(role)!, alert);
      const http = await api(role).get(`/impetus/api/alerts/${encodeURIComponent(alert.id)}`);
      assert.equal(http.status === 200, expected, `the console ${expected ? 'shows' : 'hides'} ${alert.tool} ${alert.priority} ${alert.status} to ${role}`);
      const got = delivered.filter((d) => d.chat === directChat(role) && d.alertId === alert.id).length;
      assert.equal(got, expected ? 1 : 0, `${role}'s direct chat ${expected ? 'gets' : 'must not get'} ${alert.tool} ${alert.priority} ${alert.status}`);
    }
  }
  assert.ok(ROLES.some((role) => alerts.some((a) => !expectedVisible(views.get(role)!, a))), 'some role does not see some alert');
  for (const alert of alerts) assert.equal(delivered.filter((d) => d.chat === group && d.alertId === alert.id).length, 1, `the group gets ${alert.tool} ${alert.priority}`);

  const workload = alerts.find((a) => a.tool === 'workload')!;
  const error = nextError(node('notify'));
  node('notify').receive({ payload: workload, chats: [directChat('field')] });
  assert.match(await error, /not sent: the console does not show this alert to field \(chat /);
}

async function assertChatOutcomes(platform: Platform, cases: Case[], service: string): Promise<void> {
  const want = (c: Case) => (c.action === 'acknowledge' ? 'acknowledged' : 'resolved');
  await waitFor(async () => {
    for (const c of cases) if (c.expected && (await platform.store.get(c.chat.id))!.state !== want(c)) return false;
    return cases.filter((c) => !c.expected).every((c) => logLines().some((l) => l.includes(`refused ${c.action} of alert ${c.chat.id}`)));
  }, 'every allowed chat action done and every refusal logged', 20000);
  for (const c of cases) {
    const stored = (await platform.store.get(c.chat.id))!;
    const by = c.action === 'acknowledge' ? stored.ack?.by : stored.resolved?.by;
    if (c.expected) {
      assert.equal(stored.state, want(c), `${service} ${c.action} of ${c.kind} as ${c.role}`);
      assert.equal(by, c.role, 'recorded as the console user');
    } else {
      assert.equal(stored.state, 'open', `${service} ${c.action} of ${c.kind} as ${c.role} must be refused`);
      const line = logLines().find((l) => l.includes(`refused ${c.action} of alert ${c.chat.id}`))!;
      assert.match(line, new RegExp(`console user ${c.role}`), 'the refusal names the console user');
    }
  }
}

describe('chat actions are console actions (every role, every chat action)', function () {
  this.timeout(120_000);
  useRuntime(() => consoleSettings({ escalation: { tickSeconds: 3600 } }));

  describe('Telegram', function () {
    let fake: FakeTelegram;
    beforeEach(async function () {
      fake = await new FakeTelegram({ token: TOKEN, limits: { global: { limit: 500, windowMs: 1000 }, perChat: { limit: 500, windowMs: 1000 }, perGroup: { limit: 30000, windowMs: 60_000 } } }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    const bot = (extra: Record<string, unknown> = {}) => ({
      id: 'bot', type: 'impetus-telegram', apiBase: fake.url, updates: 'polling', pollTimeout: 1, requestTimeout: 2,
      globalPerSecond: 500, perChatPerSecond: 500, perGroupPerMinute: 30000,
      chatUsers: JSON.stringify(ROLES.map((role) => ({ telegram: telegramId(role), username: `${role}_tg`, user: role }))),
      ...extra,
    });

    it('acts exactly as the HTTP API lets the mapped console user act', async () => {
      await helper.load(telegramNodes as never, flow(bot(), 'impetus-telegram-notify', '100') as never, { bot: { token: TOKEN } } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      const cases = await raiseCases(platform);
      await httpVerdicts(cases);
      const queries = new Map<Case, string>();
      for (const c of cases) {
        const card = fake.messagesIn('100').find((m) => m.kind === 'text' && JSON.stringify(m.reply_markup ?? {}).includes(shortId(c.chat.id)))!;
        queries.set(c, fake.pressButton({ fromId: telegramId(c.role), username: `${c.role}_tg`, chat: '100', messageId: card.message_id, data: callbackData(c.action, c.chat.id) }));
      }
      await waitFor(() => [...queries.values()].every((q) => fake.answers.has(q)), 'every press answered');
      await assertChatOutcomes(platform, cases, 'Telegram');
      for (const c of cases) if (!c.expected) assert.match(fake.answers.get(queries.get(c)!)!.text!, /^Not allowed: console user/);
    });

    it('sends direct messages only to users whose console view shows the alert; the group gets what its rule sends', async () => {
      const rules = [{ roles: [...ROLES], statuses: ['Actual', 'Exercise'] }, { chats: ['-100'], statuses: ['Actual', 'Exercise'] }];
      await helper.load(telegramNodes as never, flow({ ...bot(), id: 'conn' }, 'impetus-telegram-notify', '-100', rules) as never, { conn: { token: TOKEN } } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      await assertDirectDeliveries(platform, '-100', (role) => String(telegramId(role)));
    });

    it('never takes a user name for an account, and ignores the free-text chat roles of older flows', async () => {
      // An older flow: the mapping under `users`, a chat role `supervisor` for the read-only manager, Ack/Resolve roles.
      const old = bot({ chatUsers: undefined, users: JSON.stringify([{ telegram: telegramId('manager'), username: 'marco', user: 'manager', role: 'supervisor' }]), ackRoles: 'supervisor', resolveRoles: 'supervisor' });
      await helper.load(telegramNodes as never, flow(old, 'impetus-telegram-notify', '100') as never, { bot: { token: TOKEN } } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      const alert = (await platform.alerts.raise({ tool: 'anomaly', event: 'Urban anomaly', severity: 'critical', urgency: 'Immediate', certainty: 'Observed' } as AlertDraft)).alert;
      const delivered = new Promise((resolve) => node('reports').once('input', resolve));
      node('notify').receive({ payload: alert });
      await delivered;
      const card = fake.messagesIn('100')[0];
      const manager = fake.pressButton({ fromId: telegramId('manager'), username: 'marco', chat: '100', messageId: card.message_id, data: callbackData('resolve', alert.id) });
      const impostor = fake.pressButton({ fromId: 4242, username: 'marco', chat: '100', messageId: card.message_id, data: callbackData('acknowledge', alert.id) });
      await waitFor(() => fake.answers.has(manager) && fake.answers.has(impostor), 'both answered');
      assert.match(fake.answers.get(manager)!.text!, /console user manager: the manager role may not resolve alerts/);
      assert.match(fake.answers.get(impostor)!.text!, /not mapped to a console user/);
      assert.equal((await platform.store.get(alert.id))!.state, 'open');
      const log = logLines().join('\n');
      assert.match(log, /read from "users"/, 'the mapping of the older flow is still read');
      assert.match(log, /"role" is ignored, the console user's role applies/);
      assert.match(log, /"Ack roles" and "Resolve roles" are ignored/);
    });

    it('refuses to start on a mapping to a console user that does not exist: red status and log', async () => {
      const wrong = bot({ chatUsers: JSON.stringify([{ telegram: 1, user: 'operator' }, { telegram: 2, user: 'olga' }]) });
      await helper.load(telegramNodes as never, flow(wrong, 'impetus-telegram-notify', '100') as never, { bot: { token: TOKEN } } as never);
      const error = nextError(node('notify'));
      node('notify').receive({ payload: { id: 'x' } });
      assert.match(await error, /user mapping entry 2: there is no console user "olga"/);
      assert.match(logLines().join('\n'), /Telegram bot not started: user mapping entry 2: there is no console user "olga"/);
      // Set while the flow started, before a listener could be attached: read from the helper's spy.
      const spy = (helper.getNode('notify') as unknown as { status: { getCalls(): Array<{ thisValue: { id: string }; args: [{ fill?: string; text?: string }] }> } }).status;
      const statuses = spy.getCalls().filter((call) => call.thisValue.id === 'notify').map((call) => call.args[0]);
      assert.ok(statuses.some((s) => s.fill === 'red' && /^user mapping entry 2: there is no/.test(s.text ?? '')), 'red status naming the entry (the status cuts long texts)');
    });
  });

  describe('Rocket.Chat', function () {
    let fake: FakeRocketChat;
    beforeEach(async function () {
      fake = await new FakeRocketChat({ ...BOT, rooms: [{ _id: 'room-ops', name: 'ops' }] }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    it('acts exactly as the HTTP API lets the mapped console user act, by command and by reaction', async () => {
      const conn = {
        id: 'rc', type: 'impetus-rocketchat', serverUrl: fake.url, updates: 'polling', pollInterval: 0.2, requestTimeout: 2, globalPerSecond: 500, perRoomPerSecond: 500,
        chatUsers: JSON.stringify(ROLES.map((role) => ({ rocketchat: `u-${role}`, username: role, user: role }))),
      };
      await helper.load(rcNodes as never, flow(conn, 'impetus-rocketchat-notify', '#ops') as never, { rc: BOT } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      const cases = await raiseCases(platform);
      await httpVerdicts(cases);
      const cardOf = (c: Case) => fake.messagesIn('room-ops').find((m) => JSON.stringify(m.attachments ?? []).includes(commandToken(c.chat.id)))!;
      // Acknowledge by reaction (the user name is resolved to the account by users.info), resolve by command.
      for (const c of cases) {
        if (c.action === 'acknowledge') fake.react(cardOf(c)._id, ':white_check_mark:', { username: c.role, userId: `u-${c.role}` });
        else await fake.userPosts({ rid: 'room-ops', userId: `u-${c.role}`, username: c.role, text: `resolve ${commandToken(c.chat.id)} checked`, tmid: cardOf(c)._id });
      }
      await assertChatOutcomes(platform, cases, 'Rocket.Chat');
    });

    it('sends direct messages only to users whose console view shows the alert; the room gets what its rule sends', async () => {
      const conn = {
        id: 'conn', type: 'impetus-rocketchat', serverUrl: fake.url, updates: 'none', requestTimeout: 2, globalPerSecond: 500, perRoomPerSecond: 500,
        chatUsers: JSON.stringify(ROLES.map((role) => ({ rocketchat: `u-${role}`, username: role, user: role }))),
      };
      const rules = [{ roles: [...ROLES], statuses: ['Actual', 'Exercise'] }, { chats: ['#ops'], statuses: ['Actual', 'Exercise'] }];
      await helper.load(rcNodes as never, flow(conn, 'impetus-rocketchat-notify', '#ops', rules) as never, { conn: BOT } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      await assertDirectDeliveries(platform, '#ops', (role) => `@${role}`);
    });
  });
});
