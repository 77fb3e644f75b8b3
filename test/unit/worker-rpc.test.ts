import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkerRpc } from '../../nodes/platform/worker-rpc';
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
});
