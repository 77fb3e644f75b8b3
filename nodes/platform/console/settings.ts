/**
 * Settings of the operator console: users, sessions, role views and the map. Kept apart from
 * settings.ts so that the backbone's defaults stay readable; resolved (and rejected) at start-up
 * with the name of the wrong setting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedVoiceSettings, VoiceSettings } from './voice-settings';
import { resolveVoiceSettings } from './voice-settings';
import type { Tlp } from '../model/tlp';
import { isTlp, TLPS } from '../model/tlp';

export const ROLES = ['operator', 'supervisor', 'field', 'cyber', 'intel', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ConsoleUser {
  /** Display name; the user name is the key in `users`. */
  name?: string;
  role: Role;
  /** bcrypt hash (`npm run hash-password`); never the password itself. */
  passwordHash: string;
  /**
   * The most restricted TLP marking this user is cleared for, in place of the role view's
   * (`tlp` in dashboards/<role>.json): a TLP:RED recipient in another role, or a cyber trainee
   * kept to AMBER.
   */
  tlp?: Tlp;
}

export interface SessionSettings {
  /** A session ends after this many minutes without a request. */
  idleMinutes?: number;
  /** …and in any case this many hours after login. */
  absoluteHours?: number;
  /** `auto`: Secure when the request came over HTTPS (as Node-RED's `https` setting makes it). */
  secure?: 'auto' | boolean;
  cookieName?: string;
  /** Sessions kept at most; the oldest is dropped beyond it, so a login flood cannot fill memory. */
  maxSessions?: number;
  loginBackoff?: {
    /** Failed logins of one user name from one address before that pair waits. */
    freeAttempts?: number;
    /** Failed logins from one address, whatever the user name, before the address waits. */
    addressAttempts?: number;
    /** Addresses the user never logged in from that failed for one user before such addresses wait. */
    userAddresses?: number;
    /** The first wait; it doubles with every further failure… */
    baseSeconds?: number;
    /** …up to this. */
    maxSeconds?: number;
  };
}

export interface MapSettings {
  /** Raster tile URL template (`https://tile.example/{z}/{x}/{y}.png`); empty: no tiles, fully offline. */
  tileUrl?: string;
  attribution?: string;
  maxZoom?: number;
  /** [latitude, longitude] of the initial view; by default the sites' or the alerts' extent. */
  center?: [number, number];
  zoom?: number;
  /** Site outlines: a GeoJSON FeatureCollection, inline or a file path (relative to the user directory). */
  sites?: string | GeoJsonFeatureCollection;
}

export interface GeoJsonFeatureCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; geometry: { type: string; coordinates: unknown } | null; properties?: Record<string, unknown> | null }>;
}

/** The console's part of the `impetus` settings. */
export interface ConsoleSettings {
  /** User name → role and bcrypt hash. Without users nobody can log in to the console. */
  users?: Record<string, ConsoleUser>;
  session?: SessionSettings;
  /** A directory of role views (`<role>.json`) that replace the packaged ones in dashboards/. */
  views?: { dir?: string };
  map?: MapSettings;
  /** IANA time zone of the site (`Europe/Rome`): the console shows every time in it, 24-hour, with the zone. Default: the runtime's. */
  timeZone?: string;
  /** Push-to-talk voice on alert pages: ICE servers, floor, recording (voice-settings.ts, docs/voice.md). */
  voice?: VoiceSettings;
}

export interface ResolvedConsoleSettings {
  users: ReadonlyMap<string, Required<Pick<ConsoleUser, 'role' | 'passwordHash'>> & { name: string; tlp?: Tlp }>;
  session: {
    idleMs: number;
    absoluteMs: number;
    secure: 'auto' | boolean;
    cookieName: string;
    maxSessions: number;
    backoff: { freeAttempts: number; addressAttempts: number; userAddresses: number; baseMs: number; maxMs: number };
  };
  viewsDir?: string;
  timeZone: string;
  map: { tileUrl: string; attribution: string; maxZoom: number; center?: [number, number]; zoom?: number; sites: GeoJsonFeatureCollection };
  voice: ResolvedVoiceSettings;
}

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** A console user name; a personal panel's states are keyed by it (panels.ts). */
export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_SITES_BYTES = 2 * 1024 * 1024;

function fail(message: string): never {
  throw new Error(`impetus settings: ${message}`);
}

function number(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(`${name} must be a number from ${min} to ${max}`);
  return value;
}

function resolveUsers(raw: ConsoleSettings['users']): ResolvedConsoleSettings['users'] {
  const users = new Map<string, { role: Role; passwordHash: string; name: string; tlp?: Tlp }>();
  if (raw === undefined) return users;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('users must be an object of user name → { role, passwordHash }');
  for (const [username, user] of Object.entries(raw)) {
    if (!USER_NAME.test(username)) fail(`users: "${username}" is not a valid user name (letters, digits, . _ @ -, at most 64)`);
    if (!user || typeof user !== 'object') fail(`users.${username} must be an object`);
    if (!(ROLES as readonly unknown[]).includes(user.role)) fail(`users.${username}.role must be one of ${ROLES.join(', ')}`);
    if (typeof user.passwordHash !== 'string' || !BCRYPT_HASH.test(user.passwordHash)) {
      fail(`users.${username}.passwordHash must be a bcrypt hash (make one with npm run hash-password)`);
    }
    if (user.name !== undefined && (typeof user.name !== 'string' || user.name.length > 100)) fail(`users.${username}.name must be a string of at most 100 characters`);
    if (user.tlp !== undefined && !isTlp(user.tlp)) fail(`users.${username}.tlp must be one of ${TLPS.join(', ')}`);
    users.set(username, { role: user.role, passwordHash: user.passwordHash, name: user.name ?? username, ...(user.tlp !== undefined ? { tlp: user.tlp } : {}) });
  }
  return users;
}

