/**
 * Playbooks: per incident type, the steps an operator takes (the standard operating procedure),
 * shown as a checklist on the incident page; each tick goes into the incident's audit. Exercise
 * incidents get the same playbooks, so training follows the real procedure.
 */
import type { IncidentMember, PlaybookStep } from './types';

export const PLAYBOOKS: Readonly<Record<string, readonly string[]>> = {
  'armed-threat': [
    'Confirm the weapon on the camera images',
    'Dispatch the nearest patrol and inform emergency services (112)',
    'Keep the cameras of the zone on the video wall',
    'Start the evacuation plan for the zone if people are at risk',
    'Warn field staff in the zone over chat',
    'Watch social media for panic or copycat threats',
  ],
  'airborne-hazard': [
    'Confirm the sampler reading with a second sample',
    'Inform the health authority',
    'Close ventilation intakes near the zone',
    'Decide whether to evacuate the zone',
  ],
  evacuation: [
    'Check the exits the plan uses are open',
    'Send the routes to field staff',
    'Announce the evacuation in the zone',
    'Confirm the zone is clear',
  ],
  'public-order': [
    'Check the cameras and sensors of the zone',
    'Decide whether a patrol is needed',
    'Inform the duty supervisor',
  ],
  'cyber-attack': [
    'Identify the affected assets',
    'Isolate them or apply the ranked countermeasure',
    'Inform the CERT and the asset owners',
    'Check physical systems that depend on the assets (traffic, access control)',
  ],
  // A low-priority digest: unrelated alerts of one kind over a shift, reviewed as a whole.
  digest: [
    'Skim the alerts for a pattern (one place, one hour, one source)',
    'Move any alert that belongs to an event into that event\'s incident',
    'Acknowledge the digest; resolve it at the end of the shift',
  ],
  other: ['Review every member alert', 'Decide whether the event needs action', 'Inform the duty supervisor'],
};

/** What an incident is, from its members: a firearm makes any incident an armed threat. */
export function incidentType(members: readonly Pick<IncidentMember, 'tool'>[]): string {
  const tools = new Set(members.map((m) => m.tool));
  if (tools.has('firearm')) return 'armed-threat';
  if (tools.has('bacteria')) return 'airborne-hazard';
  if (tools.has('evacuation')) return 'evacuation';
  if (tools.has('cti') || tools.has('ctdr')) return 'cyber-attack';
  if (tools.has('anomaly') || tools.has('social')) return 'public-order';
  return 'other';
}

export function playbookFor(type: string): PlaybookStep[] {
  return (PLAYBOOKS[type] ?? PLAYBOOKS.other).map((text, i) => ({ id: `s${i + 1}`, text }));
}
