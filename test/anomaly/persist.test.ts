import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContextStateStore, FileStateStore, SavedState } from '../../nodes/anomaly/persist';
import type { StateStore } from '../../nodes/anomaly/persist';

/** An in-memory stand-in for a Node-RED context with a named store. */
function fakeContext() {
  const stores = new Map<string, Map<string, unknown>>();
  const of = (store: string | undefined) => {
    const key = store ?? 'default';
    if (!stores.has(key)) stores.set(key, new Map());
    return stores.get(key)!;
  };
  return {
    stores,
    get: (key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void) => setImmediate(() => cb(null, of(store).get(key))),
    set: (key: string, value: unknown, store: string | undefined, cb: (err?: Error | null) => void) =>
      setImmediate(() => {
        of(store).set(key, JSON.parse(JSON.stringify(value)));
        cb(null);
      }),
  };
}

function quietLog() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (m: string) => warnings.push(m), log: () => undefined } };
}

describe('saved detector state', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-state-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a file store writes atomically and reads back; a missing file is no state', async () => {
    const store = new FileStateStore(path.join(dir, 'deep', 'state.json'));
    assert.equal(await store.load(), undefined);
    await store.save({ version: 1, a: [1.5, -0] });
    assert.deepEqual(await store.load(), { version: 1, a: [1.5, 0] });
    assert.deepEqual(fs.readdirSync(path.join(dir, 'deep')), ['state.json'], 'no temporary file left behind');
  });

  it('a context store keeps the state in the named store', async () => {
    const context = fakeContext();
    const store = new ContextStateStore(context, 'anomaly-state', 'file');
    await store.save({ version: 1, x: 2 });
    assert.deepEqual(await store.load(), { version: 1, x: 2 });
    assert.ok(context.stores.get('file')?.has('anomaly-state'));
    assert.equal(context.stores.get('default'), undefined);
  });

  for (const kind of ['file', 'context'] as const) {
    it(`SavedState (${kind}): restores what it saved, saves only on change, and on close`, async () => {
      const store: StateStore = kind === 'file' ? new FileStateStore(path.join(dir, 'a.json')) : new ContextStateStore(fakeContext(), 'k', undefined);
      let value = 1;
      const { log } = quietLog();
      const first = new SavedState(store, 3, log, () => assert.fail('nothing to restore yet'), () => ({ value }), 60_000);
      await first.loaded;
      await first.close();
      assert.equal(await store.load(), undefined, 'nothing changed, nothing written');
      const second = new SavedState(store, 3, log, () => undefined, () => ({ value }), 60_000);
      value = 42;
      second.changed();
      await second.close();
      let restored: unknown;
      const third = new SavedState(store, 3, log, (state) => (restored = state.value), () => ({ value }), 60_000);
      await third.loaded;
      await third.close();
      assert.equal(restored, 42);
    });
  }

  it('moves an unreadable or foreign state aside, says so, and starts afresh', async () => {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"not": json');
    const { warnings, log } = quietLog();
    const broken = new SavedState(new FileStateStore(file), 1, log, () => assert.fail('must not restore'), () => ({}), 60_000);
    await broken.loaded;
    await broken.close();
    assert.match(warnings[0], /unreadable .* moved to .*state\.json\.unreadable-\d+/);
    fs.writeFileSync(file, JSON.stringify({ version: 99 }));
    const foreign = new SavedState(new FileStateStore(file), 1, log, () => assert.fail('must not restore'), () => ({}), 60_000);
    await foreign.loaded;
    await foreign.close();
    assert.match(warnings[1], /not of this node \(version 99\)/);
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.unreadable-')).length, 2);
  });

  it('a failed save is reported and retried at the next save', async () => {
    const calls: unknown[] = [];
    let fail = true;
    const store: StateStore = {
      where: 'a flaky store',
      load: async () => undefined,
      save: async (s) => {
        calls.push(s);
        if (fail) throw new Error('disk full');
      },
      quarantine: async () => undefined,
    };
    const { warnings, log } = quietLog();
    const saved = new SavedState(store, 1, log, () => undefined, () => ({ n: calls.length }), 60_000);
    await saved.loaded;
    saved.changed();
    await saved.save();
    assert.match(warnings[0], /could not save the learning to a flaky store: disk full \(will retry\)/);
    fail = false;
    await saved.close();
    assert.equal(calls.length, 2, 'retried on close');
  });
});
