/**
 * Readings arrive one by one (an MQTT message per variable) or in batches; the detector scores
 * rows, one value per variable at one time. A row of a group is complete, and scored at once,
 * when every variable the group has had so far is in it; otherwise it is scored when a reading
 * of a later time arrives, or when it has waited `maxWaitMs` (a sensor missing from a row is a
 * missing value, not a reason to wait forever). With `intervalMs` > 0, times are bucketed, so
 * sensors a few seconds apart share a row. A reading older than the group's last scored row
 * is late: it is counted and dropped, since the past has already been scored.
 */

export interface PendingRow {
  bucket: number;
  ts: number;
  values: Map<string, number>;
  since: number;
}

export interface RowSink {
  (group: string, ts: number, values: Map<string, number>): void;
}

interface GroupRows {
  known: Set<string>;
  pending: PendingRow | undefined;
  lastBucket: number;
}

export class RowAssembler {
  private readonly groups = new Map<string, GroupRows>();
  late = 0;

  constructor(private readonly intervalMs: number, private readonly maxWaitMs: number, private readonly sink: RowSink) {}

  /** Adds one reading; flushes rows that it completes or supersedes. Returns false when it was late. */
  add(group: string, variable: string, ts: number, value: number, now: number): boolean {
    let g = this.groups.get(group);
    if (!g) {
      g = { known: new Set(), pending: undefined, lastBucket: -Infinity };
      this.groups.set(group, g);
    }
    const bucket = this.intervalMs > 0 ? Math.floor(ts / this.intervalMs) : ts;
    if (bucket <= g.lastBucket && !(g.pending && g.pending.bucket === bucket)) {
      this.late += 1;
      return false;
    }
    if (g.pending && bucket > g.pending.bucket) this.flush(group, g);
    if (!g.pending) g.pending = { bucket, ts, values: new Map(), since: now };
    g.pending.values.set(variable, value);
    // The row's time is its latest reading's: nothing in it is from after that.
    if (ts > g.pending.ts) g.pending.ts = ts;
    return true;
  }

  /** Scores the rows that hold every known variable (call after a batch of `add`s). */
  flushComplete(): void {
    for (const [group, g] of this.groups) {
      if (!g.pending || !g.known.size) continue;
      let complete = true;
      for (const v of g.known) {
        if (!g.pending.values.has(v)) {
          complete = false;
          break;
        }
      }
      if (complete) this.flush(group, g);
    }
  }

  /** Scores rows that have waited too long for their missing variables. */
  flushStale(now: number): void {
    for (const [group, g] of this.groups) if (g.pending && now - g.pending.since >= this.maxWaitMs) this.flush(group, g);
  }

  /** Forgets every group (a detector reset). */
  clear(): void {
    this.groups.clear();
    this.late = 0;
  }

  get pendingRows(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.pending) n += 1;
    return n;
  }

  private flush(group: string, g: GroupRows): void {
    const row = g.pending!;
    g.pending = undefined;
    g.lastBucket = row.bucket;
    for (const v of row.values.keys()) g.known.add(v);
    this.sink(group, row.ts, row.values);
  }
}
