/**
 * Push-to-talk voice on the console's WebSocket, against a running runtime: who may join a
 * channel, relaying of WebRTC signalling, floor control (one speaker, supervisor priority,
 * release on leave and on time-out), reconnection, TURN credentials, and recordings (upload
 * checks, playback, deletion after retention), the forwarder's signalling and its settings. The
 * browser side is test/browser/voice.test.ts (mesh) and voice-forwarder.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { platformFor } from '../../../nodes/platform';
import type { Alert, Role } from '../../../nodes/platform';
import { resolveVoiceSettings } from '../../../nodes/platform/console/voice-settings';
import { Rng } from '../../../bench/random';
import { SAMPLE_OFFER as OFFER, udpPortsInRange } from '../../support/voice-browser';
import { alertNodes, api, currentRed, load, useRuntime, waitFor } from '../../support/nodered';
import { LiveTestClient, ROLES, consoleSettings, expectedVisible, packagedViews, raiseFixture, runtime, toolData } from '../../support/console';

interface VoiceMsg {
  type: string;
  op: string;
  channel: string;
  peer?: string;
  from?: string;
  reason?: string;
  message?: string;
  data?: Record<string, unknown>;
  peers?: Array<{ peer: string; user: { username: string; role: string } }>;
  speaker?: { peer: string; user: { username: string }; transmission: string; priority: boolean } | null;
  ended?: { transmission: string; peer: string; durationMs: number; reason: string; by?: { username: string } };
  config?: { mode: string; iceServers: Array<{ urls: string; username?: string; credential?: string }>; mayTalk: boolean; priority: boolean; maxTalkMs: number; recording: boolean };
  recording?: { id: string };
}

/** A console on the live socket that speaks the voice protocol. */
class VoiceClient {
  peer = '';
  private constructor(readonly live: LiveTestClient, readonly username: string, readonly sessionId: string) {}

  /** A new login, or a second socket of the session `sessionId` (a page that reconnects). */
  static async open(role: Role, username = `${role}-1`, sessionId?: string): Promise<VoiceClient> {
    const rt = runtime();
    const id = sessionId ?? rt.openSession({ username, name: `The ${username}`, role }).id;
    const live = await LiveTestClient.open({ Cookie: `${rt.platform.settings.console.session.cookieName}=${id}` });
    await live.next('hello');
    return new VoiceClient(live, username, id);
  }

  get voice(): VoiceMsg[] {
    return this.live.messages.filter((m) => m.type === 'voice') as unknown as VoiceMsg[];
  }

  send(message: Record<string, unknown>): void {
    this.live.ws.send(JSON.stringify({ type: 'voice', ...message }));
  }

  /** The next voice message of this op after the `after`-th, and what matches. */
  async next(op: string, match: (m: VoiceMsg) => boolean = () => true, after = 0): Promise<VoiceMsg> {
    let found: VoiceMsg | undefined;
    await waitFor(() => Boolean((found = this.voice.slice(after).find((m) => m.op === op && match(m)))), `${this.username}: voice ${op}`);
    return found!;
  }

  async join(channel: string, instance = `page-${this.username}`): Promise<VoiceMsg> {
    const before = this.voice.length;
    this.send({ op: 'join', channel, instance });
    await waitFor(() => this.voice.slice(before).some((m) => m.op === 'joined' || m.op === 'refused' || m.op === 'error'), `${this.username}: join answered`);
    const answer = this.voice.slice(before).find((m) => m.op === 'joined' || m.op === 'refused' || m.op === 'error')!;
    if (answer.op === 'joined') this.peer = answer.peer!;
    return answer;
  }

  close(): void {
    this.live.close();
  }
}

const flow = [{ id: 'sink', type: 'impetus-alert', tool: 'firearm', wires: [[]] }];

async function raiseFirearm(): Promise<string> {
  const draft = { tool: 'firearm', event: 'Firearm detected', headline: 'rifle at the station', severity: 'critical', zone: 'station', data: toolData('firearm') };
  return (await platformFor(currentRed()).alerts.raise(draft as never)).alert.id;
}

