/**
 * Push-to-talk voice: the runtime is the signalling server and the floor's referee. The audio
 * goes through the runtime's forwarder (voice-forwarder.ts: every browser sends to it, it passes
 * on the floor holder's audio only), or, in `mesh` mode, browser to browser (WebRTC, every
 * participant sends to every other).
 *
 * - Messages travel on the console's live WebSocket (live-socket.ts) as `{type: 'voice', op, …}`,
 *   so they carry the session of its handshake: no second login, no second socket.
 * - Joining a channel is checked by voice-channels.ts (the alert, or one member of the incident,
 *   must be in the user's view); a refused join learns nothing about the channel.
 * - Mesh: offers, answers and ICE candidates are relayed only between participants of one
 *   channel, as opaque objects; the server never sees audio. Forwarder: each participant
 *   signals with the forwarder only (peer `forwarder`); nothing is relayed between browsers, so
 *   no one can open a path around the floor.
 * - The floor: one speaker at a time per channel, granted here and nowhere else. A browser
 *   unmutes its microphone only when told it holds the floor. Priority roles (supervisor)
 *   take the floor from anyone without priority; a transmission ends after maxTalk.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { PlatformLog } from '../platform';
import type { LiveSocket } from './hub';
import type { Session, SessionUser } from './sessions';
import type { View } from './views';
import { parseChannel } from './voice-channels';
import { VoiceForwarder } from './voice-forwarder';
import type { ListedRecording } from './voice-recordings';
import { VoiceRecordings } from './voice-recordings';
import type { IceServer, ResolvedVoiceSettings } from './voice-settings';

/** A connected console (hub.ts's LiveClient): its session, its role's view, its socket. */
export interface VoiceMember {
  readonly session: Session;
  readonly view: View;
  readonly socket: LiveSocket;
}

interface Participant {
  readonly peer: string;
  readonly member: VoiceMember;
  readonly instance: string;
  readonly user: SessionUser;
  /** Read-only views (the city manager) listen; they hold no floor. */
  readonly mayTalk: boolean;
  readonly priority: boolean;
}

export interface Transmission {
  readonly id: string;
  readonly channel: string;
  readonly speaker: SessionUser;
  readonly peer: string;
  readonly priority: boolean;
  readonly startedAt: number;
  endedAt?: number;
  endReason?: 'released' | 'preempted' | 'timeout' | 'left';
}

interface Channel {
  readonly participants: Map<string, Participant>;
  floor?: { participant: Participant; transmission: Transmission; timer: NodeJS.Timeout };
}

export interface VoiceHubDeps {
  settings: ResolvedVoiceSettings;
  /** Whether the user may join the channel (voice-channels.ts mayJoin, bound to the runtime). */
  access: (user: SessionUser, channel: string) => Promise<boolean>;
  log: PlatformLog;
  clock?: () => number;
}

const OPEN = 1;
const TEXT = { binary: false } as const;
/** Messages one console may send per window; a mesh of 8 needs a few dozen to connect. */
const RATE_WINDOW_MS = 10_000;
const RATE_MAX = 400;
/** A finished transmission's recording may be uploaded this long after it ended. */
const UPLOAD_WINDOW_MS = 10 * 60_000;
const INSTANCE = /^[A-Za-z0-9_-]{1,64}$/;
/** The forwarder's peer id in signalling (participants' ids are UUIDs). */
export const FORWARDER = 'forwarder';

const publicUser = (u: SessionUser) => ({ username: u.username, name: u.name, role: u.role });

export class VoiceHub {
  private readonly channels = new Map<string, Channel>();
  private readonly members = new Set<VoiceMember>();
  private readonly rates = new WeakMap<VoiceMember, { since: number; count: number }>();
  /** Transmissions of the last minutes, for checking recording uploads against. */
  private readonly transmissions = new Map<string, Transmission>();
  readonly recordings: VoiceRecordings | undefined;
  /** In `forwarder` mode: the runtime's forwarding unit. */
  readonly forwarder: VoiceForwarder | undefined;
  private readonly clock: () => number;

  constructor(private readonly deps: VoiceHubDeps) {
    this.clock = deps.clock ?? Date.now;
    const r = deps.settings.recording;
    if (deps.settings.enabled && deps.settings.mode === 'forwarder') this.forwarder = new VoiceForwarder({ ...deps.settings.forwarder, log: deps.log });
    if (deps.settings.enabled && r.enabled) this.recordings = new VoiceRecordings({ dir: r.dir, retentionMs: r.retentionMs, maxBytes: r.maxBytes, log: deps.log, clock: this.clock });
  }

