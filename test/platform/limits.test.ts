import assert from 'node:assert/strict';
import { checkValue, defuseMessage, DEFAULT_MESSAGE_LIMITS } from '../../nodes/platform/limits';
import { resolveSettings } from '../../nodes/platform/settings';

const LIMITS = { maxDepth: 4, maxBytes: 1000, maxValues: 100 };

describe('input limits', function () {
  it('measures depth, size and values without recursion', () => {
    assert.equal(checkValue({ a: { b: { c: 1 } } }, LIMITS), undefined);
    assert.equal(checkValue({ a: { b: { c: { d: { e: 1 } } } } }, LIMITS)?.reason, 'is nested deeper than 4 levels');
    assert.equal(checkValue('x'.repeat(2000), LIMITS)?.reason, 'is larger than 1 KiB');
    assert.equal(checkValue(Buffer.alloc(2000), LIMITS)?.reason, 'is larger than 1 KiB');
    assert.equal(checkValue(new Array(200).fill(0), LIMITS)?.reason, 'holds more than 100 values');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.match(String(checkValue(deep, DEFAULT_MESSAGE_LIMITS)?.reason), /nested deeper than 64/);
  });

  it('answers exactly at the limits, for plain values and for what only the full walk sizes', () => {
    const roomy = { ...LIMITS, maxBytes: 1_000_000 };
    assert.equal(checkValue(new Array(99).fill(0), roomy), undefined, '100 values');
    assert.equal(checkValue(new Array(100).fill(0), roomy)?.reason, 'holds more than 100 values');
    assert.equal(checkValue('x'.repeat(998), LIMITS), undefined, '1000 bytes');
    assert.equal(checkValue('x'.repeat(999), LIMITS)?.reason, 'is larger than 1 KiB');
    assert.equal(checkValue({ a: { b: { c: { d: 1 } } } }, LIMITS), undefined, 'four levels');
    // An object met three times is walked once: 44 values, though a walk of every path meets 124.
    const shared = new Array(40).fill(0);
    assert.equal(checkValue({ a: shared, b: shared, c: shared }, roomy), undefined);
    assert.equal(checkValue({ at: new Date(0), frame: Buffer.alloc(900) }, LIMITS), undefined);
    assert.equal(checkValue({ at: new Date(0), frame: Buffer.alloc(1000) }, LIMITS)?.reason, 'is larger than 1 KiB');
    assert.equal(checkValue({ [Symbol('s')]: 'x'.repeat(1000) }, LIMITS)?.reason, 'is larger than 1 KiB');
  });

  it('walks a cycle once and reports a throwing getter or proxy instead of throwing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(checkValue(cyclic, LIMITS), undefined);
    const getter = {};
    Object.defineProperty(getter, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    assert.equal(checkValue({ payload: getter }, LIMITS, true)?.key, 'payload');
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
    assert.match(String(checkValue(proxy, LIMITS)?.reason), /cannot be read \(no keys\)/);
  });

  it('names the top-level key of a message, skips req and res, and defuses what breaks the limits', () => {
    const msg: Record<string, unknown> = { payload: 'ok', topic: { a: { b: { c: { d: { e: 1 } } } } }, req: { a: { b: { c: { d: { e: 1 } } } } } };
    assert.equal(checkValue(msg, LIMITS, true)?.key, 'topic');
    assert.equal(defuseMessage(msg, LIMITS), true);
    assert.equal(msg.payload, 'ok');
    assert.equal(msg.topic, '[refused by impetus: is nested deeper than 4 levels]');
    const frozen = Object.freeze({ payload: { a: { b: { c: { d: { e: 1 } } } } } });
    assert.equal(defuseMessage(frozen, LIMITS), false);
  });

  it('reads its limits from the settings and refuses nonsense', () => {
    const resolved = resolveSettings({ limits: { message: { maxDepth: 10 }, alertData: { maxBytes: 1024 } } }, '/tmp');
    assert.deepEqual(resolved.limits.message, { ...DEFAULT_MESSAGE_LIMITS, maxDepth: 10 });
    assert.equal(resolved.limits.alertData.maxBytes, 1024);
    assert.throws(() => resolveSettings({ limits: { message: { maxDepth: 0 } } }, '/tmp'), /limits\.message\.maxDepth must be a positive number/);
    assert.throws(() => resolveSettings({ limits: { alertData: { maxBytes: 1.5 } } }, '/tmp'), /whole number/);
  });
});
