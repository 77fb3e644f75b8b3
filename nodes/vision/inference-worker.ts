/**
 * The worker side of model-registry.ts: one onnxruntime session per worker thread. onnxruntime-node
 * runs inference synchronously on the thread that calls `run` (its promise only defers the call),
 * so on the runtime's own thread a 100 ms model would freeze every flow, the editor and the
 * console for 100 ms a frame. Here it freezes nothing but this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './inference-protocol';

const setup = workerData as WorkerSetup;
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(reply, transfer);

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(new Uint8Array(setup.bytes), {
      // onnxruntime rejects an explicit undefined; left out, it uses one thread per core.
      ...(setup.threads ? { intraOpNumThreads: setup.threads } : {}),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    post({ type: 'failed', message: (err as Error).message });
    return;
  }
  const input = session.inputMetadata[0];
  const shape = input && input.isTensor ? input.shape.map((d) => (typeof d === 'number' ? d : null)) : [];
  post({ type: 'loaded', inputName: session.inputNames[0], outputName: session.outputNames[0], inputShape: shape });

  // Requests are served one at a time, in the order they came.
  let tail = Promise.resolve();
  parentPort!.on('message', (request: WorkerRequest) => {
    tail = tail.then(async () => {
      if (request.type === 'release') {
        await session.release();
        post({ type: 'released' });
        return;
      }
      try {
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', request.input, request.dims) };
        const outputs = await session.run(feeds);
        const output = outputs[session.outputNames[0]];
        // A copy the worker owns, so that it can be handed over without copying again.
        const data = Float32Array.from(output.data as Float32Array);
        for (const t of Object.values(outputs)) t.dispose();
        post({ type: 'result', id: request.id, data, dims: [...output.dims] }, [data.buffer]);
      } catch (err) {
        post({ type: 'result', id: request.id, error: (err as Error).message });
      }
    });
  });
}

void main();
