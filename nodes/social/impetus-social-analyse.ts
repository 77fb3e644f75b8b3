/**
 * impetus-social-analyse: posts in (one or an array in msg.payload, in the one post shape),
 * matched against the project, scored (sentiment, irony, threat, each explained) and watched
 * for alerts.
 *
 * Outputs: 1 analysed posts (one message per matched post), 2 alert drafts (for impetus-alert),
 * and for the console's tool page: 3 posts per window with the usual band and anomalies marked,
 * 4 sentiment per window with its baseline and shifts marked (both for impetus-ui-chart), 5 the
 * most notable posts with their explanations, 6 the window's top terms with their change against
 * the last day (both for impetus-ui-table).
 */
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { handleInput, PACKAGE_ROOT, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { nodeStateFile, SavedState } from '../anomaly/persist';
import { StateError } from '../anomaly/state-codec';
import { analyse, applyClassifier, MAX_ANALYSED_CHARS } from './analyse';
import type { Analysis } from './analyse';
import { TextClassifier } from './classifier';
import type { SocialProjectNode } from './settings';
import { SocialMonitor } from './monitor';
import type { WindowSummary } from './monitor';
import { NotablePosts, sentimentPoints, termRows, volumePoints } from './panels';
import { toPost } from './post';

interface AnalyseNodeDef extends NodeDef {
  project?: string;
  /** Run the learned irony/threat/offence classifier beside the rules. */
  classifier?: boolean;
  /** Its model file, relative to the user directory; blank: the shipped one. */
  classifierModel?: string;
  /** Let its threat probability raise the threat score. */
  classifierThreat?: boolean;
}

const SHIPPED_CLASSIFIER = path.join(PACKAGE_ROOT, 'models', 'social', 'social-text.onnx');

/** Posts in one message at most: a bigger batch is a flow mistake, refused whole. */
const MAX_BATCH = 10_000;
/** Rows of the notable-posts table. */
const NOTABLE_ROWS = 20;
const STATE_VERSION = 1;
/** The monitor's learning is saved this often while posts come, and on close. */
const SAVE_EVERY_MS = 60_000;

type Out = Array<NodeMessage | null>;

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
    const project = resolved.name;
    // Closed windows of the message being handled, sent after its posts (the monitor tells them while observing).
    let windows: Array<{ summary: WindowSummary; exercise: boolean }> = [];
    const monitors = new Map<boolean, SocialMonitor>();
    const monitorFor = (exercise: boolean) => {
      let m = monitors.get(exercise);
      if (!m) {
        m = new SocialMonitor({ ...resolved.monitor, sourceNode: node.id, exercise, onWindow: (summary) => windows.push({ summary, exercise }) });
        monitors.set(exercise, m);
      }
      return m;
    };
    const notable = new NotablePosts(NOTABLE_ROWS, resolved.monitor.retentionMs);
    // The real stream's learning survives restarts and redeploys (<userDir>/impetus-state/social-<id>.json);
    // an exercise's does not: exercises replay their posts, which a kept window would take for late ones.
    const saved = new SavedState(
      nodeStateFile(RED.settings.userDir as string | undefined, 'social', node.id),
      STATE_VERSION,
      { warn: (m) => node.warn(m), log: (m) => node.log(m) },
      (state) => {
        try {
          monitorFor(false).restore(state.monitor);
        } catch (err) {
          if (!(err instanceof StateError)) throw err;
          monitors.delete(false);
          node.warn(t('warn.stateReset', { detail: err.message }));
        }
      },
      () => (monitors.has(false) ? { monitor: monitors.get(false)!.toJSON() } : {}),
      SAVE_EVERY_MS,
    );
    let seen = 0;
    let matched = 0;
    let alerts = 0;
    // The classifier loads once, in the background; a model that cannot load turns the status red and
    // fails each message with the reason, while its posts still go through the rules (nothing is lost).
    let classifierProblem: Error | undefined;
    const classifier: Promise<TextClassifier | undefined> = config.classifier
      ? TextClassifier.load(config.classifierModel ? path.resolve((RED.settings.userDir as string | undefined) ?? process.cwd(), config.classifierModel) : SHIPPED_CLASSIFIER).catch((err: Error) => {
          classifierProblem = new Error(t('errors.classifier', { detail: err.message }));
          status.error(classifierProblem.message);
          node.error(classifierProblem.message);
          return undefined;
        })
      : Promise.resolve(undefined);
    let classifying: Promise<void> = Promise.resolve();

    handleInput(node, status, async (raw, send) => {
      await saved.loaded;
      const model = await classifier;
      const msg = raw as NodeMessageInFlow & { exercise?: boolean; status?: unknown };
      const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      if (items.length > MAX_BATCH) throw new Error(t('errors.tooMany', { max: MAX_BATCH }));
      const exercise = msg.exercise === true || msg.status === 'Exercise';
      const mark = exercise ? { exercise: true, status: 'Exercise' } : {};
      const errors: string[] = [];
      const now = Date.now();
      let notableChanged = notable.prune(now);
      const analysed: Analysis[] = [];
      items.forEach((item, i) => {
        try {
          const post = toPost(item, now);
          seen++;
          projectNode.recent?.add(post, resolved.pseudonymSecret, now);
          const a = analyse(resolved.project, post, { pseudonymSecret: resolved.pseudonymSecret });
          if (a) analysed.push(a);
        } catch (err) {
          errors.push(`${Array.isArray(msg.payload) ? `[${i}]` : 'payload'}: ${(err as Error).message}`);
        }
      });
      // A model that fails on this batch fails the message, after its posts went on with the rules' verdict.
      let probs: Array<Record<string, number>> | undefined;
      let classifyProblem: Error | undefined;
      if (model) {
        // One batch at a time, in arrival order, so the monitor observes messages in the order they came.
        const scored = classifying.then(() => model.classify(analysed.map((a) => ({ text: a.post.text.slice(0, MAX_ANALYSED_CHARS), lang: a.post.lang }))));
        classifying = scored.then(() => undefined, () => undefined);
        try {
          probs = await scored;
        } catch (err) {
          classifyProblem = new Error(t('errors.classifier', { detail: (err as Error).message }));
        }
      }
      const use = { threat: config.classifierThreat === true };
      analysed.forEach((rules, i) => {
        const a = probs ? applyClassifier(rules, probs[i], use) : rules;
        matched++;
        const drafts = monitorFor(exercise).observe(a, now);
        alerts += drafts.length;
        notableChanged = notable.offer(a, now) || notableChanged;
        send([{ ...mark, topic: project, payload: a }, null]);
        for (const d of drafts) send([null, { ...mark, topic: project, payload: d }]);
      });
      for (const { summary, exercise: ex } of windows) {
        const m = ex ? { exercise: true, status: 'Exercise' } : {};
        const sentiment = sentimentPoints(summary, project);
        const terms = termRows(summary, project);
        send([null, null, { ...m, topic: project, payload: volumePoints(summary, project) }, sentiment.length ? { ...m, topic: project, payload: sentiment } : null, null, terms.length ? { ...m, topic: project, payload: terms } : null] as Out);
      }
      windows = [];
      if (!exercise) saved.changed();
      if (notableChanged) send([null, null, null, null, { topic: project, payload: notable.rows(project) }]);
      const text = () => t('status.counts', { seen, matched, alerts });
      if (classifierProblem ?? classifyProblem) throw (classifierProblem ?? classifyProblem)!;
      if (alerts) status.warnLazy(text);
      else status.okLazy(text);
      // The good posts of a batch went on; the message fails for the others, so a Catch sees them.
      if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, total: items.length, detail: errors.slice(0, 3).join('; ') }));
    }, async () => {
      await Promise.all([saved.close(), classifier.then((c) => c?.close())]);
    });
  }
  RED.nodes.registerType('impetus-social-analyse', SocialAnalyseNode);
};