  get settings(): ResolvedVoiceSettings {
    return this.deps.settings;
  }

  mayJoin(user: SessionUser, channel: string): Promise<boolean> {
    return this.deps.access(user, channel);
  }

  /** One `{type: 'voice'}` message from a console. Malformed ones are answered with an error, never thrown. */
  receive(member: VoiceMember, msg: Record<string, unknown>): void {
    this.members.add(member);
    if (!this.withinRate(member)) return;
    const channel = typeof msg.channel === 'string' ? msg.channel : '';
    if (!this.deps.settings.enabled) return this.send(member, { op: 'refused', channel, reason: 'voice is turned off on this console' });
    if (!parseChannel(channel)) return this.send(member, { op: 'error', channel, message: 'unknown channel' });
    switch (msg.op) {
      case 'join':
        if (typeof msg.instance !== 'string' || !INSTANCE.test(msg.instance)) return this.send(member, { op: 'error', channel, message: 'instance must be 1-64 letters, digits, _ or -' });
        void this.join(member, channel, msg.instance).catch((err) => this.failed(member, channel, err));
        return;
      case 'leave':
        return this.leave(member, channel);
      case 'signal':
        return this.signal(member, channel, msg.to, msg.data);
      case 'talk':
        void this.talk(member, channel).catch((err) => this.failed(member, channel, err));
        return;
      case 'release': {
        const floor = this.channels.get(channel)?.floor;
        if (floor && floor.participant.member === member) this.endFloor(channel, 'released');
        return;
      }
      default:
        return this.send(member, { op: 'error', channel, message: 'op must be join, leave, signal, talk or release' });
    }
  }

  /** The console's socket closed: it leaves every channel, and gives the floor back. */
  disconnect(member: VoiceMember): void {
    this.members.delete(member);
    for (const key of [...this.channels.keys()]) this.leave(member, key);
  }

  /** A transmission of the last minutes (for uploads of its recording), or undefined. */
  transmission(id: string): Transmission | undefined {
    return this.transmissions.get(id);
  }

  /** A transmission's recording is stored: everyone in the channel can play it now. */
  recorded(recording: ListedRecording): void {
    const channel = this.channels.get(recording.channel);
    if (channel) this.broadcast(channel, { op: 'recorded', channel: recording.channel, recording });
  }

  /** Who is in a channel and who speaks; for tests and the benchmark. */
  state(channel: string): { peers: string[]; speaker?: string } {
    const c = this.channels.get(channel);
    return { peers: c ? [...c.participants.values()].map((p) => p.user.username) : [], speaker: c?.floor?.participant.user.username };
  }

  close(): void {
    for (const c of this.channels.values()) if (c.floor) clearTimeout(c.floor.timer);
    this.channels.clear();
    this.members.clear();
    this.recordings?.close();
    void this.forwarder?.close();
  }

  private async join(member: VoiceMember, key: string, instance: string): Promise<void> {
    const user = member.session.user;
    const allowed = await this.deps.access(user, key);
    // The console may have gone while the store answered.
    if (!this.members.has(member)) return;
    if (!allowed) return this.send(member, { op: 'refused', channel: key, reason: 'your role may not join this channel' });
    let channel = this.channels.get(key);
    // The same page again (a reconnect after a network drop): its old place is given up first.
    if (channel) for (const p of [...channel.participants.values()]) if (p.member === member || (p.instance === instance && p.member.session.id === member.session.id)) this.remove(key, channel, p);
    channel = this.channels.get(key);
    if (!channel) this.channels.set(key, (channel = { participants: new Map() }));
    if (channel.participants.size >= this.deps.settings.maxParticipants) {
      return this.send(member, { op: 'refused', channel: key, reason: `the channel is full (${this.deps.settings.maxParticipants} people)` });
    }
    const participant: Participant = {
      peer: randomUUID(),
      member,
      instance,
      user,
      mayTalk: member.view.actions.length > 0,
      priority: this.deps.settings.priorityRoles.includes(user.role),
    };
    const peers = [...channel.participants.values()].map((p) => ({ peer: p.peer, user: publicUser(p.user) }));
    channel.participants.set(participant.peer, participant);
    this.send(member, {
      op: 'joined',
      channel: key,
      peer: participant.peer,
      peers,
      speaker: channel.floor ? this.speaker(channel.floor) : null,
      config: {
        mode: this.deps.settings.mode,
        iceServers: this.iceServersFor(user),
        mayTalk: participant.mayTalk,
        priority: participant.priority,
        maxTalkMs: this.deps.settings.maxTalkMs,
        recording: this.recordings !== undefined,
      },
    });
    this.broadcast(channel, { op: 'peer-joined', channel: key, peer: participant.peer, user: publicUser(user) }, participant);
  }

