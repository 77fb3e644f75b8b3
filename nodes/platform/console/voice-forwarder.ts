/**
 * The voice forwarder (a selective forwarding unit): each participant's browser keeps one WebRTC
 * connection, to the runtime, and sends its microphone there; the forwarder passes on the
 * floor holder's Opus packets, unchanged but for the RTP header, to everyone else in the channel.
 *
 * - Only the floor holder is forwarded. A browser that opens its microphone without the floor
 *   (a modified page) reaches the runtime and stops there: the floor cannot be bypassed.
 * - No decoding and no mixing: one speaker at a time is what the floor guarantees, so a listener's
 *   stream is the speaker's packets with the listener's own SSRC, sequence numbers and timestamps,
 *   kept continuous across speakers (a jitter buffer that saw a jump would stall or drop).
 * - werift (pure TypeScript WebRTC) is the stack: mediasoup, the usual Node SFU, needs Node 22
 *   and downloads its C++ worker at install time (docs/voice.md). It is loaded on first use, so a
 *   runtime in mesh mode never loads it.
 * - UDP: one socket per participant, in the configured port range, bound to the configured
 *   address; closed when the participant leaves (close() waits for every socket).
 */
import type * as WeriftModule from 'werift';
import type { MediaStreamTrack, RTCPeerConnection, RtpPacket } from 'werift';
import type { PlatformLog } from '../platform';

export interface ForwarderOptions {
  /** Bind and announce only this address; undefined: every IPv4 address of the machine but loopback. */
  address?: string;
  portRange: [number, number];
  log: PlatformLog;
}

/** The RTP header fields a listener's numbering rewrites. */
export interface RtpNumbers {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

/** Opus samples per millisecond (RTP clock 48 kHz). */
const OPUS_PER_MS = 48;
/** One Opus frame (20 ms): the least a new talk spurt's timestamp moves on. */
const FRAME = 960;

/**
 * One listener's stream: the speakers' packets renumbered so that the listener sees one
 * continuous stream. A new source (another speaker, or a new transmission) starts one sequence
 * number after the last one sent, and a timestamp as far after the last as the time that passed
 * (so the receiver plays the gap as the silence it was), with the marker bit of a new talk
 * spurt; within a source, numbers keep their spacing (a lost packet stays a gap, a late one
 * keeps its place).
 */
export class ListenerNumbering {
  private state: { source: string; seqDelta: number; tsDelta: number; lastSeq: number; lastTs: number; lastAt: number } | undefined;

  /** Rewrites `h` in place; `source` names the sender and transmission, `now` is in ms. */
  next(h: RtpNumbers, source: string, now: number): void {
    let s = this.state;
    if (!s || s.source !== source) {
      const seq = s ? (s.lastSeq + 1) & 0xffff : h.sequenceNumber;
      const ts = s ? (s.lastTs + Math.max(FRAME, Math.round((now - s.lastAt) * OPUS_PER_MS))) >>> 0 : h.timestamp;
      s = this.state = { source, seqDelta: seq - h.sequenceNumber, tsDelta: ts - h.timestamp, lastSeq: seq, lastTs: ts, lastAt: now };
      h.marker = true;
    }
    h.sequenceNumber = (h.sequenceNumber + s.seqDelta) & 0xffff;
    h.timestamp = (h.timestamp + s.tsDelta) >>> 0;
    // Only a newer packet moves the reference on.
    if (((h.sequenceNumber - s.lastSeq) & 0xffff) < 0x8000) {
      s.lastSeq = h.sequenceNumber;
      s.lastTs = h.timestamp;
      s.lastAt = now;
    }
  }
}

interface Leg {
  readonly channel: string;
  readonly peer: string;
  readonly pc: RTCPeerConnection;
  readonly out: MediaStreamTrack;
  readonly numbering: ListenerNumbering;
}

interface ChannelState {
  speaker?: string;
  /** Bumped at every floor change: a new transmission starts a new talk spurt for every listener. */
  generation: number;
  readonly legs: Map<string, Leg>;
}

type Werift = typeof WeriftModule;
type Candidate = { candidate?: string; sdpMid?: string; sdpMLineIndex?: number };

/** Candidates kept for a connection still being set up (a browser sends a handful). */
const EARLY_MAX = 32;

export class VoiceForwarder {
  private werift: Werift | undefined;
  private readonly channels = new Map<string, ChannelState>();
  /** Candidates that came before their connection had the offer, by `<channel> <peer>`. */
  private readonly early = new Map<string, Candidate[]>();
  private closed = false;

  constructor(private readonly options: ForwarderOptions) {}

