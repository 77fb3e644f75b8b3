import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'node-red';
import { PACKAGE_ROOT, RestartingRpc, WorkerRpc } from '../platform/node-kit';
import type { FrameRequest } from './frame-worker';
import type { InferenceRequest, InferOutput, Loaded } from './inference-protocol';
import type { Letterboxed } from './letterbox';
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

export interface ModelHandle {
  readonly info: ModelInfo;
  /**
   * Decodes and letterboxes a frame into this model's input, in the model's frame thread: the
   * next frame is prepared there while the current one is inferred, and the event loop does
   * neither. `maxPixels` refuses larger frames before they are decoded.
   */
  prepare(frame: Buffer, maxPixels?: number): Promise<Letterboxed>;
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

/**
 * A model's two threads: one runs its session, one prepares frames for it (started on the first
 * frame). Either is started again if it stops on its own; the session's is loaded again from the file.
 */
class ModelThreads {
  private readonly frames: RestartingRpc<FrameRequest>;
  private closed = false;

  constructor(private readonly inference: RestartingRpc<InferenceRequest>, private readonly file: string) {
    const name = `the frame thread of ${file}`;
    this.frames = new RestartingRpc(name, async () => new WorkerRpc(path.join(__dirname, 'frame-worker.js'), name));
  }

  prepare(info: ModelInfo, frame: Buffer, maxPixels?: number): Promise<Letterboxed> {
    if (this.closed) return Promise.reject(new Error(`the model ${this.file} was released`));
    // A view into a larger buffer (a slice of a stream) would take all of that buffer along: copy just the frame.
    const own = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength ? frame : Uint8Array.prototype.slice.call(frame);
    const request: FrameRequest = { frame: own, inputWidth: info.inputWidth, inputHeight: info.inputHeight, maxPixels };
    return this.frames.call<Letterboxed>(request, own === frame ? [] : [own.buffer as ArrayBuffer]);
  }

  infer(input: Float32Array, dims: readonly number[]): Promise<InferOutput> {
    return this.inference.call<InferOutput>({ type: 'run', input, dims: [...dims] }, [input.buffer as ArrayBuffer]).catch((err: Error) => {
      throw new Error(`inference with ${this.file} failed: ${err.message}`);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.inference.close({ type: 'release' }), this.frames.close()]);
  }
}

interface Entry {
  refs: number;
  loading: Promise<{ threads: ModelThreads; info: ModelInfo }>;
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
  const { threads, info } = loaded;
  return {
    info,
    prepare: (frame, maxPixels) => threads.prepare(info, frame, maxPixels),
    infer: (input, dims) => threads.infer(input, dims),
    async release() {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      if (entries.get(key) === e) entries.delete(key);
      await threads.close();
    },
  };
}

async function readModel(file: string): Promise<Buffer> {
  return fs.promises.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read model ${file}: ${err.code ?? err.message}`);
  });
}

function inferenceThreadName(file: string): string {
  return `the inference thread of ${file}`;
}

/** A new inference thread with the model's session loaded in it. */
async function startInference(file: string, bytes: Buffer, threads: number | undefined): Promise<{ rpc: WorkerRpc<InferenceRequest>; loaded: Loaded }> {
  const rpc = new WorkerRpc<InferenceRequest>(path.join(__dirname, 'inference-worker.js'), inferenceThreadName(file));
  const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return { rpc, loaded: await rpc.call<Loaded>({ type: 'load', bytes: own, threads }, [own]) };
  } catch (err) {
    await rpc.close();
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

async function load(file: string, options: LoadOptions) {
  const bytes = await readModel(file);
  let meta: Record<string, string> = {};
  try {
    meta = readOnnxMetadata(bytes);
  } catch (err) {
    throw new Error(`${file} is not an ONNX model: ${(err as Error).message}`);
  }
  const sidecar = await readSidecar(file);
  const intraOp = options.threads && options.threads > 0 ? Math.floor(options.threads) : undefined;
  const { rpc: inference, loaded } = await startInference(file, bytes, intraOp);
  // A thread started again reads the file again; what the detectors were set up for must still hold.
  const restart = async () => {
    const again = await startInference(file, await readModel(file), intraOp);
    if (JSON.stringify(again.loaded) !== JSON.stringify(loaded)) {
      await again.rpc.close({ type: 'release' });
      throw new Error(`${file} has changed since it was loaded; redeploy its model node`);
    }
    return again.rpc;
  };
  const staticDims = loaded.inputShape;
  const fromShape = typeof staticDims[2] === 'number' && typeof staticDims[3] === 'number' ? { width: staticDims[3], height: staticDims[2] } : undefined;
  const sidecarSize = sidecar.inputSize === undefined ? undefined : Array.isArray(sidecar.inputSize) ? { width: sidecar.inputSize[0], height: sidecar.inputSize[1] } : { width: sidecar.inputSize, height: sidecar.inputSize };
  const size = (options.inputSize ? { width: options.inputSize, height: options.inputSize } : undefined) ?? sidecarSize ?? parseImageSize(meta.imgsz) ?? fromShape;
  if (!size) {
    await inference.close({ type: 'release' });
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
  return { threads: new ModelThreads(new RestartingRpc(inferenceThreadName(file), restart, inference), file), info };
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
