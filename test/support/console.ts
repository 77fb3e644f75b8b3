/**
 * Helpers for the console tests: users with bcrypt hashes, a fixture of alerts across every tool,
 * and a WebSocket client that logs what the console pushes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import WebSocket from 'ws';
import type { Role } from '../../nodes/platform/console/settings';
import { ROLES } from '../../nodes/platform/console/settings';
import { consoleOf } from '../../nodes/platform/console/runtime';
import type { ConsoleRuntime } from '../../nodes/platform/console/runtime';
import type { View } from '../../nodes/platform/console/views';
import type { Alert, AlertDraft, Tlp } from '../../nodes/platform/model/types';
import { TLPS } from '../../nodes/platform/model/tlp';
import { Validators } from '../../nodes/platform/model/validate';
import { PACKAGE_ROOT } from '../../nodes/platform/paths';
import { platformFor } from '../../nodes/platform';
import type { ImpetusSettings } from '../../nodes/platform/settings';
import supertest from 'supertest';
import { currentRed, helper, waitFor } from './nodered';

export { ROLES };
export type { Role };

/** Cost 4: the tests check the login logic, not bcrypt's strength, and must stay quick. */
export const PASSWORD = 'correct horse battery staple';
const HASH = bcrypt.hashSync(PASSWORD, 4);

/** Console users with the given roles (user name → role), all with PASSWORD. */
export function usersWithRoles(roles: Record<string, Role>): NonNullable<ImpetusSettings['users']> {
  return Object.fromEntries(Object.entries(roles).map(([username, role]) => [username, { role, name: `The ${role} ${username}`, passwordHash: HASH }]));
}

/** One user per role, named after it. */
export function consoleSettings(extra: ImpetusSettings = {}): ImpetusSettings {
  const users = Object.fromEntries(ROLES.map((role) => [role, { role, name: `The ${role}`, passwordHash: HASH }]));
  return { users, ...extra };
}

/** A console user for the TLP tests: the role's clearance, or the user's own from the settings. */
export interface TlpViewer {
  username: string;
  role: Role;
  tlp?: Tlp;
}

/** One user per role (named after it), a supervisor named for RED, and a cyber trainee held at AMBER. */
export const TLP_VIEWERS: TlpViewer[] = [
  ...ROLES.map((role) => ({ username: role, role })),
  { username: 'rita', role: 'supervisor', tlp: 'red' },
  { username: 'tom', role: 'cyber', tlp: 'amber' },
];

/** consoleSettings() with rita and tom of TLP_VIEWERS and their own clearances. */
export function tlpViewerSettings(): ImpetusSettings {
  const base = consoleSettings();
  const named = usersWithRoles({ rita: 'supervisor', tom: 'cyber' });
  named.rita.tlp = 'red';
  named.tom.tlp = 'amber';
  return { ...base, users: { ...base.users, ...named } };
}

/** Whether the view (tools, filters) and the viewer's clearance let it see the alert; from the view files, not the code under test. */
export function tlpCleared(view: View, viewer: TlpViewer, alert: Pick<Alert, 'tlp'>): boolean {
  const clearance = viewer.tlp ?? view.tlp ?? 'amber';
  return TLPS.indexOf(alert.tlp ?? 'clear') <= TLPS.indexOf(clearance);
}

/** An HTTP agent with a session of this viewer (opened in process) and its CSRF token. */
export function viewerAgent(viewer: TlpViewer): supertest.Agent {
  const runtime = consoleOf(platformFor(currentRed()));
  const session = runtime.openSession({ username: viewer.username, name: viewer.username, role: viewer.role });
  return supertest.agent(currentRed().httpNode as never).set('Cookie', `${runtime.platform.settings.console.session.cookieName}=${session.id}`).set('X-CSRF-Token', session.csrf);
}

export function runtime(): ConsoleRuntime {
  return consoleOf(platformFor(currentRed()));
}

/** The packaged views, read as plain JSON: the tests' expectations do not go through the code under test. */
export function packagedViews(): Map<Role, View> {
  return new Map(ROLES.map((role) => [role, JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'dashboards', `${role}.json`), 'utf8')) as View]));
}

export function expectedVisible(view: View, alert: Pick<Alert, 'tool' | 'priority' | 'status' | 'zone'>): boolean {
  const toolOk = view.tools.includes(alert.tool) || (view.tools.includes('*') && !view.tools.includes(`!${alert.tool}`));
  const f = view.filters ?? {};
  return toolOk && (!f.priority || f.priority.includes(alert.priority)) && (!f.status || f.status.includes(alert.status)) && (!f.zone || (alert.zone !== undefined && f.zone.includes(alert.zone)));
}

