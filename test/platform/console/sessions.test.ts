/** Sessions and login back-off on a fake clock: expiry, bounds, and the doubling wait. */
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../../nodes/platform/console/login-throttle';
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

  it('lets a few attempts through, then doubles the wait up to the ceiling', () => {
    const t = new LoginThrottle({ freeAttempts: 2, baseMs: 1000, maxMs: 8000, clock });
    const keys = ['user:olga'];
    t.failed(keys);
    t.failed(keys);
    assert.equal(t.retryAfter(keys), 0, 'the free attempts');
    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      t.failed(keys);
      waits.push(t.retryAfter(keys));
      now += t.retryAfter(keys);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000]);
    t.succeeded(keys);
    assert.equal(t.retryAfter(keys), 0, 'a success clears it');
  });

  it('forgets a key after a long quiet spell, and never holds more than maxKeys', () => {
    const t = new LoginThrottle({ freeAttempts: 0, baseMs: 1000, maxMs: 2000, maxKeys: 3, clock });
    t.failed(['a']);
    now += 10_000;
    t.failed(['a']);
    assert.equal(t.retryAfter(['a']), 1000, 'starts over after quiet > 2 × maxMs');
    for (const k of ['b', 'c', 'd', 'e']) t.failed([k]);
    assert.equal(t.retryAfter(['a']), 0, 'the oldest key was dropped');
    assert.equal(t.retryAfter(['e']), 1000);
  });
});