  /**
   * A participant's offer: its leg is (re)created and the answer, with the forwarder's
   * candidates in it, goes back through `reply`.
   */
  async offer(channel: string, peer: string, description: { type: string; sdp: string }, reply: (data: Record<string, unknown>) => void): Promise<void> {
    if (description.type !== 'offer' || typeof description.sdp !== 'string') throw new Error('the forwarder takes an offer');
    await this.remove(channel, peer);
    if (this.closed) return;
    const w = (this.werift ??= await import('werift'));
    const { address, portRange } = this.options;
    const pc = new w.RTCPeerConnection({
      codecs: { audio: [new w.RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2, rtcpFeedback: [{ type: 'transport-cc' }] })] },
      // werift's default is a public STUN server (Google's): nothing outside is contacted here.
      iceServers: [],
      icePortRange: portRange,
      // With an address: that one only (werift would otherwise announce every interface's).
      ...(address ? { iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: [address], iceInterfaceAddresses: { [address.includes(':') ? 'udp6' : 'udp4']: address } } : { iceUseIpv6: false }),
    });
    const out = new w.MediaStreamTrack({ kind: 'audio' });
    const leg: Leg = { channel, peer, pc, out, numbering: new ListenerNumbering() };
    this.channelOf(channel).legs.set(peer, leg);
    const transceiver = pc.addTransceiver(out, { direction: 'sendrecv' });
    transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.forward(leg, rtp));
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') {
        this.options.log.warn(`console voice: forwarder: ${channel}: the connection to a participant failed`);
        void this.remove(channel, peer);
      }
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: description.sdp });
      // werift answers any text; what is forwarded is one Opus stream, so that is all it takes.
      if (transceiver.mid === undefined || pc.getTransceivers().length !== 1 || pc.sctpTransport) throw new Error('the offer must carry one audio stream (Opus) and nothing else');
      const early = this.early.get(`${channel} ${peer}`) ?? [];
      this.early.delete(`${channel} ${peer}`);
      for (const c of early) await this.addCandidate(pc, c);
      await pc.setLocalDescription(await pc.createAnswer());
    } catch (err) {
      if (this.channels.get(channel)?.legs.get(peer) === leg) await this.remove(channel, peer);
      else await pc.close();
      throw err;
    }
    // Gone meanwhile (left, replaced, or the runtime stopping): the new connection is closed, not answered.
    if (this.channels.get(channel)?.legs.get(peer) !== leg) return void (await pc.close());
    reply({ description: { type: 'answer', sdp: pc.localDescription!.sdp } });
  }

  /** A participant's ICE candidate (the answer already carries the forwarder's own). */
  async candidate(channel: string, peer: string, candidate: Candidate): Promise<void> {
    // An end-of-candidates marker (empty) has nothing to add.
    if (typeof candidate.candidate !== 'string' || !candidate.candidate || this.closed) return;
    const leg = this.channels.get(channel)?.legs.get(peer);
    if (leg?.pc.remoteDescription) return this.addCandidate(leg.pc, candidate);
    const key = `${channel} ${peer}`;
    const list = this.early.get(key) ?? [];
    if (list.length < EARLY_MAX) this.early.set(key, [...list, candidate]);
  }

  private async addCandidate(pc: RTCPeerConnection, c: Candidate): Promise<void> {
    const w = this.werift!;
    await pc.addIceCandidate(new w.RTCIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }));
  }

  /** The floor changed: from now on only `peer`'s packets (none, when undefined) are forwarded. */
  setSpeaker(channel: string, peer: string | undefined): void {
    const c = this.channels.get(channel);
    if (!c || c.speaker === peer) return;
    c.speaker = peer;
    c.generation += 1;
  }

  /** A participant left: its connection and its socket are closed. */
  async remove(channel: string, peer: string): Promise<void> {
    this.early.delete(`${channel} ${peer}`);
    const c = this.channels.get(channel);
    const leg = c?.legs.get(peer);
    if (!c || !leg) return;
    c.legs.delete(peer);
    if (c.speaker === peer) c.speaker = undefined;
    if (!c.legs.size) this.channels.delete(channel);
    leg.out.stop();
    await leg.pc.close().catch((err: Error) => this.options.log.warn(`console voice: forwarder: closing a connection: ${err.message}`));
  }

  /** Participants connected per channel; for tests and the benchmark. */
  legs(channel: string): number {
    return this.channels.get(channel)?.legs.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.channels.values()].flatMap((c) => [...c.legs.values()]);
    await Promise.all(all.map((leg) => this.remove(leg.channel, leg.peer)));
  }

  private channelOf(channel: string): ChannelState {
    let c = this.channels.get(channel);
    if (!c) this.channels.set(channel, (c = { generation: 0, legs: new Map() }));
    return c;
  }

  /** A packet from `from`: dropped unless `from` holds the floor, else sent to every other leg. */
  private forward(from: Leg, rtp: RtpPacket): void {
    const c = this.channels.get(from.channel);
    if (!c || c.speaker !== from.peer) return;
    const source = `${rtp.header.ssrc}:${c.generation}`;
    // Serialised once; each listener's sender rewrites the header of its own copy.
    const wire = rtp.serialize();
    const now = Date.now();
    for (const leg of c.legs.values()) {
      if (leg === from || leg.pc.connectionState !== 'connected') continue;
      const copy = this.werift!.RtpPacket.deSerialize(wire);
      leg.numbering.next(copy.header, source, now);
      leg.out.writeRtp(copy);
    }
  }
}
