/**
 * The alert draft for a sensor that went quiet: a sensor-availability alert (as the IMPETUS
 * Workload Monitoring tool raised them) filed under the tool the sensor feeds, low priority on
 * its own, deduplicated per sensor by the usual fingerprint (tool, event, zone, source.ref).
 */
import type { Watched } from './quiet';

export interface DraftOptions {
  /** The sensor-in node, named in source.node. */
  sourceNode?: string;
  tool: string;
  gapMs: number;
  now: number;
  exercise: boolean;
}

export function quietSensorDraft(s: Watched, o: DraftOptions): Record<string, unknown> {
  const minutes = Math.max(1, Math.round((o.now - s.lastArrival) / 60_000));
  const draft: Record<string, unknown> = {
    tool: o.tool,
    event: 'Sensor quiet',
    headline: `Sensor ${s.sensorId} quiet for ${minutes} min`,
    description: `No reading from ${s.sensorId} for longer than the configured ${Math.round(o.gapMs / 1000)} s. Detectors fed by it are working without its data.`,
    instruction: 'Check the sensor’s power and network link; its readings are missing until it reports again.',
    category: 'Infra',
    severity: 'low',
    urgency: 'Expected',
    certainty: 'Observed',
    source: o.sourceNode ? { node: o.sourceNode, ref: s.sensorId } : { ref: s.sensorId },
    occurredAt: new Date(o.now).toISOString(),
    data: {
      kind: 'sensor-availability',
      sensorId: s.sensorId,
      lastSeen: new Date(s.lastArrival).toISOString(),
      quietSeconds: Math.round((o.now - s.lastArrival) / 1000),
      ...(Number.isFinite(s.lastReadingTs) ? { lastReadingAt: new Date(s.lastReadingTs).toISOString() } : {}),
    },
  };
  if (s.zone) {
    draft.zone = s.zone;
    draft.areaDesc = s.zone;
  }
  if (s.location) draft.location = s.location;
  if (o.exercise) draft.status = 'Exercise';
  return draft;
}
