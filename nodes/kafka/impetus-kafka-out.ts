import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { OutgoingMessage } from '../platform';
import { Compression, isTooLarge } from '../platform';
import { asError, onInput, StatusReporter } from '../platform/node-kit';
import { DeliveryQueue } from './delivery-queue';
import type { KafkaBrokerNode } from './broker-config';
import type { OutRecord } from './records';
import { toRecord } from './records';

interface OutDef extends NodeDef {
  broker: string;
  topic?: string;
  batchSize?: number | string;
  lingerMs?: number | string;
  maxBuffered?: number | string;
  maxBufferedMb?: number | string;
  compression?: 'none' | 'gzip';
}

function int(value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer ≥ ${min}`);
  return n;
}

export = function (RED: NodeAPI): void {
  function KafkaOut(this: Node, def: OutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const broker = RED.nodes.getNode(def.broker) as KafkaBrokerNode | null;
    let queue: DeliveryQueue<OutRecord> | undefined;
    try {
      if (!broker) throw new Error(RED._('impetus-kafka-out.errors.noBroker'));
      const compression = def.compression === 'gzip' ? Compression.GZIP : Compression.None;
      queue = new DeliveryQueue<OutRecord>({
        batchSize: int(def.batchSize, 500, 1, 'batch size'),
        // Under the broker's default message.max.bytes (1,048,588) with room for the batch header.
        batchBytes: 1_000_000,
        lingerMs: int(def.lingerMs, 5, 0, 'linger'),
        maxMessages: int(def.maxBuffered, 10000, 1, 'buffer size'),
        maxBytes: int(def.maxBufferedMb, 64, 1, 'buffer MB') * 1024 * 1024,
        tooLarge: isTooLarge,
        send: async (records) => {
          const producer = await broker.acquireProducer(node.id);
          const byTopic = new Map<string, OutgoingMessage[]>();
          for (const r of records) {
            const list = byTopic.get(r.topic) ?? [];
            list.push(r.message);
            byTopic.set(r.topic, list);
          }
          await producer.sendBatch({ acks: -1, compression, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        },
        onChange: (state) => {
          if (state.failing) {
            status.error(RED._('impetus-kafka-out.status.buffering', { count: state.buffered }));
            node.warn(`${RED._('impetus-kafka-out.errors.sendFailed', { count: state.buffered })}: ${state.failing.message}`);
          } else if (state.buffered > 0) status.warn(RED._('impetus-kafka-out.status.queued', { count: state.buffered, sent: state.delivered }));
          else status.ok(RED._('impetus-kafka-out.status.sent', { sent: state.delivered }));
        },
      });
      status.set({ fill: 'grey', shape: 'ring', text: broker.describe });
    } catch (err) {
      status.error(asError(err).message);
      node.error(asError(err).message);
    }

    onInput(node, status, (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
      if (!queue) {
        done(new Error(RED._('impetus-kafka-out.errors.notConfigured')));
        return;
      }
      try {
        const { record, bytes } = toRecord(msg as never, def.topic);
        // done() waits for the broker's acknowledgement: a flow (and kafka-in upstream) only
        // treats the message as handled once Kafka has it.
        queue.push(record, bytes, (err) => done(err));
      } catch (err) {
        const error = asError(err);
        if ((error as { code?: string }).code === 'IMPETUS_KAFKA_BUFFER_FULL') status.error(RED._('impetus-kafka-out.status.full', { count: queue.size }));
        else status.error(error.message);
        done(error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      // Well inside Node-RED's 15 s close budget.
      Promise.resolve(queue?.close(5000))
        .catch(() => undefined)
        .then(() => broker?.releaseProducer(node.id))
        .catch(() => undefined)
        .finally(() => done());
    });
  }
  RED.nodes.registerType('impetus-kafka-out', KafkaOut);
};
