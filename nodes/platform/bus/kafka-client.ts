/**
 * The only module that touches a Kafka client library.
 *
 * kafkajs 2.2.4 is unmaintained. Everything else in the package (the broker config node,
 * kafka-in, kafka-out, the Kafka EventBus, tests and benchmarks) sees only the KafkaJS-shaped
 * subset declared here, so swapping in @confluentinc/kafka-javascript (whose `KafkaJS` namespace
 * offers the same API) means changing this file alone. Keep the surface small: add a method here
 * only when a caller needs it, and only in its KafkaJS shape.
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Only for test brokers with self-signed certificates. */
  rejectUnauthorized?: boolean;
}

export interface KafkaClientConfig {
  clientId: string;
  brokers: string[];
  ssl?: boolean | KafkaTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  connectionTimeout?: number;
  requestTimeout?: number;
  /** KafkaJS retry policy for one request (the nodes add their own retries on top). */
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
  /** Where the client's own log lines go; by default they are dropped below `warn`. */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type Headers = Record<string, HeaderValue>;

export interface OutgoingMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Headers;
  partition?: number;
  timestamp?: string;
}

export interface IncomingMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Headers;
  offset: string;
  timestamp: string;
}

export interface RecordMetadata {
  topicName: string;
  partition: number;
  baseOffset?: string;
  errorCode: number;
}

export interface ProducerOptions {
  idempotent?: boolean;
  maxInFlightRequests?: number;
  allowAutoTopicCreation?: boolean;
  retry?: KafkaClientConfig['retry'];
}

export interface SendOptions {
  acks?: number;
  timeout?: number;
  compression?: number;
}

export interface Producer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: OutgoingMessage[] } & SendOptions): Promise<RecordMetadata[]>;
  sendBatch(batch: { topicMessages: { topic: string; messages: OutgoingMessage[] }[] } & SendOptions): Promise<RecordMetadata[]>;
}

export interface Batch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: IncomingMessage[];
}

export interface EachBatchPayload {
  batch: Batch;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: IncomingMessage;
  heartbeat(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  allowAutoTopicCreation?: boolean;
  maxWaitTimeInMs?: number;
  retry?: KafkaClientConfig['retry'] & { restartOnFailure?: (err: Error) => Promise<boolean> };
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface Consumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: (string | RegExp)[]; fromBeginning?: boolean }): Promise<void>;
  run(config: {
    autoCommit?: boolean;
    autoCommitInterval?: number | null;
    eachBatchAutoResolve?: boolean;
    partitionsConsumedConcurrently?: number;
    eachBatch?: (payload: EachBatchPayload) => Promise<void>;
    eachMessage?: (payload: EachMessagePayload) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: TopicPartitionOffset[]): Promise<void>;
  stop(): Promise<void>;
  pause(topics: { topic: string; partitions?: number[] }[]): void;
  resume(topics: { topic: string; partitions?: number[] }[]): void;
  on(event: ConsumerEvent, listener: (event: { payload: Record<string, unknown> }) => void): () => void;
  readonly events: Record<'GROUP_JOIN' | 'CRASH' | 'CONNECT' | 'DISCONNECT' | 'STOP', ConsumerEvent>;
}

export type ConsumerEvent = string;

export interface Admin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(options: { topics: { topic: string; numPartitions?: number; replicationFactor?: number }[]; waitForLeaders?: boolean }): Promise<boolean>;
  deleteTopics(options: { topics: string[] }): Promise<void>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; offset: string; high: string; low: string }[]>;
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
  setOffsets(options: { groupId: string; topic: string; partitions: { partition: number; offset: string }[] }): Promise<void>;
  /** The groups' state and members: a consumer that disconnected cleanly is no member any more. */
  describeGroups(groupIds: string[]): Promise<{ groups: { groupId: string; state: string; members: { memberId: string; clientId: string }[] }[] }>;
}

export interface KafkaClient {
  producer(options?: ProducerOptions): Producer;
  consumer(options: ConsumerOptions): Consumer;
  admin(): Admin;
}

/** Compression codec ids, as KafkaJS numbers them. */
export const Compression = { None: 0, GZIP: 1 } as const;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafkaClient(config: KafkaClientConfig): KafkaClient {
  if (!config.brokers?.length) throw new TypeError('Kafka needs at least one broker (host:port)');
  const sink = config.log;
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl as never,
    connectionTimeout: config.connectionTimeout ?? 3000,
    requestTimeout: config.requestTimeout ?? 30000,
    retry: config.retry,
    // KafkaJS logs to the console by default, which floods Node-RED's log during an outage;
    // the caller decides what to keep.
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!sink) return;
      const { message, ...extra } = entry.log;
      const detail = extra.error ? `: ${String(extra.error)}` : '';
      sink(LEVELS[entry.level] ?? 'info', `[kafka ${entry.namespace}] ${message}${detail}`);
    },
  });
  return {
    // KafkaJS 2's default partitioner hashes keys (murmur2) like the Java client, so producers in
    // other languages (legacy tools) put the same key on the same partition as we do.
    producer: (options = {}) => kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...options }) as unknown as Producer,
    consumer: (options) => kafka.consumer(options) as unknown as Consumer,
    admin: () => kafka.admin() as unknown as Admin,
  };
}

/**
 * Creates the topic if it is missing (idempotent) and waits until it has leaders, so a consumer
 * subscribing right after sees every partition.
 */
export async function ensureTopic(client: KafkaClient, topic: string, numPartitions = 3): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    }
  } catch (err) {
    // Another runtime may have created it between the list and the create.
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the broker refused a produce request because a record batch exceeds its size limit. */
export function isTooLarge(err: unknown): boolean {
  const e = err as { type?: string; originalError?: unknown } | undefined;
  if (!e) return false;
  return e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE' || (e.originalError !== undefined && isTooLarge(e.originalError));
}

/** True for errors a later attempt may not hit again (broker down, leader moving, timeouts). */
export function isRetriable(err: unknown): boolean {
  const e = err as { retriable?: boolean; name?: string; originalError?: unknown } | undefined;
  if (!e) return false;
  if (e.retriable === true) return true;
  if (/KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSRequestTimeoutError|KafkaJSBrokerNotFound|KafkaJSNonRetriableError/.test(String(e.name))) {
    return e.name !== 'KafkaJSNonRetriableError' || isRetriable(e.originalError);
  }
  return false;
}
