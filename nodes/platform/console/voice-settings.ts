/**
 * Settings of push-to-talk voice (`impetus.voice`), resolved at start-up with the name of the
 * wrong setting. Defaults suit a closed network: no STUN or TURN server, recording off.
 */
import { isIP } from 'node:net';
import * as path from 'node:path';

/** As RTCIceServer in the browser: a city's TURN server, or a STUN server on a reachable network. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface VoiceSettings {
  /** Default true: every alert page has a voice channel. */
  enabled?: boolean;
  /** Handed to the browsers' RTCPeerConnection; default none (host candidates only: one LAN or VPN). */
  iceServers?: IceServer[];
  /**
   * The shared secret of a TURN server that takes time-limited credentials (coturn
   * `use-auth-secret` / `static-auth-secret`): each user gets `<expiry>:<username>` and its
   * HMAC-SHA1 for the `turn:`/`turns:` servers listed without a username.
   */
  turnSecret?: string;
  /** How long such TURN credentials last; default 12 hours (a shift). */
  turnTtlMinutes?: number;
  /**
   * How audio travels: `forwarder` (default): every browser sends to the runtime's forwarder,
   * which passes the floor holder's audio to the others; `mesh`: browser to browser, the runtime
   * never touches audio (end-to-end encrypted, no UDP port on the runtime). docs/voice.md.
   */
  mode?: 'forwarder' | 'mesh';
  /** The forwarder's network: the address its UDP sockets bind to and announce, and their port range. */
  forwarder?: {
    /** Default: every IPv4 address of the machine but loopback, bound on all interfaces. */
    address?: string;
    /** [first, last] UDP port; one port per participant connected. Default [40000, 40199]. */
    portRange?: [number, number];
  };
  /** People in one channel at most; in a mesh every browser sends to every other. Default 8. */
  maxParticipants?: number;
  /** The floor is taken back after this many seconds of one transmission; default 60. */
  maxTalkSeconds?: number;
  /** Roles that may take the floor from someone talking; default supervisor and admin. */
  priorityRoles?: string[];
  recording?: {
    /** Opt-in: default false. Each transmission is then recorded by the speaker's browser and kept on the runtime. */
    enabled?: boolean;
    /** Recordings are deleted this many hours after they were spoken; default 168 (7 days). */
    retentionHours?: number;
    /** Where recordings live; relative to the Node-RED user directory. Default `impetus-voice`. */
    dir?: string;
    /** The largest recording accepted, in bytes; default 4 MiB (60 s of Opus is about 0.5 MiB). */
    maxBytes?: number;
  };
}

export interface ResolvedVoiceSettings {
  enabled: boolean;
  iceServers: IceServer[];
  turnSecret?: string;
  turnTtlMs: number;
  mode: 'forwarder' | 'mesh';
  forwarder: { address?: string; portRange: [number, number] };
  maxParticipants: number;
  maxTalkMs: number;
  priorityRoles: string[];
  recording: { enabled: boolean; retentionMs: number; dir: string; maxBytes: number };
}

function fail(message: string): never {
  throw new Error(`impetus settings: voice.${message}`);
}

function number(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(`${name} must be a number from ${min} to ${max}`);
  return value;
}

const ICE_URL = /^(stun|stuns|turn|turns):[^\s"'<>]+$/;

function resolveIceServers(raw: unknown): IceServer[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail('iceServers must be a list of { urls, username?, credential? }');
  return raw.map((server: IceServer, i) => {
    const urls = Array.isArray(server?.urls) ? server.urls : [server?.urls];
    if (!urls.length || !urls.every((u) => typeof u === 'string' && ICE_URL.test(u))) fail(`iceServers[${i}].urls must be stun:, stuns:, turn: or turns: URLs`);
    for (const key of ['username', 'credential'] as const) {
      if (server[key] !== undefined && typeof server[key] !== 'string') fail(`iceServers[${i}].${key} must be a string`);
    }
    return { urls: server.urls, ...(server.username !== undefined ? { username: server.username } : {}), ...(server.credential !== undefined ? { credential: server.credential } : {}) };
  });
}

function mode(raw: unknown): ResolvedVoiceSettings['mode'] {
  if (raw === undefined) return 'forwarder';
  if (raw !== 'forwarder' && raw !== 'mesh') fail('mode must be forwarder or mesh');
  return raw;
}

function resolveForwarder(raw: VoiceSettings['forwarder']): ResolvedVoiceSettings['forwarder'] {
  const f = raw ?? {};
  if (typeof f !== 'object' || f === null) fail('forwarder must be an object');
  if (f.address !== undefined && (typeof f.address !== 'string' || !isIP(f.address))) fail('forwarder.address must be an IP address of this machine');
  const range = f.portRange ?? [40000, 40199];
  const port = (p: unknown) => typeof p === 'number' && Number.isInteger(p) && p >= 1024 && p <= 65535;
  // werift needs two different ends.
  if (!Array.isArray(range) || range.length !== 2 || !range.every(port) || range[0] >= range[1]) fail('forwarder.portRange must be [first, last] UDP ports from 1024 to 65535, first below last');
  return { ...(f.address ? { address: f.address } : {}), portRange: [range[0], range[1]] };
}

/** `base` is the Node-RED user directory; `roles` the console's roles (passed in: settings.ts imports this file). */
export function resolveVoiceSettings(raw: VoiceSettings | undefined, base: string, roles: readonly string[]): ResolvedVoiceSettings {
  const v = raw ?? {};
  if (typeof v !== 'object' || v === null) fail('must be an object');
  if (v.enabled !== undefined && typeof v.enabled !== 'boolean') fail('enabled must be true or false');
  if (v.turnSecret !== undefined && (typeof v.turnSecret !== 'string' || v.turnSecret.length < 16)) fail('turnSecret must be a string of at least 16 characters');
  const priorityRoles = v.priorityRoles ?? ['supervisor', 'admin'];
  if (!Array.isArray(priorityRoles) || !priorityRoles.every((r) => roles.includes(r))) fail(`priorityRoles must be a list of ${roles.join(', ')}`);
  const r = v.recording ?? {};
  if (r.enabled !== undefined && typeof r.enabled !== 'boolean') fail('recording.enabled must be true or false');
  const dir = r.dir ?? 'impetus-voice';
  if (typeof dir !== 'string' || !dir) fail('recording.dir must be a directory path');
  return {
    enabled: v.enabled ?? true,
    iceServers: resolveIceServers(v.iceServers),
    ...(v.turnSecret ? { turnSecret: v.turnSecret } : {}),
    turnTtlMs: number(v.turnTtlMinutes, 'turnTtlMinutes', 720, 1, 7 * 24 * 60) * 60_000,
    mode: mode(v.mode),
    forwarder: resolveForwarder(v.forwarder),
    maxParticipants: number(v.maxParticipants, 'maxParticipants', 8, 2, 64),
    maxTalkMs: number(v.maxTalkSeconds, 'maxTalkSeconds', 60, 1, 600) * 1000,
    priorityRoles,
    recording: {
      enabled: r.enabled ?? false,
      // Fractions of an hour are allowed: the tests keep recordings for seconds.
      retentionMs: number(r.retentionHours, 'recording.retentionHours', 168, 1 / 3600, 24 * 3650) * 3_600_000,
      dir: path.isAbsolute(dir) ? dir : path.join(base, dir),
      maxBytes: number(r.maxBytes, 'recording.maxBytes', 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
  };
}
