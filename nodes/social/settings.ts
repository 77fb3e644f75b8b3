/**
 * The project config node's settings, read from the editor's strings into a Project and the
 * monitor's options. Plain code, tested without Node-RED.
 */
import { randomBytes } from 'node:crypto';
import type { Node } from 'node-red';
import type { ThreatSeverity } from './analyse';
import type { MonitorOptions } from './monitor';
import { Project, ProjectError } from './project';
import type { RecentPosts } from './query-editor';
import type { ZoneSpec } from './project';

export interface ProjectSettings {
  name?: string;
  query?: string;
  languages?: string;
  zones?: string;
  exclude?: string;
  minRelevance?: string | number;
  outsideZones?: boolean;
  keepAuthors?: boolean;
  retentionHours?: string | number;
  threatSeverity?: string;
  windowMinutes?: string | number;
  sentimentDrop?: string | number;
  minPosts?: string | number;
  timeZone?: string;
}

export interface ResolvedProject {
  name: string;
  project: Project;
  monitor: Omit<MonitorOptions, 'sourceNode' | 'exercise'>;
  /** undefined: the project keeps authors' names. */
  pseudonymSecret?: string;
}

/** The config node as the analyse nodes see it: the checked project, or why it cannot be used. */
export interface SocialProjectNode extends Node {
  resolved?: ResolvedProject;
  problem?: Error;
  /** The last day's posts, matched or not, for the console's query preview: the analyse nodes add every post they read. */
  recent?: RecentPosts;
}

const SEVERITIES: ThreatSeverity[] = ['low', 'medium', 'high', 'critical'];

function number(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new ProjectError(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** The anomaly detector bins the day in 15, 20, 30 or 60 minutes. */
function windowOf(value: unknown): number {
  const n = number(value, 'windowMinutes', 60, 15, 60);
  if (![15, 20, 30, 60].includes(n)) throw new ProjectError(`windowMinutes must be 15, 20, 30 or 60, got ${n}`);
  return n;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Checks the settings; throws ProjectError or QuerySyntaxError with a clear message. */
export function resolveProject(s: ProjectSettings, secret: string | undefined): ResolvedProject {
  if (!s.query?.trim()) throw new ProjectError('the project needs a query');
  let zones: ZoneSpec[] | undefined;
  if (s.zones?.trim()) {
    try {
      zones = JSON.parse(s.zones) as ZoneSpec[];
    } catch (err) {
      throw new ProjectError(`zones is not JSON: ${(err as Error).message}`);
    }
  }
  const severity = (s.threatSeverity || 'high') as ThreatSeverity;
  if (!SEVERITIES.includes(severity)) throw new ProjectError(`threatSeverity must be one of ${SEVERITIES.join(', ')}`);
  const name = s.name?.trim() || 'social';
  return {
    name,
    project: new Project({
      query: s.query,
      languages: list(s.languages).map((l) => l.toLowerCase()),
      zones,
      exclude: list(s.exclude),
      minRelevance: number(s.minRelevance, 'minRelevance', 0, 0, 1),
      outsideZones: s.outsideZones !== false,
    }),
    monitor: {
      project: name,
      windowMinutes: windowOf(s.windowMinutes),
      threatSeverity: severity,
      sentimentDrop: number(s.sentimentDrop, 'sentimentDrop', 0.4, 0.05, 2),
      minPosts: number(s.minPosts, 'minPosts', 10, 1, 1_000_000),
      retentionMs: number(s.retentionHours, 'retentionHours', 24, 0.1, 24 * 365) * 3_600_000,
      timeZone: s.timeZone?.trim() || 'UTC',
    },
    // Without a stored secret, one per runtime start: pseudonyms then differ across restarts.
    pseudonymSecret: s.keepAuthors ? undefined : secret || randomBytes(32).toString('hex'),
  };
}
