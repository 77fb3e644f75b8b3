import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'node-red';
import * as ort from 'onnxruntime-node';
import { PACKAGE_ROOT } from '../platform/paths';
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
  readonly session: ort.InferenceSession;
  readonly info: ModelInfo;
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
  loading: Promise<{ session: ort.InferenceSession; info: ModelInfo }>;
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
    session: loaded.session,
    info: loaded.info,
    async release() {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      if (entries.get(key) === e) entries.delete(key);
      await loaded.session.release();
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
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      // onnxruntime rejects an explicit undefined; left out, it uses one thread per core.
      ...(threads ? { intraOpNumThreads: threads } : {}),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new Error(`onnxruntime cannot load ${file}: ${(err as Error).message}`);
  }
  const input = session.inputMetadata[0];
  const staticDims = input && input.isTensor ? input.shape : [];
  const fromShape = typeof staticDims[2] === 'number' && typeof staticDims[3] === 'number' ? { width: staticDims[3], height: staticDims[2] } : undefined;
  const sidecarSize = sidecar.inputSize === undefined ? undefined : Array.isArray(sidecar.inputSize) ? { width: sidecar.inputSize[0], height: sidecar.inputSize[1] } : { width: sidecar.inputSize, height: sidecar.inputSize };
  const size = (options.inputSize ? { width: options.inputSize, height: options.inputSize } : undefined) ?? sidecarSize ?? parseImageSize(meta.imgsz) ?? fromShape;
  if (!size) {
    await session.release();
    throw new Error(`${file}: the input size is neither in the model nor in a sidecar JSON; set it on the model node`);
  }
  const classNames = options.classNames?.length ? options.classNames : sidecar.classNames ?? sidecar.names ?? parseClassNames(meta.names) ?? [];
  const info: ModelInfo = {
    file,
    inputName: session.inputNames[0],
    outputName: session.outputNames[0],
    inputWidth: size.width,
    inputHeight: size.height,
    classNames,
    layout: options.layout ?? sidecar.layout ?? (meta.layout as Layout | undefined),
  };
  return { session, info };
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
