/**
 * Which sensors have gone quiet. A sensor that sends nothing for longer than the configured
 * gap is quiet: the tool is degraded until it reports again, and each sensor going quiet is
 * reported once (not on every check). Time here is arrival time on this runtime, because a
 * quiet sensor is about the link being alive, whatever times the readings carry. Memory is
 * bounded: beyond `maxSensors` new sensors are not watched (and the caller is told).
 *
 * "Quiet", not "silent": a silence is an operator's mute of alerts (platform/silences.ts).
 */

export interface Watched {
  sensorId: string;
  lastArrival: number;
  lastReadingTs: number;
  zone?: string;
  location?: { type: 'Point'; coordinates: [number, number] };
  quiet: boolean;
}

export class QuietWatch {
  private readonly sensors = new Map<string, Watched>();

  constructor(readonly gapMs: number, readonly maxSensors: number) {}

  get size(): number {
    return this.sensors.size;
  }

  get quietCount(): number {
    let n = 0;
    for (const s of this.sensors.values()) if (s.quiet) n += 1;
    return n;
  }

  quietIds(): string[] {
    return [...this.sensors.values()].filter((s) => s.quiet).map((s) => s.sensorId);
  }

  /** Records a reading; returns the sensor if it was quiet and has now recovered, or false if it could not be watched. */
  seen(sensorId: string, now: number, readingTs: number, zone?: string, location?: Watched['location']): Watched | undefined | false {
    let s = this.sensors.get(sensorId);
    if (!s) {
      if (this.sensors.size >= this.maxSensors) return false;
      s = { sensorId, lastArrival: now, lastReadingTs: readingTs, quiet: false };
      this.sensors.set(sensorId, s);
    }
    const wasQuiet = s.quiet;
    s.lastArrival = now;
    s.lastReadingTs = readingTs;
    s.quiet = false;
    if (zone) s.zone = zone;
    if (location) s.location = location;
    return wasQuiet ? s : undefined;
  }

  /**
   * Checks a few times per gap (every quarter of it, from 250 ms to 10 s) and hands the sensors
   * that went quiet to `onQuiet`. Returns the stop. The timer never keeps a runtime alive.
   */
  watch(onQuiet: (gone: Watched[], now: number) => void): () => void {
    const timer = setInterval(() => {
      const now = Date.now();
      const gone = this.check(now);
      if (gone.length) onQuiet(gone, now);
    }, Math.max(250, Math.min(this.gapMs / 4, 10_000)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Sensors that crossed the gap since the last check. */
  check(now: number): Watched[] {
    const gone: Watched[] = [];
    for (const s of this.sensors.values()) {
      if (!s.quiet && now - s.lastArrival > this.gapMs) {
        s.quiet = true;
        gone.push(s);
      }
    }
    return gone;
  }
}
