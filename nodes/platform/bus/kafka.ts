import type { Consumer, KafkaClient, Producer } from './kafka-client';
import { ensureTopic } from './kafka-client';
import type { LifecycleEvent } from '../model/types';
import { Handlers } from './handlers';
import type { BusEvent, EventBus, EventHandler, IncidentEvent, IncidentEventHandler } from './types';

export interface KafkaEventBusOptions {
  client: KafkaClient;
  /** One topic carries every lifecycle event, keyed by alert id, and every incident event, keyed by incident id. */
  topic: string;
  /**
   * This runtime's consumer group. Every runtime needs its own, so that each one sees every
   * event; a stable name (from the runtime's `instance`) lets a restarted runtime resume where
   * it stopped instead of missing what happened while it was down.
   */
  groupId: string;
  /** Partitions when this bus creates the topic. Events of one alert always share a partition. */
  partitions?: number;
  onHandlerError?: (err: unknown, event: BusEvent) => void;
  log?: (level: 'warn' | 'error', message: string) => void;
}

interface Pending {
  key: string;
  value: string;
  resolve(): void;
  reject(err: unknown): void;
}

/** Events sent in one produce request at most; bounds the request size during a burst. */
const MAX_BATCH = 500;

/**
 * Lifecycle events over Kafka, so several Node-RED runtimes share them.
 *
 * - Ordering: events are keyed by alert id, so one alert's events share a partition, and this
 *   bus sends them one request at a time, in publish order, with an idempotent producer
 *   (acks=all): broker-side retries cannot reorder or duplicate them either.
 * - Delivery: every event, local ones included, reaches subscribers through the topic. That
 *   costs a round trip but gives every runtime the same per-alert order, which is what lets
 *   their views converge.
 * - Start: a group that has never committed starts at the topic's end as it was when `open()`
 *   ran (set explicitly, so nothing published after `open()` resolves is missed); a known group
 *   resumes from its committed offsets.
 * - Incidents: incident events (`incident-changed`) share the topic, keyed by incident id, so
 *   one incident's events keep their order too; each record is told apart by its fields.
 * - Failure: `publish` rejects when the broker does not take the event; the platform logs that
 *   and carries on, because the store, not the bus, is the source of truth.
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka';
  private readonly handlers: Handlers<LifecycleEvent>;
  private readonly incidentHandlers: Handlers<IncidentEvent>;
  private producer?: Producer;
  private consumer?: Consumer;
  private queue: Pending[] = [];
  private sending?: Promise<void>;
  private phase: 'new' | 'open' | 'closed' = 'new';

  constructor(private readonly options: KafkaEventBusOptions) {
    if (!options.topic) throw new TypeError('the Kafka bus needs a topic');
    if (!options.groupId) throw new TypeError('the Kafka bus needs a consumer group id');
    this.handlers = new Handlers<LifecycleEvent>(options.onHandlerError);
    this.incidentHandlers = new Handlers<IncidentEvent>(options.onHandlerError);
  }

  async open(): Promise<void> {
    if (this.phase === 'open') return;
    const { client, topic, groupId } = this.options;
    await ensureTopic(client, topic, this.options.partitions ?? 6);
    await retrying(() => this.startAtEndIfNew());

    this.producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();

    const consumer = client.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.run({
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const message of batch.messages) {
          this.dispatch(message.value);
          resolveOffset(message.offset);
        }
        await heartbeat();
      },
    });
    await joined;
    this.phase = 'open';
  }

  publish(event: LifecycleEvent): Promise<void> {
    return this.enqueue(event.alertId, event);
  }

  publishIncident(event: IncidentEvent): Promise<void> {
    return this.enqueue(event.incidentId, event);
  }

  subscribeIncidents(handler: IncidentEventHandler): () => void {
    return this.incidentHandlers.add(handler);
  }

  private enqueue(key: string, event: BusEvent): Promise<void> {
    if (this.phase !== 'open') return Promise.reject(new Error(`event bus is ${this.phase === 'new' ? 'not open' : 'closed'}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ key, value: JSON.stringify(event), resolve, reject });
      this.pump();
    });
  }

  subscribe(handler: EventHandler): () => void {
    return this.handlers.add(handler);
  }

  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    // Events already accepted by publish() still go out.
    while (this.sending) await this.sending;
    this.handlers.clear();
    this.incidentHandlers.clear();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async startAtEndIfNew(): Promise<void> {
    const { client, topic, groupId } = this.options;
    const admin = client.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const known = committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
      if (known) return;
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** One request in flight at a time, so events leave in publish order. */
  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.sending = this.producer!
      .send({
        topic: this.options.topic,
        acks: -1,
        messages: batch.map((p) => ({ key: p.key, value: p.value })),
      })
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.sending = undefined;
        this.pump();
      });
  }

  private dispatch(value: Buffer | null): void {
    let event: BusEvent;
    try {
      event = JSON.parse(value?.toString('utf8') ?? '') as BusEvent;
      if (!event || typeof event.type !== 'string') throw new Error('not a lifecycle event');
      if (event.type === 'incident-changed') {
        if (typeof event.incidentId !== 'string' || typeof event.version !== 'number') throw new Error('an incident event without incident id or version');
      } else if (typeof event.alertId !== 'string') throw new Error('not a lifecycle event');
    } catch (err) {
      // Someone else wrote to our topic; skip it rather than stall the partition.
      this.options.log?.('warn', `event bus: skipped a record that is not a lifecycle or incident event (${(err as Error).message})`);
      return;
    }
    if (event.type === 'incident-changed') this.incidentHandlers.deliver(event);
    else this.handlers.deliver(event);
  }
}

/**
 * A broker that has just started, or a topic that has just been created, answers for a moment
 * with retriable errors (group coordinator not elected yet, partition not hosted yet).
 */
async function retrying<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}
