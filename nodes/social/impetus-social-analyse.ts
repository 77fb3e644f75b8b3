/**
 * impetus-social-analyse: posts in (one or an array in msg.payload, in the one post shape),
 * matched against the project, scored (sentiment, irony, threat, each explained) and watched
 * for alerts.
 *
 * Outputs: 1 analysed posts (one message per matched post), 2 alert drafts (for impetus-alert).
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { analyse } from './analyse';
import type { SocialProjectNode } from './settings';
import { SocialMonitor } from './monitor';
import { toPost } from './post';

interface AnalyseNodeDef extends NodeDef {
  project?: string;
}

/** Posts in one message at most: a bigger batch is a flow mistake, refused whole. */
const MAX_BATCH = 10_000;

export = function (RED: NodeAPI): void {
  function SocialAnalyseNode(this: Node, config: AnalyseNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-social-analyse', __dirname);
    const projectNode = config.project ? (RED.nodes.getNode(config.project) as SocialProjectNode | null) : null;
    if (!projectNode) return refuseInput(node, status, new Error(t('errors.noProject')));
    if (!projectNode.resolved) return refuseInput(node, status, new Error(t('errors.badProject', { detail: projectNode.problem?.message ?? '?' })));
    const resolved = projectNode.resolved;
    const monitors = new Map<boolean, SocialMonitor>();
    const monitorFor = (exercise: boolean) => {
      let m = monitors.get(exercise);
      if (!m) {
        m = new SocialMonitor({ ...resolved.monitor, sourceNode: node.id, exercise });
        monitors.set(exercise, m);
      }
      return m;
    };
    let seen = 0;
    let matched = 0;
    let alerts = 0;

    handleInput(node, status, async (raw, send) => {
      const msg = raw as NodeMessageInFlow & { exercise?: boolean; status?: unknown };
      const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      if (items.length > MAX_BATCH) throw new Error(t('errors.tooMany', { max: MAX_BATCH }));
      const exercise = msg.exercise === true || msg.status === 'Exercise';
      const mark = exercise ? { exercise: true, status: 'Exercise' } : {};
      const errors: string[] = [];
      const now = Date.now();
      items.forEach((item, i) => {
        try {
          const post = toPost(item, now);
          seen++;
          const a = analyse(resolved.project, post, { pseudonymSecret: resolved.pseudonymSecret });
          if (!a) return;
          matched++;
          const drafts = monitorFor(exercise).observe(a, now);
          alerts += drafts.length;
          send([{ ...mark, topic: resolved.name, payload: a }, null]);
          for (const d of drafts) send([null, { ...mark, topic: resolved.name, payload: d }]);
        } catch (err) {
          errors.push(`${Array.isArray(msg.payload) ? `[${i}]` : 'payload'}: ${(err as Error).message}`);
        }
      });
      const text = () => t('status.counts', { seen, matched, alerts });
      if (alerts) status.warnLazy(text);
      else status.okLazy(text);
      // The good posts of a batch went on; the message fails for the others, so a Catch sees them.
      if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, total: items.length, detail: errors.slice(0, 3).join('; ') }));
    });
  }
  RED.nodes.registerType('impetus-social-analyse', SocialAnalyseNode);
};
