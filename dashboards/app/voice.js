// A push-to-talk voice channel in the browser, signalled over the console's live WebSocket.
// Audio goes one of two ways, as the server's `config.mode` says: to the runtime's forwarder (one
// WebRTC connection, which carries this page's microphone up and the floor holder's audio down),
// or to every other participant (a mesh). The server grants the floor; the microphone track is
// enabled only while this page holds it (and the forwarder passes on nobody else's audio).
//
// Events: 'state' (detail: joining | joined | reconnecting | refused | left), 'peers', 'floor'
// (detail: the speaker or null, and `ended` for the transmission that ended), 'denied',
// 'recorded' (a transmission's recording is stored), 'error'.
import { api } from './api.js';

/** The forwarder's peer id in signalling (console/voice.ts FORWARDER). */
const FORWARDER = 'forwarder';

/** One id per page load: a reconnect of this page replaces its old place in the channel. */
const INSTANCE = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).replace(/[^A-Za-z0-9_-]/g, '');

/** MediaRecorder's type: Opus in WebM (Chromium, Firefox) or in MP4 (Safari). */
function recorderType() {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
}

export class VoiceChannel extends EventTarget {
  constructor(live, channel) {
    super();
    this.live = live;
    this.channel = channel;
    this.state = 'left';
    this.self = '';
    this.config = null;
    /** peer id → { user, pc, audio } (in a mesh; through the forwarder, { user } only) */
    this.peers = new Map();
    /** Through the forwarder: the one connection, { pc, audio, pending }. */
    this.uplink = null;
    this.speaker = null;
    this.mic = null;
    this.recorder = null;
    this.onVoice = (e) => this.receive(e.detail);
    this.onLiveState = (e) => this.liveState(e.detail);
    live.addEventListener('voice', this.onVoice);
    live.addEventListener('state', this.onLiveState);
    // Remote audio plays from elements outside the page, so a redraw of the page never pauses it.
    this.sink = document.createElement('div');
    this.sink.hidden = true;
    this.sink.className = 'voice-sink';
    this.sink.dataset.channel = channel;
    document.body.append(this.sink);
  }

  get forwarded() {
    return Boolean(this.config && this.config.mode === 'forwarder');
  }

  /** The state of the connection that carries `peer`'s audio to this page. */
  connectionState(peerId) {
    const peer = this.peers.get(peerId);
    const pc = this.forwarded ? this.uplink && this.uplink.pc : peer && peer.pc;
    return pc ? pc.connectionState : 'new';
  }

