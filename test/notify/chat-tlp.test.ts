/**
 * TLP markings in the chat notifiers, through the local Telegram and Rocket.Chat servers: no chat
 * ever gets TLP:RED; a group chat gets no TLP:AMBER+STRICT, and TLP:AMBER only when the connection
 * marks it for AMBER; a person's direct chat gets exactly what the console shows their console
 * user (ConsoleRuntime.mayView, the role's clearance included). Every card starts with its label.
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Tlp } from '../../nodes/platform';
import { platformFor, TLPS } from '../../nodes/platform';
import { consoleSettings, packagedViews, ROLES, toolData } from '../support/console';
import type { Role } from '../support/console';
import { FakeRocketChat } from '../support/fake-rocketchat';
import { FakeTelegram } from '../support/fake-telegram';
import { alertNodes, api, currentRed, helper, nextError, node, useRuntime, waitFor } from '../support/nodered';

const TOKEN = '123456789:AAE_test-token_for_the_fake_server_01';
const BOT = { userId: 'bot-user-1', token: 'pat-0123456789abcdef' };
const MARKINGS: Array<Tlp | undefined> = ['red', 'amber+strict', 'amber', 'green', undefined];
const views = packagedViews();

const telegramNodes = [...alertNodes, require('../../nodes/notify/impetus-telegram'), require('../../nodes/notify/impetus-telegram-notify')];
const rcNodes = [...alertNodes, require('../../nodes/notify/impetus-rocketchat'), require('../../nodes/notify/impetus-rocketchat-notify')];

/** Cyber alerts reach the cyber and intel roles (the roles whose views show CTI) and two group chats. */
function flow(config: Record<string, unknown>, notifyType: string, groups: string[]): object[] {
  const rules = [{ roles: [...ROLES] }, { chats: groups }];
  return [
    config,
    { id: 'f1', type: 'tab', label: 'tlp' },
    { id: 'notify', type: notifyType, z: 'f1', connection: config.id, rules: JSON.stringify(rules), photo: false, location: false, video: false, incidentCards: false, wires: [['reports']] },
    { id: 'reports', type: 'helper', z: 'f1' },
  ];
}

function expectedDirect(role: Role, tlp: Tlp | undefined): boolean {
  const view = views.get(role)!;
  const clearance = view.tlp ?? 'amber';
  return view.tools.includes('cti') || (view.tools.includes('*') && !view.tools.includes('!cti'))
    ? tlp !== 'red' && TLPS.indexOf(tlp ?? 'clear') <= TLPS.indexOf(clearance)
    : false;
}

function expectedGroup(group: 'plain' | 'amber', tlp: Tlp | undefined): boolean {
  if (tlp === 'red' || tlp === 'amber+strict') return false;
  return tlp !== 'amber' || group === 'amber';
}

/** Raises one CTI alert per marking, hands each to the notifier, and waits until nothing is pending. */
async function sendAll(): Promise<{ alerts: Alert[]; delivered: Array<{ alertId: string; chat: string }> }> {
  const platform = platformFor(currentRed());
  await platform.ready;
  const delivered: Array<{ alertId: string; chat: string }> = [];
  node('reports').on('input', (msg: { topic: string; payload: { alertId: string; chat: string } }) => {
    if (msg.topic === 'delivered') delivered.push(msg.payload);
  });
  const alerts: Alert[] = [];
  for (const tlp of MARKINGS) {
    const draft = { tool: 'cti', event: 'Look-alike domain', headline: `c1ty-portal.eu (${tlp ?? 'unmarked'})`, severity: 'critical', urgency: 'Immediate', certainty: 'Observed', source: { ref: `tlp-${tlp}` }, data: toolData('cti'), ...(tlp ? { tlp } : {}) } as AlertDraft;
    const alert = (await platform.alerts.raise(draft)).alert;
    alerts.push(alert);
    node('notify').receive({ payload: alert });
  }
  const pending = () => [...((helper.getNode('conn') as unknown as { connection: { running?: { pendingEntries(): Iterable<unknown> } } }).connection.running?.pendingEntries() ?? [])].length;
  // The unmarked alert goes everywhere a cyber alert may go: once its cards are out and nothing is pending, every card is.
  const last = alerts[alerts.length - 1];
  const everywhere = ROLES.filter((role) => expectedDirect(role, undefined)).length + 2;
  await waitFor(() => delivered.filter((d) => d.alertId === last.id).length === everywhere && pending() === 0, 'every card delivered', 30000);
  return { alerts, delivered };
}

function assertDeliveries(alerts: Alert[], delivered: Array<{ alertId: string; chat: string }>, direct: (role: Role) => string, groups: Record<'plain' | 'amber', string>): void {
  for (const alert of alerts) {
    for (const role of ROLES) {
      const got = delivered.filter((d) => d.chat === direct(role) && d.alertId === alert.id).length;
      assert.equal(got, expectedDirect(role, alert.tlp) ? 1 : 0, `${role}'s direct chat and a ${alert.tlp ?? 'unmarked'} alert`);
    }
    for (const group of ['plain', 'amber'] as const) {
      const got = delivered.filter((d) => d.chat === groups[group] && d.alertId === alert.id).length;
      assert.equal(got, expectedGroup(group, alert.tlp) ? 1 : 0, `the ${group} group chat and a ${alert.tlp ?? 'unmarked'} alert`);
    }
  }
  assert.ok(!delivered.some((d) => d.alertId === alerts[0].id), 'TLP:RED reached no chat');
}

