/**
 * The worker side of model-registry.ts: one onnxruntime session per worker thread. onnxruntime-node
 * runs inference synchronously on the thread that calls `run` (its promise only defers the call),
 * so on the runtime's own thread a 100 ms model would freeze every flow, the editor and the
 * console for 100 ms a frame. Here it freezes nothing but this thread.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceRequest, InferOutput, Loaded } from './inference-protocol';
import type { Reply } from '../platform/node-kit';
import { serve } from '../platform/node-kit';

let session: ort.InferenceSession | undefined;

serve<InferenceRequest>(async (request): Promise<Reply<unknown>> => {
  switch (request.type) {
    case 'load': {
      try {
        session = await ort.InferenceSession.create(new Uint8Array(request.bytes), {
          // onnxruntime rejects an explicit undefined; left out, it uses one thread per core.
          ...(request.threads ? { intraOpNumThreads: request.threads } : {}),
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
      } catch (err) {
        throw new Error(`onnxruntime cannot load it: ${(err as Error).message}`);
      }
      const input = session.inputMetadata[0];
      const inputShape = input && input.isTensor ? input.shape.map((d) => (typeof d === 'number' ? d : null)) : [];
      return { value: { inputName: session.inputNames[0], outputName: session.outputNames[0], inputShape } satisfies Loaded };
    }
    case 'run': {
      if (!session) throw new Error('no model is loaded');
      const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', request.input, request.dims) });
      const output = outputs[session.outputNames[0]];
      // A copy the worker owns, so that it can be handed over without copying again.
      const data = Float32Array.from(output.data as Float32Array);
      for (const t of Object.values(outputs)) t.dispose();
      return { value: { data, dims: [...output.dims] } satisfies InferOutput, transfer: [data.buffer] };
    }
    case 'release':
      await session?.release();
      session = undefined;
      return { value: undefined };
  }
});
