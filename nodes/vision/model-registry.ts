import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'node-red';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../platform/paths';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './inference-protocol';
import type { Layout } from './layout';
import { parseClassNames, parseImageSize, readOnnxMetadata } from './onnx-metadata';

export interface ModelInfo {
  file: string;
  inputName: string;
  outputName: string;
  inputWidth: number;
  inputHeight: number;
  classNames: string[];
  layout?: Layout;
}

/** The model's first output for one input. */
export interface InferOutput {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelHandle {
  readonly info: ModelInfo;
  /**
   * Runs the model on one input in the model's own thread, so the event loop stays free while it
   * runs. Inferences of one model are served one at a time, in the order they were asked for. The
   * input's buffer is handed over to that thread: the caller must not use it afterwards.
   */
  infer(input: Float32Array, dims: readonly number[]): Promise<InferOutput>;
  /** Gives the reference back; the session is released when the last one goes. */
  release(): Promise<void>;
}

export interface LoadOptions {
  threads?: number;
  /** Overrides of what the metadata or sidecar say. */
  classNames?: string[];
  inputSize?: number;
  layout?: Layout;
}

/** `<model>.json` beside the model: `{ "classNames": [...], "inputSize": 640 | [w, h], "layout": "yolov8" }`. */
interface Sidecar {
  classNames?: string[];
  names?: string[];
  inputSize?: number | [number, number];
  layout?: Layout;
}

interface Entry {
  refs: number;
  loading: Promise<{ thread: InferenceThread; info: ModelInfo }>;
}

/** The main side of one inference worker (inference-worker.ts): one session, one thread. */
class InferenceThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(output: InferOutput): void; reject(err: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private released: (() => void) | undefined;
  readonly loaded: Promise<{ inputName: string; outputName: string; inputShape: Array<number | null> }>;

  constructor(readonly file: string, bytes: Buffer, threads: number | undefined) {
    const setup: WorkerSetup = { bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, threads };
    this.worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: setup, transferList: [setup.bytes] });
    // A runtime or test that forgets a release must still be able to exit.
    this.worker.unref();
    let loaded!: (info: { inputName: string; outputName: string; inputShape: Array<number | null> }) => void;
    let failed!: (err: Error) => void;
    this.loaded = new Promise((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'loaded') loaded(reply);
      else if (reply.type === 'failed') failed(new Error(`onnxruntime cannot load ${file}: ${reply.message}`));
      else if (reply.type === 'released') this.released?.();
      else this.settle(reply.id, reply.data, reply.dims, reply.error);
    });
    this.worker.on('error', (err) => this.fail(new Error(`the inference thread of ${file} stopped: ${err.message}`), failed));
    this.worker.on('exit', () => this.fail(new Error(`the inference thread of ${file} has ended`), failed));
  }

  infer(input: Float32Array, dims: readonly number[]): Promise<InferOutput> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<InferOutput>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: WorkerRequest = { type: 'run', id, input, dims: [...dims] };
      this.worker.postMessage(request, [input.buffer as ArrayBuffer]);
    });
  }

  async release(): Promise<void> {
    if (!this.failure) {
      const done = new Promise<void>((resolve) => {
        this.released = resolve;
        // A stuck native call must not hold a redeploy: terminate anyway after a while.
        setTimeout(resolve, 5000).unref();
      });
      this.worker.postMessage({ type: 'release' } satisfies WorkerRequest);
      await done;
    }
    this.fail(new Error(`the model ${this.file} was released`), () => undefined);
    await this.worker.terminate();
  }

  private settle(id: number, data: Float32Array | undefined, dims: number[] | undefined, error: string | undefined): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (error !== undefined || !data || !dims) waiter.reject(new Error(`inference with ${this.file} failed: ${error ?? 'no output'}`));
    else waiter.resolve({ data, dims });
  }

  private fail(err: Error, failLoad: (err: Error) => void): void {
    this.failure ??= err;
    failLoad(this.failure);
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}

/**
 * One onnxruntime session per (model file, thread count, overrides) in the process, shared by
 * every detector and config node that names it and reference-counted: a session holds the weights
 * and a thread pool, and N cameras must not mean N copies.
 */
