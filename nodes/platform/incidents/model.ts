/**
 * The incident record's pure transitions: members in and out, the computed fields (priority,
 * title, summary, type, playbook) and the lifecycle with its audit. The service (service.ts)
 * reads, applies one of these and writes back with compare-and-set.
 */
import { randomUUID } from 'node:crypto';
import { TransitionError } from '../model/lifecycle';
import { priorityRank } from '../model/priority';
import type { Alert, Priority } from '../model/types';
import { incidentType, playbookFor } from './playbooks';
import { digestLabels, pointOf } from './rules';
import type { Incident, IncidentHistoryAction, IncidentMember, IncidentRule } from './types';

export function memberOf(alert: Alert, joinedAt: string, by?: string): IncidentMember {
  const m: IncidentMember = {
    alertId: alert.id, tool: alert.tool, event: alert.event, headline: alert.headline, priority: alert.priority,
    state: alert.state, occurredAt: alert.occurredAt, joinedAt,
  };
  if (alert.zone !== undefined) m.zone = alert.zone;
  // Carried so that role views filter members by their marking without reading each alert.
  if (alert.tlp !== undefined) m.tlp = alert.tlp;
  if (alert.areaDesc !== undefined) m.areaDesc = alert.areaDesc;
  const point = pointOf(alert.location);
  if (point) m.point = point;
  if (by !== undefined) m.by = by;
  if (alert.muted) m.mutedBy = alert.muted.by;
  return m;
}

function entryOf(seq: number, at: string, action: IncidentHistoryAction, by?: string, details?: Record<string, unknown>): Incident['history'][number] {
  const entry: Incident['history'][number] = { seq, at, action };
  if (by !== undefined) entry.by = by;
  if (details !== undefined) entry.details = details;
  return entry;
}

function audit(incident: Incident, at: string, action: IncidentHistoryAction, by?: string, details?: Record<string, unknown>): Incident['history'] {
  return [...incident.history, entryOf((incident.history[incident.history.length - 1]?.seq ?? 0) + 1, at, action, by, details)];
}

/** The highest priority among the members (P4 for none). */
function highestPriority(members: readonly IncidentMember[]): Priority {
  return `P${Math.min(4, ...members.map((m) => priorityRank(m.priority)))}` as Priority;
}

/**
 * The incident's priority: its highest member's, one step higher when members from at least two
 * tools agree (context tools such as workload do not count), never above P1.
 */
export function incidentPriority(members: readonly IncidentMember[], rule: Pick<IncidentRule, 'context'> | undefined): Priority {
  if (!members.length) return 'P4';
  const best = priorityRank(highestPriority(members));
  const evidence = new Set(members.filter((m) => !rule?.context?.includes(m.tool)).map((m) => m.tool));
  return `P${Math.max(1, evidence.size >= 2 ? best - 1 : best)}` as Priority;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A digest's title and summary: what its alerts share, how many, and how spread over the city. */
function describeDigest(incident: Incident, digest: NonNullable<Incident['digest']>): { title: string; summary: string } {
  const members = incident.members;
  const head = digest.labels.event ?? `${digest.labels.tool ?? incident.tools.join(', ')} alerts`;
  const places = [...new Set(members.flatMap((m) => (m.zone ?? m.areaDesc) === undefined ? [] : [m.areaDesc ?? m.zone!]))];
  const where = places.length > 1 ? ` in ${places.length} zones` : places.length ? ` at ${places[0]}` : '';
  const who = digest.labels.source ? ` (${digest.labels.source})` : '';
  const title = `${head}${members.length > 1 ? ` ×${members.length}` : ''}${where}${who}`;
  const byPriority = [...new Set(members.map((m) => m.priority))].sort().map((p) => `${p} ×${members.filter((m) => m.priority === p).length}`);
  const latest = [...members].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))[0];
  const summary = `Low-priority digest: ${count(members.length, 'alert', 'alerts')} (${byPriority.join(', ')})${where} since ${incident.firstSeen}, taking alerts until ${digest.until}` +
    (latest ? `; latest: ${latest.headline}` : '');
  return { title: title.slice(0, 300), summary: summary.slice(0, 2000) };
}

/** Title and summary from the members: what the most urgent one says, where, and who else agrees. */
function describe(incident: Incident): { title: string; summary: string } {
  const members = incident.members;
  if (!members.length) return { title: 'Empty incident', summary: 'Every alert was moved out.' };
  if (incident.digest) return describeDigest(incident, incident.digest);
  const lead = [...members].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.occurredAt.localeCompare(b.occurredAt))[0];
  const place = incident.areaDesc ?? incident.zone ?? lead.areaDesc ?? lead.zone;
  const others = incident.tools.filter((t) => t !== lead.tool);
  const title = `${lead.event}${place ? ` at ${place}` : ''}${others.length ? ` (+ ${others.join(', ')})` : ''}`;
  const byTool = incident.tools.map((t) => {
    const n = members.filter((m) => m.tool === t).length;
    return n > 1 ? `${t} ×${n}` : t;
  });
  const summary = `${count(members.length, 'alert', 'alerts')} from ${count(incident.tools.length, 'tool', 'tools')} (${byTool.join(', ')}) since ${incident.firstSeen}; most urgent: ${lead.priority} ${lead.headline}`;
  return { title: title.slice(0, 300), summary: summary.slice(0, 2000) };
}

