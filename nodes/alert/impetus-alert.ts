import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Alert, DraftDefaults, RaiseOptions } from '../platform';
import { DEFAULT_FINGERPRINT_KEYS, platformFor } from '../platform';
import { handleInput, StatusReporter, translator } from '../platform/node-kit';

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

/** Drafts in one message at most: each is raised at once, so the bound is on memory and on the event loop. */
const MAX_BATCH_DRAFTS = 10_000;

/** A draft of an array that was refused: its index in the array and why. */
interface BatchError {
  index: number;
  message: string;
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
    const t = translator(RED, 'impetus-alert', __dirname);
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
      const options = { defaults, sourceNode: node.id, fingerprintKeys };
      // The input message is reused rather than cloned: the payload is replaced wholesale.
      const out = msg as NodeMessageInFlow & { outcome?: string | string[]; alertId?: string; alertIds?: string[]; errors?: BatchError[] };
      if (Array.isArray(msg.payload)) {
        await raiseBatch(msg.payload, options, out, send);
        return;
      }
      const { alert, outcome } = await platform.alerts.raise(msg.payload, options);
      stored += 1;
      showStored(alert, outcome);
      out.payload = alert;
      out.outcome = outcome;
      out.alertId = alert.id;
      send(out);
    }, platform.hold());

    function showStored(alert: Alert, outcome: string): void {
      const text = () => RED._(`impetus-alert.status.${outcome}`, { priority: alert.priority, tool: alert.tool, count: alert.count, stored });
      if (alert.silenced) status.warnLazy(text);
      else status.okLazy(text);
    }

    /**
     * The drafts of the array are raised together (AlertService.raiseMany), so their writes share
     * one group commit (one transaction and one fsync for up to 1,000 drafts): a refused draft
     * fails alone and the others are stored and sent in one message, in their order.
     */
    async function raiseBatch(
      drafts: unknown[],
      options: RaiseOptions,
      out: NodeMessageInFlow & { outcome?: string | string[]; alertIds?: string[]; errors?: BatchError[] },
      send: (msg: NodeMessageInFlow) => void,
    ): Promise<void> {
      if (drafts.length === 0) throw new Error(t('errors.emptyBatch'));
      if (drafts.length > MAX_BATCH_DRAFTS) throw new Error(t('errors.batchTooLong', { count: drafts.length, max: MAX_BATCH_DRAFTS }));
      const results = await platform.alerts.raiseMany(drafts, options);
      const alerts: Alert[] = [];
      const outcomes: string[] = [];
      const errors: BatchError[] = [];
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') {
          alerts.push(result.value.alert);
          outcomes.push(result.value.outcome);
        } else {
          errors.push({ index, message: (result.reason as Error)?.message ?? String(result.reason) });
        }
      });
      stored += alerts.length;
      if (alerts.length) {
        showStored(alerts[alerts.length - 1], outcomes[outcomes.length - 1]);
        out.payload = alerts;
        out.outcome = outcomes;
        out.alertIds = alerts.map((a) => a.id);
        if (errors.length) out.errors = errors;
        send(out);
      }
      if (errors.length) {
        const shown = errors.slice(0, 3).map((e) => `[${e.index}] ${e.message}`).join('; ');
        throw new Error(t('errors.batch', { failed: errors.length, total: drafts.length, errors: shown }));
      }
    }
  }
  RED.nodes.registerType('impetus-alert', ImpetusAlertNode);
};
