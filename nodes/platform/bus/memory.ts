import type { LifecycleEvent } from '../model/types';
import type { EventBus, EventHandler } from './types';

/**
 * The embedded bus: synchronous fan-out inside one runtime. Handlers run in publish order, one
 * failing handler is reported and skipped, and a handler added during delivery starts with the
 * next event.
 */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory';
  private handlers: EventHandler[] = [];
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown, event: LifecycleEvent) => void = () => undefined) {}

  async open(): Promise<void> {
    this.closed = false;
  }

  async publish(event: LifecycleEvent): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.onHandlerError(err, event);
      }
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers = [];
  }
}
