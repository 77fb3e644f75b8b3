/**
 * impetus-social-project: an analyst's project (query, languages, zones, relevance filter,
 * alerting and privacy settings) as a config node. The query is compiled once here; every
 * impetus-social-analyse node that names the project shares it.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { resolveProject } from './settings';
import type { ProjectSettings, SocialProjectNode } from './settings';

type Def = NodeDef & ProjectSettings;

export = function (RED: NodeAPI): void {
  function SocialProjectNode(this: SocialProjectNode, config: Def) {
    RED.nodes.createNode(this, config);
    const credentials = (this as unknown as { credentials?: { pseudonymSecret?: string } }).credentials;
    try {
      this.resolved = resolveProject(config, credentials?.pseudonymSecret);
    } catch (err) {
      this.problem = err as Error;
      this.error(`project ${config.name || config.id}: ${this.problem.message}`);
    }
  }
  RED.nodes.registerType('impetus-social-project', SocialProjectNode, { credentials: { pseudonymSecret: { type: 'password' } } });
};
