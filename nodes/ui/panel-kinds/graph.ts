/**
 * Graph panel state: a directed graph (nodes, edges, labels, kinds, marks) laid out here in
 * layers by dagre, so the browser only draws what it is sent. The whole graph is replaced by each
 * message; what a flow may send is bounded (nodes, edges, label lengths), and a bad graph is
 * refused whole, leaving the panel as it was.
 */
import dagre from '@dagrejs/dagre';
import type { PanelState } from '../../platform';

export interface GraphKind {
  name: string;
  label: string;
  /** #rrggbb */
  color: string;
}

export interface GraphOptions {
  /** Layers left to right (LR) or top to bottom (TB). */
  direction: 'LR' | 'TB';
  /** The node kinds the legend names, with their colours; a node of another kind is drawn plain. */
  kinds: GraphKind[];
  maxNodes: number;
  maxEdges: number;
}

export interface GraphNodeIn {
  id: string;
  label?: string;
  kind?: string;
  /** A highlight with its reason ("cut", "entry"): drawn marked, the reason said beside it. */
  mark?: string;
}

export interface GraphEdgeIn {
  from: string;
  to: string;
  label?: string;
  mark?: string;
}

/** What the browser draws: positions in graph units, edges as polylines. */
export interface GraphLayout {
  nodes: Array<Required<Pick<GraphNodeIn, 'id' | 'label'>> & Pick<GraphNodeIn, 'kind' | 'mark'> & { x: number; y: number; width: number; height: number }>;
  /** `labelAt`: where the edge's label goes, when it has one. */
  edges: Array<GraphEdgeIn & { points: Array<[number, number]>; labelAt?: [number, number] }>;
  width: number;
  height: number;
  /** The same graph laid out the other way (TB for LR): a phone shows it when the first would be too small to read. */
  turned?: GraphLayout;
}

const ID = 128;
const LABEL = 80;
const MARK = 24;
/** Node box size from its label: the client draws 12 px text, about 7 px a character. */
const CHAR_W = 7;
const NODE_H = 34;

function text(value: unknown, what: string, max: number, required = false): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw new TypeError(`${what} is required`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`${what} must be text`);
  const s = String(value);
  if (s.length > max) throw new RangeError(`${what} must be at most ${max} characters`);
  return s;
}

/** Checks a graph message whole: nothing is taken unless every node and edge is good. */
export function checkGraph(payload: unknown, options: GraphOptions): { nodes: GraphNodeIn[]; edges: GraphEdgeIn[] } {
  const p = payload as { nodes?: unknown; edges?: unknown } | null;
  if (!p || typeof p !== 'object' || !Array.isArray(p.nodes) || (p.edges !== undefined && !Array.isArray(p.edges))) {
    throw new TypeError('msg.payload must be { nodes: [{ id, label?, kind?, mark? }], edges: [{ from, to, label?, mark? }] }');
  }
  const edgesIn = (p.edges ?? []) as unknown[];
  if (p.nodes.length > options.maxNodes) throw new RangeError(`a graph may have at most ${options.maxNodes} nodes (got ${p.nodes.length})`);
  if (edgesIn.length > options.maxEdges) throw new RangeError(`a graph may have at most ${options.maxEdges} edges (got ${edgesIn.length})`);
  const ids = new Set<string>();
  const nodes = p.nodes.map((raw, i): GraphNodeIn => {
    if (!raw || typeof raw !== 'object') throw new TypeError(`nodes[${i}] must be an object`);
    const n = raw as Record<string, unknown>;
    const id = text(n.id, `nodes[${i}].id`, ID, true)!;
    if (ids.has(id)) throw new Error(`nodes[${i}]: id "${id}" is there twice`);
    ids.add(id);
    const label = text(n.label, `nodes[${i}].label`, LABEL);
    const kind = text(n.kind, `nodes[${i}].kind`, 64);
    const mark = text(n.mark, `nodes[${i}].mark`, MARK);
    return { id, ...(label !== undefined ? { label } : {}), ...(kind !== undefined ? { kind } : {}), ...(mark !== undefined ? { mark } : {}) };
  });
  const edges = edgesIn.map((raw, i): GraphEdgeIn => {
    if (!raw || typeof raw !== 'object') throw new TypeError(`edges[${i}] must be an object`);
    const e = raw as Record<string, unknown>;
    const from = text(e.from, `edges[${i}].from`, ID, true)!;
    const to = text(e.to, `edges[${i}].to`, ID, true)!;
    for (const end of [from, to]) if (!ids.has(end)) throw new Error(`edges[${i}]: there is no node "${end}"`);
    const label = text(e.label, `edges[${i}].label`, LABEL);
    const mark = text(e.mark, `edges[${i}].mark`, MARK);
    return { from, to, ...(label !== undefined ? { label } : {}), ...(mark !== undefined ? { mark } : {}) };
  });
  return { nodes, edges };
}

/**
 * Layers by dagre (Sugiyama: cycles broken, ranks by network simplex, crossings reduced by the
 * barycentre heuristic, then coordinates). Several edges between two nodes stay apart because
 * the graph is a multigraph.
 */
export function layOut(graph: { nodes: GraphNodeIn[]; edges: GraphEdgeIn[] }, direction: GraphOptions['direction']): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: direction, nodesep: 24, ranksep: 56, edgesep: 12, marginx: 8, marginy: 8 });
  for (const n of graph.nodes) {
    const label = n.label ?? n.id;
    g.setNode(n.id, { width: Math.max(48, Math.min(label.length, 28) * CHAR_W + 20), height: NODE_H });
  }
  graph.edges.forEach((e, i) => {
    // An edge label takes room between layers, so labelled edges do not overlap their text.
    const text = [e.mark ? `✂ ${e.mark}` : '', e.label ?? ''].join(' ').trim();
    g.setEdge(e.from, e.to, text ? { width: Math.min(text.length, 40) * 6.5, height: 14, labelpos: 'c' } : {}, String(i));
  });
  dagre.layout(g);
  const round = (v: number) => Math.round(v * 10) / 10;
  const size = g.graph() as { width?: number; height?: number };
  return {
    nodes: graph.nodes.map((n) => {
      const at = g.node(n.id);
      return { ...n, label: n.label ?? n.id, x: round(at.x), y: round(at.y), width: at.width, height: at.height };
    }),
    edges: graph.edges.map((e, i) => {
      const at = g.edge(e.from, e.to, String(i)) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
      const points = (at.points ?? []).map((pt) => [round(pt.x), round(pt.y)] as [number, number]);
      return { ...e, points, ...((e.label || e.mark) && at.x !== undefined && at.y !== undefined ? { labelAt: [round(at.x), round(at.y)] as [number, number] } : {}) };
    }),
    width: round(size.width ?? 0),
    height: round(size.height ?? 0),
  };
}

export class GraphState implements PanelState {
  private layout: GraphLayout | null = null;
  private changed = false;

  constructor(readonly options: GraphOptions & Record<string, unknown>) {}

  replace(payload: unknown): GraphLayout {
    const graph = checkGraph(payload, this.options);
    this.layout = { ...layOut(graph, this.options.direction), turned: layOut(graph, this.options.direction === 'LR' ? 'TB' : 'LR') };
    this.changed = true;
    return this.layout;
  }

  clear(): void {
    this.layout = null;
    this.changed = true;
  }

  snapshot(): unknown {
    return this.layout;
  }

  takeUpdate(): unknown {
    if (!this.changed) return undefined;
    this.changed = false;
    // null is "cleared"; undefined would mean "nothing changed".
    return this.snapshot();
  }
}
