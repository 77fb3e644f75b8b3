import type { Zone } from '../vision/geometry';

/** What a camera knows about itself; travels with every frame as `msg.camera`. */
export interface CameraInfo {
  id: string;
  name?: string;
  /** [longitude, latitude] (GeoJSON order). */
  position?: [number, number];
  areaDesc?: string;
  /** Zone name for the whole view, used when no polygon zones are set. */
  zone?: string;
  zones?: Zone[];
}

/** A frame message: `payload` is the encoded image (JPEG) as a Buffer, never copied on the way. */
export interface FrameMessage {
  payload: Buffer;
  camera: CameraInfo;
  /** Capture time, ms since the epoch. */
  timestamp: number;
  _msgid?: string;
  [key: string]: unknown;
}

export function isFrameMessage(msg: Record<string, unknown>): msg is FrameMessage & Record<string, unknown> {
  const camera = msg.camera as CameraInfo | undefined;
  return Buffer.isBuffer(msg.payload) && !!camera && typeof camera === 'object' && typeof camera.id === 'string' && camera.id !== '';
}

/** Zones from an editor field or a message: a JSON array of `{name, polygon: [[x, y], …]}` in 0..1. */
export function parseZones(value: unknown): Zone[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) throw new TypeError('zones must be an array of {name, polygon}');
  return list.map((z, i) => {
    const zone = z as Partial<Zone>;
    if (typeof zone.name !== 'string' || !zone.name) throw new TypeError(`zone ${i} needs a name`);
    if (!Array.isArray(zone.polygon) || zone.polygon.length < 3) throw new TypeError(`zone ${zone.name} needs a polygon of at least 3 points`);
    for (const p of zone.polygon) {
      if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
        throw new TypeError(`zone ${zone.name}: points are [x, y] in 0..1 of the frame`);
      }
    }
    return { name: zone.name, polygon: zone.polygon as Array<[number, number]> };
  });
}
