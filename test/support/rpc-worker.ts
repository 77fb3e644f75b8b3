/** A worker for the worker-rpc tests: echoes, fails, raises events and ends on request. */
import { emit, serve } from '../../nodes/platform/worker-rpc';

export type TestRequest =
  | { type: 'echo'; value: unknown }
  | { type: 'double'; data: Float64Array }
  | { type: 'fail'; message: string }
  | { type: 'emit'; event: unknown }
  | { type: 'slow'; ms: number }
  | { type: 'exit' };

serve<TestRequest>(async (request) => {
  switch (request.type) {
    case 'echo':
      return { value: request.value };
    case 'double': {
      const data = request.data.map((v) => v * 2);
      return { value: data, transfer: [data.buffer as ArrayBuffer] };
    }
    case 'fail':
      throw new Error(request.message);
    case 'emit':
      emit(request.event);
      return { value: 'emitted' };
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, request.ms));
      return { value: request.ms };
    case 'exit':
      process.exit(3);
  }
});
