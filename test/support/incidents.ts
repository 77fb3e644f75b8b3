/**
 * The shooting in the square, tool by tool, as the incident tests raise it (docs/incidents.md):
 * a draft per tool that the default rules group into one incident.
 */
import type { AlertDraft } from '../../nodes/platform';
import { toolData } from './console';

export const SQUARE: [number, number] = [11.8768, 45.4077];

/** The tool's alert of the shooting, with `extra` over it. */
export function draft(tool: string, extra: Partial<AlertDraft> = {}): AlertDraft {
  const base: Record<string, AlertDraft> = {
    firearm: { event: 'Firearm detected', headline: 'Handgun on camera 4', severity: 'critical', urgency: 'Immediate', certainty: 'Likely', zone: 'square', source: { ref: 'cam-4' }, location: { type: 'Point', coordinates: SQUARE } },
    anomaly: { event: 'Crowd-flow anomaly', headline: 'People running out of the square', severity: 'high', urgency: 'Immediate', certainty: 'Likely', zone: 'square', source: { ref: 'counter-2' } },
    social: { event: 'Online threat', headline: 'Threatening posts about the square', severity: 'medium', urgency: 'Expected', certainty: 'Possible', source: { ref: 'project-1' } },
    evacuation: { event: 'Evacuation plan', headline: 'Evacuate the square by Via Manin', severity: 'high', urgency: 'Immediate', certainty: 'Likely', location: { type: 'Point', coordinates: [SQUARE[0] + 0.001, SQUARE[1]] } },
    workload: { event: 'Operator overloaded', headline: 'Operator 2 workload high', severity: 'medium', urgency: 'Immediate', certainty: 'Observed' },
    ctdr: { event: 'IDS alert on a vulnerable asset', headline: 'Exploit attempt', severity: 'high', urgency: 'Immediate', certainty: 'Possible', zone: 'traffic-control' },
  };
  return { tool, data: toolData(tool), ...base[tool], ...extra };
}
