import assert from 'node:assert/strict';
import { AccessPolicy, parseUsers, resolveUsers } from '../../nodes/notify/delivery/access';
import { backoffDelay } from '../../nodes/notify/delivery/backoff';
import { alertIdFromShort, incidentIdFromShort, shortId } from '../../nodes/notify/delivery/ids';
import type { AlertNotice, IncidentNotice, NoticeAlert, NoticeIncident } from '../../nodes/notify/delivery/notice';
import { assertAlert, emptiedIncident } from '../../nodes/notify/delivery/notice';
import { formatTime } from '../../nodes/notify/delivery/present';
import { parseRules, route } from '../../nodes/notify/delivery/routing';
import { TokenBucket } from '../../nodes/notify/delivery/token-bucket';
import { defuse, parseCommand, renderIncidentMessage, renderMessage } from '../../nodes/notify/rocketchat/format';
import { callbackData, chunkPlain, escapeHtml, fitPlain, MAX_CAPTION, MAX_TEXT, pack, parseCallbackData, renderCaption, renderCard, renderIncidentCard } from '../../nodes/notify/telegram/format';
import { parseTelegramHtml } from '../support/fake-telegram';

const ID = '3f2a9c1b-7d4e-4c2a-9f10-0123456789ab';

function alert(over: Partial<NoticeAlert> = {}): NoticeAlert {
  return {
    id: ID,
    version: 1,
    tool: 'firearm',
    event: 'Firearm detected',
    headline: 'Firearm at the north entrance',
    priority: 'P1',
    severity: 'critical',
    status: 'Actual',
    state: 'open',
    occurredAt: '2025-03-01T10:02:00.000Z',
    lastSeen: '2025-03-01T10:02:00.000Z',
    count: 1,
    ...over,
  };
}

const notice = (a: NoticeAlert, extra: Partial<AlertNotice> = {}): AlertNotice => ({ kind: 'alert', alert: a, media: { photo: true, location: true, video: false }, ...extra });

