import { randomUUID } from 'node:crypto';
import { SEVERITIES } from './model/types';
import type { Alert, Severity, Silence, SilenceMatchers } from './model/types';
import type { AlertStore } from './store/types';

export interface SilenceRequest {
  matchers: SilenceMatchers;
  reason: string;
  createdBy: string;
  startsAt?: string;
  endsAt?: string;
  /** Used when `endsAt` is absent. */
  durationMinutes?: number;
}

function parseTime(value: string, name: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new TypeError(`silence ${name} must be an ISO 8601 date-time`);
  return t;
}

export function matches(matchers: SilenceMatchers, alert: Pick<Alert, 'tool' | 'event' | 'zone' | 'severity'>): boolean {
  if (matchers.tool !== undefined && matchers.tool !== alert.tool) return false;
  if (matchers.event !== undefined && matchers.event !== alert.event) return false;
  if (matchers.zone !== undefined && matchers.zone !== alert.zone) return false;
  if (matchers.severity !== undefined) {
    const allowed = Array.isArray(matchers.severity) ? matchers.severity : [matchers.severity];
    if (!allowed.includes(alert.severity)) return false;
  }
  return true;
}

export function isActive(silence: Silence, now: number): boolean {
  const end = Math.min(Date.parse(silence.endsAt), silence.expiredAt ? Date.parse(silence.expiredAt) : Infinity);
  return Date.parse(silence.startsAt) <= now && now < end;
}

/**
 * Silences as Alertmanager has them: matchers, a reason, a window. Active and future silences
 * are cached so that matching an incoming alert never waits on the store.
 */
export class SilenceRegistry {
  private cache: Silence[] = [];

  constructor(private readonly store: AlertStore) {}

  async load(now: number): Promise<void> {
    this.cache = (await this.store.silences()).filter((s) => isActive(s, now) || Date.parse(s.startsAt) > now);
  }

  match(alert: Pick<Alert, 'tool' | 'event' | 'zone' | 'severity'>, now: number): Silence | undefined {
    return this.cache.find((s) => isActive(s, now) && matches(s.matchers, alert));
  }

  list(): Silence[] {
    return [...this.cache];
  }

  async create(request: SilenceRequest, now: number): Promise<Silence> {
    const matchers = validateMatchers(request.matchers);
    if (typeof request.reason !== 'string' || !request.reason.trim()) throw new TypeError('a silence needs a reason');
    if (typeof request.createdBy !== 'string' || !request.createdBy.trim()) throw new TypeError('a silence needs createdBy');
    const start = request.startsAt ? parseTime(request.startsAt, 'startsAt') : now;
    const minutes = request.durationMinutes ?? 60;
    if (!request.endsAt && !(typeof minutes === 'number' && minutes > 0)) throw new TypeError('silence durationMinutes must be a positive number');
    const end = request.endsAt ? parseTime(request.endsAt, 'endsAt') : start + minutes * 60_000;
    if (end <= start) throw new TypeError('silence endsAt must be after startsAt');
    const silence: Silence = {
      id: randomUUID(),
      matchers,
      reason: request.reason.trim(),
      createdBy: request.createdBy.trim(),
      createdAt: new Date(now).toISOString(),
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(end).toISOString(),
    };
    await this.store.putSilence(silence);
    this.cache = [...this.cache, silence];
    return silence;
  }

  async expire(id: string, now: number): Promise<Silence> {
    const silence = await this.store.getSilence(id);
    if (!silence) throw new Error(`unknown silence ${id}`);
    if (!isActive(silence, now) && Date.parse(silence.startsAt) <= now) throw new Error(`silence ${id} is not active`);
    const expired = { ...silence, expiredAt: new Date(now).toISOString() };
    await this.store.putSilence(expired);
    this.cache = this.cache.filter((s) => s.id !== id);
    return expired;
  }
}

function validateMatchers(raw: unknown): SilenceMatchers {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('silence matchers must be an object');
  const m = raw as Record<string, unknown>;
  const out: SilenceMatchers = {};
  for (const key of Object.keys(m)) {
    const value = m[key];
    if (value === undefined || value === '') continue;
    if (key === 'severity') {
      const list = Array.isArray(value) ? value : [value];
      for (const s of list) if (!SEVERITIES.includes(s as Severity)) throw new TypeError(`silence matcher severity ${String(s)} is not one of ${SEVERITIES.join(', ')}`);
      out.severity = list as Severity[];
    } else if (key === 'tool' || key === 'event' || key === 'zone') {
      if (typeof value !== 'string') throw new TypeError(`silence matcher ${key} must be a string`);
      out[key] = value;
    } else {
      throw new TypeError(`unknown silence matcher ${key} (use tool, event, zone, severity)`);
    }
  }
  if (Object.keys(out).length === 0) throw new TypeError('a silence needs at least one matcher, or it would mute everything');
  return out;
}
