import assert from 'node:assert/strict';
import * as path from 'node:path';
import { resolveSettings } from '../../nodes/platform/settings';

describe('impetus settings', () => {
  it('has embedded defaults for everything', () => {
    const s = resolveSettings(undefined, '/data/nr');
    assert.equal(s.httpPath, '/impetus');
    assert.equal(s.store.file, path.join('/data/nr', 'impetus-alerts.db'));
    assert.equal(s.store.synchronous, 'full');
    assert.equal(s.bus.type, 'memory');
    assert.equal(s.retention.resolvedDays, 30);
    assert.ok(s.escalation.policy.P1);
  });

  it('normalises the HTTP path and keeps absolute store paths', () => {
    const s = resolveSettings({ httpPath: 'ops/', store: { file: '/var/lib/alerts.db' } }, '/data/nr');
    assert.equal(s.httpPath, '/ops');
    assert.equal(s.store.file, '/var/lib/alerts.db');
  });

  it('rejects nonsense at start-up with the name of the setting', () => {
    assert.throws(() => resolveSettings({ escalation: { policy: { P9: { afterMinutes: 1, repeat: 1 } } as never } }, '/x'), /P9 must be P1–P4/);
    assert.throws(() => resolveSettings({ escalation: { policy: { P1: { afterMinutes: -1, repeat: 1 } } } }, '/x'), /P1.afterMinutes/);
    assert.throws(() => resolveSettings({ retention: { resolvedDays: -3 } }, '/x'), /retention.resolvedDays/);
    assert.throws(() => resolveSettings({ store: { type: 'oracle' as never } }, '/x'), /unknown store type/);
    assert.throws(() => resolveSettings({ store: { synchronous: 'off' as never } }, '/x'), /synchronous/);
  });
});
