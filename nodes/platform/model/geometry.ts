import type { Position } from './types';

function samePosition(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * A GeoJSON linear ring ends where it starts (RFC 7946 3.1.6), and so must a CAP `<polygon>`.
 * Tools often leave the last position out; it is added back rather than the alert refused.
 * Anything that is not a list of positions is returned as it is, for the schema to refuse.
 */
export function closeRing<T>(ring: T): T {
  if (!Array.isArray(ring) || ring.length < 3 || !Array.isArray(ring[0])) return ring;
  return (samePosition(ring[0], ring[ring.length - 1]) ? ring : [...ring, [...(ring[0] as Position)]]) as T;
}

/** The same geometry with every polygon ring closed; other geometries unchanged. */
export function closeRings<T>(geometry: T): T {
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g === null || typeof g !== 'object' || !Array.isArray(g.coordinates)) return geometry;
  const rings = (polygon: unknown) => (Array.isArray(polygon) ? polygon.map(closeRing) : polygon);
  if (g.type === 'Polygon') return { ...g, coordinates: rings(g.coordinates) } as T;
  if (g.type === 'MultiPolygon') return { ...g, coordinates: g.coordinates.map(rings) } as T;
  return geometry;
}
