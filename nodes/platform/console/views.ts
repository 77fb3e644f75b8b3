/**
 * Role views: which tools, pages and alerts a role sees and what it may do. Loaded from
 * dashboards/<role>.json (or a directory named in the settings), validated against
 * schemas/view.schema.json, and enforced here, on the server, for every route.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionName } from '../alert-service';
import type { Alert, AlertState, MessageStatus, Priority, Tlp } from '../model/types';
import { tlpRank, tlpsUpTo } from '../model/tlp';
import type { Validators } from '../model/validate';
import { PACKAGE_ROOT } from '../paths';
import type { AlertQuery } from '../store/types';
import type { Role } from './settings';
import { ROLES } from './settings';

export const DASHBOARD_DIR = path.join(PACKAGE_ROOT, 'dashboards');

export interface View {
  role: Role;
  title: string;
  description?: string;
  tools: string[];
  pages: string[];
  filters?: { status?: MessageStatus[]; priority?: Priority[]; zone?: string[] };
  actions: ActionName[];
  defaults?: { state?: AlertState[]; exercise?: boolean; sound?: boolean };
  layout?: 'desktop' | 'compact';
  /** Site names (map.sites features) the role works on: its maps open there. */
  sites?: string[];
  /**
   * The most restricted TLP marking the role is cleared for (DEFAULT_CLEARANCE when left out); a
   * console user's own `tlp` setting replaces it for that user (ConsoleRuntime.viewFor).
   */
  tlp?: Tlp;
}

/**
 * A view without a `tlp`: cleared up to TLP:AMBER. AMBER+STRICT and RED need a view (or a
 * user) that names them, so a view written before markings existed shows neither.
 */
export const DEFAULT_CLEARANCE: Tlp = 'amber';

/** The fields visibility depends on; a slim alert has them as well as a full one. */
export type Visible = Pick<Alert, 'tool' | 'status' | 'priority'> & { zone?: string; tlp?: Tlp };

export function clearanceOf(view: View): Tlp {
  return view.tlp ?? DEFAULT_CLEARANCE;
}

function readView(file: string, validators: Validators): View {
  let view: View;
  try {
    view = JSON.parse(fs.readFileSync(file, 'utf8')) as View;
  } catch (err) {
    throw new Error(`role view ${file}: ${(err as Error).message}`);
  }
  try {
    validators.assert('view', view);
  } catch (err) {
    throw new Error(`role view ${file}: ${(err as Error).message}`);
  }
  if (!view.tools.includes('*') && view.tools.some((t) => t.startsWith('!'))) throw new Error(`role view ${file}: "!<tool>" leaves a tool out of "*"; add "*" or name the tools`);
  const expected = path.basename(file, '.json');
  if (view.role !== expected) throw new Error(`role view ${file}: its role is ${view.role}; the file must be named ${view.role}.json`);
  return view;
}

/**
 * One view per role: the packaged ones, each replaced by `<role>.json` in `overrideDir` when
 * present. A role without a view could see nothing, so a missing one is an error.
 */
export function loadViews(validators: Validators, overrideDir?: string): Map<Role, View> {
  const views = new Map<Role, View>();
  for (const role of ROLES) {
    const own = overrideDir ? path.join(overrideDir, `${role}.json`) : undefined;
    const file = own && fs.existsSync(own) ? own : path.join(DASHBOARD_DIR, `${role}.json`);
    if (!fs.existsSync(file)) throw new Error(`no role view for ${role}: expected ${file}`);
    views.set(role, readView(file, validators));
  }
  return views;
}

/**
 * `"*"` is every tool, plug-in tools included; `"!<tool>"` next to it leaves one out, so that
 * "every tool but workload" stays true when a new tool is installed. A named tool is just that one.
 */
export function seesTool(view: View, tool: string): boolean {
  if (view.tools.includes(tool)) return true;
  return view.tools.includes('*') && !view.tools.includes(`!${tool}`);
}

/** The tools a `"*"` view leaves out; undefined when the view names its tools one by one. */
function toolsLeftOut(view: View): string[] | undefined {
  return view.tools.includes('*') ? view.tools.filter((t) => t.startsWith('!')).map((t) => t.slice(1)) : undefined;
}

/** Every tool with none left out: what a cross-tool object (a silence on no tool) needs. */
export function seesEveryTool(view: View): boolean {
  return toolsLeftOut(view)?.length === 0;
}

/** The one rule that decides whether an alert exists for a role, over HTTP and WebSocket alike. */
export function canSee(view: View, alert: Visible): boolean {
  if (!seesTool(view, alert.tool)) return false;
  if (tlpRank(alert.tlp) > tlpRank(clearanceOf(view))) return false;
  const f = view.filters;
  if (!f) return true;
  if (f.status && !f.status.includes(alert.status)) return false;
  if (f.priority && !f.priority.includes(alert.priority)) return false;
  if (f.zone && (alert.zone === undefined || !f.zone.includes(alert.zone))) return false;
  return true;
}

export function canAct(view: View, action: ActionName): boolean {
  return view.actions.includes(action);
}

/**
 * Why a role may not do an action on an alert: it does not see the alert (answered as if the
 * alert did not exist, 404, so nothing leaks) or its view does not allow the action (403).
 */
export class ActionRefusedError extends Error {
  constructor(readonly status: 403 | 404, message: string) {
    super(message);
    this.name = 'ActionRefusedError';
  }
}

/**
 * The one rule for an operator action, whoever asks (the console's HTTP API, a chat button):
 * the alert must be in the role's view and the view must allow the action. Throws
 * ActionRefusedError otherwise.
 */
export function checkAction(view: View, alert: Visible | undefined, alertId: string, action: ActionName): void {
  if (!alert || !canSee(view, alert)) throw new ActionRefusedError(404, `unknown alert ${alertId}`);
  if (!canAct(view, action)) throw new ActionRefusedError(403, `the ${view.role} role may not ${action} alerts`);
}

export function hasPage(view: View, page: 'main' | 'map'): boolean {
  return view.pages.includes(page);
}

/** Tool pages: the view must list the page (or tool:*), and a page named after a tool needs that tool. */
export function seesToolPage(view: View, page: string, knownTools: ReadonlySet<string>): boolean {
  if (!view.pages.includes('tool:*') && !view.pages.includes(`tool:${page}`)) return false;
  return !knownTools.has(page) || seesTool(view, page);
}

function intersect<T extends string>(asked: T | T[] | undefined, allowed: readonly T[] | undefined): T[] | undefined {
  if (allowed === undefined) return asked === undefined ? undefined : ([] as T[]).concat(asked);
  if (asked === undefined) return [...allowed];
  // An empty intersection stays an empty list, which the store reads as "nothing", never as "all".
  return ([] as T[]).concat(asked).filter((v) => allowed.includes(v));
}

/** Narrows a query to what the view allows; the result never selects more than the view sees. */
export function restrictQuery(view: View, query: AlertQuery): AlertQuery {
  const leftOut = toolsLeftOut(view);
  return {
    ...query,
    tool: intersect(query.tool, leftOut ? undefined : view.tools),
    ...(leftOut?.length ? { notTool: [...new Set([...(query.notTool ?? []), ...leftOut])] } : {}),
    status: intersect(query.status, view.filters?.status),
    priority: intersect(query.priority, view.filters?.priority),
    zone: intersect(query.zone, view.filters?.zone),
    tlp: intersect(query.tlp, clearanceOf(view) === 'red' ? undefined : tlpsUpTo(clearanceOf(view))),
  };
}
