/**
 * What a writer does after losing a compare-and-set: wait a random, growing while before it
 * reads and tries again. Writers that collided (two runtimes on one incident, a storm of member
 * updates, an inhibition muting the alert being grouped) would otherwise read the same version
 * at once and collide again, round after round, until one of them runs out of attempts — the
 * "full jitter" of exponential backoff. The first retry is almost immediate; none waits long.
 */
export function afterConflict(attempt: number, random: () => number = Math.random): Promise<void> {
  const ceilingMs = Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, random() * ceilingMs));
}

/**
 * Tries of one compare-and-set before its caller gives up, for alerts and incidents alike: a
 * storm raised on two runtimes at once has grouping, member updates and inhibition all writing
 * the same alerts, and with five tries an inhibition's mute lost every round to them under load
 * (one run in many of the two-runtime Kafka test). Sixteen tries wait at most ~0.6 s in all.
 */
export const MAX_CAS_ATTEMPTS = 16;
