/**
 * One chat card per incident (docs/notifications.md, "Incidents"), through the local Telegram and
 * Rocket.Chat servers: the members gathered during the group wait, edits at most once per group
 * interval, a P1 member skipping both, acknowledgement of the incident from the chat through the
 * incident's action path, the TLP gate applied member by member, the service's failures (429, 5xx,
 * a card deleted from the chat) and a restart in between.
 */
import assert from 'node:assert/strict';
import type { Alert, AlertDraft, Incident, Platform } from '../../nodes/platform';
import { closePlatforms, platformFor } from '../../nodes/platform';
import { incidentKey } from '../../nodes/notify/delivery/notice';
import { commandToken } from '../../nodes/notify/rocketchat/format';
import { callbackData } from '../../nodes/notify/telegram/format';
import { toolData, usersWithRoles } from '../support/console';
import { FakeRocketChat } from '../support/fake-rocketchat';
import type { TgMessage } from '../support/fake-telegram';
import { FakeTelegram } from '../support/fake-telegram';
import { alertNodes, currentRed, helper, node, useRuntime, waitFor } from '../support/nodered';

const TOKEN = '123456789:AAE_test-token_for_the_fake_server_01';
const OPERATOR = { telegram: 501, username: 'olga_soc', user: 'olga' };
const MANAGER = { telegram: 503, username: 'ana_mgr', user: 'ana' };
const RC_BOT = { userId: 'bot-user-1', token: 'pat-0123456789abcdef' };
const RC_USERS = [{ rocketchat: 'u-olga', username: 'olga', user: 'olga' }];

const telegramNodes = [...alertNodes, require('../../nodes/notify/impetus-telegram'), require('../../nodes/notify/impetus-telegram-notify')];
const rcNodes = [...alertNodes, require('../../nodes/notify/impetus-rocketchat'), require('../../nodes/notify/impetus-rocketchat-notify')];

/** Alerts of the shooting in the square (test/platform/incidents): all in one zone, so they group. */
function draft(tool: string, ref: string, extra: Partial<AlertDraft> = {}): AlertDraft {
  const base: Record<string, Partial<AlertDraft>> = {
    firearm: { event: 'Firearm detected', headline: `Handgun on ${ref}`, severity: 'critical', urgency: 'Immediate', certainty: 'Likely' },
    anomaly: { event: 'Crowd-flow anomaly', headline: `People running past ${ref}`, severity: 'high', urgency: 'Immediate', certainty: 'Likely' },
    social: { event: 'Online threat', headline: `Threatening posts (${ref})`, severity: 'medium', urgency: 'Expected', certainty: 'Possible' },
  };
  return { tool, data: toolData(tool), zone: 'square', source: { ref }, ...base[tool], ...extra } as AlertDraft;
}

/** Raises an alert and hands the stored alert to the notifier, as impetus-alert does in a flow. */
async function send(platform: Platform, d: AlertDraft): Promise<Alert> {
  const alert = (await platform.alerts.raise(d)).alert;
  node('notify').receive({ payload: alert });
  return alert;
}

async function incidentOf(platform: Platform, alert: Alert): Promise<Incident> {
  assert.ok(alert.incidentId, `alert ${alert.tool} joined an incident`);
  return (await platform.incidents.get(alert.incidentId))!;
}

interface Reports {
  delivered: Array<{ alertId: string; chat: string; key: string }>;
}

function listen(): Reports {
  const reports: Reports = { delivered: [] };
  node('reports').on('input', (msg: { topic: string; payload: { alertId: string; chat: string; key: string } }) => {
    if (msg.topic === 'delivered') reports.delivered.push(msg.payload);
  });
  return reports;
}

function pendingKeys(): string[] {
  const conn = helper.getNode('conn') as unknown as { connection: { running?: { pendingEntries(): Iterable<{ key: string }> } } };
  return [...(conn.connection.running?.pendingEntries() ?? [])].map((e) => e.key);
}