describe('chat notifiers and TLP markings', function () {
  this.timeout(120_000);
  useRuntime(() => consoleSettings({ escalation: { tickSeconds: 3600 } }));

  it('the console agrees: the cyber role sees RED, the operator does not see AMBER+STRICT', async () => {
    await helper.load(alertNodes as never, [] as never);
    const platform = platformFor(currentRed());
    await platform.ready;
    const red = (await platform.alerts.raise({ tool: 'cti', event: 'x', tlp: 'red', data: toolData('cti') } as AlertDraft)).alert;
    await api('cyber').get(`/impetus/api/alerts/${red.id}`).expect(200);
    await api('manager').get(`/impetus/api/alerts/${red.id}`).expect(404);
  });

  describe('Telegram', function () {
    let fake: FakeTelegram;
    beforeEach(async function () {
      fake = await new FakeTelegram({ token: TOKEN, limits: { global: { limit: 500, windowMs: 1000 }, perChat: { limit: 500, windowMs: 1000 }, perGroup: { limit: 30000, windowMs: 60_000 } } }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    const telegramId = (role: Role) => 7000 + ROLES.indexOf(role);
    const conn = () => ({
      id: 'conn', type: 'impetus-telegram', apiBase: fake.url, updates: 'none', requestTimeout: 2,
      globalPerSecond: 500, perChatPerSecond: 500, perGroupPerMinute: 30000, amberChats: '-200',
      chatUsers: JSON.stringify(ROLES.map((role) => ({ telegram: telegramId(role), user: role }))),
    });

    it('keeps RED out of every chat, AMBER+STRICT out of groups, AMBER in the marked group only; direct chats follow the console', async () => {
      await helper.load(telegramNodes as never, flow(conn(), 'impetus-telegram-notify', ['-100', '-200']) as never, { conn: { token: TOKEN } } as never);
      const { alerts, delivered } = await sendAll();
      assertDeliveries(alerts, delivered, (role) => String(telegramId(role)), { plain: '-100', amber: '-200' });
      const amber = fake.messagesIn('-200').find((m) => m.kind === 'text' && String(m.text).includes('(amber)'))!;
      assert.match(String(amber.html), /^<b>TLP:AMBER<\/b>\n/, 'the card starts with its label');
    });

    it('refuses a one-click share of a marked alert to a chat it may not reach, naming why', async () => {
      await helper.load(telegramNodes as never, flow(conn(), 'impetus-telegram-notify', ['-100']) as never, { conn: { token: TOKEN } } as never);
      const platform = platformFor(currentRed());
      await platform.ready;
      const raise = async (tlp: Tlp) => (await platform.alerts.raise({ tool: 'cti', event: 'Share', severity: 'high', source: { ref: `share-${tlp}` }, tlp, data: toolData('cti') } as AlertDraft)).alert;
      const cases: Array<[Tlp, string, RegExp]> = [
        ['red', String(telegramId('cyber')), /not sent: TLP:RED is not sent to chats/],
        ['amber+strict', '-100', /not sent: TLP:AMBER\+STRICT is not sent to group chats \(chat -100\)/],
        ['amber', '-100', /not sent: TLP:AMBER is sent only to group chats marked for it \(chat -100\)/],
        ['amber+strict', String(telegramId('operator')), /not sent: the console does not show this alert to operator/],
      ];
      for (const [tlp, chat, why] of cases) {
        const error = nextError(node('notify'));
        node('notify').receive({ payload: await raise(tlp), chats: [chat] });
        assert.match(await error, why);
      }
    });
  });

  describe('Rocket.Chat', function () {
    let fake: FakeRocketChat;
    beforeEach(async function () {
      fake = await new FakeRocketChat({ ...BOT, rooms: [{ _id: 'room-ops', name: 'ops' }, { _id: 'room-cert', name: 'cert' }] }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    it('keeps RED out of every room, AMBER+STRICT out of rooms, AMBER in the marked room only; direct messages follow the console', async () => {
      const conn = {
        id: 'conn', type: 'impetus-rocketchat', serverUrl: fake.url, updates: 'none', requestTimeout: 2, globalPerSecond: 500, perRoomPerSecond: 500, amberChats: '#cert',
        chatUsers: JSON.stringify(ROLES.map((role) => ({ rocketchat: `u-${role}`, username: role, user: role }))),
      };
      await helper.load(rcNodes as never, flow(conn, 'impetus-rocketchat-notify', ['#ops', '#cert']) as never, { conn: BOT } as never);
      const { alerts, delivered } = await sendAll();
      assertDeliveries(alerts, delivered, (role) => `@${role}`, { plain: '#ops', amber: '#cert' });
      const amber = fake.messagesIn('room-cert').find((m) => String(m.msg ?? '').includes('(amber)'))!;
      assert.match(String(amber.msg), /^\*TLP:AMBER\*\n/, 'the card starts with its label');
    });
  });
});
