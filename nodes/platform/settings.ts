import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_FINGERPRINT_KEYS } from './model/fingerprint';
import type { Priority } from './model/types';
import type { ValueLimits } from './limits';
import { DEFAULT_ALERT_DATA_LIMITS, DEFAULT_MESSAGE_LIMITS } from './limits';
import type { ConsoleSettings, ResolvedConsoleSettings } from './console/settings';
import type { IncidentSettingsInput } from './incidents/rules';
import { resolveIncidentSettings } from './incidents/rules';
import type { IncidentSettings } from './incidents/types';
import { resolveConsoleSettings } from './console/settings';
import type { KafkaBusSettings, MongoStoreSettings, ResolvedKafkaBus, ResolvedMongoStore } from './scale-settings';
import { resolveKafkaBus, resolveMongoStore } from './scale-settings';

export interface EscalationStep {
  /** Minutes without acknowledgement before each level. */
  afterMinutes: number;
  /** How many levels at most. */
  repeat: number;
}

export type EscalationPolicy = Partial<Record<Priority, EscalationStep>>;

/**
 * The `impetus` section of Node-RED's settings. Every field has an embedded default. The console's
 * `users`, `session`, `views` and `map` are described in console/settings.ts.
 */
export interface ImpetusSettings extends ConsoleSettings {
  /** Path of the console and its API on Node-RED's HTTP server (httpNodeRoot applies). */
  httpPath?: string;
  /** Name of this runtime in `source.instance` and lifecycle events. */
  instance?: string;
  /** CAP `sender`. */
  sender?: string;
  store?: {
    /** `sqlite` (embedded, one runtime) or `mongodb` (several runtimes share it; see docs/deployment.md). */
    type?: 'sqlite' | 'mongodb';
    /** sqlite: relative paths resolve against the Node-RED user directory. */
    file?: string;
    synchronous?: 'full' | 'normal';
    historyWindow?: number;
  } & MongoStoreSettings;
  /** `memory` (in-process) or `kafka` (lifecycle events shared between runtimes). */
  bus?: { type?: 'memory' | 'kafka' } & KafkaBusSettings;
  retention?: {
    /** Resolved alerts and their media are purged after this many days; 0 keeps them forever. */
    resolvedDays?: number;
    intervalMinutes?: number;
  };
  escalation?: {
    policy?: EscalationPolicy;
    tickSeconds?: number;
  };
  fingerprintKeys?: string[];
  /**
   * Depth and size limits (limits.ts): `message` for every message an IMPETUS node receives,
   * `alertData` for an alert's `data`. Each of `maxDepth`, `maxBytes`, `maxValues` may be set alone.
   */
  limits?: { message?: Partial<ValueLimits>; alertData?: Partial<ValueLimits> };
  /** Grouping into incidents and inhibition (docs/incidents.md); on by default with rules for the eight tools. */
  incidents?: IncidentSettingsInput;
}

export interface ResolvedSettings {
  httpPath: string;
  instance: string;
  sender: string;
  store: { type: 'sqlite' | 'mongodb'; file: string; synchronous: 'full' | 'normal'; historyWindow: number; mongodb?: ResolvedMongoStore };
  bus: { type: 'memory' | 'kafka'; kafka?: ResolvedKafkaBus };
  retention: { resolvedDays: number; intervalMinutes: number };
  escalation: { policy: EscalationPolicy; tickSeconds: number };
  fingerprintKeys: string[];
  limits: { message: ValueLimits; alertData: ValueLimits };
  incidents: IncidentSettings;
  console: ResolvedConsoleSettings;
}

export const DEFAULT_ESCALATION: EscalationPolicy = {
  P1: { afterMinutes: 2, repeat: 3 },
  P2: { afterMinutes: 10, repeat: 2 },
  P3: { afterMinutes: 60, repeat: 1 },
};

function positive(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`impetus settings: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

function limits(raw: Partial<ValueLimits> | undefined, name: string, defaults: ValueLimits): ValueLimits {
  const whole = (value: unknown, key: keyof ValueLimits): number => {
    const n = positive(value, `limits.${name}.${key}`, defaults[key]);
    if (!Number.isInteger(n)) throw new Error(`impetus settings: limits.${name}.${key} must be a whole number`);
    return n;
  };
  return { maxDepth: whole(raw?.maxDepth, 'maxDepth'), maxBytes: whole(raw?.maxBytes, 'maxBytes'), maxValues: whole(raw?.maxValues, 'maxValues') };
}

/** Fills defaults and rejects nonsense early, so a typo in settings.js fails at start-up and not at 3 a.m. */
export function resolveSettings(raw: ImpetusSettings | undefined, userDir: string | undefined): ResolvedSettings {
  const s = raw ?? {};
  const base = userDir ?? path.join(os.tmpdir(), 'impetus');
  const httpPath = `/${(s.httpPath ?? '/impetus').replace(/^\/+|\/+$/g, '')}`;
  const policy = s.escalation?.policy ?? DEFAULT_ESCALATION;
  for (const [priority, step] of Object.entries(policy)) {
    if (!/^P[1-4]$/.test(priority)) throw new Error(`impetus settings: escalation.policy key ${priority} must be P1–P4`);
    positive(step?.afterMinutes, `escalation.policy.${priority}.afterMinutes`, NaN);
    positive(step?.repeat, `escalation.policy.${priority}.repeat`, NaN);
  }
  const file = s.store?.file ?? 'impetus-alerts.db';
  const type = s.store?.type ?? 'sqlite';
  if (type !== 'sqlite' && type !== 'mongodb') throw new Error(`impetus settings: unknown store type ${String(type)}`);
  const busType = s.bus?.type ?? 'memory';
  if (busType !== 'memory' && busType !== 'kafka') throw new Error(`impetus settings: unknown bus type ${String(busType)}`);
  const instance = s.instance ?? `${os.hostname()}-${process.pid}`;
  const synchronous = s.store?.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') throw new Error('impetus settings: store.synchronous must be full or normal');
  return {
    httpPath,
    instance,
    sender: s.sender ?? `impetus@${os.hostname()}`,
    store: {
      type,
      file: path.isAbsolute(file) || file === ':memory:' ? file : path.join(base, file),
      synchronous,
      historyWindow: positive(s.store?.historyWindow, 'store.historyWindow', 50),
      ...(type === 'mongodb' ? { mongodb: resolveMongoStore(s.store ?? {}) } : {}),
    },
    bus: { type: busType, ...(busType === 'kafka' ? { kafka: resolveKafkaBus(s.bus ?? {}, instance) } : {}) },
    retention: {
      resolvedDays: positive(s.retention?.resolvedDays, 'retention.resolvedDays', 30, true),
      intervalMinutes: positive(s.retention?.intervalMinutes, 'retention.intervalMinutes', 60),
    },
    escalation: { policy, tickSeconds: positive(s.escalation?.tickSeconds, 'escalation.tickSeconds', 10) },
    fingerprintKeys: s.fingerprintKeys ?? [...DEFAULT_FINGERPRINT_KEYS],
    limits: {
      message: limits(s.limits?.message, 'message', DEFAULT_MESSAGE_LIMITS),
      alertData: limits(s.limits?.alertData, 'alertData', DEFAULT_ALERT_DATA_LIMITS),
    },
    incidents: resolveIncidentSettings(s.incidents),
    console: resolveConsoleSettings(s, base),
  };
}
