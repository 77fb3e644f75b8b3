/**
 * Where an instant falls in the local week: what "normal for Monday 08:30" means depends on
 * the city's clock, daylight-saving time included. The UTC offset is looked up once per
 * quarter hour (offsets change on quarter-hour boundaries at the finest) and cached, because
 * Intl is far too slow to call for every sample.
 */

const QUARTER_HOUR = 900_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class LocalTime {
  private readonly format: Intl.DateTimeFormat | undefined;
  private cachedBucket = NaN;
  private cachedOffset = 0;

  /** `timeZone`: an IANA name (Europe/Oslo), 'UTC', or a fixed offset such as '+01:00'. */
  constructor(readonly timeZone = 'UTC') {
    const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(timeZone);
    if (timeZone === 'UTC' || timeZone === 'Z') {
      this.format = undefined;
    } else if (fixed) {
      this.format = undefined;
      this.cachedOffset = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * HOUR + Number(fixed[3]) * 60_000);
    } else {
      // Throws RangeError for a zone the runtime does not know: a configuration error at start.
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    }
  }

  /** Milliseconds to add to a UTC instant to get local wall-clock time. */
  offset(ts: number): number {
    if (!this.format) return this.cachedOffset;
    const bucket = Math.floor(ts / QUARTER_HOUR);
    if (bucket !== this.cachedBucket) {
      this.cachedBucket = bucket;
      const parts = this.format.formatToParts(new Date(bucket * QUARTER_HOUR));
      const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
      this.cachedOffset = local - bucket * QUARTER_HOUR;
    }
    return this.cachedOffset;
  }

  /** Hours since local Monday 00:00, in [0, 168). */
  hourOfWeek(ts: number): number {
    const local = ts + this.offset(ts);
    const day = Math.floor(local / DAY);
    // 1970-01-01 was a Thursday: day 0 is Thursday, so Monday-based weekday = (day + 3) mod 7.
    const weekday = (((day + 3) % 7) + 7) % 7;
    return weekday * 24 + (local - day * DAY) / HOUR;
  }

  /** The local calendar day number (days since 1970-01-01 local), for once-a-day housekeeping. */
  dayNumber(ts: number): number {
    return Math.floor((ts + this.offset(ts)) / DAY);
  }
}
