import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { MapLayerState } from './panel-kinds/map-layer';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedPanel, PanelNodeDef } from './panel-node';
import { attachPanel, panelDef } from './panel-node';

interface MapLayerNodeDef extends PanelNodeDef {
  color?: string;
}

export = function (RED: NodeAPI): void {
  function ImpetusUiMapLayerNode(this: Node, config: MapLayerNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let state: MapLayerState;
    let panel: AttachedPanel;
    try {
      const color = config.color || '#4cc2ff';
      if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new Error(`color must be #rrggbb, got "${color}"`);
      const def = panelDef(node, config, 'map-layer');
      state = new MapLayerState({ color, name: def.title });
      panel = attachPanel(RED, def, state);
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }
    handleInput(node, status, async (msg: NodeMessageInFlow) => {
      state.set(msg.topic === 'clear' ? { type: 'FeatureCollection', features: [] } : msg.payload);
      panel.touch();
      status.ok(RED._('impetus-ui-map-layer.status.features', { count: (state.snapshot() as { features: unknown[] }).features.length }));
    }, () => panel.remove());
  }
  RED.nodes.registerType('impetus-ui-map-layer', ImpetusUiMapLayerNode);
};
