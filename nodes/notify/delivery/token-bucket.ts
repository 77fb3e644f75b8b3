/** "At most `limit` requests in any window of `windowMs`", the form in which chat services document their limits. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** A spent token; it comes back one window after the request it paid for has been answered. */
export interface Token {
  /** When the token is back; Infinity while its request is on the wire. */
  at: number;
}

/**
 * A token bucket whose tokens come back one window after the request they paid for was
 * answered. That is the exact bucket for an "N per window" limit counted by the server on
 * arrival:
 * - a classic bucket refilled at N per window lets through up to 2N in a window after an idle
 *   spell, and a server that counts per window (as Telegram's does) answers the excess with 429;
 * - counting from the moment a request is granted is not safe either: the request may reach
 *   the server later than the next one (a new connection, a busy event loop), and then the two
 *   arrive closer than a window. The answer, though, always comes after the arrival, so a
 *   window counted from the answer is never shorter at the server.
 * `marginMs` lengthens the window a little, for clock granularity.
 */
export class TokenBucket {
  private slots: Token[] = [];

  constructor(readonly rate: RateLimit, private readonly marginMs = 0) {
    if (!Number.isInteger(rate.limit) || rate.limit < 1) throw new TypeError('a rate limit needs a positive whole number of requests');
    if (!(rate.windowMs > 0)) throw new TypeError('a rate limit needs a positive window');
  }

  /** 0 when a token is there at `now`; else how long until one is (Infinity until a request in flight is answered). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.slots.length < this.rate.limit) return 0;
    let soonest = Infinity;
    for (const s of this.slots) soonest = Math.min(soonest, s.at);
    return soonest - now;
  }

  /** Spends a token for a request about to go out; callers check `waitMs` first. */
  take(now: number): Token {
    this.refill(now);
    if (this.slots.length >= this.rate.limit) throw new Error('token bucket is empty');
    const token: Token = { at: Infinity };
    this.slots.push(token);
    return token;
  }

  /** The request paid with `token` was answered (or failed) at `at`. */
  settle(token: Token, at: number): void {
    token.at = at + this.rate.windowMs + this.marginMs;
  }

  /**
   * When each spent token comes back, for carrying the window over a restart: the service keeps
   * counting while the runtime is down. A request still on the wire counts as answered now.
   */
  spent(now: number): number[] {
    this.refill(now);
    return this.slots.map((s) => (s.at === Infinity ? now + this.rate.windowMs + this.marginMs : s.at));
  }

  /** Takes back tokens spent before a restart (see `spent`); ones already back are ignored. */
  restore(times: readonly number[], now: number): void {
    for (const at of times) if (Number.isFinite(at) && at > now && this.slots.length < this.rate.limit) this.slots.push({ at });
  }

  /** Whether every token is back: an idle bucket can be forgotten. */
  full(now: number): boolean {
    this.refill(now);
    return this.slots.length === 0;
  }

  private refill(now: number): void {
    if (this.slots.some((s) => s.at <= now)) this.slots = this.slots.filter((s) => s.at > now);
  }
}