export const ALL_TOOLS = ['firearm', 'bacteria', 'anomaly', 'social', 'evacuation', 'cti', 'ctdr', 'workload', 'plugin-tool'];

const validators = new Validators();
/** Data for tools whose payload schema requires fields; tools whose schema requires none get {}. */
const KNOWN_DATA: Record<string, Record<string, unknown>> = {
  firearm: { camera: 'cam-1', frame: { width: 1920, height: 1080 }, detections: [{ className: 'handgun', score: 0.9, box: [10, 10, 60, 120] }] },
  workload: { kind: 'workload', operator: 'op-1', state: 'high', index: 0.8 },
};

/**
 * Tool data that passes the tool's payload schema (schemas/tools/<tool>.schema.json) where the
 * tool has one; these tests are about who sees an alert, not about its data.
 */
export function toolData(tool: string): Record<string, unknown> | undefined {
  if (!validators.has(`tools/${tool}`)) return undefined;
  for (const candidate of [KNOWN_DATA[tool], {}]) {
    if (candidate === undefined) continue;
    try {
      validators.assertToolData(tool, candidate);
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error(`test/console/support.ts: add valid data for ${tool} to KNOWN_DATA; its payload schema requires fields`);
}

/** Per tool: a P1 Actual and a P4 Exercise alert, each in its own zone, one with a location. */
export function fixtureDrafts(): AlertDraft[] {
  return ALL_TOOLS.flatMap((tool) => [
    { tool, event: `${tool} critical`, headline: `${tool}: critical event`, severity: 'critical', urgency: 'Immediate', certainty: 'Observed', zone: `${tool}-zone`, status: 'Actual', location: { type: 'Point', coordinates: [11.87, 45.4] }, data: toolData(tool) },
    { tool, event: `${tool} info`, headline: `${tool}: for the record`, severity: 'info', urgency: 'Past', certainty: 'Unknown', zone: `${tool}-zone-2`, status: 'Exercise', data: toolData(tool) },
  ] as AlertDraft[]);
}

export async function raiseFixture(): Promise<Alert[]> {
  const platform = platformFor(currentRed());
  await platform.ready;
  const alerts: Alert[] = [];
  for (const draft of fixtureDrafts()) alerts.push((await platform.alerts.raise(draft)).alert);
  return alerts;
}

export interface LiveMessage {
  type: string;
  seq?: number;
  epoch?: string;
  id?: string;
  events?: Array<{ seq: number; type: string; alert: { id: string; tool: string; version: number; state: string }; actor?: string; details?: Record<string, unknown> }>;
  panels?: Array<{ id: string; kind: string; update: unknown }>;
  /** Incidents changed since the last batch, each as this role sees it. */
  incidents?: Array<{ id: string; version: number; members: Array<{ alertId: string }>; playbook: Array<{ done?: { by: string } }>; comments: Array<{ text: string }>; state: string }>;
  tiles?: Array<{ id: string; state: string; counts: Record<string, number>; open: number }>;
}

/** A console WebSocket client that records every message. */
export class LiveTestClient {
  readonly messages: LiveMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private syncs = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LiveMessage));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static wsUrl(query = ''): string {
    return `${helper.url().replace(/^http/, 'ws')}/impetus/ws${query}`;
  }

  /** Opens a socket; rejects with the HTTP status when the handshake is refused. */
  static open(headers: Record<string, string>, query = ''): Promise<LiveTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(LiveTestClient.wsUrl(query), { headers });
      const client = new LiveTestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`handshake refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  /** Logged in as `role` (and `username`) through an in-process session. */
  static async as(role: Role, query = '', username = `live-${role}`): Promise<LiveTestClient> {
    const rt = runtime();
    const session = rt.openSession({ username, name: role, role });
    const client = await LiveTestClient.open({ Cookie: `${rt.platform.settings.console.session.cookieName}=${session.id}` }, query);
    await client.next('hello');
    return client;
  }

  get events(): NonNullable<LiveMessage['events']> {
    return this.messages.flatMap((m) => (m.type === 'batch' ? m.events ?? [] : []));
  }

  get lastSeq(): number {
    return Math.max(0, ...this.messages.map((m) => m.seq ?? 0));
  }

  async next(type: string, after = 0): Promise<LiveMessage> {
    let found: LiveMessage | undefined;
    await waitFor(() => Boolean((found = this.messages.slice(after).find((m) => m.type === type))), `a ${type} message`);
    return found!;
  }

  /** Resolves once everything the server published before this call has reached this client. */
  async sync(): Promise<void> {
    const id = `s${++this.syncs}`;
    this.ws.send(JSON.stringify({ type: 'sync', id }));
    await waitFor(() => this.messages.some((m) => m.type === 'sync' && m.id === id), `sync ${id}`);
  }

  close(): void {
    this.ws.close();
  }
}
