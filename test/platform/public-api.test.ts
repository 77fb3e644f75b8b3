import assert from 'node:assert/strict';
import { PACKAGE_ROOT } from '../../nodes/platform/paths';

describe('public API', () => {
  it('is what the package main entry exports', () => {
    const api = require(PACKAGE_ROOT);
    for (const name of ['alertToCapXml', 'capXmlToAlert', 'alertToFiwareNgsiLd', 'platformFor', 'closePlatforms', 'Validators', 'buildAlert', 'computePriority', 'fingerprint', 'StatusReporter', 'handleInput', 'ConflictError', 'NotFoundError', 'TransitionError', 'lockEditor']) {
      assert.equal(typeof api[name], 'function', name);
    }
    assert.deepEqual(api.PRIORITIES, ['P1', 'P2', 'P3', 'P4']);
  });
});
