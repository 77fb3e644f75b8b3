import assert from 'node:assert/strict';
import { DeliveryQueue } from '../../nodes/kafka/delivery-queue';

class TooLarge extends Error {
  readonly type = 'MESSAGE_TOO_LARGE';
}

/** A queue over a fake broker that accepts sends of at most `limit` bytes and records each send. */
function queueWith(limit: number, options: { batchSize?: number; batchBytes?: number } = {}) {
  const sends: string[][] = [];
  const results = new Map<string, Error | undefined>();
  const queue = new DeliveryQueue<string>({
    batchSize: options.batchSize ?? 100,
    batchBytes: options.batchBytes ?? 1000,
    lingerMs: 1,
    maxMessages: 1000,
    maxBytes: 1_000_000,
    tooLarge: (err) => err instanceof TooLarge,
    send: async (records) => {
      if (records.reduce((sum, r) => sum + r.length, 0) > limit) throw new TooLarge('too large');
      sends.push(records);
    },
  });
  const push = (record: string) => queue.push(record, record.length, (err) => results.set(record, err));
  return { queue, sends, results, push };
}

const record = (n: number, bytes: number) => `${n}`.padEnd(bytes, '.');

describe('kafka-out delivery queue', () => {
  it('cuts batches by count and by bytes, in order', async () => {
    const { queue, sends, results, push } = queueWith(Infinity, { batchSize: 4, batchBytes: 300 });
    const records = Array.from({ length: 10 }, (_, i) => record(i, 100));
    for (const r of records) push(r);
    await queue.close(5000);
    assert.deepEqual(sends.flat(), records);
    assert.ok(sends.every((batch) => batch.length <= 3), JSON.stringify(sends.map((b) => b.length)));
    assert.ok([...results.values()].every((err) => err === undefined));
  });

  it('sends a batch the broker finds too large again in smaller ones, in order, losing nothing', async () => {
    const { queue, sends, results, push } = queueWith(250, { batchBytes: 1000 });
    const records = Array.from({ length: 10 }, (_, i) => record(i, 100));
    for (const r of records) push(r);
    await queue.close(5000);
    assert.deepEqual(sends.flat(), records);
    assert.equal(results.size, 10);
    assert.ok([...results.values()].every((err) => err === undefined));
  });

  it('fails a single message the broker refuses as too large, with a clear error, and delivers the rest', async () => {
    const { queue, sends, results, push } = queueWith(250);
    push(record(1, 100));
    push(record(2, 400));
    push(record(3, 100));
    await queue.close(5000);
    assert.deepEqual(sends.flat(), [record(1, 100), record(3, 100)]);
    const refused = results.get(record(2, 400)) as Error & { code?: string };
    assert.equal(refused?.code, 'IMPETUS_KAFKA_TOO_LARGE');
    assert.match(refused.message, /too large \(400 bytes\)/);
    assert.equal(results.get(record(3, 100)), undefined);
  });
});