describe('notifier units', function () {
  describe('Telegram format', function () {
    it('escapes exactly &, < and > in text, and quotes in link attributes', () => {
      assert.equal(escapeHtml('a & b <c> "d"'), 'a &amp; b &lt;c&gt; "d"');
      const card = renderCard(notice(alert({ headline: '<script>alert(1)</script> & co' })), { consoleUrl: 'https://soc.example/x?a=1&b="2"' });
      const text = parseTelegramHtml(card.parts.join('\n'));
      assert.match(text, /<script>alert\(1\)<\/script> & co/);
      assert.match(card.parts[0], /href="https:\/\/soc\.example\/x\?a=1&amp;b=&quot;2&quot;\/alerts\/3f2a9c1b/);
    });

    it('chunks plain text within an escaped budget, at spaces, never inside a surrogate pair', () => {
      const text = `${'😀'.repeat(30)} ${'&'.repeat(40)} end`;
      for (const budget of [7, 20, 50]) {
        const chunks = chunkPlain(text, budget);
        assert.equal(chunks.join(''), text);
        for (const c of chunks) assert.ok(escapeHtml(c).length <= budget, `${c} fits ${budget}`);
        for (const c of chunks) assert.doesNotMatch(c, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/, 'no broken surrogate');
      }
      assert.deepEqual(chunkPlain('aaaa bbbb cccc', 10), ['aaaa bbbb ', 'cccc']);
      assert.equal(fitPlain('short', 100), 'short');
      assert.ok(escapeHtml(fitPlain('&'.repeat(300), 100)).length <= 100);
    });

    it('packs lines into messages of at most 4096 and never cuts a line', () => {
      const lines = Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(300, 'x'));
      const parts = pack(lines);
      assert.ok(parts.every((p) => p.length <= MAX_TEXT));
      assert.equal(parts.join('\n'), lines.join('\n'));
      assert.throws(() => pack(['x'.repeat(MAX_TEXT + 1)]), /longer than a message/);
    });

    it('splits a card with a long description into valid HTML parts', () => {
      const card = renderCard(notice(alert({ description: '<b>&</b> '.repeat(1500), instruction: 'Go > now & wait '.repeat(150) })));
      assert.ok(card.parts.length >= 3);
      for (const part of card.parts) {
        assert.ok(part.length <= MAX_TEXT);
        parseTelegramHtml(part);
      }
    });

    it('shows exercise, escalation and state, and offers only the buttons that apply', () => {
      const exercise = renderCard(notice(alert({ status: 'Exercise' })));
      assert.match(exercise.parts[0], /^🧪 <b>EXERCISE<\/b> — not a real alert/);
      assert.deepEqual(exercise.keyboard[0].map((b) => b.text), ['✅ Acknowledge', '✔️ Resolve']);
      const escalated = renderCard(notice(alert({ escalationLevel: 2 })));
      assert.match(escalated.parts[0], /ESCALATED<\/b> \(level 2\)/);
      const acked = renderCard(notice(alert({ state: 'acknowledged', ack: { by: 'rui', at: '2025-03-01T10:05:00.000Z' }, escalationLevel: 2 })));
      assert.match(acked.parts[0], /Acknowledged by <b>rui<\/b> at 2025-03-01 10:05 UTC/);
      assert.doesNotMatch(acked.parts[0], /ESCALATED/, 'an acknowledged alert is no longer escalating');
      assert.deepEqual(acked.keyboard[0].map((b) => b.text), ['✔️ Resolve']);
      const resolved = renderCard(notice(alert({ state: 'resolved', resolved: { by: 'olga', at: '2025-03-01T11:00:00.000Z', reason: 'replica <gun>' } })));
      assert.match(parseTelegramHtml(resolved.parts[0]), /Resolved by olga at 2025-03-01 11:00 UTC: replica <gun>/);
      assert.deepEqual(resolved.keyboard, []);
    });

    it('keeps captions within 1024 characters', () => {
      const caption = renderCaption(alert({ headline: '&'.repeat(512), status: 'Exercise' }));
      assert.ok(caption.length <= MAX_CAPTION);
      assert.match(caption, /…\s\(EXERCISE\)$/);
    });

    it('puts short ids in callback data, never JSON, within 64 bytes', () => {
      const data = callbackData('acknowledge', ID);
      assert.equal(data, `a:${shortId(ID)}`);
      assert.equal(data.length, 24);
      assert.deepEqual(parseCallbackData(data), { action: 'acknowledge', shortId: shortId(ID) });
      assert.equal(alertIdFromShort(shortId(ID)), ID);
      const other = callbackData('resolve', 'cap:urn:oid:2.49.0.1.578.0.20250301100200'.repeat(3));
      assert.ok(Buffer.byteLength(other) <= 64);
      for (const bad of ['{"a":"ack"}', 'x:abc', `a:${'A'.repeat(60)}`, 'a:', 42, undefined]) assert.equal(parseCallbackData(bad), undefined);
    });

    it('formats times in the configured zone', () => {
      assert.equal(formatTime('2025-03-01T10:02:00.000Z'), '2025-03-01 10:02 UTC');
      assert.match(formatTime('2025-07-01T10:02:00.000Z', 'Europe/Oslo'), /^2025-07-01 12:02 (CEST|GMT\+2)$/);
    });
  });

  describe('Rocket.Chat format', function () {
    it('colours by priority, defuses room-wide mentions and offers command buttons', () => {
      const m = renderMessage(notice(alert({ priority: 'P3', headline: 'Check @here and @all now', point: [10.75, 59.91] })));
      assert.equal(m.attachments[0].color, '#ffd21f');
      assert.doesNotMatch(m.text, /@(here|all)\b/);
      assert.equal(defuse('@all'), '@\u200ball');
      assert.deepEqual(m.attachments[0].actions!.map((a) => a.msg.trim()), [`ack ${shortId(ID)}`, `resolve ${shortId(ID)}`]);
    });

    it('parses commands with and without ids', () => {
      assert.deepEqual(parseCommand('ack'), { action: 'acknowledge', rest: '' });
      assert.deepEqual(parseCommand('  Acknowledge on my way'), { action: 'acknowledge', rest: 'on my way' });
      assert.deepEqual(parseCommand(`resolve ${shortId(ID)} false alarm`), { action: 'resolve', token: shortId(ID), rest: 'false alarm' });
      assert.deepEqual(parseCommand('/resolved done'), { action: 'resolve', rest: 'done' });
      assert.equal(parseCommand('acknowledgement of receipt'), undefined);
      assert.equal(parseCommand('hello'), undefined);
      assert.equal(parseCommand(undefined), undefined);
    });
  });

  describe('routing', function () {
    const roleChats = (roles: string[]) => roles.flatMap((r) => (r === 'field' ? ['501', '502'] : []));
    const rules = parseRules(JSON.stringify([
      { priorities: ['P1', 'P2'], chats: ['-100'] },
      { tools: ['bacteria'], zones: ['lab'], roles: ['field'] },
      { statuses: ['Exercise'], chats: ['-200'] },
      { escalated: true, chats: ['-300'] },
      { escalated: true, minLevel: 2, chats: ['-400'] },
    ]));

    it('sends Actual alerts by the rules, exercises only where asked, silenced ones nowhere', () => {
      assert.deepEqual(route(alert(), rules, roleChats), ['-100']);
      assert.deepEqual(route(alert({ tool: 'bacteria', zone: 'lab', priority: 'P3' }), rules, roleChats), ['501', '502']);
      assert.deepEqual(route(alert({ status: 'Exercise' }), rules, roleChats), ['-200']);
      assert.deepEqual(route(alert({ status: 'Test' }), rules, roleChats), []);
      assert.deepEqual(route(alert({ silenced: { reason: 'maintenance' } }), rules, roleChats), []);
    });

    it('sends escalations only to escalation rules, by level', () => {
      assert.deepEqual(route(alert(), rules, roleChats, 1), ['-300']);
      assert.deepEqual(route(alert(), rules, roleChats, 2).sort(), ['-300', '-400']);
    });

    it('names the rule and field of a mistake', () => {
      assert.throws(() => parseRules('[{"chats": ["1"], "priority": ["P1"]}]'), /routing rule 1: unknown field priority/);
      assert.throws(() => parseRules('[{"chats": ["1"]}, {"priorities": ["P5"], "chats": ["1"]}]'), /routing rule 2.priorities: unknown value P5/);
      assert.throws(() => parseRules('[{"tools": ["x"]}]'), /sends nowhere/);
      assert.throws(() => parseRules('[{"roles": ["field-responder"]}]'), /routing rule 1.roles: unknown value field-responder/);
      assert.throws(() => parseRules('{"chats": []}'), /JSON array/);
      assert.throws(() => parseRules('[oops'), /not valid JSON/);
      assert.deepEqual(parseRules(''), []);
    });
  });

  describe('access', function () {
    const consoleUsers: Record<string, { role: 'operator' | 'field' }> = { olga: { role: 'operator' }, rui: { role: 'field' } };
    const lookup = (name: string) => consoleUsers[name];

    it('identifies a chat account by its stable id only, never by a user name someone else can take', () => {
      const policy = new AccessPolicy(resolveUsers(parseUsers('[{"telegram": 501, "username": "olga_soc", "user": "olga"}, {"telegram": "502", "user": "rui"}]', 'telegram'), lookup));
      assert.equal(policy.find({ id: '501' })?.user, 'olga');
      assert.equal(policy.find({ id: '502', username: 'whoever' })?.user, 'rui');
      assert.equal(policy.find({ id: '999', username: 'olga_soc' }), undefined, 'someone who took the user name');
      assert.equal(policy.find({ id: '', username: 'olga_soc' }), undefined, 'a name without an id');
    });

    it('takes the role from the console user and reports a free-text chat role as ignored', () => {
      const problems = { ignored: [] as string[] };
      const [entry] = resolveUsers(parseUsers('[{"telegram": 501, "user": "rui", "role": "supervisor"}]', 'telegram', problems), lookup);
      assert.equal(entry.role, 'field');
      assert.match(problems.ignored[0], /entry 1: "role" is ignored/);
      assert.deepEqual(new AccessPolicy([entry]).withRoles(['field']).map((u) => u.user), ['rui']);
    });

    it('refuses a mapping to a console user that does not exist, naming the entry', () => {
      assert.throws(() => resolveUsers(parseUsers('[{"telegram": 501, "user": "olga"}, {"telegram": 502, "user": "nobody"}]', 'telegram'), lookup), /entry 2: there is no console user "nobody"/);
    });

    it('rejects malformed mappings with the entry at fault', () => {
      assert.throws(() => parseUsers('[{"username": "rui_field", "user": "x"}]', 'telegram'), /entry 1 needs the chat account's telegram id/);
      assert.throws(() => parseUsers('[{"telegram": "@rui_field", "user": "x"}]', 'telegram'), /not a numeric Telegram user id/);
      assert.throws(() => parseUsers('[{"telegram": 1}]', 'telegram'), /entry 1 needs the console user/);
      assert.throws(() => parseUsers('[{"telegram": 1, "user": "x"}, {"telegram": "1", "user": "y"}]', 'telegram'), /entry 2 maps telegram id 1 a second time/);
      assert.throws(() => parseUsers('{', 'telegram'), /not valid JSON/);
      assert.deepEqual(parseUsers('[{"rocketchat": "u-1", "username": "@rui", "user": "rui"}]', 'rocketchat'), [{ id: 'u-1', username: 'rui', user: 'rui' }]);
    });
  });

  describe('limits and back-off', function () {
    it('returns a token one window after the answer, not after the grant', () => {
      const bucket = new TokenBucket({ limit: 1, windowMs: 1000 }, 10);
      assert.equal(bucket.waitMs(0), 0);
      const token = bucket.take(0);
      assert.equal(bucket.waitMs(500), Infinity, 'on the wire: nobody knows yet');
      bucket.settle(token, 700);
      assert.equal(bucket.waitMs(800), 910);
      assert.equal(bucket.waitMs(1710), 0);
      assert.equal(bucket.full(1710), true);
    });

    it('doubles the back-off up to the cap, with half of it random', () => {
      const policy = { baseMs: 1000, capMs: 8000 };
      assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 0)), [500, 1000, 2000, 4000, 4000, 4000]);
      assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1)), [1000, 2000, 4000, 8000, 8000]);
    });
  });

  it('refuses payloads that are not stored alerts', () => {
    assert.throws(() => assertAlert(null), /must be an IMPETUS alert/);
    assert.throws(() => assertAlert({ event: 'x' }), /msg.payload.id is missing/);
    assert.throws(() => assertAlert({ id: 'a', priority: 'P9' }), /no valid priority/);
    assert.throws(() => assertAlert({ id: 'a', priority: 'P1', headline: 'h', tool: 't', status: 'Actual', state: 'open', occurredAt: 'x', lastSeen: 'x' }), /no version: send a stored alert, not a draft/);
  });
  it('gives incidents reversible short ids for buttons and commands, and renders their cards escaped, members counted', () => {
    const id = `inc-${ID}`;
    const token = shortId(id);
    assert.match(token, /^i[A-Za-z0-9_-]{22}$/);
    assert.equal(incidentIdFromShort(token), id);
    assert.equal(alertIdFromShort(token), undefined, 'an incident token never names an alert');
    assert.equal(incidentIdFromShort(shortId(ID)), undefined);
    assert.deepEqual(parseCommand(`ack ${token} on my way`), { action: 'acknowledge', token, rest: 'on my way' });
    assert.deepEqual(parseCallbackData(callbackData('resolve', id)), { action: 'resolve', shortId: token });
    const members = Array.from({ length: 12 }, (_, i) => ({ alertId: `a${i}`, tool: i ? 'anomaly' : 'firearm', headline: `<b>${i}</b> & co`, priority: (i ? 'P3' : 'P1') as 'P1' | 'P3', state: i === 1 ? 'acknowledged' : 'open' }));
    const incident: NoticeIncident = {
      id, version: 3, title: 'Firearm at <square> (+ anomaly)', summary: 's', priority: 'P1', status: 'Exercise', state: 'open', tlp: 'amber',
      firstSeen: '2025-03-01T10:02:00.000Z', lastSeen: '2025-03-01T10:05:00.000Z', members: members.slice(0, 10), more: 2,
    };
    const n: IncidentNotice = { kind: 'incident', incident };
    const card = renderIncidentCard(n, { consoleUrl: 'https://soc.example/impetus' });
    const text = parseTelegramHtml(card.parts.join('\n'));
    assert.match(text, /^TLP:AMBER\n🧪 EXERCISE/);
    assert.match(text, /P1 · INCIDENT · 12 alerts from 2 tools\+/);
    assert.match(text, /Firearm at <square> \(\+ anomaly\)/, 'the literal title, escaped as HTML');
    assert.match(text, /P3 anomaly: <b>1<\/b> & co \(acknowledged\)/);
    assert.match(text, /… and 2 more in the console/);
    assert.match(card.parts[0], /href="https:\/\/soc\.example\/impetus\/incidents\/inc-/);
    assert.deepEqual(card.keyboard[0].map((b) => b.callback_data), [callbackData('acknowledge', id), callbackData('resolve', id)]);
    const rc = renderIncidentMessage(n, {});
    assert.match(rc.text, /\*P1\* · \*INCIDENT\* · 12 alerts from 2 tools\+/);
    assert.deepEqual(rc.attachments[0].actions!.map((a) => a.msg.trim()), [`ack ${token}`, `resolve ${token}`]);
    assert.equal(renderIncidentCard({ kind: 'incident', incident: { ...incident, state: 'resolved', resolved: { by: 'olga', at: incident.lastSeen, reason: 'done' } } }).keyboard.length, 0, 'a resolved incident loses its buttons');
    // Every member the chat saw left: the card says so, with nothing of them and no way to act.
    const left = emptiedIncident({ id, version: 4, status: 'Actual', state: 'open', firstSeen: incident.firstSeen, lastSeen: incident.lastSeen } as never);
    const gone = renderIncidentCard({ kind: 'incident', incident: left }, { consoleUrl: 'https://soc.example/impetus' });
    assert.match(parseTelegramHtml(gone.parts.join('\n')), /^⚪ INCIDENT · No alerts left for this chat\nThe alerts this chat was shown were moved out/);
    assert.deepEqual(gone.keyboard, []);
    const goneRc = renderIncidentMessage({ kind: 'incident', incident: left }, {});
    assert.match(goneRc.text, /^\*INCIDENT\* · No alerts left for this chat\n/, 'in the text: chat.update changes only the text');
    assert.equal(goneRc.attachments[0].actions, undefined);
  });
});
