import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { checkFilters, TableState, type TableColumn } from './panel-kinds/table';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedStates, PanelNodeDef } from './panel-node';
import { attachStates, integer, pairs, panelDef, roleList } from './panel-node';

/** After a column's label: its cells are media references (thumbnails), date-times (in the site's time zone) or indicators (linked to their sightings). */
const TYPE = /:\s*(image|time|indicator)$/i;

/** "field:Label" per line, then ":image", ":time" or ":indicator" for an image, date-time or indicator column. */
function columnsOf(text: unknown): TableColumn[] {
  return pairs(text, 'columns', 20).map(({ name, label }) => {
    const type = TYPE.exec(label);
    if (!type) return { field: name, label };
    return { field: name, label: label.replace(TYPE, '').trim() || name, type: type[1].toLowerCase() as TableColumn['type'] };
  });
}

interface TableNodeDef extends PanelNodeDef {
  /** "field:Label" per line, ":image" or ":time" after the label for an image or date-time column. */
  columns?: string;
  key?: string;
  /** "name:Label" per line: the row buttons. */
  actions?: string;
  actionRoles?: string[] | string;
  maxRows?: number | string;
  /** "field:kind" per line (select, text or range): the columns the console's viewer may filter by. */
  filters?: string;
}

export = function (RED: NodeAPI): void {
  function ImpetusUiTableNode(this: Node, config: TableNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let panel: AttachedStates<TableState>;
    try {
      const columns = columnsOf(config.columns);
      if (!columns.length) throw new Error('columns: name at least one field');
      const key = (config.key || columns[0].field).trim();
      const def = panelDef(node, config, 'table');
      const actionRoles = roleList(config.actionRoles, 'actionRoles');
      const outside = actionRoles.filter((r) => !def.roles.includes(r));
      if (outside.length) throw new Error(`actionRoles must also be allowed to see the table: ${outside.join(', ')}`);
      const filters = checkFilters(pairs(config.filters, 'filters', 20), columns);
      const options = { columns, key, actions: pairs(config.actions, 'actions', 5), actionRoles, maxRows: integer(config.maxRows, 'maxRows', 200, 1, 1000), filters };
      // A row button pressed in the console: the row, the action and who pressed it leave on the
      // output (on a personal table, the presser's own row: nobody can press another user's).
      panel = attachStates(RED, def, () => new TableState(options), (action, rowKey, user, state) => {
        node.send({ topic: action, action, key: rowKey, payload: state.row(rowKey), user: { ...user } });
      });
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    handleInput(node, status, async (msg: NodeMessageInFlow) => {
      // On a personal table, msg.user names whose rows these are.
      const state = panel.of(msg);
      if (msg.topic === 'clear') state.replace([]);
      else if (msg.topic === 'remove') {
        if (typeof msg.payload !== 'string' && typeof msg.payload !== 'number') throw new TypeError('to remove a row, send its key in msg.payload with msg.topic "remove"');
        state.remove(String(msg.payload));
      } else if (Array.isArray(msg.payload)) state.replace(msg.payload);
      else state.upsert(msg.payload);
      panel.touch(msg);
      status.ok(RED._('impetus-ui-table.status.rows', { count: (state.snapshot() as { rows: unknown[] }).rows.length }));
    }, () => panel.remove());
  }
  RED.nodes.registerType('impetus-ui-table', ImpetusUiTableNode);
};
