import type { CameraInfo } from '../camera/frame';
import { area, zoneAt } from './geometry';
import type { Detection, FrameResult } from './detector';
import { Cooldown, IouTracker, type Track, type TrackerOptions } from './tracker';

export interface FilterOptions {
  /** Class names kept; empty keeps all. Compared case-insensitively. */
  classes: string[];
  /** Box area bounds as fractions of the frame area (0..1). */
  minArea: number;
  maxArea: number;
}

export interface ZonedDetection extends Detection {
  zone?: string;
  trackId?: number;
}

export interface Decision {
  /** Detections that passed class, area and zone filters, in frame pixels. */
  detections: ZonedDetection[];
  /** Tracks confirmed this frame when the camera may alert (cooldown over); empty otherwise. */
  alert: Array<Track<ZonedDetection>>;
  /** Confirmed tracks held back by the cooldown. */
  cooledDown: number;
}

/**
 * Everything between raw detections and an alert, per camera: filters, tracking, confirmation
 * and cooldown. No I/O, so the false-alarm controls are tested and measured frame by frame.
 */
export class AlertPolicy {
  private readonly trackers = new Map<string, IouTracker<ZonedDetection>>();
  private readonly cooldown: Cooldown;
  private readonly classes: Set<string>;

  constructor(private readonly filter: FilterOptions, private readonly tracking: TrackerOptions, cooldownMs: number) {
    this.cooldown = new Cooldown(cooldownMs);
    this.classes = new Set(filter.classes.map((c) => c.trim().toLowerCase()).filter(Boolean));
  }

  decide(camera: CameraInfo, frame: FrameResult, now: number): Decision {
    const frameArea = frame.width * frame.height;
    const zones = camera.zones ?? [];
    const detections: ZonedDetection[] = [];
    for (const d of frame.detections) {
      if (this.classes.size && !this.classes.has(d.className.toLowerCase())) continue;
      const fraction = area(d) / frameArea;
      if (fraction < this.filter.minArea || fraction > this.filter.maxArea) continue;
      const zone = zoneAt(d, frame.width, frame.height, zones);
      if (zone === undefined) continue;
      detections.push({ ...d, zone: zone?.name ?? camera.zone });
    }
    let tracker = this.trackers.get(camera.id);
    if (!tracker) this.trackers.set(camera.id, (tracker = new IouTracker<ZonedDetection>(this.tracking)));
    const confirmed = tracker.update(detections);
    for (const t of confirmed) t.last.trackId = t.id;
    if (confirmed.length === 0) return { detections, alert: [], cooledDown: 0 };
    if (!this.cooldown.take(camera.id, now)) return { detections, alert: [], cooledDown: confirmed.length };
    return { detections, alert: confirmed, cooledDown: 0 };
  }
}
