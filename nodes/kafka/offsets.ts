/**
 * Per-partition commit bookkeeping for kafka-in: messages finish out of order, but the offset
 * committed for a partition is always just past the highest offset below which every message
 * has finished. A crash therefore re-delivers the unfinished ones (at-least-once), never skips one.
 */
export class PartitionOffsets {
  /** Offsets handed to the flow and not yet finished, in ascending order. */
  private readonly open: bigint[] = [];
  private readonly done = new Set<bigint>();
  private committable?: bigint;

  start(offset: string): void {
    this.open.push(BigInt(offset));
  }

  get inFlight(): number {
    return this.open.length;
  }

  /** Marks one finished; returns the offset to commit (next to read) if it advanced. */
  finish(offset: string): string | undefined {
    this.done.add(BigInt(offset));
    let advanced = false;
    while (this.open.length && this.done.has(this.open[0])) {
      const head = this.open.shift()!;
      this.done.delete(head);
      this.committable = head + 1n;
      advanced = true;
    }
    return advanced ? String(this.committable) : undefined;
  }
}
