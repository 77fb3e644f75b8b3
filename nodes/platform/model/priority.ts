import type { Certainty, Priority, Severity, Urgency } from './types';

/**
 * Priority P1–P4 from CAP severity × urgency × certainty.
 *
 * Severity sets the base (critical P1, high P2, medium P3, low and info P4). The base then
 * moves one step down (towards P4) when the alert cannot need action now (urgency Future or
 * Past) and one step down when it is doubtful (certainty Possible or Unlikely); it moves one
 * step up (towards P1) when a high alert is both Immediate and Observed. Unknown urgency or
 * certainty leaves the base alone: an operator should not lose a gunshot because a sensor
 * left a field empty. The full matrix is in docs/priority.md.
 */
const BASE: Record<Severity, number> = { critical: 1, high: 2, medium: 3, low: 4, info: 4 };

export function computePriority(severity: Severity, urgency: Urgency, certainty: Certainty): Priority {
  let level = BASE[severity];
  if (urgency === 'Future' || urgency === 'Past') level += 1;
  if (certainty === 'Possible' || certainty === 'Unlikely') level += 1;
  if (severity === 'high' && urgency === 'Immediate' && certainty === 'Observed') level -= 1;
  if (severity === 'info') level = 4;
  return `P${Math.min(4, Math.max(1, level))}` as Priority;
}

/** Sort key: P1 sorts first. */
export function priorityRank(priority: Priority): number {
  return Number(priority.slice(1));
}
