/** Messages between model-registry.ts and its inference worker (inference-worker.ts). */

export interface WorkerSetup {
  bytes: ArrayBuffer;
  threads?: number;
}

export type WorkerRequest =
  | { type: 'run'; id: number; input: Float32Array; dims: number[] }
  | { type: 'release' };

export type WorkerReply =
  | { type: 'loaded'; inputName: string; outputName: string; inputShape: Array<number | null> }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data?: Float32Array; dims?: number[]; error?: string }
  | { type: 'released' };