/**
 * Recomputes everything derived from the members. The playbook follows the type until a step is
 * ticked. A digest is spread over the city: it has no place, and its members are unrelated, so
 * its priority is its highest member's, never raised for tools agreeing.
 */
function recompute(incident: Incident, rule: IncidentRule | undefined): Incident {
  const tools = [...new Set(incident.members.map((m) => m.tool))];
  const type = incident.digest ? 'digest' : incidentType(incident.members);
  const ticked = incident.playbook.some((s) => s.done);
  const next: Incident = {
    ...incident,
    tools,
    type,
    priority: incident.digest ? highestPriority(incident.members) : incidentPriority(incident.members, rule),
    playbook: type !== incident.type && !ticked ? playbookFor(type) : incident.playbook,
  };
  if (!incident.digest && (next.zone === undefined || next.center === undefined)) {
    const located = incident.members.find((m) => m.zone !== undefined || m.point);
    if (located && next.zone === undefined && located.zone !== undefined) next.zone = located.zone;
    if (located && next.areaDesc === undefined && located.areaDesc !== undefined) next.areaDesc = located.areaDesc;
    const pointed = incident.members.find((m) => m.point);
    if (pointed && next.center === undefined) next.center = pointed.point;
  }
  return { ...next, ...describe(next) };
}

export function openIncident(rule: IncidentRule, alert: Alert, ids: { id: string; key: string; at: string }): Incident {
  const member = memberOf(alert, ids.at);
  const base: Incident = {
    id: ids.id, rule: rule.id, type: '', key: ids.key, accepting: true, title: '', summary: '', priority: alert.priority,
    status: alert.status, state: 'open', tools: [], members: [member], removed: [], comments: [], playbook: [],
    history: [{ seq: 1, at: ids.at, action: 'opened', details: { rule: rule.id, alertId: alert.id } }],
    firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, version: 0,
  };
  if (rule.digest) {
    base.digest = { labels: digestLabels(alert, rule.digest), priorities: [...rule.digest.priorities], until: new Date(Date.parse(ids.at) + rule.windowMinutes * 60_000).toISOString() };
  }
  return recompute(base, rule);
}

/** Adds a member: by a rule (`by` absent) or moved in by an operator. */
export function addMember(incident: Incident, alert: Alert, rule: IncidentRule | undefined, at: string, by?: string): Incident {
  return addMembers(incident, [alert], rule, at, by);
}

/**
 * Adds several members at once, each audited as addMember would, with what is derived from the
 * members computed once: adding a storm's batch one by one costs members × batch.
 */
export function addMembers(incident: Incident, alerts: readonly Alert[], rule: IncidentRule | undefined, at: string, by?: string, details: Record<string, unknown> = {}): Incident {
  const ids = new Set(incident.members.map((m) => m.alertId));
  const members = [...incident.members];
  const history = [...incident.history];
  let seq = history[history.length - 1]?.seq ?? 0;
  let { removed, lastSeen, firstSeen } = incident;
  for (const alert of alerts) {
    if (ids.has(alert.id)) continue;
    ids.add(alert.id);
    members.push(memberOf(alert, at, by));
    if (removed.includes(alert.id)) removed = removed.filter((id) => id !== alert.id);
    if (alert.lastSeen > lastSeen) lastSeen = alert.lastSeen;
    if (alert.firstSeen < firstSeen) firstSeen = alert.firstSeen;
    history.push(entryOf(++seq, at, by === undefined ? 'grouped' : 'moved-in', by, { alertId: alert.id, tool: alert.tool, priority: alert.priority, ...details }));
  }
  if (members.length === incident.members.length) return incident;
  return recompute({ ...incident, members, removed, lastSeen, firstSeen, history }, rule);
}

export function removeMember(incident: Incident, alertId: string, rule: IncidentRule | undefined, at: string, by: string, reason?: string): Incident {
  if (!incident.members.some((m) => m.alertId === alertId)) throw new TypeError(`alert ${alertId} is not in incident ${incident.id}`);
  const next: Incident = {
    ...incident,
    members: incident.members.filter((m) => m.alertId !== alertId),
    removed: [...incident.removed, alertId],
    history: audit(incident, at, 'moved-out', by, reason ? { alertId, reason } : { alertId }),
  };
  return recompute(next, rule);
}

