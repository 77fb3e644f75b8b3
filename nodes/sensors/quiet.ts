/**
 * Which sensors have gone quiet. A sensor that sends nothing for longer than the configured
 * gap is silent: the tool is degraded until it reports again, and each sensor going silent is
 * reported once (not on every check). Time here is arrival time on this runtime, because
 * silence is about the link being alive, whatever times the readings carry. Memory is bounded:
 * beyond `maxSensors` new sensors are not watched (and the caller is told).
 */

export interface Watched {
  sensorId: string;
  lastArrival: number;
  lastReadingTs: number;
  zone?: string;
  location?: { type: 'Point'; coordinates: [number, number] };
  silent: boolean;
}

export class SilenceWatch {
  private readonly sensors = new Map<string, Watched>();

  constructor(readonly gapMs: number, readonly maxSensors: number) {}

  get size(): number {
    return this.sensors.size;
  }

  get silentCount(): number {
    let n = 0;
    for (const s of this.sensors.values()) if (s.silent) n += 1;
    return n;
  }

  silentIds(): string[] {
    return [...this.sensors.values()].filter((s) => s.silent).map((s) => s.sensorId);
  }

  /** Records a reading; returns the sensor if it was silent and has now recovered, or false if it could not be watched. */
  seen(sensorId: string, now: number, readingTs: number, zone?: string, location?: Watched['location']): Watched | undefined | false {
    let s = this.sensors.get(sensorId);
    if (!s) {
      if (this.sensors.size >= this.maxSensors) return false;
      s = { sensorId, lastArrival: now, lastReadingTs: readingTs, silent: false };
      this.sensors.set(sensorId, s);
    }
    const wasSilent = s.silent;
    s.lastArrival = now;
    s.lastReadingTs = readingTs;
    s.silent = false;
    if (zone) s.zone = zone;
    if (location) s.location = location;
    return wasSilent ? s : undefined;
  }

  /**
   * Checks a few times per gap (every quarter of it, from 250 ms to 10 s) and hands the sensors
   * that went silent to `onSilent`. Returns the stop. The timer never keeps a runtime alive.
   */
  watch(onSilent: (silenced: Watched[], now: number) => void): () => void {
    const timer = setInterval(() => {
      const now = Date.now();
      const silenced = this.check(now);
      if (silenced.length) onSilent(silenced, now);
    }, Math.max(250, Math.min(this.gapMs / 4, 10_000)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Sensors that crossed the gap since the last check. */
  check(now: number): Watched[] {
    const silenced: Watched[] = [];
    for (const s of this.sensors.values()) {
      if (!s.silent && now - s.lastArrival > this.gapMs) {
        s.silent = true;
        silenced.push(s);
      }
    }
    return silenced;
  }
}
