import type { LifecycleEvent } from '../model/types';

export type EventHandler = (event: LifecycleEvent) => void;

/**
 * Carries lifecycle events between the platform and every interested node, in this runtime
 * or (with a distributed adapter) in others. Every adapter passes the same contract suite
 * (test/contract/event-bus.contract.ts).
 *
 * Guarantees: events about one alert reach each subscriber in publish order; a handler that
 * throws never stops delivery to others; `publish` resolves once the bus has accepted the event.
 */
export interface EventBus {
  readonly kind: string;
  open(): Promise<void>;
  publish(event: LifecycleEvent): Promise<void>;
  /** Returns the function that ends the subscription. */
  subscribe(handler: EventHandler): () => void;
  close(): Promise<void>;
}
