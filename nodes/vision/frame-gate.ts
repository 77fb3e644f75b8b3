/**
 * Latest-frame-wins admission for a busy detector. At most `concurrency` frames are processed at
 * once; each camera has one waiting slot, and a newer frame from the same camera replaces the
 * waiting one (which is settled through `drop`). Cameras take turns, so one fast camera cannot
 * starve the others. Frames are never queued without bound: memory stays flat under overload.
 */
export class FrameGate<T> {
  private running = 0;
  private readonly waiting = new Map<string, T>();
  dropped = 0;
  processed = 0;

  constructor(
    private readonly concurrency: number,
    private readonly work: (item: T) => Promise<void>,
    private readonly drop: (item: T) => void,
  ) {}

  offer(camera: string, item: T): void {
    if (this.running < this.concurrency && this.waiting.size === 0) {
      this.start(item);
      return;
    }
    const previous = this.waiting.get(camera);
    if (previous !== undefined) {
      this.dropped++;
      this.drop(previous);
      // Re-inserted at the back: the cameras keep taking turns in arrival order.
      this.waiting.delete(camera);
    }
    this.waiting.set(camera, item);
  }

  get busy(): boolean {
    return this.running > 0 || this.waiting.size > 0;
  }

  /** Settles every waiting frame as dropped (on close). */
  flush(): void {
    for (const item of this.waiting.values()) this.drop(item);
    this.waiting.clear();
  }

  private start(item: T): void {
    this.running++;
    this.work(item).finally(() => {
      this.running--;
      this.processed++;
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.size > 0) {
      const [camera, item] = this.waiting.entries().next().value as [string, T];
      this.waiting.delete(camera);
      this.start(item);
    }
  }
}
