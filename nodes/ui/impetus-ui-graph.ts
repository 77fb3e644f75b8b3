import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { GraphState, type GraphKind, type GraphOptions } from './panel-kinds/graph';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedPanel, PanelNodeDef } from './panel-node';
import { attachPanel, integer, panelDef } from './panel-node';

interface GraphNodeDef extends PanelNodeDef {
  /** LR (layers left to right) or TB (top to bottom). */
  direction?: string;
  /** "kind:Label:#rrggbb" per line: the legend and the node colours. */
  kinds?: string;
  maxNodes?: number | string;
}

/** "kind:Label:#rrggbb" per line (or comma); the label may be left out. */
function kindsOf(text: unknown): GraphKind[] {
  if (text !== undefined && typeof text !== 'string') throw new Error('kinds must be text: one "kind:Label:#rrggbb" per line');
  const kinds = (text ?? '').split(/[\n,]/).map((l) => l.trim()).filter(Boolean).map((line) => {
    const parts = line.split(':').map((p) => p.trim());
    const color = parts.length > 1 ? parts[parts.length - 1] : '';
    const name = parts[0];
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`kinds: "${name}" must be letters, digits, _ . or -`);
    if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new Error(`kinds: "${line}" must end in a colour #rrggbb`);
    return { name, label: (parts.length > 2 ? parts.slice(1, -1).join(':') : name).slice(0, 64) || name, color };
  });
  if (kinds.length > 12) throw new Error('kinds: at most 12');
  return kinds;
}

export = function (RED: NodeAPI): void {
  function ImpetusUiGraphNode(this: Node, config: GraphNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let state: GraphState;
    let panel: AttachedPanel;
    try {
      const direction = (config.direction || 'LR') as GraphOptions['direction'];
      if (direction !== 'LR' && direction !== 'TB') throw new Error(`direction must be LR or TB, got "${direction}"`);
      const maxNodes = integer(config.maxNodes, 'maxNodes', 200, 1, 500);
      state = new GraphState({ direction, kinds: kindsOf(config.kinds), maxNodes, maxEdges: maxNodes * 4 });
      panel = attachPanel(RED, panelDef(node, config, 'graph'), state);
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    handleInput(node, status, async (msg: NodeMessageInFlow) => {
      if (msg.topic === 'clear') {
        state.clear();
        panel.touch();
        status.ok(RED._('impetus-ui-graph.status.cleared'));
        return;
      }
      const layout = state.replace(msg.payload);
      panel.touch();
      status.ok(RED._('impetus-ui-graph.status.graph', { nodes: layout.nodes.length, edges: layout.edges.length }));
    }, () => panel.remove());
  }
  RED.nodes.registerType('impetus-ui-graph', ImpetusUiGraphNode);
};