  private leave(member: VoiceMember, key: string): void {
    const channel = this.channels.get(key);
    if (!channel) return;
    for (const p of [...channel.participants.values()]) if (p.member === member) this.remove(key, channel, p);
  }

  private remove(key: string, channel: Channel, p: Participant): void {
    if (channel.floor?.participant === p) this.endFloor(key, 'left');
    channel.participants.delete(p.peer);
    void this.forwarder?.remove(key, p.peer);
    this.broadcast(channel, { op: 'peer-left', channel: key, peer: p.peer });
    if (!channel.participants.size) this.channels.delete(key);
  }

  private signal(member: VoiceMember, key: string, to: unknown, data: unknown): void {
    const channel = this.channels.get(key);
    const from = this.participantOf(channel, member);
    if (from && to === FORWARDER && this.forwarder) return this.signalForwarder(member, key, from, data);
    // Through the forwarder, browsers never connect to each other: the floor has no way around.
    const target = typeof to === 'string' && !this.forwarder ? channel?.participants.get(to) : undefined;
    if (!from || !target || target === from) return this.send(member, { op: 'error', channel: key, message: 'not in this channel, or no such peer' });
    if (!data || typeof data !== 'object' || Array.isArray(data)) return this.send(member, { op: 'error', channel: key, message: 'data must be an object' });
    this.send(target.member, { op: 'signal', channel: key, from: from.peer, data });
  }

  /** An offer or a candidate for the forwarder; its answer comes back as a signal from `forwarder`. */
  private signalForwarder(member: VoiceMember, key: string, from: Participant, data: unknown): void {
    const forwarder = this.forwarder!;
    const d = (data && typeof data === 'object' ? data : {}) as { description?: { type?: unknown; sdp?: unknown }; candidate?: Record<string, unknown> };
    const failed = (err: Error) => {
      this.deps.log.warn(`console voice: forwarder: ${key}: ${err.message}`);
      this.send(member, { op: 'error', channel: key, message: 'the forwarder could not connect you' });
    };
    if (d.description && d.description.type === 'offer' && typeof d.description.sdp === 'string') {
      const reply = (answer: Record<string, unknown>) => {
        // Only while still in the channel as the same participant.
        if (this.channels.get(key)?.participants.get(from.peer) === from) this.send(member, { op: 'signal', channel: key, from: FORWARDER, data: answer });
      };
      void forwarder.offer(key, from.peer, { type: 'offer', sdp: d.description.sdp }, reply)
        .then(() => {
          const channel = this.channels.get(key);
          // Left while the forwarder set up the connection: it goes with them.
          if (channel?.participants.get(from.peer) !== from) return forwarder.remove(key, from.peer);
          // The floor may already be held: the newcomer hears the speaker from the first packet.
          forwarder.setSpeaker(key, channel.floor?.participant.peer);
          return undefined;
        })
        .catch(failed);
    } else if (d.candidate && typeof d.candidate === 'object') {
      void forwarder.candidate(key, from.peer, d.candidate as { candidate?: string }).catch(failed);
    } else {
      this.send(member, { op: 'error', channel: key, message: 'data must be {description: an offer} or {candidate}' });
    }
  }

  private async talk(member: VoiceMember, key: string): Promise<void> {
    const before = this.participantOf(this.channels.get(key), member);
    if (!before) return this.send(member, { op: 'error', channel: key, message: 'join the channel first' });
    if (!before.mayTalk) return this.send(member, { op: 'denied', channel: key, reason: 'your role listens only' });
    // Asked again at every press: an alert that left the user's view takes the voice with it.
    if (!(await this.deps.access(member.session.user, key))) {
      this.leave(member, key);
      return this.send(member, { op: 'refused', channel: key, reason: 'your role may no longer join this channel' });
    }
    const channel = this.channels.get(key);
    const p = this.participantOf(channel, member);
    if (!channel || !p) return;
    const floor = channel.floor;
    if (floor?.participant === p) return this.send(member, { op: 'floor', channel: key, speaker: this.speaker(floor) });
    if (floor && !(p.priority && !floor.participant.priority)) return this.send(member, { op: 'denied', channel: key, reason: 'someone else is speaking', speaker: this.speaker(floor) });
    if (floor) this.endFloor(key, 'preempted', p.user);
    this.grant(key, channel, p);
  }

