/** Calls from model-registry.ts to its inference worker (inference-worker.ts), through worker-rpc.ts. */

export type InferenceRequest =
  | { type: 'load'; bytes: ArrayBuffer; threads?: number }
  | { type: 'run'; input: Float32Array; dims: number[] }
  | { type: 'release' };

/** The answer to `load`. */
export interface Loaded {
  inputName: string;
  outputName: string;
  inputShape: Array<number | null>;
}

/** The answer to `run`: the model's first output. */
export interface InferOutput {
  data: Float32Array;
  dims: readonly number[];
}
