/**
 * Back-off after failed logins, per user name and per client address: a few free attempts, then
 * a wait that doubles with every further failure up to a ceiling. It slows guessing to a crawl
 * without locking an operator out for good (the wait is minutes at most).
 */
export interface BackoffOptions {
  freeAttempts: number;
  baseMs: number;
  maxMs: number;
  /** Keys remembered at most, so a flood of made-up user names cannot fill memory. */
  maxKeys?: number;
  clock?: () => number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: BackoffOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until any of the keys may try again; 0 when none is blocked. */
  retryAfter(keys: string[]): number {
    const now = this.clock();
    let wait = 0;
    for (const k of keys) {
      const entry = this.entries.get(k);
      if (entry) wait = Math.max(wait, entry.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  failed(keys: string[]): void {
    const now = this.clock();
    for (const k of keys) {
      let entry = this.entries.get(k);
      // A key quiet for longer than the longest wait starts over.
      if (entry && now - entry.lastFailure > this.options.maxMs * 2) entry = undefined;
      entry ??= { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures += 1;
      entry.lastFailure = now;
      const over = entry.failures - this.options.freeAttempts;
      if (over > 0) entry.blockedUntil = now + Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(over - 1, 30));
      this.entries.delete(k);
      this.entries.set(k, entry);
    }
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
  }

  succeeded(keys: string[]): void {
    for (const k of keys) this.entries.delete(k);
  }
}
