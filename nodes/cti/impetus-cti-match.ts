/**
 * impetus-cti-match: intelligence in (STIX 2.1, MISP events, plain lists or indicators in the
 * one shape), matched against the city's asset register, alert drafts out.
 *
 * Outputs: 1 alert drafts (for impetus-alert); 2 withdrawals: for an indicator that was revoked,
 * deleted or expired, one message per open CTI alert it raised, `{action: 'resolve', alertId,
 * actor, reason, payload: alert}`, for impetus-alert-action (set to "from msg.action").
 *
 * A message `{action: 'allow', alertId, actor, reason}` (the console's "false positive") adds the
 * alert's indicator and asset to the allow-list, kept in `impetus-cti-allow/<node id>.json` under
 * the user directory, so that the pair is not raised again, even after a restart.
 */
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { platformFor } from '../platform';
import type { Alert } from '../platform';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { addAllowListRoutes, ALLOW_FOLDER, without } from './allow-admin';
import { AllowList } from './allow-list';
import type { AllowEntry } from './allow-list';
import type { LiveAllowList } from './allow-admin';
import { CursorFile } from './cursor-file';
import { AssetIndex, loadRegister, validateRegister } from './assets';
import type { AssetRegister } from './assets';
import { parseTlp } from './indicator';
import { intake } from './intake';
import { CtiMatcher, matchToDraft } from './match';
import type { CtiMatch } from './match';

interface MatchNodeDef extends NodeDef {
  /** `json`: the register typed in the editor; `file`: read from registerFile at deploy. */
  registerFrom?: 'json' | 'file';
  register?: string;
  registerFile?: string;
  allowList?: string;
  minLookalikeScore?: number | string;
  defaultTlp?: string;
  feedName?: string;
}

/** Items in one message at most: a feed is split by the source node, a bigger batch is a flow mistake. */
const MAX_ITEMS = 100_000;
/** The actor named on resolutions of withdrawn intelligence. */
const ACTOR = 'cti-withdrawal';

