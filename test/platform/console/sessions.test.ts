/** Sessions and login back-off on a fake clock: expiry, bounds, and the doubling wait. */
import assert from 'node:assert/strict';
import { LoginThrottle, addressKey } from '../../../nodes/platform/console/login-throttle';
import type { Session } from '../../../nodes/platform/console/sessions';
import { SessionStore, sameToken } from '../../../nodes/platform/console/sessions';

const user = { username: 'olga', name: 'Olga', role: 'operator' as const };

describe('console sessions', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('ends a session idle too long, and any session too old, telling listeners', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 5000, maxSessions: 10, clock });
    const ended: string[] = [];
    store.onEnd((s) => ended.push(s.user.username));
    const s = store.create(user);
    now += 900;
    assert.equal(store.get(s.id), s, 'a request keeps it alive');
    now += 900;
    assert.equal(store.get(s.id), s);
    now += 1001;
    assert.equal(store.get(s.id), undefined, 'idle too long');
    assert.deepEqual(ended, ['olga']);
    const t = store.create(user);
    for (let i = 0; i < 6; i += 1) {
      now += 900;
      store.get(t.id);
    }
    assert.equal(store.get(t.id), undefined, 'past the absolute limit, however active');
  });

  it('keeps an open console\'s session alive, up to the absolute limit', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 5000, maxSessions: 10, clock });
    const s = store.create(user);
    for (let i = 0; i < 4; i += 1) {
      now += 900;
      assert.equal(store.keepAlive(s), true);
    }
    now += 2000;
    assert.equal(store.keepAlive(s), false);
    assert.equal(store.get(s.id), undefined);
    const gone = store.create(user);
    store.destroy(gone.id);
    assert.equal(store.keepAlive(gone), false, 'a destroyed session stays dead');
  });

  it('holds at most maxSessions, dropping the oldest login', () => {
    const store = new SessionStore({ idleMs: 1e9, absoluteMs: 1e9, maxSessions: 3, clock });
    const created: Session[] = [];
    for (let i = 0; i < 5; i += 1) created.push(store.create({ ...user, username: `u${i}` }));
    assert.equal(store.size, 3);
    assert.equal(store.get(created[0].id), undefined);
    assert.equal(store.get(created[1].id), undefined);
    assert.equal(store.get(created[4].id)?.user.username, 'u4');
  });

  it('answers nothing for unknown, empty or absurd cookie values', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 5000, maxSessions: 10, clock });
    store.create(user);
    for (const v of [undefined, '', 'x', 'a'.repeat(10_000)]) assert.equal(store.get(v), undefined);
  });

  it('compares tokens in constant time and only equal ones match', () => {
    assert.equal(sameToken('abc', 'abc'), true);
    assert.equal(sameToken('abc', 'abd'), false);
    assert.equal(sameToken('abc', 'abcd'), false);
  });
});