/** Each test: the flow loaded, a firearm alert raised (its channel), and the clients it opened closed after it. */
function withChannel(): { open: (role: Role, username?: string, sessionId?: string) => Promise<VoiceClient>; channel: () => string } {
  let channel = '';
  const clients: VoiceClient[] = [];
  beforeEach(async () => {
    await load(alertNodes, flow);
    await runtime().ready;
    channel = `alert:${await raiseFirearm()}`;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  return {
    channel: () => channel,
    async open(role, username, sessionId) {
      const c = await VoiceClient.open(role, username, sessionId);
      clients.push(c);
      return c;
    },
  };
}

describe('console voice: signalling and floor', function () {
  // The mesh: the runtime relays signalling between browsers (the forwarder's is below).
  useRuntime(() => consoleSettings({ voice: { mode: 'mesh' } }));
  const { open, channel: current } = withChannel();
  let channel = '';
  beforeEach(() => {
    channel = current();
  });

  it('lets those who see the alert join, tells the others who came, and gives closed-network defaults', async () => {
    const olga = await open('operator', 'olga');
    const fatima = await open('field', 'fatima');
    const first = await olga.join(channel);
    assert.equal(first.op, 'joined');
    assert.deepEqual(first.peers, []);
    assert.deepEqual(first.config, { mode: 'mesh', iceServers: [], mayTalk: true, priority: false, maxTalkMs: 60_000, recording: false });
    const second = await fatima.join(channel);
    assert.deepEqual(second.peers!.map((p) => p.user.username), ['olga']);
    const came = await olga.next('peer-joined');
    assert.equal(came.peer, fatima.peer);
    assert.deepEqual(runtime().voice.state(channel).peers.sort(), ['fatima', 'olga']);
  });

  it('refuses a role that may not see the alert, an unknown alert alike, and a malformed channel', async () => {
    const cyber = await open('cyber', 'carl');
    const refused = await cyber.join(channel);
    assert.equal(refused.op, 'refused');
    assert.match(refused.reason!, /may not join/);
    const unknown = await cyber.join('alert:no-such-alert');
    assert.equal(unknown.op, 'refused');
    assert.equal(unknown.reason, refused.reason, 'a hidden alert and a missing one answer alike');
    assert.equal((await cyber.join('alert:<script>')).op, 'error');
    assert.equal((await cyber.join('radio:1')).op, 'error', 'a kind nobody handles');
    assert.deepEqual(runtime().voice.state(channel).peers, []);
    // Nor may it reach the channel's recordings.
    await api('cyber').get(`/impetus/api/voice/${encodeURIComponent(channel)}/recordings`).expect(404);
    await api('operator').get(`/impetus/api/voice/${encodeURIComponent(channel)}/recordings`).expect(200, { recording: false, items: [] });
  });

  it('every role against every alert: joins and recordings exactly where the console shows the alert', async () => {
    const views = packagedViews();
    const alerts = await raiseFixture();
    for (const role of ROLES) {
      const client = await open(role, `all-${role}`);
      for (const alert of alerts) {
        const expected = expectedVisible(views.get(role)!, alert);
        const key = `alert:${alert.id}`;
        assert.equal((await client.join(key)).op, expected ? 'joined' : 'refused', `${role} joining ${alert.tool} ${alert.priority} ${alert.status}`);
        await api(role).get(`/impetus/api/voice/${encodeURIComponent(key)}/recordings`).expect(expected ? 200 : 404);
      }
      client.close();
    }
  });

  it('fuzz: 2,000 malformed voice messages never break the runtime, the socket or the channel', async () => {
    const rng = new Rng(23);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
    const values = (): unknown[] => [undefined, null, 0, -1, 1e308, NaN, '', 'x'.repeat(300), true, [], {}, { __proto__: { op: 'join' } }, [channel], channel, `${channel}\n`, 'alert:', 'alert:a,b', 'constructor:x', '__proto__:x'];
    const fuzzer = await open('operator', 'fuzz');
    const olga = await open('operator', 'olga');
    await olga.join(channel);
    for (let i = 0; i < 2000; i += 1) {
      const message: Record<string, unknown> = { op: pick(['join', 'leave', 'signal', 'talk', 'release', 'hello', '', 7, null]) };
      for (const key of ['channel', 'instance', 'to', 'data']) if (rng.next() < 0.7) message[key] = pick(values());
      if (rng.next() < 0.3) message.data = { description: pick(values()), candidate: pick(values()) };
      fuzzer.send(message);
      if (i % 300 === 0) await fuzzer.live.sync();
    }
    // Raw frames too: not JSON, JSON that is not an object, a frame over the limit.
    fuzzer.live.ws.send('{"type":"voice"');
    fuzzer.live.ws.send('null');
    fuzzer.live.ws.send('[1,2]');
    await fuzzer.live.sync();
    // A rate limit stopped the flood; the runtime, the channel and other sockets still work.
    await waitFor(() => fuzzer.voice.some((m) => /too many voice messages/.test(m.message ?? '')), 'the rate limit');
    const big = await open('operator', 'big');
    big.live.ws.send(JSON.stringify({ type: 'voice', op: 'signal', channel, to: 'x', data: { sdp: 'x'.repeat(40 * 1024) } }));
    assert.equal((await big.live.closed).code, 1009, 'a frame over 32 KiB closes that socket (ws: message too big)');
    olga.send({ op: 'talk', channel });
    await olga.next('floor', (m) => m.speaker?.user.username === 'olga');
    const other = await open('field', 'fatima');
    assert.equal((await other.join(channel)).op, 'joined');
  });

  it('relays offers, answers and candidates between participants of one channel only', async () => {
    const [a, b, outsider] = [await open('operator', 'a'), await open('supervisor', 'b'), await open('operator', 'c')];
    await a.join(channel);
    await b.join(channel);
    const description = { type: 'offer', sdp: 'v=0\r\n…' };
    a.send({ op: 'signal', channel, to: b.peer, data: { description } });
    const got = await b.next('signal');
    assert.equal(got.from, a.peer);
    assert.deepEqual(got.data, { description });
    // Not a participant: nothing relayed.
    outsider.send({ op: 'signal', channel, to: b.peer, data: { candidate: { candidate: 'x' } } });
    await outsider.next('error', (m) => /not in this channel/.test(m.message!));
    a.send({ op: 'signal', channel, to: 'nobody', data: {} });
    await a.next('error');
    await b.live.sync();
    assert.equal(b.voice.filter((m) => m.op === 'signal').length, 1);
  });

  it('floor: one speaker at a time, shown to everyone; listen-only roles hold no floor', async () => {
    const [olga, fatima, marco] = [await open('operator', 'olga'), await open('field', 'fatima'), await open('manager', 'marco')];
    await olga.join(channel);
    await fatima.join(channel);
    const joined = await marco.join(channel);
    assert.equal(joined.config!.mayTalk, false, 'the city manager listens');
    olga.send({ op: 'talk', channel });
    for (const c of [olga, fatima, marco]) {
      const floor = await c.next('floor', (m) => Boolean(m.speaker));
      assert.equal(floor.speaker!.user.username, 'olga');
    }
    fatima.send({ op: 'talk', channel });
    const denied = await fatima.next('denied');
    assert.equal(denied.speaker!.user.username, 'olga');
    marco.send({ op: 'talk', channel });
    assert.match((await marco.next('denied')).reason!, /listens only/);
    // Fatima's release does nothing: she does not hold the floor.
    fatima.send({ op: 'release', channel });
    olga.send({ op: 'release', channel });
    const ended = await fatima.next('floor', (m) => m.speaker === null);
    assert.equal(ended.ended!.reason, 'released');
    assert.equal(ended.ended!.peer, olga.peer);
    assert.ok(ended.ended!.durationMs >= 0);
    fatima.send({ op: 'talk', channel });
    await olga.next('floor', (m) => m.speaker?.user.username === 'fatima');
  });

  it('the supervisor takes the floor from an operator, never the other way round', async () => {
    const [olga, sven] = [await open('operator', 'olga'), await open('supervisor', 'sven')];
    await olga.join(channel);
    assert.equal((await sven.join(channel)).config!.priority, true);
    olga.send({ op: 'talk', channel });
    await sven.next('floor', (m) => m.speaker?.user.username === 'olga');
    sven.send({ op: 'talk', channel });
    const cut = await olga.next('floor', (m) => m.speaker === null);
    assert.equal(cut.ended!.reason, 'preempted');
    assert.equal(cut.ended!.by!.username, 'sven');
    const taken = await olga.next('floor', (m) => m.speaker?.user.username === 'sven');
    assert.equal(taken.speaker!.priority, true);
    olga.send({ op: 'talk', channel });
    assert.equal((await olga.next('denied')).speaker!.user.username, 'sven');
  });

  it('a speaker who disconnects gives the floor back; a reconnecting page replaces its old place', async () => {
    const [olga, fatima] = [await open('operator', 'olga'), await open('field', 'fatima')];
    await olga.join(channel);
    await fatima.join(channel);
    fatima.send({ op: 'talk', channel });
    await olga.next('floor', (m) => Boolean(m.speaker));
    fatima.close();
    const ended = await olga.next('floor', (m) => m.speaker === null);
    assert.equal(ended.ended!.reason, 'left');
    await olga.next('peer-left', (m) => m.peer === fatima.peer);
    // The same page (session and instance) joins again on a new socket while the old one is
    // still open, as after a network drop that the server has not noticed yet.
    const before = olga.voice.length;
    const old = await open('field', 'fatima');
    await old.join(channel, 'page-x');
    const again = await open('field', 'fatima', old.sessionId);
    await again.join(channel, 'page-x');
    await olga.next('peer-left', (m) => m.peer === old.peer, before);
    assert.deepEqual(runtime().voice.state(channel).peers.sort(), ['fatima', 'olga']);
    // Another page of the same user (another instance) is a participant of its own.
    const tab = await open('field', 'fatima', old.sessionId);
    assert.equal((await tab.join(channel, 'page-y')).op, 'joined');
    assert.equal(runtime().voice.state(channel).peers.length, 3);
  });
});

describe('console voice: incident channels', function () {
  useRuntime(() => consoleSettings());
  const views = packagedViews();
  const clients: VoiceClient[] = [];
  let members: Alert[];
  let key = '';

  // One incident whose members each role sees differently: the shooting in incidents.test.ts.
  beforeEach(async () => {
    await load(alertNodes, flow);
    const platform = platformFor(currentRed());
    await platform.ready;
    const raise = async (draft: Record<string, unknown>) => (await platform.alerts.raise({ data: toolData(draft.tool as string), zone: 'square', ...draft } as never)).alert;
    members = [
      await raise({ tool: 'firearm', event: 'Firearm detected', headline: 'Handgun on camera 4', severity: 'critical', source: { ref: 'cam-4' } }),
      await raise({ tool: 'anomaly', event: 'Crowd-flow anomaly', headline: 'People running', severity: 'critical', source: { ref: 'c-2' } }),
      await raise({ tool: 'social', event: 'Online threat', headline: 'Threatening posts', severity: 'high', source: { ref: 'p-1' } }),
      await raise({ tool: 'workload', event: 'Operator overloaded', headline: 'Operator 2 overloaded', severity: 'medium', zone: undefined }),
    ];
    assert.equal(new Set(members.map((a) => a.incidentId)).size, 1, 'one incident');
    key = `incident:${members[0].incidentId}`;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  const open = async (role: Role, username: string): Promise<VoiceClient> => {
    const c = await VoiceClient.open(role, username);
    clients.push(c);
    return c;
  };
  const seen = (role: Role) => members.filter((a) => expectedVisible(views.get(role)!, a));

  it('every role: joins and reaches the recordings exactly when it sees a member', async () => {
    const outcomes = new Set<boolean>();
    for (const role of ROLES) {
      const expected = seen(role).length > 0;
      outcomes.add(expected);
      const client = await open(role, `inc-${role}`);
      const answer = await client.join(key);
      assert.equal(answer.op, expected ? 'joined' : 'refused', `${role} joining an incident where it sees ${seen(role).length} of ${members.length} members`);
      await api(role).get(`/impetus/api/voice/${encodeURIComponent(key)}/recordings`).expect(expected ? 200 : 404);
    }
    assert.deepEqual([...outcomes].sort(), [false, true], 'some role is refused and some joins');
    const unknown = await (await open('admin', 'nobody')).join('incident:no-such-incident');
    assert.equal(unknown.op, 'refused', 'a missing incident is refused as a hidden one');
  });

  it('asks again at each press: once the members a role sees leave the incident, its voice goes too', async () => {
    const role = ROLES.find((r) => seen(r).length > 0 && seen(r).length < members.length);
    assert.ok(role, 'a role that sees some members but not all');
    const client = await open(role, 'partial');
    assert.equal((await client.join(key)).op, 'joined');
    const platform = platformFor(currentRed());
    for (const a of seen(role)) await platform.incidents.move({ alertId: a.id, by: 'test', reason: 'unrelated' });
    await api(role).get(`/impetus/api/voice/${encodeURIComponent(key)}/recordings`).expect(404);
    const before = client.voice.length;
    client.send({ op: 'talk', channel: key });
    const refused = await client.next('refused', () => true, before);
    assert.match(refused.reason!, /may no longer join/);
    assert.ok(!runtime().voice.state(key).peers.includes('partial'));
  });
});

describe('console voice: TURN credentials and recordings', function () {
  const secret = 'a-shared-turn-secret-of-the-city';
  const dirOf = useRuntime(() => consoleSettings({
    voice: {
      iceServers: [{ urls: 'turn:turn.city.example:3478?transport=udp' }, { urls: 'stun:stun.city.example:3478' }],
      turnSecret: secret,
      recording: { enabled: true, retentionHours: 3 / 3600, maxBytes: 1024 },
      maxTalkSeconds: 1,
    },
  }));
  const { open, channel: current } = withChannel();
  let channel = '';
  beforeEach(() => {
    channel = current();
  });

  it('ends a transmission after maxTalkSeconds', async () => {
    const olga = await open('operator', 'olga');
    assert.equal((await olga.join(channel)).config!.maxTalkMs, 1000);
    olga.send({ op: 'talk', channel });
    const ended = await olga.next('floor', (m) => m.speaker === null);
    assert.equal(ended.ended!.reason, 'timeout');
  });

  it('hands each user short-lived TURN credentials (TURN REST API), never the secret', async () => {
    const olga = await open('operator', 'olga');
    const { config } = await olga.join(channel);
    const [turn, stun] = config!.iceServers;
    const [expiry, user] = turn.username!.split(':');
    assert.equal(user, 'olga');
    const left = Number(expiry) * 1000 - Date.now();
    assert.ok(left > 11 * 3_600_000 && left <= 12 * 3_600_000, `expires in ${left} ms`);
    assert.equal(turn.credential, createHmac('sha1', secret).update(turn.username!).digest('base64'));
    assert.deepEqual(stun, { urls: 'stun:stun.city.example:3478' }, 'STUN needs no credential');
    assert.ok(!JSON.stringify(olga.voice).includes(secret));
  });

  it('stores the speaker\'s recording of a transmission, lists and plays it, and deletes it after retention', async () => {
    const [olga, fatima] = [await open('operator', 'olga'), await open('field', 'fatima')];
    assert.equal((await olga.join(channel)).config!.recording, true);
    await fatima.join(channel);
    olga.send({ op: 'talk', channel });
    const granted = await olga.next('floor', (m) => Boolean(m.speaker));
    const id = granted.speaker!.transmission;
    olga.send({ op: 'release', channel });
    const ended = await olga.next('floor', (m) => m.speaker === null);
    const url = `/impetus/api/voice/${encodeURIComponent(channel)}/recordings/${id}`;
    const audio = Buffer.from('\x1aE\xdf\xa3 pretend webm', 'binary');
    // Someone else's transmission, a wrong type, an unknown transmission: refused.
    const as = (username: string, role: Role) => {
      const rt = runtime();
      const s = rt.openSession({ username, name: `The ${username}`, role });
      return { Cookie: `${rt.platform.settings.console.session.cookieName}=${s.id}`, 'X-CSRF-Token': s.csrf };
    };
    const post = (headers: Record<string, string>, type: string, target = url) => api().post(target).set(headers).set('Content-Type', type).send(audio);
    await post(as('fatima', 'field'), 'audio/webm').expect(404);
    await post(as('olga', 'operator'), 'text/plain').expect(415);
    await post(as('olga', 'operator'), 'audio/webm', url.replace(id, '00000000-0000-0000-0000-000000000000')).expect(404);
    await api().post(url).set(as('olga', 'operator')).set('Content-Type', 'audio/webm').send(Buffer.alloc(2048)).expect(413);
    const saved = await post(as('olga', 'operator'), 'audio/webm;codecs=opus').expect(201);
    assert.equal(saved.body.speaker.username, 'olga');
    assert.equal(saved.body.durationMs, ended.ended!.durationMs, 'the duration is the server\'s floor record');
    await post(as('olga', 'operator'), 'audio/webm').expect(409);
    // Everyone in the channel hears of it; anyone who may see the alert can list and play it.
    assert.equal((await fatima.next('recorded')).recording!.id, id);
    const list = await api('field').get(`/impetus/api/voice/${encodeURIComponent(channel)}/recordings`).expect(200);
    assert.deepEqual(list.body.items.map((r: { id: string; speaker: { name: string } }) => [r.id, r.speaker.name]), [[id, 'The olga']]);
    const played = await api('field').get(url).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200).expect('Content-Type', 'audio/webm');
    assert.deepEqual(played.body, audio);
    await api('cyber').get(url).expect(404);
    const files = () => fs.readdirSync(path.join(dirOf(), 'impetus-voice'), { recursive: true }).filter((f) => String(f).endsWith('.rec'));
    assert.equal(files().length, 1);
    // Past its retention (3 s here) it is neither served nor kept.
    await waitFor(async () => (await runtime().voice.recordings!.sweep()) === 1 || files().length === 0, 'the sweep deletes the recording', 15_000);
    assert.deepEqual(files(), []);
    await api('field').get(url).expect(404);
    await api('field').get(`/impetus/api/voice/${encodeURIComponent(channel)}/recordings`).expect(200, { recording: true, items: [] });
  });
});

const PORTS: [number, number] = [47_000 + Math.floor(Math.random() * 100) * 20, 0];
PORTS[1] = PORTS[0] + 19;

describe('console voice: through the forwarder (the default)', function () {
  useRuntime(() => consoleSettings({ voice: { forwarder: { address: '127.0.0.1', portRange: PORTS } } }));
  const { open, channel: current } = withChannel();
  let channel = '';
  beforeEach(() => {
    channel = current();
  });

  it('says so when joining, and relays nothing between browsers: each signals with the forwarder only', async () => {
    const [a, b, outsider] = [await open('operator', 'a'), await open('field', 'b'), await open('operator', 'c')];
    assert.equal((await a.join(channel)).config!.mode, 'forwarder');
    await b.join(channel);
    a.send({ op: 'signal', channel, to: b.peer, data: { description: { type: 'offer', sdp: 'v=0' } } });
    await a.next('error', (m) => /no such peer/.test(m.message!));
    // The forwarder takes offers and candidates, nothing else; a non-participant is not heard at all.
    const errors = a.voice.filter((m) => m.op === 'error').length;
    a.send({ op: 'signal', channel, to: 'forwarder', data: { description: { type: 'answer', sdp: 'v=0' } } });
    await waitFor(() => a.voice.filter((m) => m.op === 'error').length === errors + 1, 'an answer refused');
    assert.match(a.voice.filter((m) => m.op === 'error').pop()!.message!, /an offer/);
    outsider.send({ op: 'signal', channel, to: 'forwarder', data: { description: { type: 'offer', sdp: 'v=0' } } });
    await outsider.next('error', (m) => /not in this channel/.test(m.message!));
    // A malformed offer is the forwarder's error, told to its sender, never a crash.
    a.send({ op: 'signal', channel, to: 'forwarder', data: { description: { type: 'offer', sdp: 'not sdp' } } });
    await a.next('error', (m) => /forwarder could not connect you/.test(m.message!));
    await b.live.sync();
    assert.equal(b.voice.filter((m) => m.op === 'signal').length, 0);
    assert.equal(runtime().voice.forwarder!.legs(channel), 0, 'no connection kept for a failed offer');
  });

  it('fuzz: 150 mangled offers and candidates never break the runtime, and leave no socket behind', async () => {
    const rng = new Rng(29);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
    const lines = OFFER.trimEnd().split('\r\n');
    const mangle = (): unknown => {
      const l = [...lines];
      switch (Math.floor(rng.next() * 7)) {
        case 0: l.splice(Math.floor(rng.next() * l.length), 1); break;
        case 1: l.splice(Math.floor(rng.next() * l.length), 0, pick(l)); break;
        case 2: l.push('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=rtpmap:96 VP8/90000'); break;
        case 3: l.push('m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:2', 'a=sctp-port:5000'); break;
        case 4: return l.join('\r\n').slice(0, Math.floor(rng.next() * OFFER.length));
        case 5: return l.join('\r\n').replace(/[0-9a-z]/g, (c) => (rng.next() < 0.05 ? String.fromCharCode(32 + Math.floor(rng.next() * 95)) : c));
        default: return pick([undefined, 7, '', 'x'.repeat(3000), {}, []]);
      }
      return `${l.join('\r\n')}\r\n`;
    };
    const fuzzer = await open('operator', 'fuzz');
    await fuzzer.join(channel);
    for (let i = 0; i < 150; i += 1) {
      const data = rng.next() < 0.75
        ? { description: { type: pick(['offer', 'offer', 'offer', 'answer', 7]), sdp: mangle() } }
        : { candidate: pick([{ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0' }, { candidate: mangle() }, { candidate: 'candidate:x' }, null, 'x']) };
      fuzzer.send({ op: 'signal', channel, to: 'forwarder', data });
      if (i % 25 === 0) await fuzzer.live.sync();
    }
    // A good offer after all that is answered, and holds a socket in the range.
    fuzzer.send({ op: 'signal', channel, to: 'forwarder', data: { description: { type: 'offer', sdp: OFFER } } });
    const answer = await fuzzer.next('signal', (m) => m.from === 'forwarder' && (m.data as { description?: { type: string } }).description?.type === 'answer');
    assert.match((answer.data as { description: { sdp: string } }).description.sdp, /a=candidate:.* 127\.0\.0\.1 \d+ typ host/);
    assert.equal(udpPortsInRange(PORTS).length, 1);
    // The fuzzer leaves: whatever the forwarder opened for it is closed.
    fuzzer.close();
    await waitFor(() => runtime().voice.forwarder!.legs(channel) === 0 && udpPortsInRange(PORTS).length === 0, 'no connection and no socket left', 30_000);
    // The runtime and the channel still work.
    const olga = await open('operator', 'olga');
    assert.equal((await olga.join(channel)).op, 'joined');
    olga.send({ op: 'talk', channel });
    await olga.next('floor', (m) => m.speaker?.user.username === 'olga');
  });
});

describe('console voice: settings', () => {
  const roles = ['operator', 'supervisor', 'admin'];
  it('defaults to a closed network and no recording', () => {
    const s = resolveVoiceSettings(undefined, '/u', roles);
    assert.deepEqual([s.enabled, s.iceServers, s.recording.enabled, s.recording.dir, s.maxTalkMs], [true, [], false, '/u/impetus-voice', 60_000]);
    assert.deepEqual([s.mode, s.forwarder], ['forwarder', { portRange: [40000, 40199] }]);
  });
  it('refuses wrong settings by name', () => {
    assert.throws(() => resolveVoiceSettings({ iceServers: [{ urls: 'http://turn.example' }] }, '/u', roles), /voice\.iceServers\[0\]\.urls/);
    assert.throws(() => resolveVoiceSettings({ turnSecret: 'short' }, '/u', roles), /voice\.turnSecret/);
    assert.throws(() => resolveVoiceSettings({ priorityRoles: ['captain'] as never }, '/u', roles), /voice\.priorityRoles/);
    assert.throws(() => resolveVoiceSettings({ recording: { retentionHours: 0 } }, '/u', roles), /voice\.recording\.retentionHours/);
    assert.throws(() => resolveVoiceSettings({ mode: 'sfu' as never }, '/u', roles), /voice\.mode/);
    assert.throws(() => resolveVoiceSettings({ forwarder: { address: 'localhost' } }, '/u', roles), /voice\.forwarder\.address/);
    for (const portRange of [[40000, 40000], [80, 90], [50000, 40000], [40000]]) {
      assert.throws(() => resolveVoiceSettings({ forwarder: { portRange: portRange as never } }, '/u', roles), /voice\.forwarder\.portRange/, JSON.stringify(portRange));
    }
    assert.deepEqual(resolveVoiceSettings({ forwarder: { address: '192.0.2.7', portRange: [50000, 50099] } }, '/u', roles).forwarder, { address: '192.0.2.7', portRange: [50000, 50099] });
  });
});
