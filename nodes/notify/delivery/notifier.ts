import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Alert, LifecycleEvent } from '../../platform';
import type { Done } from '../../platform/node-kit';
import { fail, onInput, StatusReporter } from '../../platform/node-kit';
import type { ChatConnection } from './connection';
import type { DeliveryEngine, Outcome } from './engine';
import { cardFor, DEFAULT_GROUP_TIMING, groupSeconds, IncidentCards } from './incident-cards';
import type { AlertNotice, MediaOptions, NoticeAlert } from './notice';
import { assertAlert, isIncidentKey, noticeAlert, priorityRank } from './notice';
import type { RouteRule } from './routing';
import { parseRules, route } from './routing';

/** A chat config node as the notifier nodes see it. */
export interface ChatConfigNode extends Node {
  connection?: ChatConnection;
  /** Why the config node could not build its connection (bad token, bad mapping): shown on every notifier. */
  configError?: Error;
}

export interface NotifierDef extends NodeDef {
  connection: string;
  rules: string;
  photo?: boolean;
  location?: boolean;
  video?: boolean;
  /** One card per incident (default) rather than one per member alert. */
  incidentCards?: boolean;
  /** Seconds the first card of an incident waits for more members; default 30. */
  groupWait?: number | string;
  /** Seconds between edits of an incident card at most; default 60. */
  groupInterval?: number | string;
}

type NotifyMessage = NodeMessageInFlow & { chats?: unknown; event?: { type?: unknown; details?: { level?: unknown } } };

/** Lifecycle changes that alter what a card shows; `created` arrives through the flow, `escalated` also routes anew. */
const REFRESHING = new Set(['updated', 'acknowledged', 'assigned', 'resolved', 'reopened', 'escalated', 'silenced']);

/**
 * The notifier node both `impetus-telegram-notify` and `impetus-rocketchat-notify` are: the
 * input routes an alert to chats and queues it durably (done() once it is in the outbox); the
 * platform's lifecycle events edit the cards already sent (acknowledged by whom, resolved,
 * repeated) and send escalations to the escalation chats; delivery outcomes come back on the
 * node's status, its output and, for failures, Catch nodes.
 */
