/**
 * Exports of an incident: a CAP 1.2 message (its first version `Alert`, every later version an
 * `Update` whose `references` name the incident's first message and each member alert's own CAP
 * message, a resolved one `Cancel`; `incidents` carries the incident id) and a FIWARE `Alert`
 * entity whose `data.members` names the member alerts' entities. Both are built from the incident
 * read as one alert (its most urgent member's classification, the incident's title, summary,
 * priority, lifecycle and places), through the alert exports, so the two stay in step.
 */
import type { Incident } from '../incidents/types';
import { priorityRank } from '../model/priority';
import type { Alert, Geometry } from '../model/types';
import type { AlertToCapOptions } from './cap-map';
import { alertToCap } from './cap-map';
import type { CapAlert } from './cap-model';
import { checkCap, xmlText } from './cap-model';
import { capToXml } from './cap-xml';
import type { FiwareOptions, FiwareRepresentation } from './fiware';
import { alertToFiware, fiwareEntityId } from './fiware';
import { capDate } from './time';

/** Every member's location, as one geometry (a collection of their shapes' points or the only shape). */
function placeOf(members: readonly Alert[]): Geometry | undefined {
  const located = members.filter((m) => m.location);
  if (located.length <= 1) return located[0]?.location;
  const points = located.flatMap((m) => {
    let c: unknown = m.location!.coordinates;
    while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
    return Array.isArray(c) && typeof c[0] === 'number' ? [c as number[]] : [];
  });
  return { type: 'MultiPoint', coordinates: points };
}

/** The incident as one alert: what the exports of an alert know how to write. */
export function incidentAsAlert(incident: Incident, members: readonly Alert[]): Alert {
  if (!members.length) throw new TypeError(`incident ${incident.id} has no member alert to export`);
  const lead = [...members].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.firstSeen.localeCompare(b.firstSeen))[0];
  const alert: Alert = {
    id: incident.id, tool: lead.tool, source: lead.source, event: lead.event, headline: incident.title, description: incident.summary,
    category: lead.category, severity: lead.severity, urgency: lead.urgency, certainty: lead.certainty, priority: incident.priority,
    status: incident.status, occurredAt: members.map((m) => m.occurredAt).sort()[0], resources: [], state: incident.state, comments: incident.comments,
    history: [], count: members.length, firstSeen: incident.firstSeen, lastSeen: incident.lastSeen, fingerprint: lead.fingerprint, version: incident.version,
  };
  if (lead.instruction) alert.instruction = lead.instruction;
  const location = placeOf(members);
  if (location) alert.location = location;
  if (incident.zone !== undefined) alert.zone = incident.zone;
  if (incident.areaDesc !== undefined) alert.areaDesc = incident.areaDesc;
  if (incident.ack) alert.ack = incident.ack;
  if (incident.resolved) alert.resolved = incident.resolved;
  if (incident.assignee) alert.assignee = incident.assignee;
  return alert;
}

/** CAP 1.2 for an incident and its members (those the reader may see). */
export function incidentToCap(incident: Incident, members: readonly Alert[], opts: AlertToCapOptions): CapAlert {
  const cap = alertToCap({ ...incidentAsAlert(incident, members), count: 1, history: [], state: 'open' }, opts);
  const first = `${cap.sender},${incident.id},${capDate(incident.firstSeen)}`;
  const header: CapAlert = { ...cap, incidents: incident.id };
  if (incident.version > 1 || incident.state !== 'open') {
    header.msgType = incident.state === 'resolved' ? 'Cancel' : 'Update';
    header.identifier = `${incident.id}-v${incident.version}`;
    const times = [incident.lastSeen, incident.ack?.at, incident.resolved?.at, ...incident.history.map((h) => h.at)].filter((t): t is string => !!t).sort();
    header.sent = capDate(times[times.length - 1]);
    // CAP's references: the incident's first message and every member alert's first message.
    header.references = [first, ...members.map((m) => `${cap.sender},${m.id},${capDate(m.firstSeen)}`)].join(' ');
    if (incident.resolved) header.note = xmlText(incident.resolved.reason);
  }
  return checkCap(header);
}

export function incidentToCapXml(incident: Incident, members: readonly Alert[], opts: AlertToCapOptions): string {
  return capToXml(incidentToCap(incident, members, opts));
}

/** The incident as a FIWARE Alert entity; `data.members` holds the member alerts' entity ids. */
export function incidentToFiware(incident: Incident, members: readonly Alert[], representation: FiwareRepresentation, opts: FiwareOptions = {}): ReturnType<typeof alertToFiware> {
  const alert = incidentAsAlert(incident, members);
  alert.data = { incident: true, type: incident.type, tools: incident.tools, members: members.map((m) => fiwareEntityId(m.id)) };
  return alertToFiware(alert, representation, opts);
}
