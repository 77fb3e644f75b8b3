import type { Incident } from '../../platform';
import { restrictIncident } from '../../platform';
import type { ChatConnection } from './connection';
import type { DeliveryEngine } from './engine';
import type { IncidentNotice } from './notice';
import { emptiedIncident, incidentKey, isIncidentKey, noticeIncident, priorityRank } from './notice';

/** How a notifier gathers an incident's members into one card (docs/notifications.md). */
export interface GroupTiming {
  /** The first card of an incident waits this long for more members (Alertmanager's group_wait). */
  waitMs: number;
  /** A card is edited at most once per this interval (Alertmanager's group_interval). */
  intervalMs: number;
}

export const DEFAULT_GROUP_TIMING: GroupTiming = { waitMs: 30_000, intervalMs: 60_000 };

/**
 * The card an alert goes out on: its incident's (one per incident and chat) when it is in one and
 * incident cards are on, else its own; none for a muted or silenced alert. The notifier decides
 * with it, and bench/incidents counts the cards with it.
 */
export function cardFor(alert: { id: string; incidentId?: string; muted?: unknown; silenced?: unknown }, incidentCards: boolean): string | undefined {
  if (alert.muted || alert.silenced) return undefined;
  return incidentCards && alert.incidentId ? incidentKey(alert.incidentId) : alert.id;
}

/** Seconds from an editor field, checked: a number from 0 to a day. */
export function groupSeconds(value: unknown, fallback: number, what: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 86_400) throw new TypeError(`${what} must be a number of seconds from 0 to 86400`);
  return n * 1000;
}

/**
 * One card per incident and chat, for one notifier node. A card shows the members that chat may
 * see (the connection's gate: TLP, and a person's console view) and never a muted one; a chat that
 * may see none gets no card, and a card whose members have all left says that it holds none. The first card waits `waitMs` for more members, later edits come at
 * most every `intervalMs`, both held in the delivery engine; a P1 member skips both, since a P1
 * is never held back. The card's key (`inc:<id>`) and ref are in the outbox like an alert card's,
 * so the card is found, edited and acted on after a restart.
 */
export class IncidentCards {
  constructor(
    private readonly connection: ChatConnection,
    private readonly engine: () => DeliveryEngine | undefined,
    private readonly origin: string,
    private readonly timing: GroupTiming,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The card of the incident as `chat` may see it, or undefined when it may see no member. */
  notice(incident: Incident, chat: string): IncidentNotice | undefined {
    const shown = incident.members.filter((m) => !m.mutedBy && this.connection.refusal(chat, { tool: m.tool, priority: m.priority, status: incident.status, zone: m.zone, tlp: m.tlp }) === undefined);
    if (!shown.length) return undefined;
    const restricted = restrictIncident(incident, (m) => shown.includes(m));
    return { kind: 'incident', incident: noticeIncident(incident, restricted, shown) };
  }

  /**
   * Queues the incident's card in each chat a member was routed to. `urgent` (a new P1 member)
   * sends at once; otherwise a new card waits for more members and a sent one for its interval.
   * A resolved incident only updates cards people have. Returns how many chats got it queued.
   */
  async queue(incident: Incident, chats: readonly string[], urgent: boolean): Promise<number> {
    let queued = 0;
    for (const chat of chats) if (await this.queueIn(incident, chat, urgent)) queued++;
    return queued;
  }

  /** Brings the incident's cards that this node sent or queued up to date. */
  async refresh(incident: Incident): Promise<void> {
    const outbox = this.connection.outbox;
    if (!outbox) return;
    const chats = new Set<string>();
    for (const ref of await outbox.refsForAlert(this.connection.channel, incident.id)) if (ref.origin === this.origin && isIncidentKey(ref.key)) chats.add(ref.chat);
    for (const entry of this.pending(incident.id)) chats.add(entry.chat);
    for (const chat of chats) await this.queueIn(incident, chat, false);
  }

  private pending(incidentId: string) {
    const engine = this.engine();
    const key = incidentKey(incidentId);
    return engine ? [...engine.pendingEntries()].filter((e) => e.origin === this.origin && e.key === key) : [];
  }

  private async queueIn(incident: Incident, chat: string, urgent: boolean): Promise<boolean> {
    const engine = this.engine();
    const outbox = this.connection.outbox;
    if (!engine || !outbox) return false;
    const key = incidentKey(incident.id);
    const queued = this.pending(incident.id).find((e) => e.chat === chat);
    let notice = this.notice(incident, chat);
    if (!notice) {
      // Every member this chat was shown left: a card it has (or one queued with those members)
      // says so rather than listing them still. A chat without a card gets none.
      if (!queued && !(await outbox.getRef(this.connection.channel, chat, key))) return false;
      notice = { kind: 'incident', incident: emptiedIncident(incident) };
    }
    const queuedVersion = (queued?.payload as unknown as IncidentNotice | undefined)?.incident?.version ?? -1;
    if (queuedVersion >= incident.version && !urgent) return false;
    const now = this.clock();
    let holdUntil: number | undefined = urgent ? now : undefined;
    // A card on the wire right now has just been sent: this change waits for the interval.
    if (queued && !urgent && engine.isSending(queued)) holdUntil = now + this.timing.intervalMs;
    if (!queued) {
      const ref = incident.state === 'resolved' || !urgent ? await outbox.getRef(this.connection.channel, chat, key) : undefined;
      // Nothing to update: a resolved incident never starts a card.
      if (!ref && incident.state === 'resolved') return false;
      const shownVersion = (ref?.data as { version?: unknown } | undefined)?.version;
      if (ref && typeof shownVersion === 'number' && shownVersion >= incident.version) return false;
      if (!urgent) holdUntil = ref ? ref.updatedAt + this.timing.intervalMs : now + this.timing.waitMs;
    }
    await engine.enqueue(
      { channel: this.connection.channel, chat, key, alertId: incident.id, origin: this.origin, priority: priorityRank(notice.incident.priority), payload: notice as never },
      { holdUntil },
    );
    return true;
  }
}
