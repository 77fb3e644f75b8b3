/**
 * Panels that dashboard nodes (nodes/ui/*) put on console pages. Each node registers one panel
 * with its page, its title and the roles that may see it, and pushes data into it; the live hub
 * collects what changed at every flush and sends it to the clients allowed to see it. State is
 * bounded by construction (ring buffers, row and size caps), whatever a flow sends.
 *
 * A personal panel holds one state per console user instead of one for all: a message addressed
 * to a user changes that user's state, and the user is sent their own state and nobody else's,
 * whatever the role (admin and supervisor included). It never appears on a shared page.
 */
import type { Tlp } from '../model/tlp';
import { tlpRank } from '../model/tlp';
import type { ToolHealth } from './alert-index';
import type { Role } from './settings';
import { USER_NAME } from './settings';
import type { SessionUser } from './sessions';
import { TOOL_IDS, toolInfo } from './tools';
import type { View } from './views';
import { clearanceOf, seesToolPage } from './views';

export type PanelKind = 'chart' | 'status' | 'table' | 'map-layer' | 'graph' | 'editor';

export interface PanelDef {
  id: string;
  kind: PanelKind;
  /** Tool page name: a tool key (firearm, evacuation…) or a page of its own. */
  page: string;
  title: string;
  roles: Role[];
  /** Position on the page; lower first, then by title. */
  order: number;
  /**
   * The most restricted TLP marking of what the panel shows (a table of CTI matches): only
   * viewers cleared for it see the panel, whatever its roles say. Absent: clear.
   */
  tlp?: Tlp;
  /**
   * One state per console user (an operator's own workload): each user sees only the state
   * addressed to them, and only while their role is one of `roles` (admin has no exception here).
   * Registered with {@link PanelRegistry.registerPersonal}.
   */
  personal?: boolean;
}

/**
 * What one kind of panel keeps and sends. The kinds live with the dashboard nodes
 * (nodes/ui/panel-kinds/); the console knows them only through this interface, and two optional
 * parts for what it does with some of them: a status tile and row buttons.
 */
export interface PanelState {
  /** Everything a client needs to draw the panel from scratch. */
  snapshot(): unknown;
  /** What changed since the last call, for the live stream; undefined when nothing did. */
  takeUpdate(): unknown;
  /** Options the client needs (columns, axis labels…), sent with the snapshot. */
  readonly options: Record<string, unknown>;
  /** A panel that feeds its tool's tile on the main page: the tool, and its health as last reported. */
  readonly tile?: { readonly tool: string; health(): ToolHealth | undefined };
  /** A panel with row buttons: which, who may press them, and whether a row is there to act on. */
  readonly rowActions?: RowActions;
  /** A panel that answers requests with a result (an editor's preview and apply): which, who may send them, the answer. */
  readonly form?: PanelForm;
}

/**
 * Requests a panel answers (`POST api/panels/<id>/requests/<name>`, a JSON body): the console
 * checks that the user sees the panel and that the role may send them; the panel checks the body.
 * A refusal is thrown as a PanelRequestError (its status and fields go to the client); anything
 * else thrown is an internal error.
 */
export interface PanelForm {
  readonly requests: readonly string[];
  /** Roles that may send them; admin always may, a read-only view never. */
  readonly roles: readonly Role[];
  answer(request: string, body: unknown, user: SessionUser): Promise<unknown>;
}

/** A request the panel refuses: 400 for a bad body (with fields such as the column of a syntax error), 409 for a conflict. */
export class PanelRequestError extends Error {
  constructor(message: string, readonly status = 400, readonly fields: Record<string, unknown> = {}) {
    super(message);
    this.name = 'PanelRequestError';
  }
}

export interface RowActions {
  readonly actions: ReadonlyArray<{ name: string; label: string }>;
  /** Roles that may press them; admin always may, a read-only view never. */
  readonly roles: readonly Role[];
  hasRow(key: string): boolean;
  /** Whether the row offers the action now (a paused operator offers Resume, not Pause). */
  offers(key: string, action: string): boolean;
}

