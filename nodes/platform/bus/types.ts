import type { LifecycleEvent } from '../model/types';

export type EventHandler = (event: LifecycleEvent) => void;

/**
 * An incident changed in some runtime: a playbook tick, a comment, a move, an action on it, a
 * member in or out. It names the incident and its new version, not its content: runtimes that
 * share a bus share the store, where each reads the incident (so a bus record stays small
 * whatever the incident holds, and carries no member data the alert events do not already).
 */
export interface IncidentEvent {
  /** Unique event id. */
  id: string;
  type: 'incident-changed';
  incidentId: string;
  version: number;
  at: string;
  /** The runtime that wrote it (its own events are not news to it). */
  origin: string;
}

export type IncidentEventHandler = (event: IncidentEvent) => void;

export type BusEvent = LifecycleEvent | IncidentEvent;

/**
 * Carries lifecycle events between the platform and every interested node, in this runtime
 * or (with a distributed adapter) in others. Every adapter passes the same contract suite
 * (test/contract/event-bus.contract.ts).
 *
 * Guarantees: events about one alert (or one incident) reach each subscriber in publish order; a handler that
 * throws never stops delivery to others; `publish` resolves once the bus has accepted the event.
 */
export interface EventBus {
  readonly kind: string;
  open(): Promise<void>;
  publish(event: LifecycleEvent): Promise<void>;
  /** Returns the function that ends the subscription. */
  subscribe(handler: EventHandler): () => void;
  /** Incident events, with the same guarantees (in order per incident). */
  publishIncident(event: IncidentEvent): Promise<void>;
  subscribeIncidents(handler: IncidentEventHandler): () => void;
  close(): Promise<void>;
}
