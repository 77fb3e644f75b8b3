import type { Box, RawDetection } from './layout';

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

/**
 * Class-aware greedy NMS: a box only suppresses boxes of its own class, so a pistol held in
 * front of a person's bag is not swallowed by an overlapping box of another class.
 */
export function nms<T extends RawDetection>(dets: T[], iouThreshold: number, maxDetections = 300): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => k.classId !== d.classId || iou(k, d) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/** A polygon zone in normalised image coordinates (0..1, origin top-left). */
export interface Zone {
  name: string;
  polygon: Array<[number, number]>;
}

/** Even-odd ray casting; points on an edge may fall either way, which zones tolerate. */
export function insidePolygon(x: number, y: number, polygon: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The zone a detection belongs to, tested at the bottom-centre of its box: that is where the
 * person stands, so a weapon held up in front of a fence still counts for the ground behind it.
 * `undefined` when zones exist and none contains the point; `null` when there are no zones.
 */
export function zoneAt(box: Box, width: number, height: number, zones: readonly Zone[]): Zone | null | undefined {
  if (zones.length === 0) return null;
  const x = (box.x1 + box.x2) / 2 / width;
  const y = box.y2 / height;
  return zones.find((z) => insidePolygon(x, y, z.polygon));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
