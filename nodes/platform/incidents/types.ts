/**
 * Incidents: alerts from every tool that describe one event, grouped by place and time
 * (docs/incidents.md). An incident is its own record beside the alerts, in the same store; each
 * member alert names it in `incidentId`.
 */
import type { Ack, AlertState, Comment, MessageStatus, Priority, Resolution, Tlp } from '../model/types';

/** One member as the incident shows it: enough to draw the queue row, the timeline and the map. */
export interface IncidentMember {
  alertId: string;
  tool: string;
  event: string;
  headline: string;
  priority: Priority;
  state: AlertState;
  zone?: string;
  /** The member's TLP marking (absent: CLEAR); a viewer not cleared for it does not see the member. */
  tlp?: Tlp;
  areaDesc?: string;
  /** [longitude, latitude] of the member's location (its first position). */
  point?: [number, number];
  occurredAt: string;
  joinedAt: string;
  /** The operator who moved it in; absent when a grouping rule put it there. */
  by?: string;
  /** `incident:<id>` or `alert:<id>` when an inhibition rule mutes it. */
  mutedBy?: string;
}

export const INCIDENT_ACTIONS = [
  'opened', 'grouped', 'moved-in', 'moved-out', 'acknowledged', 'assigned', 'commented', 'resolved', 'reopened', 'step', 'closed-to-new',
] as const;
export type IncidentHistoryAction = (typeof INCIDENT_ACTIONS)[number];

export interface IncidentHistoryEntry {
  seq: number;
  at: string;
  action: IncidentHistoryAction;
  by?: string;
  details?: Record<string, unknown>;
}

/** One step of the incident's playbook (its standard operating procedure), ticked by an operator. */
export interface PlaybookStep {
  id: string;
  text: string;
  done?: { by: string; at: string };
}

export interface Incident {
  id: string;
  /** The grouping rule that opened it (IncidentRule.id). */
  rule: string;
  /** What kind of event it is (armed-threat, airborne-hazard, …): picks the playbook. */
  type: string;
  /**
   * `<status>|<rule>|<place>`: while the incident accepts new members, no other incident with
   * the same key does (the store's unique constraint), so two runtimes that see the first
   * alerts of one event at once make one incident, not two.
   */
  key: string;
  /** Whether new alerts may still join it by rule; false once its window passed or it was resolved. */
  accepting: boolean;
  title: string;
  summary: string;
  /** The highest member's, one step higher when members come from at least two tools (never above P1). */
  priority: Priority;
  status: MessageStatus;
  state: AlertState;
  ack?: Ack;
  resolved?: Resolution;
  assignee?: string;
  zone?: string;
  areaDesc?: string;
  /** [longitude, latitude]: the first located member's point, where distances are measured from. */
  center?: [number, number];
  tools: string[];
  members: IncidentMember[];
  /** Alerts an operator moved out: rules never put them back. */
  removed: string[];
  comments: Comment[];
  /** The whole audit, oldest first. */
  history: IncidentHistoryEntry[];
  playbook: PlaybookStep[];
  firstSeen: string;
  lastSeen: string;
  version: number;
  /** Present on a low-priority digest (a rule with `digest`): what its members share, and until when it takes them. */
  digest?: IncidentDigest;
}

/** What a digest rule groups by, besides taking only its low priorities (Alertmanager's `group_by`). */
export const DIGEST_LABELS = ['tool', 'event', 'source'] as const;
export type DigestLabel = (typeof DIGEST_LABELS)[number];

/** A rule's digest part: which priorities it collects and what its members share. */
export interface DigestSpec {
  /** P3 and P4 by default; P1 and P2 are refused (an urgent alert is never folded into a digest). */
  priorities: Priority[];
  /** `tool`, `event`, `source` (the alert's `source.ref`: for workload, the operator). */
  groupBy: DigestLabel[];
}

export interface IncidentDigest {
  /** The values of the rule's `groupBy` that every member has. */
  labels: Partial<Record<DigestLabel, string>>;
  priorities: Priority[];
  /** The digest takes new members until then (opened + the rule's window), like a shift. */
  until: string;
}

/** How alerts group: tools that belong together, how near, how long apart. */
export interface IncidentRule {
  id: string;
  /** Tools whose alerts this rule groups; the first alert of one of them opens an incident. */
  tools: string[];
  /**
   * Tools that join an open incident of this rule but never open one, and do not count as a
   * second tool agreeing (an overloaded operator says nothing about the event itself).
   */
  context?: string[];
  /** An alert joins an incident whose last member came at most this long before it. */
  windowMinutes: number;
  /** An alert in another zone (or without one) still joins when this near the incident's centre. */
  distanceMeters: number;
  /**
   * A digest rule: the low-priority alerts of its tools that no place incident takes are
   * collected anywhere in the city, one incident per `groupBy` values, for `windowMinutes` from
   * the digest's first alert (docs/incidents.md, Low-priority digests).
   */
  digest?: DigestSpec;
}

export interface InhibitRule {
  id: string;
  /**
   * What mutes: an open incident of these types at or above `minPriority`; or an open alert of
   * `tool` (any tool when absent) whose `data.kind` is `kind` or whose event matches `event`.
   */
  source: { incidentTypes?: string[]; minPriority?: Priority; tool?: string; kind?: string; event?: string };
  /** What is muted: alerts of these tools below the source's priority. */
  target: { tools?: string[] };
  /** `zone`: same zone; `sensor`: the target's `source.ref` is the source alert's sensor (`data.sensorId`, `data.sensor` or its `source.ref`). */
  equal: 'zone' | 'sensor';
  reason: string;
}

export interface IncidentSettings {
  enabled: boolean;
  rules: IncidentRule[];
  inhibit: InhibitRule[];
  /** Members an incident takes at most; later alerts stand alone (a storm must not grow one document without end). */
  maxMembers: number;
}
