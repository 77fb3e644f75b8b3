import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Severity, SilenceMatchers, SilenceRequest } from '../platform';
import { platformFor } from '../platform';
import { handleInput, StatusReporter } from '../platform/node-kit';

interface SilenceNodeDef extends NodeDef {
  mode: 'create' | 'expire';
  tool?: string;
  event?: string;
  zone?: string;
  severities?: Severity[];
  reason?: string;
  durationMinutes?: string | number;
  createdBy?: string;
}

type SilenceMessage = NodeMessageInFlow & { silenceId?: unknown; actor?: unknown; user?: unknown };

/** Node properties give the defaults; an object in msg.payload overrides them field by field. */
function createRequest(msg: SilenceMessage, config: SilenceNodeDef): SilenceRequest {
  const p = (msg.payload && typeof msg.payload === 'object' && !Array.isArray(msg.payload) ? msg.payload : {}) as Partial<SilenceRequest> & Record<string, unknown>;
  const matchers: SilenceMatchers = {};
  if (config.tool) matchers.tool = config.tool;
  if (config.event) matchers.event = config.event;
  if (config.zone) matchers.zone = config.zone;
  if (config.severities?.length) matchers.severity = config.severities;
  const duration = p.durationMinutes ?? (config.durationMinutes === undefined || config.durationMinutes === '' ? undefined : Number(config.durationMinutes));
  return {
    matchers: (p.matchers as SilenceMatchers | undefined) ?? matchers,
    reason: (p.reason as string | undefined) ?? config.reason ?? '',
    createdBy: (typeof msg.actor === 'string' && msg.actor) || (typeof msg.user === 'string' && msg.user) || (p.createdBy as string | undefined) || config.createdBy || '',
    startsAt: p.startsAt,
    endsAt: p.endsAt,
    durationMinutes: duration,
  };
}

export = function (RED: NodeAPI): void {
  function ImpetusSilenceNode(this: Node, config: SilenceNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const platform = platformFor(RED);

    handleInput(node, status, async (msg, send) => {
      const m = msg as SilenceMessage;
      await platform.ready;
      let silence;
      if (config.mode === 'expire') {
        const payload = m.payload as { id?: unknown } | undefined;
        const id = typeof m.silenceId === 'string' ? m.silenceId : payload && typeof payload === 'object' && typeof payload.id === 'string' ? payload.id : undefined;
        if (!id) throw new TypeError('the silence id is missing: set msg.silenceId or send the silence as msg.payload');
        silence = await platform.alerts.expireSilence(id);
      } else {
        silence = await platform.alerts.createSilence(createRequest(m, config));
      }
      const key = silence.expiredAt ? 'expired' : 'created';
      status.ok(RED._(`impetus-silence.status.${key}`, { until: silence.endsAt.slice(11, 16) }));
      msg.payload = silence;
      send(msg);
    }, platform.hold());
  }
  RED.nodes.registerType('impetus-silence', ImpetusSilenceNode);
};
