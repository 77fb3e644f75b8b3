/**
 * Role views: which tools, pages and alerts a role sees and what it may do. Loaded from
 * dashboards/<role>.json (or a directory named in the settings), validated against
 * schemas/view.schema.json, and enforced here, on the server, for every route.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionName } from '../alert-service';
import type { Alert, AlertState, MessageStatus, Priority } from '../model/types';
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
}

/** The fields visibility depends on; a slim alert has them as well as a full one. */
export type Visible = Pick<Alert, 'tool' | 'status' | 'priority'> & { zone?: string };

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

export function seesTool(view: View, tool: string): boolean {
  return view.tools.includes('*') || view.tools.includes(tool);
}

/** The one rule that decides whether an alert exists for a role, over HTTP and WebSocket alike. */
export function canSee(view: View, alert: Visible): boolean {
  if (!seesTool(view, alert.tool)) return false;
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
  const tools = view.tools.includes('*') ? undefined : view.tools;
  return {
    ...query,
    tool: intersect(query.tool, tools),
    status: intersect(query.status, view.filters?.status),
    priority: intersect(query.priority, view.filters?.priority),
    zone: intersect(query.zone, view.filters?.zone),
  };
}