/**
 * Members leave by rule, not by an operator: a digest's alerts taken by an incident of their
 * place, or one raised above the digest's priorities. Not put in `removed`: no operator said
 * they do not belong here.
 */
export function releaseMembers(incident: Incident, alertIds: readonly string[], rule: IncidentRule | undefined, at: string, details: Record<string, unknown>): Incident {
  const leaving = new Set(alertIds.filter((id) => incident.members.some((m) => m.alertId === id)));
  if (!leaving.size) return incident;
  let history = incident.history;
  for (const alertId of leaving) history = audit({ ...incident, history }, at, 'moved-out', undefined, { alertId, ...details });
  return recompute({ ...incident, members: incident.members.filter((m) => !leaving.has(m.alertId)), history }, rule);
}

/** The member's snapshot brought up to date; undefined when nothing the incident shows changed. */
export function refreshMember(incident: Incident, alert: Alert, rule: IncidentRule | undefined): Incident | undefined {
  const i = incident.members.findIndex((m) => m.alertId === alert.id);
  if (i < 0) return undefined;
  const old = incident.members[i];
  const fresh = memberOf(alert, old.joinedAt, old.by);
  if (JSON.stringify(fresh) === JSON.stringify(old) && alert.lastSeen <= incident.lastSeen) return undefined;
  const members = [...incident.members];
  members[i] = fresh;
  return recompute({ ...incident, members, lastSeen: alert.lastSeen > incident.lastSeen ? alert.lastSeen : incident.lastSeen }, rule);
}

/** No new member joins by rule any more (its window passed); operators may still move alerts in. */
export function closeToNew(incident: Incident, at: string, reason: string): Incident {
  return { ...incident, accepting: false, history: audit(incident, at, 'closed-to-new', undefined, { reason }) };
}

function requireState(incident: Incident, action: string, allowed: Incident['state'][]): void {
  if (!allowed.includes(incident.state)) throw new TransitionError(incident.id, action, incident.state);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new TypeError(`${what} is required`);
  return value.trim();
}

export function acknowledgeIncident(incident: Incident, by: string, at: string, note?: string): Incident {
  requireState(incident, 'acknowledge', ['open']);
  return { ...incident, state: 'acknowledged', ack: note ? { by, at, note } : { by, at }, history: audit(incident, at, 'acknowledged', by, note ? { note } : undefined) };
}

export function assignIncident(incident: Incident, assignee: string, by: string, at: string): Incident {
  requireState(incident, 'assign', ['open', 'acknowledged']);
  const to = text(assignee, 'assignee');
  return { ...incident, assignee: to, history: audit(incident, at, 'assigned', by, { assignee: to }) };
}

export function commentIncident(incident: Incident, comment: string, by: string, at: string): Incident {
  const c = { id: randomUUID(), by, at, text: text(comment, 'comment text') };
  return { ...incident, comments: [...incident.comments, c], history: audit(incident, at, 'commented', by, { commentId: c.id, text: c.text }) };
}

export function resolveIncident(incident: Incident, reason: string, by: string, at: string): Incident {
  requireState(incident, 'resolve', ['open', 'acknowledged']);
  const why = text(reason, 'resolution reason');
  return { ...incident, state: 'resolved', accepting: false, resolved: { by, at, reason: why }, history: audit(incident, at, 'resolved', by, { reason: why }) };
}

/** Reopened, it does not take new members by rule again: a later alert opens a new incident. */
export function reopenIncident(incident: Incident, by: string, at: string, reason?: string): Incident {
  requireState(incident, 'reopen', ['resolved']);
  const next: Incident = { ...incident, state: 'open', history: audit(incident, at, 'reopened', by, reason ? { reason } : undefined) };
  delete next.resolved;
  delete next.ack;
  return next;
}

export function tickStep(incident: Incident, stepId: string, done: boolean, by: string, at: string): Incident {
  const i = incident.playbook.findIndex((s) => s.id === stepId);
  if (i < 0) throw new TypeError(`incident ${incident.id} has no playbook step ${stepId}`);
  const step = incident.playbook[i];
  if (!!step.done === done) return incident;
  const playbook = [...incident.playbook];
  playbook[i] = done ? { ...step, done: { by, at } } : { id: step.id, text: step.text };
  return { ...incident, playbook, history: audit(incident, at, 'step', by, { step: step.id, text: step.text, done }) };
}

/**
 * The incident as a role that sees only some members sees it: those members, and the tools,
 * title and summary built from them alone, so a hidden member's tool or headline never shows.
 * The priority stays the incident's: it says how urgent the event is, not what the hidden alerts say.
 */
export function restrictIncident(incident: Incident, visible: (member: IncidentMember) => boolean): Incident {
  const members = incident.members.filter(visible);
  if (members.length === incident.members.length) return incident;
  const next: Incident = { ...incident, members, tools: [...new Set(members.map((m) => m.tool))] };
  return { ...next, ...describe(next), removed: [] };
}
