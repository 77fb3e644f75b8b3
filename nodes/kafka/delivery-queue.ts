/**
 * kafka-out's bounded buffer. Messages wait here until the broker has acknowledged them
 * (acks=all); while the broker is unreachable they stay, in order, and the send is retried with
 * backoff. Nothing is dropped silently: a message that does not fit is refused at once with a
 * clear error, and one still here when the node closes is failed, so the flow (and kafka-in
 * upstream) knows it was not delivered.
 */
export interface QueueItem<T> {
  record: T;
  bytes: number;
  settle(err?: Error): void;
}

export interface DeliveryQueueOptions<T> {
  send(records: T[]): Promise<void>;
  /** Most messages held (waiting plus in flight). */
  maxMessages: number;
  /** Most payload bytes held. */
  maxBytes: number;
  batchSize: number;
  /**
   * Most bytes in one send. The broker refuses a batch above its message size limit for good,
   * so retrying it as it is would hold the queue forever.
   */
  batchBytes: number;
  /** How long the first message of a batch waits for company. */
  lingerMs: number;
  /** True when the broker refused a send because it was too large (it never will pass as it is). */
  tooLarge?(err: Error): boolean;
  onChange?(state: DeliveryState): void;
}

export interface DeliveryState {
  buffered: number;
  delivered: number;
  failing?: Error;
  retryInMs?: number;
}

export class RecordTooLargeError extends Error {
  readonly code = 'IMPETUS_KAFKA_TOO_LARGE';
  constructor(bytes: number, cause: Error) {
    super(`kafka-out: the broker refuses this message as too large (${bytes} bytes): ${cause.message}`);
    this.name = 'RecordTooLargeError';
  }
}

export class BufferFullError extends Error {
  readonly code = 'IMPETUS_KAFKA_BUFFER_FULL';
  constructor(held: number, bytes: number, cause?: Error) {
    super(`kafka-out buffer full (${held} messages, ${bytes} bytes held${cause ? ` while the broker fails: ${cause.message}` : ''}); message refused`);
    this.name = 'BufferFullError';
  }
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

export class DeliveryQueue<T> {
  private items: QueueItem<T>[] = [];
  private bytes = 0;
  private delivered = 0;
  private sending = false;
  private timer?: NodeJS.Timeout;
  private failing?: Error;
  private backoff = 0;
  private closed = false;
  private idle: (() => void)[] = [];
  private batchBytes: number;

  constructor(private readonly options: DeliveryQueueOptions<T>) {
    this.batchBytes = options.batchBytes;
  }

  get size(): number {
    return this.items.length;
  }

  /** Queues a record; throws BufferFullError when the bound would be exceeded. */
  push(record: T, bytes: number, settle: (err?: Error) => void): void {
    if (this.closed) throw new Error('kafka-out is closing; message refused');
    if (this.items.length + 1 > this.options.maxMessages || this.bytes + bytes > this.options.maxBytes) {
      throw new BufferFullError(this.items.length, this.bytes, this.failing);
    }
    this.items.push({ record, bytes, settle });
    this.bytes += bytes;
    this.schedule(this.items.length >= this.options.batchSize || this.bytes >= this.batchBytes ? 0 : this.options.lingerMs);
  }

  /** Tries to deliver what is held for up to `graceMs`, then fails the rest. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.items.length) {
      this.schedule(0);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const left = this.items.splice(0);
    this.bytes = 0;
    for (const item of left) item.settle(new Error('kafka-out closed before the broker acknowledged this message'));
  }

  private schedule(delayMs: number): void {
    if (this.sending || this.items.length === 0) return;
    // While backing off, a full batch does not cut the wait short (that would hammer a broker that is down).
    if (this.timer && (delayMs > 0 || this.failing)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.sending || this.items.length === 0) return;
    this.sending = true;
    const batch = this.nextBatch();
    try {
      await this.options.send(batch.map((i) => i.record));
      // Only now do the messages leave the buffer: a failed send keeps them, in order.
      this.items.splice(0, batch.length);
      for (const item of batch) this.bytes -= item.bytes;
      this.delivered += batch.length;
      this.failing = undefined;
      this.backoff = 0;
      for (const item of batch) item.settle();
      this.report();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.options.tooLarge?.(error)) this.refusedAsTooLarge(batch, error);
      else {
        this.failing = error;
        this.backoff = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.backoff * 2));
        this.report();
      }
    } finally {
      this.sending = false;
    }
    if (this.items.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.schedule(this.failing ? this.backoff : 0);
  }

  /** The first records, in order, within the batch's count and byte limits; never empty. */
  private nextBatch(): QueueItem<T>[] {
    let bytes = this.items[0].bytes;
    let n = 1;
    while (n < this.items.length && n < this.options.batchSize && bytes + this.items[n].bytes <= this.batchBytes) bytes += this.items[n++].bytes;
    return this.items.slice(0, n);
  }

  private refusedAsTooLarge(batch: QueueItem<T>[], error: Error): void {
    // The broker answered: it is not down.
    this.failing = undefined;
    this.backoff = 0;
    if (batch.length > 1) {
      // The broker's limit is below ours (a topic's max.message.bytes): halve ours for good and
      // send again at once, in the same order.
      this.batchBytes = Math.max(1, Math.floor(batch.reduce((sum, item) => sum + item.bytes, 0) / 2));
      return;
    }
    // One message alone is too large: it can never be delivered, so it fails and the rest go on.
    const [item] = this.items.splice(0, 1);
    this.bytes -= item.bytes;
    item.settle(new RecordTooLargeError(item.bytes, error));
    this.report();
  }

  private report(): void {
    this.options.onChange?.({ buffered: this.items.length, delivered: this.delivered, failing: this.failing, retryInMs: this.failing ? this.backoff : undefined });
  }
}
