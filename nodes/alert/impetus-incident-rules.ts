import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { IncidentRule } from '../platform';
import { platformFor } from '../platform';
import { handleInput, StatusReporter, translator } from '../platform/node-kit';
import { parseRules } from './incident-rules';

interface RulesNodeDef extends NodeDef {
  /** JSON list of grouping rules; empty keeps the settings' rules (impetus.incidents.rules). */
  rules?: string;
}

/**
 * Sets this runtime's incident grouping rules from a flow (docs/incidents.md): the rules in the
 * node's properties at deploy, or a list in msg.payload at any time. Closing the node gives the
 * settings' rules back. One such node per runtime: the last one deployed or fed wins.
 */
export = function (RED: NodeAPI): void {
  const t = translator(RED, 'impetus-incident-rules', __dirname);
  function IncidentRulesNode(this: Node, config: RulesNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);
    let mine: readonly IncidentRule[] | undefined;
    const apply = (rules: IncidentRule[]) => {
      platform.incidents.setRules(rules);
      mine = platform.incidents.currentRules;
      status.ok(t('status.rules', { count: rules.length }));
    };
    if (config.rules?.trim()) {
      try {
        apply(parseRules(config.rules));
      } catch (err) {
        status.error(t('status.invalid'));
        node.error(`impetus-incident-rules: ${(err as Error).message}`);
      }
    } else {
      status.ok(t('status.settings'));
    }
    const release = platform.hold();
    handleInput(node, status, async (msg, send) => {
      apply(parseRules(msg.payload));
      msg.payload = platform.incidents.currentRules;
      send(msg);
    }, async () => {
      // Someone else's rules (a later node) are left alone.
      if (mine && platform.incidents.currentRules === mine) platform.incidents.setRules(undefined);
      await release();
    });
  }
  RED.nodes.registerType('impetus-incident-rules', IncidentRulesNode);
};
