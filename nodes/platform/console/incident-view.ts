/**
 * An incident as one role sees it (docs/incidents.md): a role sees an incident when it may see one
 * of its members, and then only those members. Its own module so that the incident routes and the
 * voice channels (voice-channels.ts, which the runtime imports) share the rule without a cycle.
 */
import { restrictIncident } from '../incidents/model';
import type { Incident, IncidentMember } from '../incidents/types';
import { canSee } from './views';
import type { View } from './views';

function memberVisible(view: View, incident: Incident): (m: IncidentMember) => boolean {
  return (m) => canSee(view, { tool: m.tool, priority: m.priority, status: incident.status, zone: m.zone, tlp: m.tlp });
}

/** The incident as this role sees it, or undefined when it sees none of its members. */
export function incidentFor(view: View, incident: Incident | undefined): Incident | undefined {
  if (!incident) return undefined;
  const seen = restrictIncident(incident, memberVisible(view, incident));
  return seen.members.length ? seen : undefined;
}
