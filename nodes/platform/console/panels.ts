/**
 * Panels that dashboard nodes (nodes/ui/*) put on console pages. Each node registers one panel
 * with its page, its title and the roles that may see it, and pushes data into it; the live hub
 * collects what changed at every flush and sends it to the clients allowed to see it. State is
 * bounded by construction (ring buffers, row and size caps), whatever a flow sends.
 */
import type { Tlp } from '../model/tlp';
import { tlpRank } from '../model/tlp';
import type { ToolHealth } from './alert-index';
import type { Role } from './settings';
import type { SessionUser } from './sessions';
import { TOOL_IDS, toolInfo } from './tools';
import type { View } from './views';
import { clearanceOf, seesToolPage } from './views';

export type PanelKind = 'chart' | 'status' | 'table' | 'map-layer' | 'editor';

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
}

export type RowAction = (action: string, key: string, user: SessionUser) => void;

export interface Panel {
  readonly def: PanelDef;
  readonly state: PanelState;
  readonly onAction?: RowAction;
}

export interface PanelUpdate {
  panel: Panel;
  /** Serialised once, sent to every client that may see the panel. */
  json: string;
}

export const PAGE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class PanelRegistry {
  private readonly panels = new Map<string, Panel>();
  private readonly dirty = new Set<string>();

  /** `changed` is told when a panel has something to send (the hub schedules a flush). */
  constructor(private readonly changed: (panel: Panel) => void = () => undefined) {}

  register(def: PanelDef, state: PanelState, onAction?: RowAction): Panel {
    if (!PAGE_NAME.test(def.page)) throw new Error(`page must be lower-case letters, digits and -, got "${def.page}"`);
    if (!def.roles.length) throw new Error('a panel needs at least one role that may see it');
    const panel: Panel = { def: { ...def, roles: [...def.roles] }, state, onAction };
    this.panels.set(def.id, panel);
    return panel;
  }

  unregister(id: string): void {
    this.panels.delete(id);
    this.dirty.delete(id);
  }

  get(id: string): Panel | undefined {
    return this.panels.get(id);
  }

  /** A panel's state changed; it goes out with the next flush. */
  touch(id: string): void {
    const panel = this.panels.get(id);
    if (!panel) return;
    this.dirty.add(id);
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
    return updates;
  }

  all(): Panel[] {
    return [...this.panels.values()];
  }

  /** The role must be named by the node (admin sees all) and the view must open the page. */
  visible(panel: Panel, view: View): boolean {
    return (view.role === 'admin' || panel.def.roles.includes(view.role)) && seesToolPage(view, panel.def.page, TOOL_IDS)
      && tlpRank(panel.def.tlp) <= tlpRank(clearanceOf(view));
  }

  pages(view: View): Array<{ page: string; title: string; panels: number }> {
    const count = new Map<string, number>();
    for (const panel of this.panels.values()) if (this.visible(panel, view)) count.set(panel.def.page, (count.get(panel.def.page) ?? 0) + 1);
    return [...count.entries()].map(([page, panels]) => ({ page, title: toolInfo(page).name, panels })).sort((a, b) => a.title.localeCompare(b.title));
  }

  page(view: View, page: string): Array<{ id: string; kind: PanelKind; title: string; order: number; options: Record<string, unknown>; data: unknown }> {
    return [...this.panels.values()]
      .filter((p) => p.def.page === page && this.visible(p, view))
      .sort((a, b) => a.def.order - b.def.order || a.def.title.localeCompare(b.def.title))
      .map((p) => ({ id: p.def.id, kind: p.def.kind, title: p.def.title, order: p.def.order, options: p.state.options, data: p.state.snapshot() }));
  }
}
