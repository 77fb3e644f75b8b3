import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Alert, FiwareRepresentation } from '../platform';
import { alertToFiware, FIWARE_REPRESENTATIONS, platformFor } from '../platform';
import { handleInput, StatusReporter, translator } from '../platform/node-kit';

interface FiwareNodeDef extends NodeDef {
  representation?: FiwareRepresentation;
  /** `ngsi-ld`: the entity carries `@context`; `none`: for NGSI-v2 brokers or a Link header. */
  ngsiContext?: 'ngsi-ld' | 'none';
  consoleUrl?: string;
  dataProvider?: string;
}

/**
 * A stored alert (from impetus-alert or impetus-alert-events) as a FIWARE Smart Data Models
 * `Alert` entity in msg.payload, for an http request node to send to a context broker.
 */
export = function (RED: NodeAPI): void {
  const t = translator(RED, 'impetus-fiware', __dirname);
  function ImpetusFiwareNode(this: Node, config: FiwareNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);
    const representation = config.representation ?? 'normalized';
    const options = {
      context: config.ngsiContext !== 'none',
      consoleUrl: config.consoleUrl?.trim() || undefined,
      dataProvider: config.dataProvider?.trim() || undefined,
    };

    handleInput(node, status, async (msg, send) => {
      if (!FIWARE_REPRESENTATIONS.includes(representation)) throw new TypeError(t('errors.representation', { value: String(representation) }));
      // Only a whole stored alert converts faithfully: a draft has no id, dates or state yet.
      platform.validators.assert('alert', msg.payload);
      const alert = msg.payload as Alert;
      msg.payload = alertToFiware(alert, representation, options);
      (msg as { headers?: Record<string, string> }).headers = { 'content-type': options.context ? 'application/ld+json' : 'application/json' };
      status.okLazy(() => t('status.sent', { id: alert.id }));
      send(msg);
    });
  }
  RED.nodes.registerType('impetus-fiware', ImpetusFiwareNode);
};
