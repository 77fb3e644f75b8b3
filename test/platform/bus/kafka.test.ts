import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafkaClient } from '../../../nodes/platform/bus/kafka-client';
import { KafkaEventBus } from '../../../nodes/platform/bus/kafka';
import { buildAlert } from '../../../nodes/platform/model/draft';
import type { LifecycleEvent } from '../../../nodes/platform/model/types';
import { eventBusContract } from '../../contract/event-bus.contract';
import { kafkaBrokers, unique } from '../../support/services';

let brokers: string[] = [];

describe('Kafka event bus (real broker)', function () {
  this.timeout(60000);
  before(function () {
    brokers = kafkaBrokers(this);
  });

  // Two handles = two runtimes: separate clients, separate consumer groups, one topic.
  eventBusContract('kafka', async () => {
    const topic = unique('impetus-bus-contract');
    const handle = (name: string) =>
      new KafkaEventBus({ client: createKafkaClient({ clientId: name, brokers }), topic, groupId: unique(`bus-${name}`), partitions: 3 });
    const a = handle('a');
    const b = handle('b');
    await Promise.all([a.open(), b.open()]);
    return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
  });

  it('resumes a known consumer group from its committed offsets after a restart', async function () {
    const topic = unique('impetus-bus-resume');
    const groupId = unique('bus-runtime');
    const make = (clientId: string, group = groupId) => new KafkaEventBus({ client: createKafkaClient({ clientId, brokers }), topic, groupId: group, partitions: 3 });
    const publisher = make('publisher', unique('bus-publisher'));
    await publisher.open();
    let runtime = make('runtime');
    await runtime.open();
    const seen: string[] = [];
    runtime.subscribe((e) => seen.push(e.id));
    const event = (n: number): LifecycleEvent => {
      const alert = buildAlert({ tool: 'firearm', event: 'Firearm detected', data: { n } }, { now: new Date().toISOString(), id: `resume-${n}` });
      return { id: randomUUID(), type: 'created', alertId: alert.id, at: alert.firstSeen, alert, origin: 'test' };
    };
    const first = event(1);
    await publisher.publish(first);
    while (!seen.includes(first.id)) await new Promise((r) => setTimeout(r, 20));
    await runtime.close();

    // Published while the runtime is down: it must get them once it is back.
    const missed = [event(2), event(3)];
    for (const e of missed) await publisher.publish(e);
    runtime = make('runtime');
    const after: string[] = [];
    runtime.subscribe((e) => after.push(e.id));
    await runtime.open();
    const deadline = Date.now() + 30000;
    while (!missed.every((e) => after.includes(e.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(after.filter((id) => missed.some((e) => e.id === id)).sort(), missed.map((e) => e.id).sort());
    assert.ok(!after.includes(first.id), 'an event committed before the restart is not delivered again');
    await runtime.close();
    await publisher.close();
  });
});