describe('incident cards: one chat card per incident', function () {
  this.timeout(40000);
  useRuntime(() => ({ escalation: { tickSeconds: 3600 }, users: usersWithRoles({ olga: 'operator', ana: 'manager' }) }));

  describe('Telegram', function () {
    let fake: FakeTelegram;
    beforeEach(async function () {
      fake = await new FakeTelegram({ token: TOKEN, limits: false }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    function flow(notify: Record<string, unknown>, bot: Record<string, unknown> = {}): object[] {
      return [
        {
          id: 'conn', type: 'impetus-telegram', apiBase: fake.url, updates: 'polling', pollTimeout: 1, requestTimeout: 2, consoleUrl: 'https://soc.example/impetus', timeZone: 'UTC',
          chatUsers: JSON.stringify([OPERATOR, MANAGER]), allowedChats: '', globalPerSecond: 500, perChatPerSecond: 500, perGroupPerMinute: 30000, ...bot,
        },
        { id: 'f1', type: 'tab', label: 'incidents' },
        { id: 'notify', type: 'impetus-telegram-notify', z: 'f1', connection: 'conn', rules: JSON.stringify([{ chats: ['-100'] }]), photo: false, location: false, video: false, incidentCards: true, ...notify, wires: [['reports']] },
        { id: 'reports', type: 'helper', z: 'f1' },
      ];
    }

    async function start(notify: Record<string, unknown>, bot: Record<string, unknown> = {}): Promise<{ platform: Platform; reports: Reports }> {
      await helper.load(telegramNodes as never, flow(notify, bot) as never, { conn: { token: TOKEN } } as never);
      const reports = listen();
      const platform = platformFor(currentRed());
      await platform.ready;
      return { platform, reports };
    }

    const cards = (chat = '-100'): TgMessage[] => fake.messagesIn(chat).filter((m) => m.kind === 'text');

    it('sends one card with the members gathered during the group wait, then edits it as members arrive', async () => {
      const { platform, reports } = await start({ groupWait: 3, groupInterval: 0 });
      const first = await send(platform, draft('anomaly', 'counter-2'));
      assert.equal(first.priority, 'P2', 'no P1: the card waits');
      await send(platform, draft('social', 'project-1'));
      await send(platform, draft('anomaly', 'counter-3'));
      const incident = await incidentOf(platform, first);
      await waitFor(() => cards().length === 1, 'the incident card');
      const [card] = cards();
      assert.equal(card.edits, 0, 'the first card already holds the three members');
      assert.match(card.text!, /INCIDENT · 3 alerts from 2 tools/);
      assert.match(card.text!, /People running past counter-2/);
      assert.match(card.text!, /Threatening posts \(project-1\)/);
      assert.match(card.text!, /People running past counter-3/);
      assert.match(card.html!, new RegExp(`href="https://soc.example/impetus/incidents/${incident.id}"`));
      await waitFor(() => reports.delivered.length === 1, 'the delivery reported');
      assert.deepEqual(reports.delivered.map((d) => [d.alertId, d.key]), [[incident.id, incidentKey(incident.id)]], 'reported as the incident\'s card');
      await send(platform, draft('social', 'project-2'));
      await waitFor(() => /4 alerts from 2 tools/.test(cards()[0].text ?? ''), 'the card edited with the fourth member');
      assert.ok(cards()[0].edits >= 1);
      assert.equal(cards().length, 1, 'one card for four alerts');
      assert.equal(fake.requests.filter((r) => r.method === 'sendMessage').length, 1);
    });

    it('lets a P1 member skip the group wait and the group interval; other changes wait for the interval', async () => {
      const { platform } = await start({ groupWait: 3600, groupInterval: 3600 });
      // Not a firearm: its armed-threat incident would mute the lower members (docs/incidents.md).
      const gun = await send(platform, draft('anomaly', 'counter-1', { severity: 'critical', headline: 'Stampede at counter-1' }));
      assert.equal(gun.priority, 'P1');
      const incident = await incidentOf(platform, gun);
      await waitFor(() => cards().length === 1, 'the P1 card, at once');
      await send(platform, draft('anomaly', 'counter-2'));
      await waitFor(() => pendingKeys().includes(incidentKey(incident.id)), 'the edit queued for the interval');
      // A repeat of the P1 member is no news: it waits for the interval too.
      const repeat = await send(platform, draft('anomaly', 'counter-1', { severity: 'critical', headline: 'Stampede at counter-1' }));
      assert.equal(repeat.count, 2, 'the same alert, repeated');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(cards()[0].edits, 0, 'no edit before the group interval');
      await send(platform, draft('social', 'project-9', { severity: 'critical', urgency: 'Immediate', certainty: 'Observed', headline: 'Shots announced online' }));
      await waitFor(() => /Shots announced online/.test(cards()[0].text ?? ''), 'the second P1 edits at once');
      assert.match(cards()[0].text!, /People running past counter-2/, 'with what waited');
      assert.equal(cards().length, 1);
    });

    it('acknowledges the incident from its card through the incident\'s action path, refusing a read-only role', async () => {
      const { platform } = await start({ groupWait: 0, groupInterval: 0 });
      const a = await send(platform, draft('anomaly', 'counter-2'));
      const b = await send(platform, draft('social', 'project-1'));
      const incident = await incidentOf(platform, a);
      await waitFor(() => cards().length === 1 && /2 alerts/.test(cards()[0].text ?? ''), 'the card with both members');
      const card = cards()[0];
      const data = callbackData('acknowledge', incident.id);
      assert.deepEqual(card.reply_markup!.inline_keyboard![0].map((k) => k.callback_data), [data, callbackData('resolve', incident.id)]);
      const refused = fake.pressButton({ fromId: MANAGER.telegram, chat: '-100', messageId: card.message_id, data });
      await waitFor(() => fake.answers.has(refused), 'the manager\'s press answered');
      assert.match(fake.answers.get(refused)!.text!, /Not allowed/);
      assert.equal((await platform.incidents.get(incident.id))!.state, 'open');
      const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '-100', messageId: card.message_id, data });
      await waitFor(() => fake.answers.has(query), 'the operator\'s press answered');
      assert.match(fake.answers.get(query)!.text!, /Acknowledged as olga/);
      const acked = (await platform.incidents.get(incident.id))!;
      assert.equal(acked.state, 'acknowledged');
      const entry = acked.history.filter((h) => h.action === 'acknowledged').pop()!;
      assert.equal(entry.by, 'olga');
      assert.equal(entry.details?.via, 'Telegram', 'the incident\'s audit says it came from the chat');
      for (const member of [a, b]) {
        const stored = (await platform.store.get(member.id))!;
        assert.equal(stored.state, 'acknowledged');
        assert.equal(stored.history.filter((h) => h.action === 'acknowledged').pop()!.details?.via, incident.id, 'each member acknowledged via the incident');
      }
      await waitFor(() => /Acknowledged by olga/.test(cards()[0].text ?? ''), 'the card shows the acknowledgement');
      assert.deepEqual(cards()[0].reply_markup!.inline_keyboard![0].map((k) => k.text), ['✔️ Resolve']);
      assert.equal(cards().length, 1);
    });

    it('shows each group only the members its TLP rules allow, and no card where it may see none', async () => {
      const { platform } = await start({ groupWait: 0, groupInterval: 0, rules: JSON.stringify([{ chats: ['-100', '-200'] }]) }, { amberChats: '-200' });
      const red = await send(platform, draft('anomaly', 'harbour-1', { zone: 'harbour', tlp: 'red', headline: 'Red member' }));
      await send(platform, draft('anomaly', 'counter-2', { headline: 'Clear member' }));
      await send(platform, draft('social', 'project-1', { tlp: 'amber', headline: 'Amber member' }));
      await waitFor(() => cards('-200').length === 1 && /2 alerts/.test(cards('-200')[0].text ?? '') && cards('-100').length === 1, 'the cards of the square incident');
      assert.match(cards('-200')[0].text!, /^TLP:AMBER/, 'labelled with its strictest member');
      assert.match(cards('-200')[0].text!, /Amber member/);
      const plain = cards('-100')[0].text!;
      assert.match(plain, /1 alert from 1 tool/);
      assert.match(plain, /Clear member/);
      assert.doesNotMatch(plain, /Amber member|social/, 'nothing of the AMBER member in a group not marked for it');
      assert.ok(red.incidentId, 'the red alert has its own incident');
      assert.equal(fake.messages.filter((m) => /Red member/.test(m.text ?? '')).length, 0, 'no card for an incident whose only member is TLP:RED');
      assert.equal(fake.messages.filter((m) => m.kind === 'text').length, 2);
    });

    it('sends a new card when the old one was deleted, after waiting out a 429 and retrying a 5xx', async () => {
      const { platform } = await start({ groupWait: 0, groupInterval: 0 });
      await send(platform, draft('anomaly', 'counter-2'));
      await waitFor(() => cards().length === 1, 'the card');
      fake.deleteMessage('-100', cards()[0].message_id);
      fake.inject({ method: 'editMessageText', chat: '-100', times: 1, fault: { kind: 'status', status: 502 } });
      fake.inject({ method: 'sendMessage', chat: '-100', times: 1, fault: { kind: 'status', status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } } });
      await send(platform, draft('social', 'project-1'));
      await waitFor(() => cards().length === 1 && /2 alerts/.test(cards()[0].text ?? ''), 'a new card with both members', 20000);
      const statuses = (method: string) => fake.requests.filter((r) => r.method === method).map((r) => r.status);
      assert.deepEqual(statuses('editMessageText'), [502, 400], 'the 5xx retried, then the card found gone');
      assert.deepEqual(statuses('sendMessage'), [200, 429, 200], 'the 429 waited out, the new card sent once');
      const [retried, ok] = fake.requests.filter((r) => r.method === 'sendMessage').slice(1);
      assert.ok(ok.at - retried.at >= 1000, 'not sent again before retry_after');
    });

    it('keeps the card across a restart: it is edited, not sent again, and its buttons still work', async () => {
      let { platform } = await start({ groupWait: 0, groupInterval: 0 });
      const first = await send(platform, draft('anomaly', 'counter-2'));
      await waitFor(() => cards().length === 1, 'the card');
      await helper.unload();
      await closePlatforms();
      ({ platform } = await start({ groupWait: 0, groupInterval: 0 }));
      const second = await send(platform, draft('social', 'project-1'));
      assert.equal(second.incidentId, first.incidentId, 'the incident survived the restart');
      await waitFor(() => /2 alerts/.test(cards()[0].text ?? ''), 'the card edited after the restart');
      assert.equal(cards().length, 1);
      const query = fake.pressButton({ fromId: OPERATOR.telegram, chat: '-100', messageId: cards()[0].message_id, data: callbackData('acknowledge', first.incidentId!) });
      await waitFor(() => fake.answers.has(query), 'the press answered');
      assert.equal((await platform.incidents.get(first.incidentId!))!.state, 'acknowledged');
    });

    it('edits a card whose members all left the incident to say so, without buttons, and sends no such card anew', async () => {
      const { platform } = await start({ groupWait: 0, groupInterval: 0, rules: JSON.stringify([{ chats: ['-100', '-200'] }]) }, { amberChats: '-200' });
      const clear = await send(platform, draft('anomaly', 'counter-2', { headline: 'Clear member' }));
      const amber = await send(platform, draft('social', 'project-1', { tlp: 'amber', headline: 'Amber member' }));
      await waitFor(() => cards('-100').length === 1 && cards('-200').length === 1 && /2 alerts/.test(cards('-200')[0].text ?? ''), 'both cards');
      await platform.incidents.move({ alertId: clear.id, by: 'olga', reason: 'a concert, unrelated' });
      await waitFor(() => /No alerts left for this chat/.test(cards('-100')[0].text ?? ''), 'the plain group\'s card edited: its only member left');
      const emptied = cards('-100')[0];
      assert.doesNotMatch(emptied.text!, /Clear member|Amber member|P2|P4/, 'nothing of a member, nor a priority');
      assert.deepEqual(emptied.reply_markup?.inline_keyboard ?? [], [], 'no buttons: they would act on no alert this chat sees');
      assert.match(emptied.html!, new RegExp(`href="https://soc.example/impetus/incidents/${clear.incidentId}"`));
      await waitFor(() => /1 alert from 1 tool/.test(cards('-200')[0].text ?? ''), 'the AMBER group still sees its member');
      assert.match(cards('-200')[0].text!, /Amber member/);
      // Its card deleted, a card every member left is not sent again.
      fake.deleteMessage('-200', cards('-200')[0].message_id);
      await platform.incidents.move({ alertId: amber.id, by: 'olga' });
      await waitFor(() => fake.requests.some((r) => r.method === 'editMessageText' && r.chat === '-200' && r.status === 400), 'the edit found the card gone');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(cards('-200').length, 0);
      assert.equal(fake.requests.filter((r) => r.method === 'sendMessage').length, 2, 'the two first cards only');
    });

    it('keeps one card per alert for alerts outside incidents, and with incident cards off', async () => {
      const { platform } = await start({ groupWait: 0, groupInterval: 0, incidentCards: false });
      const a = await send(platform, draft('anomaly', 'counter-2'));
      await send(platform, draft('social', 'project-1'));
      assert.ok(a.incidentId);
      await waitFor(() => cards().length === 2, 'a card per alert');
      assert.ok(cards().every((c) => !/INCIDENT/.test(c.text ?? '')));
    });
  });

  describe('Rocket.Chat', function () {
    let fake: FakeRocketChat;
    beforeEach(async function () {
      fake = await new FakeRocketChat({ ...RC_BOT, rooms: [{ _id: 'room-ops', name: 'ops' }] }).start();
    });
    afterEach(async function () {
      await fake.stop();
    });

    async function start(): Promise<Platform> {
      const flow = [
        {
          id: 'conn', type: 'impetus-rocketchat', serverUrl: fake.url, updates: 'polling', pollInterval: 0.2, chatUsers: JSON.stringify(RC_USERS), allowedChats: '',
          consoleUrl: 'https://soc.example/impetus', timeZone: 'UTC', globalPerSecond: 100, perRoomPerSecond: 50, requestTimeout: 2,
        },
        { id: 'f1', type: 'tab', label: 'incidents' },
        { id: 'notify', type: 'impetus-rocketchat-notify', z: 'f1', connection: 'conn', rules: JSON.stringify([{ chats: ['#ops'] }]), photo: false, location: false, video: false, incidentCards: true, groupWait: 0, groupInterval: 0, wires: [['reports']] },
        { id: 'reports', type: 'helper', z: 'f1' },
      ];
      await helper.load(rcNodes as never, flow as never, { conn: RC_BOT } as never);
      listen();
      const platform = platformFor(currentRed());
      await platform.ready;
      return platform;
    }

    const cards = () => fake.messagesIn('room-ops').filter((m) => m.attachments?.some((a) => 'color' in a));

    it('posts one message per incident, updates it as members arrive, acknowledges the incident from its thread, and posts again once deleted', async () => {
      const platform = await start();
      const a = await send(platform, draft('anomaly', 'counter-2'));
      const incident = await incidentOf(platform, a);
      await waitFor(() => cards().length === 1, 'the incident message');
      await send(platform, draft('social', 'project-1'));
      await waitFor(() => /2 alerts from 2 tools/.test(cards()[0].msg), 'the message updated');
      const card = cards()[0];
      assert.ok(card.editedCount >= 1, 'chat.update, not a second post');
      const att = card.attachments![0] as { title_link: string; actions: Array<{ msg: string }> };
      assert.equal(att.title_link, `https://soc.example/impetus/incidents/${incident.id}`);
      assert.deepEqual(att.actions.map((x) => x.msg.trim()), [`ack ${commandToken(incident.id)}`, `resolve ${commandToken(incident.id)}`]);
      await fake.userPosts({ rid: 'room-ops', userId: 'u-olga', username: 'olga', text: 'ack on my way', tmid: card._id });
      await waitFor(async () => (await platform.incidents.get(incident.id))!.state === 'acknowledged', 'the incident acknowledged');
      const entry = (await platform.incidents.get(incident.id))!.history.filter((h) => h.action === 'acknowledged').pop()!;
      assert.equal(entry.by, 'olga');
      assert.equal(entry.details?.via, 'Rocket.Chat');
      assert.equal((await platform.store.get(a.id))!.state, 'acknowledged');
      await waitFor(() => /Acknowledged by \*olga\*/.test(cards()[0].msg), 'the message shows it');
      fake.deleteMessage(card._id);
      await send(platform, draft('anomaly', 'counter-3'));
      await waitFor(() => cards().length === 1 && cards()[0]._id !== card._id && /3 alerts/.test(cards()[0].msg), 'posted again with the third member');
    });

    it('waits out a 429 (X-RateLimit-Reset) and retries a 5xx on the update of an incident message', async () => {
      const platform = await start();
      await send(platform, draft('anomaly', 'counter-2'));
      await waitFor(() => cards().length === 1, 'the incident message');
      fake.inject({ method: 'chat.update', times: 1, fault: { kind: 'status', status: 429, headers: { 'X-RateLimit-Reset': String(Date.now() + 1000) }, body: { success: false, error: 'Error, too many requests. [error-too-many-requests]' } } });
      fake.inject({ method: 'chat.update', times: 1, fault: { kind: 'status', status: 503 } });
      await send(platform, draft('social', 'project-1'));
      await waitFor(() => /2 alerts/.test(cards()[0].msg), 'the message updated after the faults', 20000);
      assert.deepEqual(fake.requests.filter((r) => r.endpoint === 'chat.update').map((r) => r.status), [429, 503, 200]);
      assert.equal(cards().length, 1);
    });

    it('acknowledges the incident from the button command posted in the room', async () => {
      const platform = await start();
      const a = await send(platform, draft('anomaly', 'counter-2'));
      await waitFor(() => cards().length === 1, 'the incident message');
      await fake.userPosts({ rid: 'room-ops', userId: 'u-olga', username: 'olga', text: `ack ${commandToken(a.incidentId!)}` });
      await waitFor(async () => (await platform.incidents.get(a.incidentId!))!.state === 'acknowledged', 'the incident acknowledged');
    });
  });
});
