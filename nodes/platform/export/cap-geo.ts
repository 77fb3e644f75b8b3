import type { Geometry, Position } from '../model/types';
import { closeRing } from '../model/geometry';

/**
 * GeoJSON ↔ CAP `<polygon>` / `<circle>`. CAP writes "lat,lon" (WGS 84, latitude first);
 * GeoJSON writes [lon, lat]. Getting this backwards puts Oslo in the Indian Ocean, so the
 * swap lives in exactly two functions below.
 */

/** Shortest decimal (no exponent, which CAP's "decimal degrees" does not allow) that reads back as `n`. */
export function decimal(n: number): string {
  const plain = String(n);
  if (!/e/i.test(plain)) return plain;
  for (let digits = 1; digits <= 100; digits++) {
    const fixed = n.toFixed(digits);
    if (Number(fixed) === n) return fixed;
  }
  return n.toFixed(100);
}

function capPair(position: Position): string {
  return `${decimal(position[1])},${decimal(position[0])}`;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function readPair(text: string): Position | undefined {
  const parts = text.split(',');
  if (parts.length !== 2 || !NUMBER.test(parts[0]) || !NUMBER.test(parts[1])) return undefined;
  const lat = Number(parts[0]);
  const lon = Number(parts[1]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return [lon, lat];
}

export interface CapShapes {
  polygon?: string[];
  circle?: string[];
}

/**
 * The CAP shapes for a geometry. Polygon holes, altitudes and lines have no CAP form; the
 * caller keeps the exact geometry elsewhere when this is not enough to rebuild it.
 */
export function geometryToCap(geometry: Geometry | undefined): CapShapes {
  if (!geometry) return {};
  // Closed here too: an alert stored before drafts' rings were closed still exports a closed polygon.
  const ring = (positions: Position[]): string => closeRing(positions).map(capPair).join(' ');
  switch (geometry.type) {
    case 'Point':
      return { circle: [`${capPair(geometry.coordinates)} 0`] };
    case 'MultiPoint':
      return geometry.coordinates.length ? { circle: geometry.coordinates.map((p) => `${capPair(p)} 0`) } : {};
    case 'Polygon':
      return geometry.coordinates.length ? { polygon: [ring(geometry.coordinates[0])] } : {};
    case 'MultiPolygon': {
      const outer = geometry.coordinates.filter((poly) => poly.length).map((poly) => ring(poly[0]));
      return outer.length ? { polygon: outer } : {};
    }
    default:
      return {};
  }
}

function readPolygon(text: string): Position[] | undefined {
  const pairs = text.trim().split(/\s+/);
  if (pairs.length < 4 || pairs.length > 10000) return undefined;
  const ring: Position[] = [];
  for (const pair of pairs) {
    const position = readPair(pair);
    if (!position) return undefined;
    ring.push(position);
  }
  return ring;
}

function readCircle(text: string): { center: Position; radius: number } | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2 || !NUMBER.test(parts[1])) return undefined;
  const center = readPair(parts[0]);
  const radius = Number(parts[1]);
  return center && radius >= 0 ? { center, radius } : undefined;
}

/**
 * The GeoJSON geometry that best stands for an area's shapes: polygons win over circles,
 * circles become their centres. Undefined when a shape cannot be read.
 */
export function capToGeometry(shapes: CapShapes): Geometry | undefined {
  const polygons = shapes.polygon ?? [];
  if (polygons.length) {
    const rings = polygons.map(readPolygon);
    if (rings.some((r) => r === undefined) || rings.length > 1000) return undefined;
    const valid = rings as Position[][];
    return valid.length === 1 ? { type: 'Polygon', coordinates: [valid[0]] } : { type: 'MultiPolygon', coordinates: valid.map((r) => [r]) };
  }
  const circles = (shapes.circle ?? []).map(readCircle);
  if (!circles.length || circles.some((c) => c === undefined) || circles.length > 10000) return undefined;
  const centers = circles.map((c) => (c as { center: Position }).center);
  return centers.length === 1 ? { type: 'Point', coordinates: centers[0] } : { type: 'MultiPoint', coordinates: centers };
}
