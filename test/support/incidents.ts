/**
 * The shooting in the square, tool by tool, as the incident tests raise it (docs/incidents.md):
 * a draft per tool that the default rules group into one incident.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert, AlertDraft } from '../../nodes/platform';
import { Platform } from '../../nodes/platform';
import { resolveSettings } from '../../nodes/platform/settings';
import type { ImpetusSettings } from '../../nodes/platform/settings';
import { toolData } from './console';

export const SQUARE: [number, number] = [11.8768, 45.4077];

/** The tool's alert of the shooting, with `extra` over it. */
export function draft(tool: string, extra: Partial<AlertDraft> = {}): AlertDraft {
  const base: Record<string, AlertDraft> = {
    firearm: { event: 'Firearm detected', headline: 'Handgun on camera 4', severity: 'critical', urgency: 'Immediate', certainty: 'Likely', zone: 'square', source: { ref: 'cam-4' }, location: { type: 'Point', coordinates: SQUARE } },
    anomaly: { event: 'Crowd-flow anomaly', headline: 'People running out of the square', severity: 'high', urgency: 'Immediate', certainty: 'Likely', zone: 'square', source: { ref: 'counter-2' } },
    social: { event: 'Online threat', headline: 'Threatening posts about the square', severity: 'medium', urgency: 'Expected', certainty: 'Possible', source: { ref: 'project-1' } },
    evacuation: { event: 'Evacuation plan', headline: 'Evacuate the square by Via Manin', severity: 'high', urgency: 'Immediate', certainty: 'Likely', location: { type: 'Point', coordinates: [SQUARE[0] + 0.001, SQUARE[1]] } },
    workload: { event: 'Operator overloaded', headline: 'Operator 2 workload high', severity: 'medium', urgency: 'Immediate', certainty: 'Observed' },
    ctdr: { event: 'IDS alert on a vulnerable asset', headline: 'Exploit attempt', severity: 'high', urgency: 'Immediate', certainty: 'Possible', zone: 'traffic-control' },
  };
  return { tool, data: toolData(tool), ...base[tool], ...extra };
}

/** What an incident test drives: a platform on its own SQLite file, under a clock the test moves. */
export interface IncidentTestPlatform {
  platform: Platform;
  /** The platform's clock, in ms. */
  now: number;
  dir: string;
  /** Another platform on the same store (the test closes it, or assigns it to `platform`). */
  start(extra?: ImpetusSettings): Promise<Platform>;
  /** Raises the tool's draft (`draft`) with `extra` over it, `minutes` after `t0`. */
  raise(tool: string, extra?: Partial<AlertDraft>, minutes?: number): Promise<Alert>;
}

/**
 * Registers the hooks that give each test a fresh platform (a new temporary directory, the clock
 * at `t0`) and close it afterwards; `onStart` sees every platform started.
 */
export function useIncidentPlatform(t0: number, prefix: string, onStart: (platform: Platform) => void = () => undefined): IncidentTestPlatform {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const t: IncidentTestPlatform = {
    platform: undefined as unknown as Platform,
    now: t0,
    dir: '',
    async start(extra: ImpetusSettings = {}): Promise<Platform> {
      const p = new Platform(resolveSettings({ store: { file: path.join(t.dir, 'alerts.db') }, retention: { resolvedDays: 0 }, instance: 'test', ...extra }, t.dir), quiet, () => t.now);
      await p.ready;
      onStart(p);
      return p;
    },
    async raise(tool: string, extra: Partial<AlertDraft> = {}, minutes = 0): Promise<Alert> {
      t.now = t0 + minutes * 60_000;
      return (await t.platform.alerts.raise(draft(tool, extra))).alert;
    },
  };
  beforeEach(async function () {
    t.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    t.now = t0;
    t.platform = await t.start();
  });
  afterEach(async function () {
    await t.platform.close();
    fs.rmSync(t.dir, { recursive: true, force: true });
  });
  return t;
}
