import type { LifecycleEvent } from '../model/types';
import { Handlers } from './handlers';
import type { BusEvent, EventBus, EventHandler, IncidentEvent, IncidentEventHandler } from './types';

/**
 * The embedded bus: synchronous fan-out inside one runtime. Handlers run in publish order, one
 * failing handler is reported and skipped, and a handler added during delivery starts with the
 * next event.
 */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory';
  private readonly handlers: Handlers<LifecycleEvent>;
  private readonly incidentHandlers: Handlers<IncidentEvent>;
  private closed = false;

  constructor(onHandlerError: (err: unknown, event: BusEvent) => void = () => undefined) {
    this.handlers = new Handlers<LifecycleEvent>(onHandlerError);
    this.incidentHandlers = new Handlers<IncidentEvent>(onHandlerError);
  }

  async open(): Promise<void> {
    this.closed = false;
  }

  async publish(event: LifecycleEvent): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    this.handlers.deliver(event);
  }

  subscribe(handler: EventHandler): () => void {
    return this.handlers.add(handler);
  }

  async publishIncident(event: IncidentEvent): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    this.incidentHandlers.deliver(event);
  }

  subscribeIncidents(handler: IncidentEventHandler): () => void {
    return this.incidentHandlers.add(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.incidentHandlers.clear();
  }
}
