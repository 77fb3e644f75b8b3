/**
 * impetus-ctdr: scan findings and IDS events in; "Exploitation attempt" and "Likely compromised"
 * alert drafts out, with the attack paths through the host and the countermeasures ranked; the
 * attack-graph report (paths, countermeasures, the best cut) for the console page; the suppressed
 * events, each with why.
 *
 * Outputs: 1 alert drafts (for impetus-alert); 2 the graph report after each analysis;
 * 3 suppressed IDS events (`{payload: record, reason}`), so nothing is dropped unseen.
 */
import * as fs from 'node:fs';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { platformFor } from '../platform';
import { handleInput, isTlp, refuseInput, StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import type { Tlp } from '../platform/node-kit';
import { CtiLink } from './cti-link';
import { verdictToDraft } from './draft';
import { loadEnrichment } from './enrich';
import type { Enrichment } from './enrich';
import { loadHittingSetSolver } from './graph/highs';
import { CtdrEngine } from './engine';
import type { NetworkDescription, RegisterHost } from './network';

interface CtdrNodeDef extends NodeDef {
  registerFrom?: 'json' | 'file';
  register?: string;
  registerFile?: string;
  networkFrom?: 'json' | 'file' | 'none';
  network?: string;
  networkFile?: string;
  epssFile?: string;
  kevFile?: string;
  tlp?: string;
  windowMin?: number | string;
  raiseUnscanned?: boolean;
  top?: number | string;
  linkCti?: boolean;
}

/** Records in one message at most: impetus-ctdr-eve batches are far smaller. */
const MAX_ITEMS = 100_000;
/** How long the open CTI alerts read from the store are reused (ms). */
const CTI_TTL_MS = 15_000;


/** How long one analysis may search for the proven cut on the runtime's thread. */
const PROVEN_MS = 500;
export = function (RED: NodeAPI): void {
  function CtdrNode(this: Node, config: CtdrNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-ctdr', __dirname);
    const userDir = (RED.settings as { userDir?: string }).userDir;
    const platform = platformFor(RED);
    const readJson = (from: string | undefined, text: string | undefined, file: string | undefined, what: string): unknown => {
      try {
        if (from === 'file') {
          if (!file) throw new Error(t('errors.noFile', { what }));
          return JSON.parse(fs.readFileSync(userOrShippedFile(file, userDir), 'utf8'));
        }
        if (!text?.trim()) return undefined;
        return JSON.parse(text);
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
    };
    let register: RegisterHost[];
    let network: NetworkDescription | undefined;
    const tlp = (config.tlp || 'amber') as Tlp;
    const windowMin = Number(config.windowMin ?? 15);
    const top = Number(config.top || 5);
    try {
      if (!isTlp(tlp)) throw new Error(t('errors.tlp', { tlp }));
      if (!(windowMin > 0)) throw new Error(t('errors.window'));
      const reg = readJson(config.registerFrom, config.register, config.registerFile, t('what.register'));
      if (reg === undefined) throw new Error(t('errors.noRegister'));
      platform.validators.assert('assets', reg);
      register = ((reg as { hosts?: RegisterHost[] }).hosts ?? []);
      if (config.networkFrom !== 'none') {
        const net = readJson(config.networkFrom, config.network, config.networkFile, t('what.network'));
        if (net !== undefined) {
          platform.validators.assert('ctdr-network', net);
          network = net as NetworkDescription;
        }
      }
    } catch (err) {
      return refuseInput(node, status, err);
    }
    const cti = new CtiLink(async () => {
      await platform.ready;
      return (await platform.store.query({ tool: 'cti', state: ['open', 'acknowledged'], limit: 500, sort: 'recent' })).items;
    }, CTI_TTL_MS);
    // Fresh intelligence counts at once: any CTI alert raised or changed drops the held answer.
    const offBus = platform.bus.subscribe((event) => {
      if (event.alert?.tool === 'cti') cti.changed();
    });
    node.on('close', offBus);
    let engine: CtdrEngine | undefined;
    // Enrichment files are read once, in the background; the first message waits for them.
    const ready: Promise<void> = (async () => {
      const enrichment: Enrichment | undefined = config.epssFile || config.kevFile
        ? await loadEnrichment({ epss: config.epssFile ? userOrShippedFile(config.epssFile, userDir) : undefined, kev: config.kevFile ? userOrShippedFile(config.kevFile, userDir) : undefined })
        : undefined;
      // The cut is proven minimal with HiGHS at any size; the greedy cut's gap to it is reported.
      // The search runs on the runtime's thread, so it stops after PROVEN_MS: a large network
      // then gets the best cut found with its proven lower bound (method "budget").
      const hittingSet = await loadHittingSetSolver();
      engine = new CtdrEngine(register, network, enrichment, { windowMs: windowMin * 60_000, raiseUnscanned: config.raiseUnscanned !== false, analysis: { hittingSet, provenMs: PROVEN_MS } });
    })();
    ready.catch((err: Error) => {
      status.error(err.message);
      node.error(err.message);
    });
    const counts = { attempts: 0, compromised: 0, suppressed: 0 };
    const showCounts = (): void => {
      const text = (): string => t('status.counts', { ...counts, findings: engine?.vulns.size ?? 0 });
      if (counts.attempts + counts.compromised) status.warnLazy(text);
      else status.okLazy(text);
    };

    handleInput(node, status, async (raw, send) => {
      await ready;
      const e = engine!;
      const msg = raw as NodeMessageInFlow & { scan?: { id?: string; complete?: boolean }; exercise?: boolean; status?: unknown };
      const exercise = msg.exercise === true || msg.status === 'Exercise';
      if (msg.topic === 'ctdr-findings' || msg.scan || msg.topic === 'ctdr-analyse') {
        if (Array.isArray(msg.payload)) {
          if (msg.payload.length > MAX_ITEMS) throw new Error(t('errors.tooMany', { max: MAX_ITEMS }));
          e.addFindings(msg.payload, msg.scan?.id ?? '');
        }
        if (msg.scan?.complete || msg.topic === 'ctdr-analyse') {
          const report = e.analyse();
          if (!report) throw new Error(t('errors.noNetwork'));
          send([null, { topic: 'ctdr-graph', payload: report }, null]);
        }
        showCounts();
        return;
      }
      const records = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      if (records.length > MAX_ITEMS) throw new Error(t('errors.tooMany', { max: MAX_ITEMS }));
      const errors: string[] = [];
      for (const [i, rec] of records.entries()) {
        let v;
        try {
          v = e.judge(rec);
        } catch (err) {
          errors.push(`[${i}]: ${(err as Error).message}`);
          continue;
        }
        if (!v || v.kind === 'ignored') continue;
        if (v.kind === 'suppressed') {
          counts.suppressed++;
          send([null, null, { topic: 'ctdr-suppressed', reason: v.reason, payload: rec }]);
          continue;
        }
        if (v.kind === 'compromised') counts.compromised++;
        else counts.attempts++;
        const related = config.linkCti === false ? [] : await cti.related(v.host?.id, v.ip, v.attacker, v.event.alert?.names);
        const draft = verdictToDraft(v, { analysis: e.analysis, graph: e.graph, cti: related, tlp, exercise, top });
        send([{ ...(exercise ? { exercise: true } : {}), topic: v.host?.id ?? v.ip, payload: draft }, null, null]);
      }
      showCounts();
      // What could be read went on; the message fails for the rest, so a Catch node sees it.
      if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, detail: errors.slice(0, 3).join('; ') }));
    }, platform.hold());

    // The graph of the register and network alone (before any scan): the console shows it at once.
    void ready.then(() => {
      const report = engine?.analyse();
      if (report) node.send([null, { topic: 'ctdr-graph', payload: report }, null]);
      showCounts();
    }, () => undefined /* reported above */).catch((err: Error) => {
      // A network description that names a host or zone the register lacks: said at deploy, and again at each scan's end.
      status.error(err.message);
      node.error(err.message);
    });
  }
  RED.nodes.registerType('impetus-ctdr', CtdrNode);
};
