/**
 * Inhibition (Alertmanager's sense): an alert is muted, not dropped, while something that says
 * more is open: an open P1 armed-threat incident in its zone, or an availability alert about its
 * own sensor. Muted alerts are stored, listed with "muted by …" and audited; they are neither
 * notified nor escalated. A P1 alert is never muted.
 */
import { priorityRank } from '../model/priority';
import { PRIORITIES } from '../model/types';
import type { Alert, MuteMark, Priority } from '../model/types';
import type { AlertStore, IncidentStore } from '../store/types';
import type { Incident, InhibitRule } from './types';

/** How long a read of the sources is reused: a burst of drafts costs one query, and a new source counts within a second. */
const SOURCE_TTL_MS = 1000;

export function sensorOf(alert: Pick<Alert, 'data' | 'source'>): string | undefined {
  for (const sensor of [alert.data?.sensorId, alert.data?.sensor]) if (typeof sensor === 'string' && sensor) return sensor;
  return alert.source.ref;
}

function cached<T>(read: () => Promise<T>, clock: () => number): { get(): Promise<T>; clear(): void } {
  let at = -Infinity;
  let value: Promise<T> | undefined;
  return {
    get() {
      const now = clock();
      if (!value || now - at > SOURCE_TTL_MS) {
        at = now;
        value = read();
        value.catch(() => (value = undefined));
      }
      return value;
    },
    clear() {
      value = undefined;
    },
  };
}

export class Inhibitor {
  private readonly incidents: ReturnType<typeof cached<Incident[]>>;
  private readonly alerts: ReturnType<typeof cached<Alert[]>>;
  private readonly patterns = new Map<string, RegExp>();

  /** The priorities an incident must have to mute anything by a zone rule (P1 alone by default). */
  private readonly sourcePriorities: Priority[];

  constructor(private rules: readonly InhibitRule[], incidentStore: IncidentStore, alertStore: AlertStore, private readonly clock: () => number) {
    const lowest = Math.max(0, ...rules.filter((r) => r.equal === 'zone' && r.source.incidentTypes).map((r) => priorityRank(r.source.minPriority ?? 'P1')));
    this.sourcePriorities = PRIORITIES.filter((p) => priorityRank(p) <= lowest);
    // Only the open incidents high enough to mute anything by a rule are read.
    this.incidents = cached(async () => (this.sourcePriorities.length ? (await incidentStore.queryIncidents({ state: ['open', 'acknowledged'], priority: this.sourcePriorities, limit: 1000 })).items : []), clock);
    // Availability alerts can come from any tool (impetus-sensor-in files them under the tool the
    // sensor feeds): the open alerts are read once a second at most and filtered here.
    const alertRules = rules.filter((r) => r.equal === 'sensor');
    const tools = alertRules.every((r) => r.source.tool) ? [...new Set(alertRules.map((r) => r.source.tool!))] : undefined;
    this.alerts = cached(async () => (alertRules.length ? (await alertStore.query({ state: ['open', 'acknowledged'], tool: tools, sort: 'recent', limit: 1000 })).items.filter((a) => alertRules.some((r) => this.isSource(r, a))) : []), clock);
  }

  /** Forgets what was read, after this runtime changed an incident or an alert that may mute. */
  invalidate(): void {
    this.incidents.clear();
    this.alerts.clear();
  }

  /**
   * Forgets the incidents read when `incident`, just given a member, may now mute: only those of
   * a priority some zone rule takes are ever read as sources, and a member never lowers an
   * incident's priority. A storm of lower alerts joining lower incidents then costs no re-read of
   * the open incidents per alert.
   */
  joined(incident: Incident): void {
    if (this.sourcePriorities.includes(incident.priority)) this.incidents.clear();
  }

  private pattern(rule: InhibitRule): RegExp | undefined {
    if (!rule.source.event) return undefined;
    let re = this.patterns.get(rule.id);
    if (!re) this.patterns.set(rule.id, (re = new RegExp(rule.source.event, 'i')));
    return re;
  }

  /** Whether `alert` itself is a source of an alert rule (an availability alert never mutes itself). */
  private isSource(rule: InhibitRule, alert: Pick<Alert, 'tool' | 'event' | 'data'>): boolean {
    if (rule.source.tool && rule.source.tool !== alert.tool) return false;
    const re = this.pattern(rule);
    return (rule.source.kind !== undefined && alert.data?.kind === rule.source.kind) || !!re?.test(alert.event) || (!rule.source.kind && !re);
  }

  /** Why this alert is muted now, if it is. */
  async muteFor(alert: Alert): Promise<MuteMark | undefined> {
    if (alert.priority === 'P1' || !this.rules.length) return undefined;
    const at = new Date(this.clock()).toISOString();
    for (const rule of this.rules) {
      if (rule.target.tools && !rule.target.tools.includes(alert.tool)) continue;
      if (rule.equal === 'zone' && alert.zone !== undefined && rule.source.incidentTypes) {
        const min = priorityRank(rule.source.minPriority ?? 'P1');
        const source = (await this.incidents.get()).find((i) =>
          i.zone === alert.zone && i.status === alert.status && rule.source.incidentTypes!.includes(i.type) &&
          priorityRank(i.priority) <= min && priorityRank(i.priority) < priorityRank(alert.priority));
        if (source) return { by: `incident:${source.id}`, rule: rule.id, reason: rule.reason, at };
      }
      if (rule.equal === 'sensor' && !this.isSource(rule, alert)) {
        const sensor = alert.source.ref;
        if (sensor === undefined) continue;
        const source = (await this.alerts.get()).find((a) => a.id !== alert.id && a.status === alert.status && this.isSource(rule, a) && sensorOf(a) === sensor);
        if (source) return { by: `alert:${source.id}`, rule: rule.id, reason: rule.reason, at };
      }
    }
    return undefined;
  }

  /** The zone rules an incident is a source of now (to mute what is already open there). */
  zoneRulesFor(incident: Incident): InhibitRule[] {
    if (incident.state === 'resolved' || incident.zone === undefined) return [];
    return this.rules.filter((r) => r.equal === 'zone' && r.source.incidentTypes?.includes(incident.type) && priorityRank(incident.priority) <= priorityRank(r.source.minPriority ?? 'P1'));
  }
}
