/**
 * Back-off after failed logins that slows guessing to a crawl without handing an attacker a way
 * to lock a user out. Three counters, kept apart, each with its own limit:
 *
 * - **one user from one address** (`freeAttempts`): after that many failures, that pair waits,
 *   the wait doubling with every further failure up to `maxMs`. Someone guessing Olga's
 *   password from their own machine blocks only themselves: Olga, from anywhere else, logs in.
 * - **one address, any user name** (`addressAttempts`): stops one address from trying a few
 *   passwords against every user in turn.
 * - **one user, from addresses it has never logged in from** (`userAddresses`): when that many
 *   such addresses have failed for the user within the window, unfamiliar addresses wait until the
 *   oldest failure leaves it. This is the global rate against a guess spread over many machines;
 *   the addresses the user has logged in from (familiar ones, as in Entra ID's smart lockout)
 *   are not held back by it, so a botnet cannot keep the user out of their usual desk.
 *
 * A success clears only what it proves: that pair's failures and this address's part in the
 * user's count. It never clears the address's failures against other users.
 * The window, and how long a quiet counter is remembered, is twice the longest wait.
 */
export interface BackoffOptions {
  /** Failures of one user from one address before that pair waits. */
  freeAttempts: number;
  /** Failures from one address, whatever the user name, before the address waits. */
  addressAttempts: number;
  /** Unfamiliar addresses failing for one user within the window before unfamiliar addresses wait. */
  userAddresses: number;
  baseMs: number;
  maxMs: number;
  /** Entries remembered at most per counter, so a flood of made-up names or addresses cannot fill memory. */
  maxKeys?: number;
  clock?: () => number;
}

interface Backoff {
  failures: number;
  lastFailure: number;
}

interface UserEntry {
  /** Unfamiliar address → time of its last failure for this user; at most `userAddresses`. */
  failing: Map<string, number>;
  /** Address → time of the user's last login from it; at most FAMILIAR_MAX. */
  familiar: Map<string, number>;
}

/** Addresses a user is known at, and for how long: a desk, a phone, home, a laptop on the road. */
const FAMILIAR_MAX = 8;
const FAMILIAR_MS = 30 * 24 * 3_600_000;

/** Map used as a least-recently-used list: touched keys move to the end, the first is dropped. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as string);
}

/**
 * The part of an address that one client controls: an IPv4 address, or the /64 of an IPv6 one
 * (one subscriber's network: a client can pick any address in it). IPv4-mapped IPv6 is IPv4.
 */
export function addressKey(address: string): string {
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!a.includes(':')) return a;
  const [head, tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class LoginThrottle {
  private readonly pairs = new Map<string, Backoff>();
  private readonly addresses = new Map<string, Backoff>();
  private readonly users = new Map<string, UserEntry>();
  private readonly clock: () => number;
  private readonly maxKeys: number;
  private readonly windowMs: number;

  constructor(private readonly options: BackoffOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.windowMs = options.maxMs * 2;
  }

  /** Milliseconds until `user` may try again from `address`; 0 when it may now. */
  retryAfter(user: string, address: string): number {
    const now = this.clock();
    const addr = addressKey(address);
    const waits = [this.wait(this.pairs.get(pairKey(user, addr)), this.options.freeAttempts, now), this.wait(this.addresses.get(addr), this.options.addressAttempts, now)];
    const entry = this.users.get(user);
    if (entry && !this.isFamiliar(entry, addr, now)) waits.push(this.userWait(entry, now));
    return Math.max(0, ...waits);
  }

  failed(user: string, address: string): void {
    const now = this.clock();
    const addr = addressKey(address);
    this.count(this.pairs, pairKey(user, addr), now);
    this.count(this.addresses, addr, now);
    const entry = this.userEntry(user);
    if (!this.isFamiliar(entry, addr, now)) touch(entry.failing, addr, now, Math.max(1, this.options.userAddresses));
  }

  succeeded(user: string, address: string): void {
    const now = this.clock();
    const addr = addressKey(address);
    this.pairs.delete(pairKey(user, addr));
    const entry = this.userEntry(user);
    entry.failing.delete(addr);
    touch(entry.familiar, addr, now, FAMILIAR_MAX);
  }

  private wait(entry: Backoff | undefined, free: number, now: number): number {
    if (!entry || now - entry.lastFailure > this.windowMs || entry.failures < free) return 0;
    // The failure that reaches the limit starts the wait: with 5 free, the 6th try waits.
    const wait = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(entry.failures - Math.max(free, 1), 30));
    return entry.lastFailure + wait - now;
  }

  private count(map: Map<string, Backoff>, key: string, now: number): void {
    const old = map.get(key);
    // A counter quiet for longer than the window starts over.
    const failures = old && now - old.lastFailure <= this.windowMs ? old.failures + 1 : 1;
    touch(map, key, { failures, lastFailure: now }, this.maxKeys);
  }

  private userWait(entry: UserEntry, now: number): number {
    for (const [addr, at] of entry.failing) if (now - at > this.windowMs) entry.failing.delete(addr);
    if (entry.failing.size < this.options.userAddresses) return 0;
    return Math.min(...entry.failing.values()) + this.windowMs - now;
  }

  private isFamiliar(entry: UserEntry, addr: string, now: number): boolean {
    const at = entry.familiar.get(addr);
    return at !== undefined && now - at <= FAMILIAR_MS;
  }

  private userEntry(user: string): UserEntry {
    const entry = this.users.get(user) ?? { failing: new Map<string, number>(), familiar: new Map<string, number>() };
    touch(this.users, user, entry, this.maxKeys);
    return entry;
  }
}

function pairKey(user: string, address: string): string {
  return `${user}\u0000${address}`;
}