export type RowAction = (action: string, key: string, user: SessionUser) => void;

export interface Panel {
  readonly def: PanelDef;
  /** A personal panel's template: its options and the empty snapshot, the same for every user. */
  readonly state: PanelState;
  readonly onAction?: RowAction;
  /** A personal panel's states, by user name. */
  readonly personal?: PersonalStates;
}

export interface PanelUpdate {
  panel: Panel;
  /** A personal panel's update: the one user it is for. */
  user?: string;
  /** Serialised once, sent to every client that may see the panel (a personal one: that user's clients). */
  json: string;
}

export const PAGE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Users one personal panel keeps a state for: a flow addressing made-up names cannot grow it without bound. */
const MAX_PERSONAL_USERS = 1000;

/** A personal panel's states, one per console user name, each made by the first message addressed to that user. */
export class PersonalStates<S extends PanelState = PanelState> {
  private readonly byUser = new Map<string, S>();
  readonly template: S;

  constructor(private readonly create: () => S, private readonly maxUsers = MAX_PERSONAL_USERS) {
    this.template = create();
  }

  /** The user's state, made when absent. Throws on a name no console user can have, or past the cap. */
  of(username: unknown): S {
    if (typeof username !== 'string' || !USER_NAME.test(username)) {
      throw new TypeError(`a personal panel's message needs msg.user: a console user name (letters, digits, . _ @ -, at most 64), got ${JSON.stringify(username)?.slice(0, 80)}`);
    }
    let state = this.byUser.get(username);
    if (!state) {
      if (this.byUser.size >= this.maxUsers) throw new RangeError(`a personal panel keeps at most ${this.maxUsers} users' states`);
      state = this.create();
      this.byUser.set(username, state);
    }
    return state;
  }

  get(username: string): S | undefined {
    return this.byUser.get(username);
  }
}

export class PanelRegistry {
  private readonly panels = new Map<string, Panel>();
  private readonly dirty = new Set<string>();
  /** Personal panels with news: panel id → the users it is for. */
  private readonly dirtyUsers = new Map<string, Set<string>>();

  /** `changed` is told when a panel has something to send (the hub schedules a flush). */
  constructor(private readonly changed: (panel: Panel) => void = () => undefined) {}

  register(def: PanelDef, state: PanelState, onAction?: RowAction): Panel {
    if (def.personal) throw new Error('a personal panel is registered with registerPersonal');
    return this.add({ def: { ...def, roles: [...def.roles] }, state, onAction });
  }

  /** A panel with one state per user (PanelDef.personal); `onAction` hears presses on a user's own rows only. */
  registerPersonal(def: PanelDef, states: PersonalStates, onAction?: RowAction): Panel {
    return this.add({ def: { ...def, roles: [...def.roles], personal: true }, state: states.template, onAction, personal: states });
  }

  private add(panel: Panel): Panel {
    if (!PAGE_NAME.test(panel.def.page)) throw new Error(`page must be lower-case letters, digits and -, got "${panel.def.page}"`);
    if (!panel.def.roles.length) throw new Error('a panel needs at least one role that may see it');
    this.panels.set(panel.def.id, panel);
    return panel;
  }

  unregister(id: string): void {
    this.panels.delete(id);
    this.dirty.delete(id);
    this.dirtyUsers.delete(id);
  }

  get(id: string): Panel | undefined {
    return this.panels.get(id);
  }

  /** A panel's state changed (a personal panel's: that user's); it goes out with the next flush. */
  touch(id: string, user?: string): void {
    const panel = this.panels.get(id);
    if (!panel) return;
    if (panel.personal) {
      if (user === undefined) return;
      let users = this.dirtyUsers.get(id);
      if (!users) this.dirtyUsers.set(id, (users = new Set()));
      users.add(user);
    } else this.dirty.add(id);
    this.changed(panel);
  }

