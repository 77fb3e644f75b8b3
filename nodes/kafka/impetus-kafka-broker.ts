import type { NodeAPI } from 'node-red';
import type { BrokerCredentials, BrokerDef, KafkaBrokerNode } from './broker-config';
import { clientConfig } from './broker-config';
import type { KafkaClient, Producer } from '../platform';
import { createKafkaClient } from '../platform';

export = function (RED: NodeAPI): void {
  function KafkaBroker(this: KafkaBrokerNode, def: BrokerDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const creds = (node.credentials ?? {}) as BrokerCredentials;
    let client: KafkaClient | undefined;
    let producer: Producer | undefined;
    let connecting: Promise<Producer> | undefined;
    const users = new Set<string>();
    (node as { describe: string }).describe = `${def.brokers}${def.saslMechanism && def.saslMechanism !== 'none' ? ` (${def.saslMechanism})` : ''}`;

    node.client = () => {
      client ??= createKafkaClient(clientConfig(def, creds, (level, message) => {
        // The client retries on its own; its errors are warnings until a node gives up.
        if (level === 'error' || level === 'warn') node.warn(message);
      }));
      return client;
    };

    node.acquireProducer = async (user) => {
      users.add(user);
      if (producer) return producer;
      connecting ??= (async () => {
        // acks=all plus idempotence: the broker drops a retried batch it already has, in order.
        // No retry limit here: capping an idempotent producer's retries voids its ordering and
        // no-duplicate guarantee; kafka-out's own buffer decides when to give up.
        const p = node.client().producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
        await p.connect();
        producer = p;
        return p;
      })().finally(() => {
        connecting = undefined;
      });
      return connecting;
    };

    node.releaseProducer = async (user) => {
      users.delete(user);
      if (users.size > 0 || !producer) return;
      const p = producer;
      producer = undefined;
      await p.disconnect().catch(() => undefined);
    };

    node.on('close', (done: () => void) => {
      const p = producer;
      producer = undefined;
      users.clear();
      Promise.resolve(p?.disconnect()).catch(() => undefined).finally(() => done());
    });
  }

  RED.nodes.registerType('impetus-kafka-broker', KafkaBroker as never, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
};
