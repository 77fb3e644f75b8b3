import assert from 'node:assert/strict';
import { fingerprint } from '../../../nodes/platform/model/fingerprint';

describe('fingerprint', () => {
  const base = { tool: 'firearm', event: 'Firearm detected', zone: 'piazza', source: { ref: 'cam-1' }, headline: 'x' };

  it('is 32 lowercase hex characters', () => {
    assert.match(fingerprint(base), /^[0-9a-f]{32}$/);
  });

  it('stays the value stores already hold (an alert raised after an upgrade dedups into the open one)', () => {
    // Digests computed by the release before the one-shot hash, which hashed the lines one by one.
    assert.equal(fingerprint(base), '1906c89c52bd9144c21b9abbdb8d3a47');
    assert.equal(fingerprint({ ...base, data: { camera: { id: 1, lens: 'w' } } }, ['tool', 'data.camera']), '81cfe36b138858414166e061c4d422e2');
    assert.equal(fingerprint({ tool: 'anomaly', zone: 'zoné ü' }), 'df9158d9f83ec2bc43edec3ede27bb3b');
  });

  it('depends only on the key fields', () => {
    assert.equal(fingerprint(base), fingerprint({ ...base, headline: 'other', severity: 'high' }));
    assert.notEqual(fingerprint(base), fingerprint({ ...base, zone: 'station' }));
    assert.notEqual(fingerprint(base), fingerprint({ ...base, source: { ref: 'cam-2' } }));
  });

  it('follows configured keys, including nested paths and object values', () => {
    const keys = ['tool', 'data.camera'];
    const a = fingerprint({ ...base, data: { camera: { id: 1, lens: 'w' } } }, keys);
    const b = fingerprint({ ...base, zone: 'elsewhere', data: { camera: { lens: 'w', id: 1 } } }, keys);
    assert.equal(a, b, 'key order inside a value must not matter');
    assert.notEqual(a, fingerprint({ ...base, data: { camera: { id: 2, lens: 'w' } } }, keys));
  });

  it('distinguishes a missing field from the string "null" and from another key set', () => {
    assert.notEqual(fingerprint({ tool: 'a' }, ['tool', 'zone']), fingerprint({ tool: 'a', zone: 'null' }, ['tool', 'zone']));
    assert.notEqual(fingerprint({ tool: 'a' }, ['tool']), fingerprint({ tool: 'a' }, ['tool', 'zone']));
  });
});