  takeUpdates(): PanelUpdate[] {
    const updates: PanelUpdate[] = [];
    for (const id of this.dirty) {
      const panel = this.panels.get(id);
      const update = panel?.state.takeUpdate();
      if (panel && update !== undefined) updates.push({ panel, json: JSON.stringify({ id, kind: panel.def.kind, update }) });
    }
    this.dirty.clear();
    for (const [id, users] of this.dirtyUsers) {
      const panel = this.panels.get(id);
      for (const user of users) {
        const update = panel?.personal?.get(user)?.takeUpdate();
        // `own` tells the client the panel is one of its own (it may not have it on screen yet).
        if (panel && update !== undefined) updates.push({ panel, user, json: JSON.stringify({ id, kind: panel.def.kind, own: true, update }) });
      }
    }
    this.dirtyUsers.clear();
    return updates;
  }

  all(): Panel[] {
    return [...this.panels.values()];
  }

  /**
   * A shared panel: the role must be named by the node (admin sees all) and the view must open the
   * page. A personal panel is never shared, whoever asks: see {@link ownState}.
   */
  visible(panel: Panel, view: View): boolean {
    if (panel.personal) return false;
    return (view.role === 'admin' || panel.def.roles.includes(view.role)) && seesToolPage(view, panel.def.page, TOOL_IDS)
      && tlpRank(panel.def.tlp) <= tlpRank(clearanceOf(view));
  }

  /**
   * A personal panel's state for this user: only their own, only when something was addressed to
   * them, and only while their role is named by the node (no admin exception: it is someone's own
   * data, not the platform's) and cleared for the panel's marking. The page is not checked: the
   * user's own data is not the tool's data about others, which is what a view leaves out.
   */
  ownState(panel: Panel, view: View, username: string): PanelState | undefined {
    if (!panel.personal || !panel.def.roles.includes(view.role) || tlpRank(panel.def.tlp) > tlpRank(clearanceOf(view))) return undefined;
    return panel.personal.get(username);
  }

  /** The state this user may see of a panel, shared or their own; undefined when none. */
  stateFor(panel: Panel, view: View, username: string): PanelState | undefined {
    return panel.personal ? this.ownState(panel, view, username) : this.visible(panel, view) ? panel.state : undefined;
  }

  pages(view: View): Array<{ page: string; title: string; panels: number }> {
    const count = new Map<string, number>();
    for (const panel of this.panels.values()) if (this.visible(panel, view)) count.set(panel.def.page, (count.get(panel.def.page) ?? 0) + 1);
    return [...count.entries()].map(([page, panels]) => ({ page, title: toolInfo(page).name, panels })).sort((a, b) => a.title.localeCompare(b.title));
  }

  page(view: View, page: string): PanelSnapshot[] {
    return this.snapshots([...this.panels.values()].filter((p) => p.def.page === page && this.visible(p, view)).map((p) => [p, p.state]));
  }

  /** The user's own panels (personal ones with a state addressed to them), wherever their page. */
  own(view: View, username: string): PanelSnapshot[] {
    const own: Array<[Panel, PanelState]> = [];
    for (const p of this.panels.values()) {
      const state = this.ownState(p, view, username);
      if (state) own.push([p, state]);
    }
    return this.snapshots(own);
  }

  private snapshots(panels: Array<[Panel, PanelState]>): PanelSnapshot[] {
    return panels
      .sort(([a], [b]) => a.def.order - b.def.order || a.def.title.localeCompare(b.def.title))
      .map(([p, state]) => ({ id: p.def.id, kind: p.def.kind, title: p.def.title, order: p.def.order, options: p.state.options, data: state.snapshot() }));
  }
}

export interface PanelSnapshot {
  id: string;
  kind: PanelKind;
  title: string;
  order: number;
  options: Record<string, unknown>;
  data: unknown;
}