const entries = new Map<string, Entry>();

export function openSessions(): number {
  return entries.size;
}

export async function acquireModel(file: string, options: LoadOptions = {}): Promise<ModelHandle> {
  const key = JSON.stringify([file, options.threads ?? 0, options.classNames ?? null, options.inputSize ?? null, options.layout ?? null]);
  let entry = entries.get(key);
  if (!entry) {
    entry = { refs: 0, loading: load(file, options) };
    entries.set(key, entry);
    // A failed load must not stay cached: the next deploy (with the file fixed) tries again.
    entry.loading.catch(() => entries.get(key) === entry && entries.delete(key));
  }
  entry.refs++;
  const e = entry;
  let loaded;
  try {
    loaded = await e.loading;
  } catch (err) {
    e.refs--;
    throw err;
  }
  let released = false;
  return {
    info: loaded.info,
    infer: (input, dims) => loaded.thread.infer(input, dims),
    async release() {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      if (entries.get(key) === e) entries.delete(key);
      await loaded.thread.release();
    },
  };
}

async function load(file: string, options: LoadOptions) {
  const bytes = await fs.promises.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read model ${file}: ${err.code ?? err.message}`);
  });
  let meta: Record<string, string> = {};
  try {
    meta = readOnnxMetadata(bytes);
  } catch (err) {
    throw new Error(`${file} is not an ONNX model: ${(err as Error).message}`);
  }
  const sidecar = await readSidecar(file);
  const threads = options.threads && options.threads > 0 ? Math.floor(options.threads) : undefined;
  const thread = new InferenceThread(file, bytes, threads);
  const loaded = await thread.loaded;
  const staticDims = loaded.inputShape;
  const fromShape = typeof staticDims[2] === 'number' && typeof staticDims[3] === 'number' ? { width: staticDims[3], height: staticDims[2] } : undefined;
  const sidecarSize = sidecar.inputSize === undefined ? undefined : Array.isArray(sidecar.inputSize) ? { width: sidecar.inputSize[0], height: sidecar.inputSize[1] } : { width: sidecar.inputSize, height: sidecar.inputSize };
  const size = (options.inputSize ? { width: options.inputSize, height: options.inputSize } : undefined) ?? sidecarSize ?? parseImageSize(meta.imgsz) ?? fromShape;
  if (!size) {
    await thread.release();
    throw new Error(`${file}: the input size is neither in the model nor in a sidecar JSON; set it on the model node`);
  }
  const classNames = options.classNames?.length ? options.classNames : sidecar.classNames ?? sidecar.names ?? parseClassNames(meta.names) ?? [];
  const info: ModelInfo = {
    file,
    inputName: loaded.inputName,
    outputName: loaded.outputName,
    inputWidth: size.width,
    inputHeight: size.height,
    classNames,
    layout: options.layout ?? sidecar.layout ?? (meta.layout as Layout | undefined),
  };
  return { thread, info };
}

async function readSidecar(file: string): Promise<Sidecar> {
  const name = file.replace(/\.onnx$/i, '') + '.json';
  let text: string;
  try {
    text = await fs.promises.readFile(name, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as Sidecar;
  } catch (err) {
    throw new Error(`sidecar ${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The model shipped with the package, for `file: firearm-demo`. */
export const DEMO_MODEL = path.join(PACKAGE_ROOT, 'models', 'firearm', 'firearm-demo.onnx');

/** Absolute paths as they are; relative ones from the user directory, then the package. */
export function resolveModelFile(file: string, userDir?: string): string {
  if (file === 'firearm-demo') return DEMO_MODEL;
  if (path.isAbsolute(file)) return file;
  const candidates = [userDir && path.join(userDir, file), path.join(PACKAGE_ROOT, file)].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}


/** The config node as its users see it. */
export interface OnnxModelNode extends Node {
  /** A reference to the shared session (the first call loads it), for one user; every acquire needs a `release`. */
  acquire(): Promise<ModelHandle>;
  label: string;
}