  get speaking() {
    return Boolean(this.speaker && this.speaker.peer === this.self);
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  /** Asks for the microphone (a user without one, or who refuses it, listens only), then joins. */
  async join() {
    if (this.state === 'joined' || this.state === 'joining') return;
    this.setState('joining');
    if (!this.mic) {
      try {
        this.mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
        for (const track of this.mic.getAudioTracks()) track.enabled = false;
      } catch (err) {
        this.mic = null;
        this.dispatchEvent(new CustomEvent('error', { detail: `No microphone (${err.name || err.message}): you can listen but not talk.` }));
      }
    }
    if (this.state !== 'joining') return;
    this.sendJoin();
  }

  sendJoin() {
    if (!this.live.send({ type: 'voice', op: 'join', channel: this.channel, instance: INSTANCE })) this.setState('reconnecting');
  }

  leave() {
    this.live.send({ type: 'voice', op: 'leave', channel: this.channel });
    this.endLocal();
    this.setState('left');
  }

  /** Press: ask for the floor. The microphone opens when the server grants it. */
  talk() {
    if (this.state !== 'joined') return;
    this.live.send({ type: 'voice', op: 'talk', channel: this.channel });
  }

  /** Release: the microphone closes at once, then the server is told. */
  release() {
    if (this.speaking) this.micOn(false);
    this.live.send({ type: 'voice', op: 'release', channel: this.channel });
  }

  close() {
    if (this.state !== 'left') this.leave();
    if (this.mic) for (const track of this.mic.getTracks()) track.stop();
    this.mic = null;
    this.live.removeEventListener('voice', this.onVoice);
    this.live.removeEventListener('state', this.onLiveState);
    this.sink.remove();
  }

  /** The live socket dropped: the peers are gone with it; back on line, the page joins again. */
  liveState(state) {
    if (state === 'live' && this.state === 'reconnecting') this.sendJoin();
    else if (state !== 'live' && (this.state === 'joined' || this.state === 'joining')) {
      this.endLocal();
      this.setState('reconnecting');
    }
  }

  /** Closes every peer connection and the floor, keeping the microphone for a rejoin. */
  endLocal() {
    this.micOn(false);
    for (const peer of this.peers.values()) if (peer.pc) this.closePeer(peer);
    this.peers.clear();
    if (this.uplink) this.closePeer(this.uplink);
    this.uplink = null;
    this.speaker = null;
    this.self = '';
    this.dispatchEvent(new CustomEvent('peers'));
    this.dispatchEvent(new CustomEvent('floor', { detail: { speaker: null } }));
  }

  receive(msg) {
    if (msg.channel !== this.channel && msg.channel !== '') return;
    switch (msg.op) {
      case 'joined':
        this.endLocal();
        this.self = msg.peer;
        this.config = msg.config;
        this.setState('joined');
        if (this.forwarded) {
          for (const p of msg.peers) this.peers.set(p.peer, { user: p.user });
          this.connectForwarder();
        } else {
          // The newcomer calls everyone already there; they answer.
          for (const p of msg.peers) this.call(p.peer, p.user, true);
        }
        this.setSpeaker(msg.speaker, undefined);
        break;
      case 'peer-joined':
        if (this.forwarded) {
          this.peers.set(msg.peer, { user: msg.user });
          this.dispatchEvent(new CustomEvent('peers'));
        } else this.call(msg.peer, msg.user, false);
        break;
      case 'peer-left': {
        const peer = this.peers.get(msg.peer);
        if (peer && peer.pc) this.closePeer(peer);
        this.peers.delete(msg.peer);
        this.dispatchEvent(new CustomEvent('peers'));
        break;
      }
      case 'signal':
        this.signal(msg.from, msg.data).catch((err) => this.dispatchEvent(new CustomEvent('error', { detail: `Voice connection: ${err.message}` })));
        break;
      case 'floor':
        this.setSpeaker(msg.speaker, msg.ended);
        break;
      case 'denied':
        this.dispatchEvent(new CustomEvent('denied', { detail: msg }));
        break;
      case 'refused':
        this.endLocal();
        this.setState('refused');
        this.dispatchEvent(new CustomEvent('error', { detail: `Voice: ${msg.reason}` }));
        break;
      case 'recorded':
        this.dispatchEvent(new CustomEvent('recorded', { detail: msg.recording }));
        break;
      case 'error':
        this.dispatchEvent(new CustomEvent('error', { detail: `Voice: ${msg.message}` }));
        break;
      default:
        break;
    }
  }

  setSpeaker(speaker, ended) {
    const wasMine = this.speaking;
    this.speaker = speaker;
    if (this.speaking) {
      this.micOn(true);
    } else if (wasMine) {
      this.micOn(false);
    }
    if (ended && ended.peer === this.self) this.finishRecording(ended.transmission);
    this.dispatchEvent(new CustomEvent('floor', { detail: { speaker, ended } }));
  }

  micOn(on) {
    if (!this.mic) return;
    for (const track of this.mic.getAudioTracks()) track.enabled = on;
    if (on && this.config && this.config.recording && !this.recorder) this.startRecording();
  }

  startRecording() {
    const mimeType = recorderType();
    if (!mimeType) return;
    const chunks = [];
    const recorder = new MediaRecorder(this.mic, { mimeType, audioBitsPerSecond: 32000 });
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.transmission = this.speaker.transmission;
    recorder.chunks = chunks;
    recorder.start(1000);
    this.recorder = recorder;
  }

  /** The floor ended: the recording of this transmission goes to the runtime. */
  finishRecording(transmission) {
    const recorder = this.recorder;
    this.recorder = null;
    if (!recorder) return;
    if (recorder.transmission !== transmission) {
      recorder.stop();
      return;
    }
    recorder.onstop = async () => {
      const blob = new Blob(recorder.chunks, { type: recorder.mimeType });
      if (!blob.size) return;
      try {
        await api.upload(`voice/${encodeURIComponent(this.channel)}/recordings/${encodeURIComponent(transmission)}`, blob);
      } catch (err) {
        this.dispatchEvent(new CustomEvent('error', { detail: `Recording not saved: ${err.message}` }));
      }
    };
    recorder.stop();
  }

  /**
   * One WebRTC connection to `peerId` (another browser, or the forwarder): this page's microphone
   * on it (or receive only), the remote audio played from an element of the sink. `offer`: this
   * side calls.
   */
  connect(peerId, username, offer) {
    const pc = new RTCPeerConnection({ iceServers: (this.config && this.config.iceServers) || [] });
    const audio = document.createElement('audio');
    audio.autoplay = true;
    audio.className = 'voice-peer';
    audio.dataset.peer = peerId;
    audio.dataset.user = username;
    this.sink.append(audio);
    if (this.mic) for (const track of this.mic.getAudioTracks()) pc.addTrack(track, this.mic);
    else pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => {
      audio.srcObject = e.streams[0] || new MediaStream([e.track]);
      audio.play().catch(() => undefined);
    };
    pc.onicecandidate = (e) => {
      if (e.candidate) this.live.send({ type: 'voice', op: 'signal', channel: this.channel, to: peerId, data: { candidate: e.candidate.toJSON() } });
    };
    pc.onconnectionstatechange = () => this.dispatchEvent(new CustomEvent('peers'));
    if (offer) {
      pc.createOffer()
        .then((o) => pc.setLocalDescription(o))
        .then(() => this.live.send({ type: 'voice', op: 'signal', channel: this.channel, to: peerId, data: { description: pc.localDescription.toJSON() } }))
        .catch((err) => this.dispatchEvent(new CustomEvent('error', { detail: `Voice connection: ${err.message}` })));
    }
    return { pc, audio, pending: [] };
  }

  /** In a mesh: a connection to another participant. */
  call(peerId, user, offer) {
    this.peers.set(peerId, { user, ...this.connect(peerId, user.username, offer) });
    this.dispatchEvent(new CustomEvent('peers'));
  }

  /** Through the forwarder: the one connection, which this page calls. */
  connectForwarder() {
    this.uplink = this.connect(FORWARDER, FORWARDER, true);
    this.dispatchEvent(new CustomEvent('peers'));
  }

  async signal(from, data) {
    const peer = from === FORWARDER ? this.uplink : this.peers.get(from);
    if (!peer || !peer.pc) return;
    const { pc } = peer;
    if (data.description) {
      await pc.setRemoteDescription(data.description);
      // Candidates that came before the description wait for it.
      for (const c of peer.pending.splice(0)) await pc.addIceCandidate(c);
      if (data.description.type === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer());
        this.live.send({ type: 'voice', op: 'signal', channel: this.channel, to: from, data: { description: pc.localDescription.toJSON() } });
      }
    } else if (data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate);
      else peer.pending.push(data.candidate);
    }
  }

  closePeer(peer) {
    peer.pc.close();
    peer.audio.srcObject = null;
    peer.audio.remove();
  }
}