function resolveSession(raw: SessionSettings | undefined): ResolvedConsoleSettings['session'] {
  const s = raw ?? {};
  const secure = s.secure ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean') fail('session.secure must be auto, true or false');
  const cookieName = s.cookieName ?? 'impetus_session';
  if (typeof cookieName !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(cookieName)) fail('session.cookieName must be letters, digits, _ or -');
  const b = s.loginBackoff ?? {};
  const baseMs = number(b.baseSeconds, 'session.loginBackoff.baseSeconds', 1, 0.01, 3600) * 1000;
  return {
    idleMs: number(s.idleMinutes, 'session.idleMinutes', 30, 1, 7 * 24 * 60) * 60_000,
    absoluteMs: number(s.absoluteHours, 'session.absoluteHours', 12, 0.1, 24 * 30) * 3_600_000,
    secure,
    cookieName,
    maxSessions: number(s.maxSessions, 'session.maxSessions', 10_000, 1, 1_000_000),
    backoff: {
      freeAttempts: number(b.freeAttempts, 'session.loginBackoff.freeAttempts', 5, 0, 1000),
      addressAttempts: number(b.addressAttempts, 'session.loginBackoff.addressAttempts', 20, 1, 100_000),
      userAddresses: number(b.userAddresses, 'session.loginBackoff.userAddresses', 10, 1, 100_000),
      baseMs,
      maxMs: Math.max(baseMs, number(b.maxSeconds, 'session.loginBackoff.maxSeconds', 300, 0.01, 86_400) * 1000),
    },
  };
}

/** Only what Leaflet draws: a FeatureCollection of features with a geometry type it knows. */
export function checkFeatureCollection(value: unknown, name: string): GeoJsonFeatureCollection {
  const fc = value as GeoJsonFeatureCollection;
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) fail(`${name} must be a GeoJSON FeatureCollection`);
  const types = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'];
  fc.features.forEach((f, i) => {
    if (!f || f.type !== 'Feature') fail(`${name}.features[${i}] must be a Feature`);
    if (f.geometry !== null && (typeof f.geometry !== 'object' || !types.includes(f.geometry.type))) fail(`${name}.features[${i}].geometry has an unknown type`);
  });
  return fc;
}

function resolveMap(raw: MapSettings | undefined, base: string): ResolvedConsoleSettings['map'] {
  const m = raw ?? {};
  const tileUrl = m.tileUrl ?? '';
  if (typeof tileUrl !== 'string' || (tileUrl !== '' && !/^https?:\/\/[^\s"'<>]+$/.test(tileUrl)) || (tileUrl && !/\{z\}/.test(tileUrl))) {
    fail('map.tileUrl must be an http(s) URL template with {z}, {x} and {y}, or empty for no tiles');
  }
  if (m.attribution !== undefined && typeof m.attribution !== 'string') fail('map.attribution must be a string');
  let center: [number, number] | undefined;
  if (m.center !== undefined) {
    const [lat, lon] = Array.isArray(m.center) ? m.center : [];
    if (typeof lat !== 'number' || typeof lon !== 'number' || Math.abs(lat) > 90 || Math.abs(lon) > 180) fail('map.center must be [latitude, longitude]');
    center = [lat, lon];
  }
  let sites: GeoJsonFeatureCollection = { type: 'FeatureCollection', features: [] };
  if (typeof m.sites === 'string') {
    const file = path.isAbsolute(m.sites) ? m.sites : path.join(base, m.sites);
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_SITES_BYTES) fail(`map.sites: ${file} is larger than 2 MiB`);
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as Error).message.startsWith('impetus settings')) throw err;
      fail(`map.sites: cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      sites = JSON.parse(text);
    } catch (err) {
      fail(`map.sites: ${file} is not JSON: ${(err as Error).message}`);
    }
    sites = checkFeatureCollection(sites, 'map.sites');
  } else if (m.sites !== undefined) {
    sites = checkFeatureCollection(m.sites, 'map.sites');
  }
  return {
    tileUrl,
    attribution: m.attribution ?? '',
    maxZoom: number(m.maxZoom, 'map.maxZoom', 19, 1, 24),
    ...(center ? { center } : {}),
    ...(m.zoom !== undefined ? { zoom: number(m.zoom, 'map.zoom', 13, 0, 24) } : {}),
    sites,
  };
}

function resolveTimeZone(raw: unknown): string {
  if (raw === undefined) return Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    if (typeof raw !== 'string' || !raw) throw new RangeError();
    return new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return fail(`timeZone must be an IANA time zone such as Europe/Rome (got ${JSON.stringify(raw)})`);
  }
}

/** `base` is the Node-RED user directory: relative paths in the settings resolve against it. */
export function resolveConsoleSettings(raw: ConsoleSettings, base: string): ResolvedConsoleSettings {
  const dir = raw.views?.dir;
  if (dir !== undefined && (typeof dir !== 'string' || !dir)) fail('views.dir must be a directory path');
  return {
    users: resolveUsers(raw.users),
    session: resolveSession(raw.session),
    ...(dir ? { viewsDir: path.isAbsolute(dir) ? dir : path.join(base, dir) } : {}),
    map: resolveMap(raw.map, base),
    timeZone: resolveTimeZone(raw.timeZone),
    voice: resolveVoiceSettings(raw.voice, base, ROLES),
  };
}
