import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { DraftDefaults } from '../platform';
import { DEFAULT_FINGERPRINT_KEYS, platformFor } from '../platform';
import { handleInput, StatusReporter } from '../platform/node-kit';

interface AlertNodeDef extends NodeDef, Omit<DraftDefaults, 'status'> {
  fingerprintKeys?: string;
  /** Actual, Exercise or Test; empty: the draft's, or Actual. */
  alertStatus?: string;
  /**
   * Where flows saved by earlier versions kept alertStatus. The editor uses `status` for the
   * node's runtime status and overwrote it, so a deploy from the editor could turn an exercise
   * node's alerts into Actual ones; only a string there is a setting.
   */
  status?: unknown;
}

/** Turns "tool, event , zone" into keys; empty means the runtime default. */
function parseKeys(text: string | undefined): string[] | undefined {
  const keys = (text ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  return keys.length ? keys : undefined;
}

export = function (RED: NodeAPI): void {
  function ImpetusAlertNode(this: Node, config: AlertNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);
    let stored = 0;
    const defaults: DraftDefaults = {};
    for (const key of ['tool', 'event', 'category', 'severity', 'urgency', 'certainty'] as const) {
      const value = config[key];
      if (typeof value === 'string' && value !== '') (defaults as Record<string, string>)[key] = value;
    }
    const alertStatus = config.alertStatus || (typeof config.status === 'string' ? config.status : '');
    if (alertStatus) defaults.status = alertStatus as DraftDefaults['status'];
    const fingerprintKeys = parseKeys(config.fingerprintKeys) ?? platform.settings.fingerprintKeys ?? [...DEFAULT_FINGERPRINT_KEYS];

    platform.ready.then(
      () => status.set({ fill: 'grey', shape: 'ring', text: RED._('impetus-alert.status.ready') }),
      (err) => status.error(RED._('impetus-alert.status.storeDown', { error: (err as Error).message })),
    );

    handleInput(node, status, async (msg, send) => {
      await platform.ready;
      const { alert, outcome } = await platform.alerts.raise(msg.payload, { defaults, sourceNode: node.id, fingerprintKeys });
      stored += 1;
      const text = () => RED._(`impetus-alert.status.${outcome}`, { priority: alert.priority, tool: alert.tool, count: alert.count, stored });
      if (alert.silenced) status.warnLazy(text);
      else status.okLazy(text);
      // The input message is reused rather than cloned: the payload is replaced wholesale.
      const out = msg as NodeMessageInFlow & { outcome?: string; alertId?: string };
      out.payload = alert;
      out.outcome = outcome;
      out.alertId = alert.id;
      send(out);
    }, platform.hold());
  }
  RED.nodes.registerType('impetus-alert', ImpetusAlertNode);
};
