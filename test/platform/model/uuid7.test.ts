import assert from 'node:assert/strict';
import { uuid7 } from '../../../nodes/platform/model/uuid7';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('alert ids (UUID version 7)', () => {
  it('are RFC 9562 version 7 UUIDs carrying their millisecond', () => {
    // Slightly ahead: the generator never goes below a time it has already used in this process.
    const at = Date.now() + 50;
    const id = uuid7(at);
    assert.match(id, V7);
    assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at);
  });

  it('sort in creation order, within a millisecond too, and never repeat', () => {
    const at = Date.now() + 100;
    const ids = Array.from({ length: 5000 }, (_, i) => uuid7(at + Math.floor(i / 2500)));
    assert.deepEqual([...ids].sort(), ids, 'string order is creation order');
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, V7);
  });

  it('keep increasing when the clock steps back', () => {
    const ahead = uuid7(Date.now() + 1000);
    const after = uuid7(Date.now());
    assert.ok(after > ahead, `${after} > ${ahead}`);
  });
});
