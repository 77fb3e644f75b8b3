/** Kafka helpers for the tests that run against the real broker. */
import type { KafkaClient } from '../../nodes/platform';

/** The offsets a consumer group has committed on `topic`, summed over its partitions. */
export async function committedOffsets(client: KafkaClient, groupId: string, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
