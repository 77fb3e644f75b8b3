/**
 * impetus-social-project: an analyst's project (query, languages, zones, relevance filter,
 * alerting and privacy settings) as a config node. The query is compiled once here; every
 * impetus-social-analyse node that names the project shares it. The query is also editable from
 * the console's social page (query-editor.ts): previewed over the last day's posts, applied by the
 * roles allowed to, audited, and kept across restarts.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { nodeStateFile } from '../anomaly/persist';
import type { Role } from '../platform';
import { consoleOf, platformFor } from '../platform';
import { DAY_MS, QueryEditor, RecentPosts } from './query-editor';
import { resolveProject } from './settings';
import type { ProjectSettings, SocialProjectNode } from './settings';

type Def = NodeDef & ProjectSettings;

/** Who sees the query panel (the roles of the social page's post table), and who may preview and apply (admin always may). */
const VIEWERS: Role[] = ['intel', 'operator', 'supervisor', 'admin'];
const EDITORS: Role[] = ['intel'];

export = function (RED: NodeAPI): void {
  function SocialProjectNode(this: SocialProjectNode, config: Def) {
    RED.nodes.createNode(this, config);
    const node = this;
    const secret = (this as unknown as { credentials?: { pseudonymSecret?: string } }).credentials?.pseudonymSecret;
    try {
      this.resolved = resolveProject(config, secret);
    } catch (err) {
      this.problem = err as Error;
      this.error(`project ${config.name || config.id}: ${this.problem.message}`);
      return;
    }
    const resolved = this.resolved;
    const name = resolved.name;
    this.recent = new RecentPosts(Math.min(DAY_MS, resolved.monitor.retentionMs));
    const panels = consoleOf(platformFor(RED), RED.log).panels;
    const editor = new QueryEditor({
      project: name,
      flowQuery: config.query!,
      store: nodeStateFile(RED.settings.userDir as string | undefined, 'social-query', node.id),
      build: (query) => resolveProject({ ...config, query }, secret).project,
      // The analyse nodes read resolved.project at every message: the next post meets the new query.
      use: (project) => {
        resolved.project = project;
      },
      audit: (entry) => {
        // Node-RED's audit events are {event, …} objects (the runtime's own are); its types ask for a log level instead.
        RED.log.audit({ event: 'impetus.social.query', ...entry } as unknown as Parameters<NodeAPI['log']['audit']>[0]);
        node.log(`query of ${name} applied by ${entry.by} (${entry.role}): "${entry.from}" → "${entry.to}"; reason: ${entry.reason}`);
      },
      touch: () => panels.touch(node.id),
      warn: (message) => node.warn(`project ${name}: ${message}`),
      editors: EDITORS,
      recent: this.recent,
    });
    const panel = panels.register({ id: node.id, kind: 'editor', page: 'social', title: `${name}: query (preview over the last day, apply audited)`, roles: VIEWERS, order: -10 }, editor);
    node.on('close', () => {
      if (panels.get(node.id) === panel) panels.unregister(node.id);
    });
  }
  RED.nodes.registerType('impetus-social-project', SocialProjectNode, { credentials: { pseudonymSecret: { type: 'password' } } });
};