export function startNotifier(RED: NodeAPI, node: Node, config: NotifierDef, type: string): void {
  const status = new StatusReporter(node);
  const t = (key: string, vars?: Record<string, unknown>) => RED._(`${type}.status.${key}`, vars as never);
  const configNode = RED.nodes.getNode(config.connection) as ChatConfigNode | null;
  const connection = configNode?.connection;
  const media: MediaOptions = { photo: config.photo !== false, location: config.location !== false, video: config.video === true };

  let rules: RouteRule[] = [];
  let setupError: Error | undefined;
  let cards: IncidentCards | undefined;
  try {
    if (!configNode || (!configNode.configError && !configNode.connection)) throw new Error(`no ${type.replace(/^impetus-|-notify$/g, '')} connection is configured`);
    if (configNode.configError) throw configNode.configError;
    rules = parseRules(config.rules);
    const timing = {
      waitMs: groupSeconds(config.groupWait, DEFAULT_GROUP_TIMING.waitMs, 'the group wait'),
      intervalMs: groupSeconds(config.groupInterval, DEFAULT_GROUP_TIMING.intervalMs, 'the group interval'),
    };
    if (config.incidentCards !== false) cards = new IncidentCards(connection!, () => engine, node.id, timing);
  } catch (err) {
    setupError = err as Error;
    // Logged once as a warning (an imported example has no credentials yet); the status stays red
    // and every alert that reaches the node fails with this error.
    node.warn(setupError.message);
    status.error(setupError.message);
  }

  let engine: DeliveryEngine | undefined;
  const attached: Promise<DeliveryEngine> = setupError ? Promise.reject(setupError) : connection!.attach();
  attached.then(
    (e) => {
      engine = e;
      status.ok(t('ready', { pending: countPending() }));
    },
    (err) => {
      if (err !== setupError) status.error(t('storeDown', { error: (err as Error).message }));
    },
  );

  const counts = { queued: 0, sent: 0, failed: 0 };
  const countPending = () => {
    let n = 0;
    if (engine) for (const e of engine.pendingEntries()) if (e.origin === node.id) n++;
    return n;
  };

  const pendingFor = (alertId: string) => (engine ? [...engine.pendingEntries()].filter((e) => e.origin === node.id && e.alertId === alertId) : []);

  /** Queues the notice for (chat, key), unless a newer snapshot of the alert is already queued there. */
  const enqueue = async (chat: string, key: string, notice: AlertNotice): Promise<boolean> => {
    // The one gate of every card (a rule's chats or roles, msg.chats, the edit of a card already
    // sent, an escalation): a person's direct chat gets the alert only while their console user
    // sees it, and a group chat only what its TLP marking allows.
    if (connection!.refusal(chat, notice.alert) !== undefined) return false;
    const queued = pendingFor(notice.alert.id).find((e) => e.chat === chat && e.key === key);
    const queuedVersion = (queued?.payload as unknown as AlertNotice | undefined)?.alert?.version ?? -1;
    if (queuedVersion > notice.alert.version) return false;
    // A queued first delivery keeps its media choices: the refresh only brings the newer text.
    const payload: AlertNotice = queued ? { ...(queued.payload as unknown as AlertNotice), alert: notice.alert } : notice;
    await engine!.enqueue({ channel: connection!.channel, chat, key, alertId: notice.alert.id, origin: node.id, priority: priorityRank(notice.alert.priority), payload: payload as never });
    counts.queued++;
    return true;
  };

  /** Whether a card for (chat, key) was sent or is queued, i.e. whether a resolved alert has something to update. */
  const known = async (chat: string, key: string, alertId: string) =>
    pendingFor(alertId).some((e) => e.chat === chat && e.key === key) || (await connection!.outbox!.getRef(connection!.channel, chat, key)) !== undefined;

  const explicitChats = (value: unknown): string[] | undefined => {
    if (value === undefined) return undefined;
    const list = Array.isArray(value) ? value : [value];
    const chats = list.map((c) => (typeof c === 'number' || typeof c === 'string' ? String(c).trim() : '')).filter(Boolean);
    if (chats.length !== list.length || chats.length === 0) throw new TypeError('msg.chats must be a chat id or a list of chat ids');
    return chats;
  };

  const handle = async (msg: NotifyMessage): Promise<void> => {
    if (setupError) throw setupError;
    assertAlert(msg.payload);
    await attached;
    const alert = noticeAlert(msg.payload);
    const eventType = typeof msg.event?.type === 'string' ? msg.event.type : undefined;
    const level = eventType === 'escalated' ? Number(msg.event?.details?.level ?? alert.escalationLevel ?? 1) : undefined;
    if (alert.silenced) {
      status.warn(t('silenced'));
      return;
    }
    // Inhibited (docs/incidents.md): what mutes it is the card that goes out.
    if (alert.muted) {
      status.warn(t('muted'));
      return;
    }
    const chosen = explicitChats(msg.chats);
    let chats = chosen ?? route(alert, rules, (roles) => connection!.chatsForRoles(roles), level);
    const refused = chats.filter((c) => !connection!.chatAllowed(c));
    if (refused.length) {
      // An explicit list naming a chat outside the allowed ones is a mistake in the flow; a rule
      // naming one is a configuration mistake that must not stop the other chats.
      const message = `not an allowed chat of this ${connection!.service} connection: ${refused.join(', ')}`;
      if (chosen) throw new Error(message);
      node.warn(message);
      chats = chats.filter((c) => connection!.chatAllowed(c));
    }
    if (chosen) {
      // A share from the SOC to a person who could not open the alert in the console, or to a
      // group its marking keeps it from, is a mistake in the flow.
      const refused = chosen.map((c) => connection!.refusal(c, alert)).filter((why) => why !== undefined);
      if (refused.length) throw new Error(`not sent: ${refused.join('; ')}`);
    }
    // A member of an incident goes out as the incident's card in the chats it is routed to; a
    // one-click share (msg.chats) and an escalation stay about the alert itself.
    const onIncidentCard = !chosen && level === undefined && isIncidentKey(cardFor(msg.payload, cards !== undefined) ?? '');
    const incident = onIncidentCard ? await connection!.platform.incidents.get(msg.payload.incidentId!) : undefined;
    if (incident) {
      // A new P1 member goes out at once; its repeats wait for the interval like any other change.
      const queued = await cards!.queue(incident, chats, alert.priority === 'P1' && alert.count === 1 && alert.state !== 'resolved');
      counts.queued += queued;
      if (chats.length === 0) status.warn(t('noRoute'));
      else status.ok(t('queued', { queued, pending: countPending(), sent: counts.sent }));
      return;
    }
    let queued = 0;
    for (const chat of chats) {
      const key = level !== undefined ? `esc:${alert.id}:${level}` : alert.id;
      // A resolution only updates cards people have; a resolved alert never starts a new one.
      if (alert.state === 'resolved' && !(await known(chat, key, alert.id))) continue;
      if (await enqueue(chat, key, { kind: 'alert', alert, media, ...(level !== undefined ? { escalation: level } : {}) })) queued++;
    }
    if (queued === 0 && chats.length === 0) status.warn(t('noRoute'));
    else status.ok(t('queued', { queued, pending: countPending(), sent: counts.sent }));
  };

  // done() once the notification is durably in the outbox: from then on it is delivered even
  // across a restart. A failure (bad alert, disallowed chat, store down) goes to Catch nodes.
  const inputs = new Set<Promise<void>>();
  onInput(node, status, (msg: NodeMessageInFlow, _send: unknown, done: Done) => {
    const work: Promise<void> = handle(msg as NotifyMessage)
      .then(
        () => done(),
        (err) => fail(status, done, err),
      )
      .finally(() => inputs.delete(work));
    inputs.add(work);
  });

  // Delivery outcomes of this node's notifications.
  const offOutcome = connection?.onOutcome((outcome: Outcome) => {
    if (outcome.entry.origin !== node.id) return;
    const report = { topic: outcome.type, payload: { alertId: outcome.entry.alertId, chat: outcome.entry.chat, key: outcome.entry.key, attempts: outcome.entry.attempts } };
    switch (outcome.type) {
      case 'delivered':
        counts.sent++;
        status.ok(t('sent', { sent: counts.sent, pending: countPending() }));
        node.send(report as never);
        break;
      case 'retry':
        status.warn(t('retrying', { error: outcome.error.message, seconds: Math.ceil(outcome.delayMs / 1000) }));
        break;
      case 'rate-limited':
        status.warn(t('rateLimited', { seconds: Math.ceil(outcome.retryAfterMs / 1000) }));
        break;
      case 'account':
        status.error(outcome.error.message);
        break;
      case 'failed': {
        counts.failed++;
        const failure = { ...report, error: { message: outcome.error.message } };
        status.error(outcome.error.message);
        // Reaches Catch nodes and the log: the operator must learn that a chat refused the alert.
        // Plain words rather than a catalog message: the log and Catch nodes get the service's own reason.
        node.error(`notification of alert ${outcome.entry.alertId} to chat ${outcome.entry.chat} failed: ${outcome.error.message}`, failure as never);
        node.send(failure as never);
        break;
      }
    }
  });
  const offState = connection?.onState((state) => {
    if (state.level === 'error') status.error(state.text);
    else if (state.level === 'warn') status.warn(state.text);
    else status.ok(t('sent', { sent: counts.sent, pending: countPending() }));
  });

  // A member's change made by another runtime reaches this one only as the member's event.
  const refreshIncidents = async (event: LifecycleEvent) => {
    const ids = new Set([event.alert.incidentId, event.type === 'grouped' ? event.details?.from : undefined].filter((id): id is string => typeof id === 'string'));
    for (const id of ids) {
      const incident = await connection!.platform.incidents.get(id);
      if (incident) await cards!.refresh(incident);
    }
  };

  // Lifecycle events: edit the cards this node sent, and route escalations.
  const onEvent = async (event: LifecycleEvent) => {
    if (cards && engine && (REFRESHING.has(event.type) || event.type === 'grouped')) await refreshIncidents(event);
    if (!REFRESHING.has(event.type) || !engine || !connection?.outbox) return;
    const alert: Alert = event.alert;
    const snapshot = noticeAlert(alert);
    const refs = (await connection.outbox.refsForAlert(connection.channel, alert.id)).filter((r) => r.origin === node.id);
    const targets = new Map<string, { chat: string; key: string }>();
    for (const r of refs) targets.set(`${r.chat}\n${r.key}`, { chat: r.chat, key: r.key });
    for (const p of pendingFor(alert.id)) targets.set(`${p.chat}\n${p.key}`, { chat: p.chat, key: p.key });
    for (const { chat, key } of targets.values()) {
      await enqueue(chat, key, { kind: 'alert', alert: snapshot, media: { photo: false, location: false, video: false } });
    }
    if (event.type === 'escalated' && !alert.silenced && !alert.muted) {
      const level = Number(event.details?.level ?? alert.escalation?.level ?? 1);
      for (const chat of route(snapshot, rules, (roles) => connection.chatsForRoles(roles), level)) {
        if (!connection.chatAllowed(chat)) continue;
        await enqueue(chat, `esc:${alert.id}:${level}`, { kind: 'alert', alert: snapshot, media, escalation: level });
      }
    }
  };
  let events = Promise.resolve();
  const offBus = setupError
    ? undefined
    : connection!.platform.bus.subscribe((event) => {
        // One at a time, in bus order: a later event's snapshot is queued after an earlier one's.
        events = events.then(() => onEvent(event)).catch((err) => node.warn(`could not update the cards of alert ${event.alertId}: ${(err as Error).message}`));
      });
  // The incident's own changes (an action on it, a member in or out, a tick) in this runtime.
  const offIncidents = cards
    ? connection!.platform.incidents.onChange((incident) => {
        events = events.then(() => (engine ? cards!.refresh(incident) : undefined)).catch((err) => node.warn(`could not update the card of incident ${incident.id}: ${(err as Error).message}`));
      })
    : undefined;

  // Inputs in progress finish queuing before the connection is let go, so nothing accepted is dropped.
  node.on('close', (_removed: boolean, done: () => void) => {
    offBus?.();
    offIncidents?.();
    Promise.allSettled([...inputs, events])
      .then(() => (setupError ? undefined : connection!.detach()))
      .catch(() => undefined)
      .then(() => {
        offOutcome?.();
        offState?.();
        status.close();
        done();
      });
  });
}

export type { NoticeAlert };
