import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { MapLayerState } from './panel-kinds/map-layer';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedPanel, PanelNodeDef } from './panel-node';
import { attachPanel, pairs, panelDef, roleList } from './panel-node';

interface MapLayerNodeDef extends PanelNodeDef {
  color?: string;
  /** "name:Label" per line: what a click on a feature that names them in properties.actions offers. */
  actions?: string;
  actionRoles?: string[] | string;
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
      const actionRoles = roleList(config.actionRoles ?? '', 'actionRoles');
      const outside = actionRoles.filter((r) => !def.roles.includes(r));
      if (outside.length) throw new Error(`actionRoles must also be allowed to see the layer: ${outside.join(', ')}`);
      state = new MapLayerState({ color, name: def.title, actions: pairs(config.actions, 'actions', 5), actionRoles });
      // A feature's button pressed in the console: its id, the action, its properties and who pressed it leave on the output.
      panel = attachPanel(RED, def, state, (action, key, user) => {
        node.send({ topic: action, action, key, payload: state.feature(key), user: { ...user } });
      });
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
