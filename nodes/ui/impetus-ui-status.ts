import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { StatusState } from './panel-kinds/status';
import { handleInput, refuseInput, StatusReporter } from '../platform/node-kit';
import type { AttachedPanel, PanelNodeDef } from './panel-node';
import { attachPanel, integer, panelDef } from './panel-node';

interface StatusNodeDef extends PanelNodeDef {
  tool?: string;
  /** Seconds without a message before the source counts as quiet (degraded); 0: never. The saved name predates the word. */
  silentAfter?: number | string;
}

const OK = new Set(['ok', 'up', 'online', 'healthy', 'true']);
// 'silent' stays accepted: flows written before the word was 'quiet' send it.
const DEGRADED = new Set(['degraded', 'down', 'offline', 'failed', 'failure', 'error', 'false', 'quiet', 'silent']);

type Health = { state: 'ok' | 'degraded'; text?: string; progress?: { done: number; total: number } };

/** `done` of `total` steps (both or neither), for the bar the page draws while work is under way. */
function progressOf(o: { done?: unknown; total?: unknown }): Health['progress'] {
  if (o.done === undefined && o.total === undefined) return undefined;
  const { done, total } = o;
  if (typeof done !== 'number' || typeof total !== 'number' || !Number.isInteger(done) || !Number.isInteger(total) || total < 1 || done < 0 || done > total) {
    throw new TypeError(`msg.payload.done and total must be whole numbers with 0 ≤ done ≤ total and total ≥ 1; got ${JSON.stringify({ done, total })}`);
  }
  return { done, total };
}

/** 'ok' | 'degraded' (and common synonyms), a boolean, or { state, text, done?, total? }. */
function healthOf(payload: unknown): Health {
  if (typeof payload === 'boolean') return { state: payload ? 'ok' : 'degraded' };
  if (typeof payload === 'string') {
    const s = payload.trim().toLowerCase();
    if (OK.has(s)) return { state: 'ok' };
    if (DEGRADED.has(s)) return { state: 'degraded' };
  }
  if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
    const o = payload as { state?: unknown; text?: unknown; done?: unknown; total?: unknown };
    const inner = healthOf(o.state);
    if (o.text !== undefined && typeof o.text !== 'string') throw new TypeError('msg.payload.text must be a string');
    const progress = progressOf(o);
    return { ...inner, ...(o.text ? { text: o.text as string } : {}), ...(progress ? { progress } : {}) };
  }
  throw new TypeError(`msg.payload must be ok, degraded, a boolean or { state, text }; got ${JSON.stringify(payload)?.slice(0, 60)}`);
}

export = function (RED: NodeAPI): void {
  function ImpetusUiStatusNode(this: Node, config: StatusNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let state: StatusState;
    let panel: AttachedPanel;
    let quietMs: number;
    try {
      const tool = (config.tool ?? '').trim();
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(tool)) throw new Error(`tool must be a tool key such as firearm or bacteria, got "${tool}"`);
      quietMs = integer(config.silentAfter, 'silentAfter', 0, 0, 7 * 86_400) * 1000;
      state = new StatusState({ tool, quietAfterSeconds: quietMs / 1000 });
      // The status sits on its tool's page and feeds the tool's tile on the main page.
      panel = attachPanel(RED, panelDef(node, { ...config, title: config.title || config.name || 'Source status' }, 'status', tool), state);
    } catch (err) {
      refuseInput(node, status, err);
      return;
    }

    let quietTimer: NodeJS.Timeout | undefined;
    const watch = () => {
      if (quietTimer) clearTimeout(quietTimer);
      if (!quietMs) return;
      quietTimer = setTimeout(() => {
        // The console is in English; this text is for the tile, not the editor.
        state.set('degraded', `no data for ${quietMs / 1000} s`, new Date());
        panel.touch();
        status.warn(RED._('impetus-ui-status.status.quiet'));
      }, quietMs);
      quietTimer.unref();
    };
    watch();

    handleInput(node, status, async (msg: NodeMessageInFlow) => {
      const health = healthOf(msg.payload);
      state.set(health.state, health.text, new Date(), health.progress);
      panel.touch();
      watch();
      if (health.state === 'ok') status.ok(health.text ?? 'ok');
      else status.warn(health.text ?? 'degraded');
    }, () => {
      if (quietTimer) clearTimeout(quietTimer);
      panel.remove();
    });
  }
  RED.nodes.registerType('impetus-ui-status', ImpetusUiStatusNode);
};
