import type { LifecycleEvent } from '../model/types';
import type { BusEvent, EventBus, EventHandler, IncidentEvent, IncidentEventHandler } from './types';

/**
 * The embedded bus: synchronous fan-out inside one runtime. Handlers run in publish order, one
 * failing handler is reported and skipped, and a handler added during delivery starts with the
 * next event.
 */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory';
  private handlers: EventHandler[] = [];
  private incidentHandlers: IncidentEventHandler[] = [];
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown, event: BusEvent) => void = () => undefined) {}

  async open(): Promise<void> {
    this.closed = false;
  }

  async publish(event: LifecycleEvent): Promise<void> {
    this.fanOut(this.handlers, event);
  }

  subscribe(handler: EventHandler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  async publishIncident(event: IncidentEvent): Promise<void> {
    this.fanOut(this.incidentHandlers, event);
  }

  subscribeIncidents(handler: IncidentEventHandler): () => void {
    this.incidentHandlers = [...this.incidentHandlers, handler];
    return () => {
      this.incidentHandlers = this.incidentHandlers.filter((h) => h !== handler);
    };
  }

  private fanOut<E extends BusEvent>(handlers: Array<(event: E) => void>, event: E): void {
    if (this.closed) throw new Error('event bus is closed');
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (err) {
        this.onHandlerError(err, event);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers = [];
    this.incidentHandlers = [];
  }
}