  private grant(key: string, channel: Channel, p: Participant): void {
    const now = this.clock();
    for (const [id, t] of this.transmissions) if (t.endedAt !== undefined && now - t.endedAt > UPLOAD_WINDOW_MS) this.transmissions.delete(id);
    const transmission: Transmission = { id: randomUUID(), channel: key, speaker: p.user, peer: p.peer, priority: p.priority, startedAt: now };
    this.transmissions.set(transmission.id, transmission);
    const timer = setTimeout(() => this.endFloor(key, 'timeout'), this.deps.settings.maxTalkMs);
    timer.unref();
    channel.floor = { participant: p, transmission, timer };
    this.forwarder?.setSpeaker(key, p.peer);
    this.broadcast(channel, { op: 'floor', channel: key, speaker: this.speaker(channel.floor) });
  }

  /** `by`: who took the floor, when preempted. */
  private endFloor(key: string, reason: NonNullable<Transmission['endReason']>, by?: SessionUser): void {
    const channel = this.channels.get(key);
    const floor = channel?.floor;
    if (!channel || !floor) return;
    clearTimeout(floor.timer);
    channel.floor = undefined;
    this.forwarder?.setSpeaker(key, undefined);
    const t = floor.transmission;
    t.endedAt = this.clock();
    t.endReason = reason;
    this.broadcast(channel, { op: 'floor', channel: key, speaker: null, ended: { transmission: t.id, peer: t.peer, user: publicUser(t.speaker), durationMs: t.endedAt - t.startedAt, reason, ...(by ? { by: publicUser(by) } : {}) } });
  }

  private speaker(floor: NonNullable<Channel['floor']>) {
    const t = floor.transmission;
    return { peer: t.peer, user: publicUser(t.speaker), transmission: t.id, priority: t.priority, since: new Date(t.startedAt).toISOString() };
  }

  private participantOf(channel: Channel | undefined, member: VoiceMember): Participant | undefined {
    if (channel) for (const p of channel.participants.values()) if (p.member === member) return p;
    return undefined;
  }

  /**
   * The ICE servers for one user. With a `turnSecret`, TURN servers listed without a username get
   * time-limited credentials (the TURN REST API that coturn implements): nothing long-lived
   * reaches a browser.
   */
  private iceServersFor(user: SessionUser): IceServer[] {
    const { iceServers, turnSecret, turnTtlMs } = this.deps.settings;
    if (!turnSecret) return iceServers;
    const username = `${Math.floor((this.clock() + turnTtlMs) / 1000)}:${user.username}`;
    const credential = createHmac('sha1', turnSecret).update(username).digest('base64');
    return iceServers.map((s) => {
      const urls = Array.isArray(s.urls) ? s.urls : [s.urls];
      return s.username === undefined && urls.some((u) => /^turns?:/.test(u)) ? { ...s, username, credential } : s;
    });
  }

  private withinRate(member: VoiceMember): boolean {
    const now = this.clock();
    let rate = this.rates.get(member);
    if (!rate || now - rate.since > RATE_WINDOW_MS) this.rates.set(member, (rate = { since: now, count: 0 }));
    rate.count += 1;
    if (rate.count === RATE_MAX + 1) this.send(member, { op: 'error', channel: '', message: 'too many voice messages; slow down' });
    return rate.count <= RATE_MAX;
  }

  private failed(member: VoiceMember, channel: string, err: unknown): void {
    this.deps.log.warn(`console voice: ${channel}: ${(err as Error).stack ?? err}`);
    this.send(member, { op: 'error', channel, message: 'internal error' });
  }

  private broadcast(channel: Channel, message: Record<string, unknown>, except?: Participant): void {
    const frame = Buffer.from(JSON.stringify({ type: 'voice', ...message }));
    for (const p of channel.participants.values()) if (p !== except) this.write(p.member, frame);
  }

  private send(member: VoiceMember, message: Record<string, unknown>): void {
    this.write(member, Buffer.from(JSON.stringify({ type: 'voice', ...message })));
  }

  private write(member: VoiceMember, frame: Buffer): void {
    if (member.socket.readyState !== OPEN) return;
    try {
      member.socket.send(frame, TEXT);
    } catch {
      // A socket closing under us; its close handler calls disconnect.
    }
  }
}
