/**
 * What the four dashboard nodes share: reading the page, title and roles from the node's
 * config, registering the panel with the console, and taking it away when the node closes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { PanelDef, PanelKind, PanelState, Role, RowAction, SessionUser } from '../platform';
import { consoleOf, isTlp, PAGE_NAME, PersonalStates, platformFor, ROLES } from '../platform';

export interface PanelNodeDef extends NodeDef {
  page?: string;
  title?: string;
  /** Roles that may see the panel, as the editor stores them (an array) or a comma list. */
  roles?: string[] | string;
  order?: number | string;
  /** The most restricted TLP marking the panel shows; empty: clear. */
  tlp?: string;
  /** One state per console user, addressed by msg.user; each user sees only their own. */
  personal?: boolean;
}

export function roleList(value: unknown, what: string): Role[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const roles = list.map((r) => String(r).trim()).filter(Boolean);
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new Error(`${what}: unknown role "${r}" (use ${ROLES.join(', ')})`);
  return [...new Set(roles)] as Role[];
}

export function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The panel's identity from the node's config; a bad page or role list is a deploy-time error. */
export function panelDef(node: Node, config: PanelNodeDef, kind: PanelKind, page = config.page): PanelDef {
  const p = (page ?? '').trim();
  if (!PAGE_NAME.test(p)) throw new Error(`page must be lower-case letters, digits and - (a tool key such as firearm, or a page name), got "${p}"`);
  const roles = roleList(config.roles, 'roles');
  if (!roles.length) throw new Error('choose at least one role that may see this panel');
  const tlp = config.tlp || undefined;
  if (tlp !== undefined && !isTlp(tlp)) throw new Error(`tlp must be clear, green, amber, amber+strict or red, got "${tlp}"`);
  return {
    id: node.id, kind, page: p, title: (config.title || config.name || kind).slice(0, 100), roles, order: integer(config.order, 'order', 0, -1000, 1000),
    ...(tlp ? { tlp } : {}), ...(config.personal === true ? { personal: true } : {}),
  };
}

export interface AttachedPanel {
  /** The state changed: send it with the next flush. */
  touch(): void;
  remove(): void;
}

export function attachPanel(RED: NodeAPI, def: PanelDef, state: PanelState, onAction?: RowAction): AttachedPanel {
  const registry = consoleOf(platformFor(RED), RED.log).panels;
  const panel = registry.register(def, state, onAction);
  return {
    touch: () => registry.touch(def.id),
    // A redeploy registers the new node under the same id first; only remove what is still ours.
    remove: () => {
      if (registry.get(def.id) === panel) registry.unregister(def.id);
    },
  };
}

/** A message's addressee on a personal panel: msg.user as a user name, or a {username} (what a row button's output carries). */
function addressee(msg: object): unknown {
  const u = (msg as { user?: unknown }).user;
  return u && typeof u === 'object' ? (u as { username?: unknown }).username : u;
}

export interface AttachedStates<S> {
  /** The state a message changes: the panel's own, or on a personal panel msg.user's. Throws without a valid msg.user there. */
  of(msg: object): S;
  /** That state changed: it goes out with the next flush, to that user only on a personal panel. */
  touch(msg: object): void;
  remove(): void;
}

/**
 * A panel, shared or personal (def.personal), behind one interface for the node: `create` makes
 * one state (once for a shared panel, once per user for a personal one). A row press hands the
 * node the state the row is in: on a personal panel, the presser's own.
 */
export function attachStates<S extends PanelState>(RED: NodeAPI, def: PanelDef, create: () => S, onAction?: (action: string, key: string, user: SessionUser, state: S) => void): AttachedStates<S> {
  if (!def.personal) {
    const state = create();
    const panel = attachPanel(RED, def, state, onAction && ((action, key, user) => onAction(action, key, user, state)));
    return { of: () => state, touch: () => panel.touch(), remove: () => panel.remove() };
  }
  const registry = consoleOf(platformFor(RED), RED.log).panels;
  const states = new PersonalStates(create);
  const panel = registry.registerPersonal(def, states, onAction && ((action, key, user) => {
    const own = states.get(user.username);
    if (own) onAction(action, key, user, own);
  }));
  return {
    of: (msg) => states.of(addressee(msg)),
    touch: (msg) => registry.touch(def.id, addressee(msg) as string),
    remove: () => {
      if (registry.get(def.id) === panel) registry.unregister(def.id);
    },
  };
}

/** "field:Label" or "field" per line (or comma): for table columns and row actions. */
export function pairs(text: unknown, what: string, max: number): Array<{ name: string; label: string }> {
  if (text !== undefined && typeof text !== 'string') throw new Error(`${what} must be text: one "name:Label" per line`);
  const items = (text ?? '').split(/[\n,]/).map((l) => l.trim()).filter(Boolean).map((line) => {
    const i = line.indexOf(':');
    const name = (i < 0 ? line : line.slice(0, i)).trim();
    const label = (i < 0 ? name : line.slice(i + 1)).trim() || name;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`${what}: "${name}" must be letters, digits, _ . or -`);
    return { name, label: label.slice(0, 64) };
  });
  if (items.length > max) throw new Error(`${what}: at most ${max}`);
  return items;
}

/** A time from msg: epoch ms, an ISO 8601 string or a Date; now when absent. */
export function timeOf(value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`the time must be epoch milliseconds or an ISO 8601 string, got ${JSON.stringify(value)}`);
  return ms;
}
