import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { ActionName, ActionRequest } from '../platform';
import { ACTIONS, platformFor } from '../platform';
import { handleInput, StatusReporter } from '../platform/node-kit';

interface ActionNodeDef extends NodeDef {
  /** An action name, or `msg` to take it from msg.action. */
  action: ActionName | 'msg';
  actor?: string;
}

type ActionMessage = NodeMessageInFlow & {
  action?: unknown;
  alertId?: unknown;
  actor?: unknown;
  user?: unknown;
  reason?: unknown;
  comment?: unknown;
  assignee?: unknown;
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

/**
 * Reads the request from the message. The alert id is msg.alertId or the id of an alert in
 * msg.payload, so the node can sit straight after impetus-alert or impetus-alert-events.
 */
function requestFrom(msg: ActionMessage, config: ActionNodeDef): ActionRequest {
  const action = config.action === 'msg' ? msg.action : config.action;
  if (typeof action !== 'string' || !ACTIONS.includes(action as ActionName)) {
    throw new TypeError(`msg.action must be one of ${ACTIONS.join(', ')}`);
  }
  const payload = msg.payload as { id?: unknown } | string | undefined;
  const alertId = text(msg.alertId) ?? (payload && typeof payload === 'object' ? text(payload.id) : undefined);
  if (!alertId) throw new TypeError('the alert id is missing: set msg.alertId or send the alert as msg.payload');
  const by = text(msg.actor) ?? text(msg.user) ?? text(config.actor);
  if (!by) throw new TypeError('who acts is missing: set msg.actor or the node\'s Actor property');
  const fromPayload = typeof payload === 'string' ? payload : undefined;
  return {
    action: action as ActionName,
    alertId,
    by,
    text: text(msg.reason) ?? text(msg.comment) ?? fromPayload,
    assignee: text(msg.assignee),
  };
}

export = function (RED: NodeAPI): void {
  function ImpetusAlertActionNode(this: Node, config: ActionNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);

    handleInput(node, status, async (msg, send) => {
      const request = requestFrom(msg as ActionMessage, config);
      await platform.ready;
      msg.payload = await platform.alerts.act(request);
      status.ok(RED._('impetus-alert-action.status.done', { action: request.action, by: request.by }));
      send(msg);
    }, platform.hold());
  }
  RED.nodes.registerType('impetus-alert-action', ImpetusAlertActionNode);
};
