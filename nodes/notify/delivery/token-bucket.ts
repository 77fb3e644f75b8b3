/** "At most `limit` requests in any window of `windowMs`", the form in which chat services document their limits. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * A token bucket whose tokens come back one window after they were spent. That is the exact
 * bucket for an "N per window" limit: a classic bucket refilled at N per window lets through up
 * to 2N in a window after an idle spell, and a server that counts per window (as Telegram's
 * does) answers the excess with 429. `marginMs` lengthens the window a little, so that network
 * jitter between our clock and the server's cannot make two requests look closer than they were.
 */
export class TokenBucket {
  /** When each spent token returns, oldest first; at most `limit` of them. */
  private readonly returns: number[] = [];

  constructor(readonly rate: RateLimit, private readonly marginMs = 0) {
    if (!Number.isInteger(rate.limit) || rate.limit < 1) throw new TypeError('a rate limit needs a positive whole number of requests');
    if (!(rate.windowMs > 0)) throw new TypeError('a rate limit needs a positive window');
  }

  /** 0 when a token is there at `now`, else how long until one is. */
  waitMs(now: number): number {
    this.refill(now);
    return this.returns.length < this.rate.limit ? 0 : this.returns[0] - now;
  }

  /** Spends a token; callers check `waitMs` first. */
  take(now: number): void {
    this.refill(now);
    if (this.returns.length >= this.rate.limit) throw new Error('token bucket is empty');
    this.returns.push(now + this.rate.windowMs + this.marginMs);
  }

  /** Whether every token is back: an idle bucket can be forgotten. */
  full(now: number): boolean {
    this.refill(now);
    return this.returns.length === 0;
  }

  private refill(now: number): void {
    while (this.returns.length && this.returns[0] <= now) this.returns.shift();
  }
}