function parseJson(text: string | undefined, what: string): unknown {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON: ${(err as Error).message}`);
  }
}

/** The configured entries (an array, or what the AllowList refuses with its error) and the console's. */
function allowListOf(configured: unknown, fromConsole: AllowEntry[]): AllowList {
  return new AllowList(Array.isArray(configured) ? [...configured, ...fromConsole] : configured ?? fromConsole);
}

export = function (RED: NodeAPI): void {
  const userDirOf = (): string => (RED.settings as { userDir?: string }).userDir ?? process.cwd();
  /** The deployed match nodes, for the editor's view of their allow-lists. */
  const live = new Map<string, LiveAllowList>();
  addAllowListRoutes(RED, userDirOf, (id) => live.get(id));

  function CtiMatchNode(this: Node, config: MatchNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-cti-match', __dirname);
    let register: AssetRegister;
    let allow: AllowList;
    const userDir = userDirOf();
    /** The entries added from the console, on top of the configured ones. */
    const added = new CursorFile<AllowEntry[]>(userDir, node.id, ALLOW_FOLDER);
    let configured: unknown;
    let fromConsole: AllowEntry[] = [];
    let matcher: CtiMatcher;
    const minScore = config.minLookalikeScore === undefined || config.minLookalikeScore === '' ? 0.7 : Number(config.minLookalikeScore);
    const defaultTlp = parseTlp(config.defaultTlp || 'amber');
    try {
      if (!(minScore >= 0 && minScore <= 1)) throw new Error(t('errors.minScore'));
      if (!defaultTlp) throw new Error(t('errors.tlp', { tlp: String(config.defaultTlp) }));
      if (config.registerFrom === 'file') {
        if (!config.registerFile) throw new Error(t('errors.noFile'));
        register = loadRegister(path.resolve(userDir, config.registerFile));
      } else {
        const json = parseJson(config.register, 'the asset register');
        if (json === undefined) throw new Error(t('errors.noRegister'));
        register = validateRegister(json);
      }
      configured = parseJson(config.allowList, 'the allow-list');
      fromConsole = added.load([], (d) => node.warn(t('errors.allowFile', { detail: d })));
      allow = allowListOf(configured, fromConsole);
      matcher = new CtiMatcher(new AssetIndex(register), { minLookalikeScore: minScore });
    } catch (err) {
      return refuseInput(node, status, err);
    }
    // The editor lists the console's entries and may remove one: the match uses the list without it at once.
    const mine: LiveAllowList = {
      entries: () => fromConsole.map((e) => ({ ...e })),
      remove: (value, asset) => {
        const rest = without(fromConsole, value, asset);
        if (!rest) return false;
        allow = allowListOf(configured, rest);
        fromConsole = rest;
        added.save(fromConsole);
        return true;
      },
    };
    live.set(node.id, mine);
    node.on('close', () => {
      if (live.get(node.id) === mine) live.delete(node.id);
    });
    const platform = platformFor(RED);
    const source = config.feedName || node.name || 'cti';
    let seen = 0;
    let alerts = 0;
    let allowed = 0;
    let withdrawn = 0;

    /** The open CTI alerts raised by this match: impetus-alert keeps matchToDraft's source.ref. */
    async function openAlertsOf(m: CtiMatch): Promise<Alert[]> {
      await platform.ready;
      const ref = `${m.indicator.id}|${m.asset.id}`;
      const page = await platform.store.query({ tool: 'cti', state: ['open', 'acknowledged'], text: m.indicator.value, limit: 200 });
      return page.items.filter((a) => a.source?.ref === ref);
    }

    /** A false positive marked in the console: its indicator and asset are allowed from now on, audited. */
    async function allowFromAlert(msg: { alertId?: unknown; actor?: unknown; reason?: unknown }): Promise<void> {
      if (typeof msg.alertId !== 'string' || typeof msg.reason !== 'string' || !msg.reason.trim() || typeof msg.actor !== 'string' || !msg.actor) throw new Error(t('errors.allowMsg'));
      await platform.ready;
      const alert = await platform.store.get(msg.alertId);
      const data = alert?.data as { indicator?: { value?: unknown }; asset?: { id?: unknown } } | undefined;
      if (!alert || alert.tool !== 'cti' || typeof data?.indicator?.value !== 'string' || typeof data.asset?.id !== 'string') throw new Error(t('errors.allowAlert', { alertId: msg.alertId }));
      const entry: AllowEntry = { value: data.indicator.value, asset: data.asset.id, reason: msg.reason, by: msg.actor, at: new Date().toISOString(), alertId: alert.id };
      if (!allow.add(entry)) return;
      fromConsole.push(entry);
      added.save(fromConsole);
      node.log(t('allowAdded', { value: entry.value, asset: data.asset.id, by: msg.actor, reason: entry.reason, alertId: alert.id }));
    }

    handleInput(node, status, async (raw, send) => {
      const msg = raw as NodeMessageInFlow & { exercise?: boolean; status?: unknown; action?: unknown };
      if (msg.action === 'allow') return allowFromAlert(msg as { alertId?: unknown; actor?: unknown; reason?: unknown });
      if (Array.isArray(msg.payload) && msg.payload.length > MAX_ITEMS) throw new Error(t('errors.tooMany', { max: MAX_ITEMS }));
      const exercise = msg.exercise === true || msg.status === 'Exercise';
      const mark = exercise ? { exercise: true, status: 'Exercise' } : {};
      const now = Date.now();
      const { indicators, errors } = intake(msg.payload, { source, defaultTlp, now });
      for (const indicator of indicators) {
        seen++;
        for (const m of matcher.match(indicator)) {
          if (indicator.withdrawn) {
            for (const alert of await openAlertsOf(m)) {
              withdrawn++;
              const reason = t('withdrawn', { source: indicator.source, value: indicator.value });
              send([null, { ...mark, topic: register.organisation, action: 'resolve', alertId: alert.id, actor: ACTOR, reason, payload: alert }]);
            }
            continue;
          }
          const entry = allow.allows(m);
          if (entry) {
            allowed++;
            continue;
          }
          alerts++;
          send([{ ...mark, topic: m.asset.id, payload: matchToDraft(m, { now, exercise }) }, null]);
        }
      }
      const text = () => t('status.counts', { seen, alerts, allowed, withdrawn });
      if (alerts) status.warnLazy(text);
      else status.okLazy(text);
      // What could be read went on; the message fails for the rest, so a Catch node sees it.
      if (errors.length) throw new Error(t('errors.rejected', { count: errors.length, detail: errors.slice(0, 3).join('; ') }));
    }, platform.hold());
  }
  RED.nodes.registerType('impetus-cti-match', CtiMatchNode);
};
