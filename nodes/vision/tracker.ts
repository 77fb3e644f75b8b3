import { iou, median } from './geometry';
import type { Box } from './layout';

export interface TrackedInput extends Box {
  score: number;
  classId: number;
}

export interface Track<T extends TrackedInput = TrackedInput> {
  id: number;
  classId: number;
  /** The latest matched detection. */
  last: T;
  /** Scores of the last `window` frames since the track began; 0 for a frame it was missed. */
  scores: number[];
  /** Frames in a row without a match. */
  missed: number;
  confirmed: boolean;
}

export interface TrackerOptions {
  /** 'median': median of the score history ≥ threshold; 'k-of-n': matched in K of the last N frames. */
  mode: 'median' | 'k-of-n' | 'none';
  /** N: the history length. */
  window: number;
  /** K for k-of-n; for median, the frames needed before a median counts. */
  minHits: number;
  threshold: number;
  matchIou: number;
  /** A track unmatched this many frames in a row is dropped. */
  maxMissed: number;
}

export const DEFAULT_TRACKER: TrackerOptions = { mode: 'median', window: 5, minHits: 3, threshold: 0.5, matchIou: 0.3, maxMissed: 3 };

/**
 * Greedy IoU tracker, one per camera. A single-frame false positive (a phone, a dark bag)
 * rarely repeats at the same place in the next frames; a held weapon does. Confirming on the
 * score history is what cuts the false alarms per hour (docs/firearm.md has the figures).
 */
export class IouTracker<T extends TrackedInput = TrackedInput> {
  private tracks: Array<Track<T>> = [];
  private nextId = 1;

  constructor(readonly options: TrackerOptions = DEFAULT_TRACKER) {}

  /** Feeds one frame's detections; returns the tracks confirmed in this frame (matched now). */
  update(detections: readonly T[]): Array<Track<T>> {
    const o = this.options;
    const free = new Set(detections.keys());
    const pairs: Array<[number, number, number]> = [];
    this.tracks.forEach((t, ti) => detections.forEach((d, di) => {
      if (d.classId !== t.classId) return;
      const v = iou(t.last, d);
      if (v >= o.matchIou) pairs.push([v, ti, di]);
    }));
    pairs.sort((a, b) => b[0] - a[0]);
    const matched = new Set<number>();
    for (const [, ti, di] of pairs) {
      if (matched.has(ti) || !free.has(di)) continue;
      matched.add(ti);
      free.delete(di);
      const t = this.tracks[ti];
      t.last = detections[di];
      t.missed = 0;
      this.push(t, detections[di].score);
    }
    this.tracks.forEach((t, ti) => {
      if (matched.has(ti)) return;
      t.missed++;
      this.push(t, 0);
    });
    this.tracks = this.tracks.filter((t) => t.missed <= o.maxMissed);
    const fresh = [...free].map((di) => {
      const t: Track<T> = { id: this.nextId++, classId: detections[di].classId, last: detections[di], scores: [], missed: 0, confirmed: false };
      this.push(t, detections[di].score);
      return t;
    });
    this.tracks.push(...fresh);
    const now: Array<Track<T>> = [];
    for (const t of this.tracks) {
      if (t.missed > 0) continue;
      t.confirmed = this.confirms(t);
      if (t.confirmed) now.push(t);
    }
    return now;
  }

  get size(): number {
    return this.tracks.length;
  }

  private push(t: Track<T>, score: number): void {
    t.scores.push(score);
    if (t.scores.length > this.options.window) t.scores.shift();
  }

  private confirms(t: Track<T>): boolean {
    const o = this.options;
    if (o.mode === 'none') return t.last.score >= o.threshold;
    if (o.mode === 'k-of-n') return t.scores.filter((s) => s >= o.threshold).length >= o.minHits;
    return t.scores.length >= o.minHits && median(t.scores) >= o.threshold;
  }
}

/** Per-camera cooldown: one alert per camera per period, however many tracks confirm. */
export class Cooldown {
  private readonly until = new Map<string, number>();

  constructor(private readonly periodMs: number) {}

  /** True (and starts the period) when the camera may alert at `now`. */
  take(camera: string, now: number): boolean {
    const until = this.until.get(camera) ?? -Infinity;
    if (now < until) return false;
    this.until.set(camera, now + this.periodMs);
    return true;
  }
}