describe('login back-off', () => {
  let now = 0;
  const clock = () => now;
  const options = { freeAttempts: 5, addressAttempts: 20, userAddresses: 3, baseMs: 1000, maxMs: 8000, clock };
  beforeEach(() => {
    now = 1_000_000;
  });

  it('blocks after the 5th failure (the 6th try waits), then doubles the wait up to the ceiling', () => {
    const t = new LoginThrottle(options);
    for (let i = 0; i < 4; i += 1) t.failed('olga', '10.0.0.1');
    assert.equal(t.retryAfter('olga', '10.0.0.1'), 0, 'four failures: the 5th try goes through');
    t.failed('olga', '10.0.0.1');
    assert.equal(t.retryAfter('olga', '10.0.0.1'), 1000, 'five failures: the 6th try waits');
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      now += t.retryAfter('olga', '10.0.0.1');
      t.failed('olga', '10.0.0.1');
      waits.push(t.retryAfter('olga', '10.0.0.1'));
    }
    assert.deepEqual(waits, [2000, 4000, 8000, 8000, 8000]);
    now += 8000;
    t.succeeded('olga', '10.0.0.1');
    assert.equal(t.retryAfter('olga', '10.0.0.1'), 0, 'a success clears that pair');
  });

  it('never locks a user out from another address: a guesser blocks only itself', () => {
    const t = new LoginThrottle(options);
    // The attacker keeps going at the ceiling's pace, for hours (12 tries an hour at 5 minutes).
    for (let i = 0; i < 200; i += 1) {
      now += t.retryAfter('olga', '203.0.113.9');
      t.failed('olga', '203.0.113.9');
    }
    assert.ok(t.retryAfter('olga', '203.0.113.9') > 0, 'the guesser waits');
    assert.equal(t.retryAfter('olga', '10.0.0.1'), 0, 'Olga at her desk does not');
    assert.equal(t.retryAfter('olga', '198.51.100.7'), 0, 'nor from a fresh address');
  });

  it('lets a success clear only what it proves: not the address\'s failures against other users', () => {
    const t = new LoginThrottle({ ...options, addressAttempts: 6 });
    // A user with an account guesses others' passwords, logging in to their own between guesses.
    for (const victim of ['sven', 'marco', 'ines']) {
      t.failed(victim, '10.0.0.66');
      t.failed(victim, '10.0.0.66');
      t.succeeded('mallory', '10.0.0.66');
    }
    assert.ok(t.retryAfter('chen', '10.0.0.66') > 0, 'six failures from the address: it waits, whoever it names');
    assert.ok(t.retryAfter('mallory', '10.0.0.66') > 0, 'its own account included');
    assert.equal(t.retryAfter('chen', '10.0.0.1'), 0, 'other addresses are not affected');
  });

  it('holds back unfamiliar addresses when many fail for one user, never the user\'s familiar ones', () => {
    const t = new LoginThrottle(options);
    t.succeeded('olga', '10.0.0.1');
    for (const bot of ['198.51.100.1', '198.51.100.2']) t.failed('olga', bot);
    assert.equal(t.retryAfter('olga', '192.0.2.50'), 0, 'two failing addresses: below the limit of 3');
    t.failed('olga', '198.51.100.3');
    assert.equal(t.retryAfter('olga', '192.0.2.50'), 16_000, 'a guess spread over 3 addresses: a fresh one waits for the window (2 × maxMs)');
    assert.equal(t.retryAfter('olga', '10.0.0.1'), 0, 'her familiar address does not');
    assert.equal(t.retryAfter('sven', '192.0.2.50'), 0, 'nor does another user');
    now += 16_001;
    assert.equal(t.retryAfter('olga', '192.0.2.50'), 0, 'the window passes');
  });

  it('counts an IPv6 /64 as one address, and IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:ffff:1:2:3'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('::ffff:10.0.0.1'), '10.0.0.1');
    const t = new LoginThrottle({ ...options, freeAttempts: 2 });
    t.failed('olga', '2001:db8:1:2::a');
    t.failed('olga', '2001:db8:1:2::b');
    assert.ok(t.retryAfter('olga', '2001:db8:1:2::c') > 0, 'another address of the same /64 waits too');
  });

  it('forgets a counter after a quiet spell, and never holds more than maxKeys', () => {
    const t = new LoginThrottle({ ...options, freeAttempts: 1, maxKeys: 3 });
    t.failed('a', '10.0.0.1');
    assert.equal(t.retryAfter('a', '10.0.0.1'), 1000);
    now += 20_000;
    assert.equal(t.retryAfter('a', '10.0.0.1'), 0);
    t.failed('a', '10.0.0.1');
    assert.equal(t.retryAfter('a', '10.0.0.1'), 1000, 'starts over after quiet > 2 × maxMs');
    for (const k of ['b', 'c', 'd', 'e']) t.failed(k, `10.0.1.${k.charCodeAt(0)}`);
    assert.equal(t.retryAfter('a', '10.0.0.1'), 0, 'the oldest entries were dropped');
    assert.equal(t.retryAfter('e', '10.0.1.101'), 1000);
  });
});
