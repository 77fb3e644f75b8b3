import assert from 'node:assert/strict';
import * as path from 'node:path';
import { RestartingRpc, WorkerRpc } from '../../nodes/platform/worker-rpc';
import type { TestRequest } from '../support/rpc-worker';

const WORKER = path.join(__dirname, '..', 'support', 'rpc-worker.js');

describe('worker-rpc', function () {
  const open: Array<WorkerRpc<TestRequest, unknown>> = [];
  const start = (options = {}) => {
    const rpc = new WorkerRpc<TestRequest, unknown>(WORKER, 'the test thread', options);
    open.push(rpc);
    return rpc;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((rpc) => rpc.close()));
  });

  it('answers calls in order, and hands buffers over both ways', async () => {
    const rpc = start();
    const slow = rpc.call<number>({ type: 'slow', ms: 50 });
    const quick = rpc.call<unknown>({ type: 'echo', value: { a: [1, 'two'] } });
    const order: string[] = [];
    await Promise.all([slow.then(() => order.push('slow')), quick.then(() => order.push('quick'))]);
    assert.deepEqual(order, ['slow', 'quick'], 'one at a time, in the order asked');
    assert.deepEqual(await quick, { a: [1, 'two'] });
    const data = Float64Array.from([1, 2, 3]);
    const doubled = await rpc.call<Float64Array>({ type: 'double', data }, [data.buffer as ArrayBuffer]);
    assert.equal(data.byteLength, 0, 'the input went over, not a copy of it');
    assert.deepEqual(Array.from(doubled), [2, 4, 6]);
  });

  it('fails one call with its error and goes on serving', async () => {
    const rpc = start();
    await assert.rejects(rpc.call({ type: 'fail', message: 'no such frame' }), /^Error: no such frame$/);
    assert.equal(await rpc.call({ type: 'echo', value: 7 }), 7);
  });

  it('passes events the worker raises', async () => {
    const events: unknown[] = [];
    const rpc = start({ onEvent: (event: unknown) => events.push(event) });
    assert.equal(await rpc.call({ type: 'emit', event: { checkpointed: 4 } }), 'emitted');
    assert.deepEqual(events, [{ checkpointed: 4 }]);
  });

  it('fails the calls waiting, and every later call, when the thread ends', async () => {
    const rpc = start();
    const ended = rpc.call({ type: 'exit' });
    const queued = rpc.call({ type: 'echo', value: 'never' });
    await assert.rejects(ended, /the test thread has ended/);
    await assert.rejects(queued, /the test thread has ended/);
    await assert.rejects(rpc.call({ type: 'echo', value: 1 }), /the test thread has ended/);
  });

  it('sends the farewell call before it closes, and refuses calls after', async () => {
    const rpc = start();
    const before = rpc.call({ type: 'slow', ms: 30 });
    await rpc.close({ type: 'echo', value: 'bye' });
    assert.equal(await before, 30, 'a call made before the close is answered');
    await assert.rejects(rpc.call({ type: 'echo', value: 1 }), /the test thread was closed/);
    await rpc.close();
  });

  describe('a thread started again when it stops', function () {
    let now = 0;
    let starts = 0;
    const restarting = (first?: WorkerRpc<TestRequest, unknown>, startable: () => WorkerRpc<TestRequest, unknown> = start) =>
      new RestartingRpc<TestRequest, unknown>('the test thread', async () => {
        starts++;
        return startable();
      }, first, { minDelayMs: 1000, maxDelayMs: 60_000, clock: () => now });
    beforeEach(() => {
      now = 0;
      starts = 0;
    });

    it('starts on the first call, fails the calls waiting when the thread ends, and serves the next call from a new thread', async () => {
      const threads = restarting();
      assert.equal(starts, 0, 'nothing started before it is needed');
      assert.equal(await threads.call({ type: 'echo', value: 1 }), 1);
      const ended = threads.call({ type: 'exit' });
      const queued = threads.call({ type: 'echo', value: 'lost with the thread' });
      await assert.rejects(ended, /the test thread has ended/);
      await assert.rejects(queued, /the test thread has ended/);
      now = 1000;
      assert.equal(await threads.call({ type: 'echo', value: 2 }), 2);
      assert.equal(starts, 2);
      await threads.close();
    });

    it('waits longer each time a thread stops soon after it started, and at once after one that served a while', async () => {
      const threads = restarting(start());
      await assert.rejects(threads.call({ type: 'exit' }), /has ended/);
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /the test thread has ended; trying again in 1 s/);
      assert.equal(starts, 0, 'no start inside the delay');
      now = 1000;
      assert.equal(await threads.call({ type: 'echo', value: 1 }), 1);
      await assert.rejects(threads.call({ type: 'exit' }), /has ended/);
      now = 1500;
      await assert.rejects(threads.call({ type: 'echo', value: 2 }), /trying again in 2 s/, 'the delay doubled');
      now = 3000;
      assert.equal(await threads.call({ type: 'echo', value: 2 }), 2);
      assert.equal(starts, 2);
      now = 3000 + 60_000;
      await assert.rejects(threads.call({ type: 'exit' }), /has ended/);
      assert.equal(await threads.call({ type: 'echo', value: 3 }), 3, 'a thread that served a minute is started again at once');
      assert.equal(starts, 3);
      await threads.close();
    });

    it('reports a start that fails, and does not try again before the delay', async () => {
      const threads = restarting(start(), () => {
        throw new Error('no such model');
      });
      await assert.rejects(threads.call({ type: 'exit' }), /has ended/);
      now = 1000;
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /^Error: the test thread cannot start again: no such model$/);
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /cannot start again: no such model; trying again in 2 s/);
      assert.equal(starts, 1);
      await threads.close();
    });

    it('waits before starting again when a restart fails, even after a thread that served a while', async () => {
      const threads = restarting(start(), () => {
        throw new Error('the file is gone');
      });
      now = 60_000;
      await assert.rejects(threads.call({ type: 'exit' }), /has ended/);
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /^Error: the test thread cannot start again: the file is gone$/);
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /the file is gone; trying again in 1 s/);
      now = 61_000;
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /^Error: the test thread cannot start again: the file is gone$/);
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /trying again in 2 s/);
      assert.equal(starts, 2, 'one try per delay, not one per call');
      await threads.close();
    });

    it('starts nothing after it is closed', async () => {
      const first = start();
      const threads = restarting(first);
      await threads.close({ type: 'echo', value: 'bye' });
      await assert.rejects(first.call({ type: 'echo', value: 1 }), /the test thread was closed/, 'the thread itself was closed');
      await assert.rejects(threads.call({ type: 'echo', value: 1 }), /the test thread was closed/);
      assert.equal(starts, 0);
    });
  });
});
