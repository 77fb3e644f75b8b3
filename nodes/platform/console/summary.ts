/**
 * The slim form of an alert that the console's queue, map and live stream use: what a row and a
 * marker show, without history, comments, tool data or full geometry. It keeps WebSocket frames
 * small (a few hundred bytes an event) when thousands of alerts a second fan out to many clients;
 * the detail page fetches the full alert.
 */
import type { Alert, Geometry, Position } from '../model/types';

export interface AlertSummary {
  id: string;
  tool: string;
  event: string;
  headline: string;
  severity: Alert['severity'];
  priority: Alert['priority'];
  status: Alert['status'];
  state: Alert['state'];
  zone?: string;
  /** The TLP marking (visibility depends on it; the queue shows it as a badge); absent is clear. */
  tlp?: Alert['tlp'];
  areaDesc?: string;
  description?: string;
  /** [longitude, latitude] of a marker for the location (its centre for lines and areas). */
  point?: [number, number];
  occurredAt: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  assignee?: string;
  ack?: { by: string; at: string };
  resolved?: { by: string; at: string; reason: string };
  silenced?: boolean;
  escalationLevel?: number;
  /** The incident it belongs to: the queue shows it under that incident. */
  incidentId?: string;
  /** What mutes it (`incident:<id>`, `alert:<id>`). */
  mutedBy?: string;
  comments: number;
  version: number;
}

function positions(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.flat();
    case 'MultiPolygon':
      return geometry.coordinates.flat(2);
  }
}

/** The centre of the bounding box: good enough for a marker, and cheap. */
export function markerPoint(geometry: Geometry | undefined): [number, number] | undefined {
  if (!geometry) return undefined;
  const all = positions(geometry).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (!all.length) return undefined;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of all) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  return [(minX + maxX) / 2, (minY + maxY) / 2];
}

const MAX_DESCRIPTION = 280;

export function summarize(alert: Alert): AlertSummary {
  const s: AlertSummary = {
    id: alert.id,
    tool: alert.tool,
    event: alert.event,
    headline: alert.headline,
    severity: alert.severity,
    priority: alert.priority,
    status: alert.status,
    state: alert.state,
    occurredAt: alert.occurredAt,
    firstSeen: alert.firstSeen,
    lastSeen: alert.lastSeen,
    count: alert.count,
    comments: alert.comments.length,
    version: alert.version,
  };
  if (alert.zone !== undefined) s.zone = alert.zone;
  if (alert.tlp !== undefined) s.tlp = alert.tlp;
  if (alert.areaDesc !== undefined) s.areaDesc = alert.areaDesc;
  // Kept short but present: the queue's text filter searches it, as the store's text search does.
  if (alert.description !== undefined) s.description = alert.description.length > MAX_DESCRIPTION ? `${alert.description.slice(0, MAX_DESCRIPTION - 1)}…` : alert.description;
  const point = markerPoint(alert.location);
  if (point) s.point = point;
  if (alert.assignee) s.assignee = alert.assignee;
  if (alert.ack) s.ack = { by: alert.ack.by, at: alert.ack.at };
  if (alert.resolved) s.resolved = { by: alert.resolved.by, at: alert.resolved.at, reason: alert.resolved.reason };
  if (alert.silenced) s.silenced = true;
  if (alert.escalation?.level) s.escalationLevel = alert.escalation.level;
  if (alert.incidentId) s.incidentId = alert.incidentId;
  if (alert.muted) s.mutedBy = alert.muted.by;
  return s;
}
