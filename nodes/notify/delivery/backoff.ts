export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Longest delay, before jitter. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 5 * 60_000 };

/**
 * Exponential back-off with "equal jitter": the delay doubles per attempt up to the cap, and a
 * random half of it is added on top of the other half. The random half spreads the retries of
 * many chats (and many runtimes) after a shared outage; the fixed half keeps a retry from
 * coming back at once, which full jitter sometimes does.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
