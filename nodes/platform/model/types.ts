import type { Tlp } from './tlp';

/**
 * The alert envelope shared by every IMPETUS tool. `schemas/alert.schema.json` is the
 * normative definition; these types mirror it for the compiler.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;
/** CAP 1.2 `category` values. */
export const CATEGORIES = [
  'Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other',
] as const;
export const STATUSES = ['Actual', 'Exercise', 'Test'] as const;
export const STATES = ['open', 'acknowledged', 'resolved'] as const;
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

export type Severity = (typeof SEVERITIES)[number];
export type Urgency = (typeof URGENCIES)[number];
export type Certainty = (typeof CERTAINTIES)[number];
export type Category = (typeof CATEGORIES)[number];
export type MessageStatus = (typeof STATUSES)[number];
export type AlertState = (typeof STATES)[number];
export type Priority = (typeof PRIORITIES)[number];
export { TLPS, DEFAULT_TLP } from './tlp';
export type { Tlp } from './tlp';

export type Position = number[];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

export interface AlertSource {
  /** Node-RED node id (or tool component) that raised the alert. */
  node?: string;
  /** Runtime or site instance, so several runtimes can share one picture. */
  instance?: string;
  /** The tool's own reference: camera id, sensor id, post id, IDS rule… */
  ref?: string;
}

/** Media referenced by an alert (snapshots, clips). Bytes live in the store, never in the envelope. */
export interface Resource {
  description: string;
  mimeType: string;
  uri?: string;
  size?: number;
  /** `sha256:<hex>` of the bytes. */
  digest?: string;
}

export interface Actor {
  by: string;
  at: string;
}

export interface Ack extends Actor {
  note?: string;
}

export interface Resolution extends Actor {
  reason: string;
}

export interface Comment extends Actor {
  id: string;
  text: string;
}

export const HISTORY_ACTIONS = [
  'created', 'occurred', 'acknowledged', 'assigned', 'commented', 'resolved', 'reopened', 'escalated', 'silenced', 'marked',
  'grouped', 'ungrouped', 'muted', 'unmuted',
] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** One occurrence of an alert: its number (1 = the draft that created it), when, and what reported it when that is not the alert's own source. */
export interface Occurrence {
  n: number;
  at: string;
  source?: AlertSource;
}

export interface HistoryEntry {
  /** 1-based position in the alert's append-only audit log. */
  seq: number;
  at: string;
  action: HistoryAction;
  by?: string;
  details?: Record<string, unknown>;
}

export interface SilenceMark {
  silenceId: string;
  reason: string;
  at: string;
}

/**
 * Why an alert is muted by an inhibition rule (Alertmanager's sense): an open P1 incident or a
 * sensor-availability alert makes it redundant. It stays stored and listed; P1 alerts are never muted.
 */
export interface MuteMark {
  /** `incident:<id>` or `alert:<id>`: what mutes it. */
  by: string;
  /** The inhibition rule that applied. */
  rule: string;
  reason: string;
  at: string;
}

export interface EscalationState {
  level: number;
  /** When the next level is due, absent once the policy is exhausted. */
  nextAt?: string;
}

/**
 * CAP fields that have no home in the envelope. Kept so that CAP → envelope → CAP is lossless
 * for messages that came from outside (see nodes/platform/export/cap.ts).
 */
export type CapExtension = Record<string, unknown>;

export interface Alert {
  id: string;
  tool: string;
  source: AlertSource;
  event: string;
  headline: string;
  description?: string;
  instruction?: string;
  category: Category;
  severity: Severity;
  urgency: Urgency;
  certainty: Certainty;
  priority: Priority;
  status: MessageStatus;
  location?: Geometry;
  areaDesc?: string;
  zone?: string;
  occurredAt: string;
  expires?: string;
  resources: Resource[];
  data?: Record<string, unknown>;
  /**
   * Traffic Light Protocol 2.0 marking (model/tlp.ts): who may learn of the alert. A draft may
   * set it; absent is TLP:CLEAR. While the alert is open a repeat can make it stricter, never
   * laxer (audited as `marked`).
   */
  tlp?: Tlp;
  state: AlertState;
  ack?: Ack;
  resolved?: Resolution;
  assignee?: string;
  comments: Comment[];
  /** The most recent audit entries; the full log is in the store (AlertStore.history). */
  history: HistoryEntry[];
  count: number;
  /**
   * The repeats of this alert, compacted: the first OCCURRENCE_SAMPLES occurrences (the
   * creation is n = 1) and the last ones; `count` is the total. Absent until the first repeat.
   */
  occurrences?: { first: Occurrence[]; last: Occurrence[] };
  firstSeen: string;
  lastSeen: string;
  fingerprint: string;
  /** Optimistic-concurrency version, incremented by the store on every write. */
  version: number;
  /** The resolved alert with the same fingerprint that this one follows. */
  previousId?: string;
  silenced?: SilenceMark;
  escalation?: EscalationState;
  cap?: CapExtension;
  /** The incident this alert belongs to (nodes/platform/incidents). */
  incidentId?: string;
  muted?: MuteMark;
}

/** What a tool hands to `impetus-alert`: the envelope minus everything the platform computes. */
export type AlertDraft = Partial<
  Omit<Alert, 'priority' | 'state' | 'ack' | 'resolved' | 'comments' | 'history' | 'count' | 'occurrences' | 'firstSeen' | 'lastSeen' | 'version' | 'previousId' | 'silenced' | 'escalation' | 'incidentId' | 'muted'>
>;

export const LIFECYCLE_TYPES = [
  'created', 'updated', 'acknowledged', 'assigned', 'commented', 'resolved', 'reopened', 'escalated', 'silenced',
  'grouped', 'muted',
] as const;
export type LifecycleType = (typeof LIFECYCLE_TYPES)[number];

export interface LifecycleEvent {
  /** Unique event id, so consumers on an at-least-once bus can drop repeats. */
  id: string;
  type: LifecycleType;
  alertId: string;
  at: string;
  actor?: string;
  /** Snapshot of the alert after the change. */
  alert: Alert;
  details?: Record<string, unknown>;
  /** Runtime instance that made the change. */
  origin: string;
}

export interface SilenceMatchers {
  tool?: string;
  event?: string;
  zone?: string;
  severity?: Severity | Severity[];
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  reason: string;
  createdBy: string;
  createdAt: string;
  startsAt: string;
  endsAt: string;
  /** Set when the silence was ended before `endsAt`. */
  expiredAt?: string;
}
