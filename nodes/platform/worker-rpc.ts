import { parentPort, Worker } from 'node:worker_threads';

/** What travels to a worker: one call, numbered so its answer can find it. */
interface Call<Request> {
  id: number;
  request: Request;
}

/** What comes back: the answer to a call, or an event the worker raised on its own. */
type Message = { id: number; value: unknown } | { id: number; error: string } | { event: unknown };

/** What a handler gives back: the value, and the buffers handed over with it rather than copied. */
export interface Reply<Value> {
  value: Value;
  transfer?: ArrayBuffer[];
}

export interface RpcOptions<Event> {
  workerData?: unknown;
  /** Events the worker raises with `emit`. */
  onEvent?: (event: Event) => void;
  /** The thread stopped on an error (not when it was closed). */
  onFailure?: (err: Error) => void;
}

/**
 * The main side of a worker thread that answers calls: the work that must not hold the runtime's
 * event loop (inference, frame decoding, whole-table reads) runs on such threads. A thread that
 * stops, or ends, fails every call still waiting and every call after it.
 */
export class WorkerRpc<Request, Event = never> {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private readonly stopListeners: Array<(err: Error) => void> = [];
  private closing: Promise<void> | undefined;

  /** `name` says which thread in errors: "the inference thread of model.onnx". */
  constructor(file: string, private readonly name: string, options: RpcOptions<Event> = {}) {
    this.worker = new Worker(file, { workerData: options.workerData });
    // A runtime or test that forgets a close must still be able to exit.
    this.worker.unref();
    this.worker.on('message', (message: Message) => {
      if ('event' in message) options.onEvent?.(message.event as Event);
      else this.settle(message);
    });
    this.worker.on('error', (err) => {
      const failure = new Error(`${name} stopped: ${err.message}`);
      this.fail(failure);
      options.onFailure?.(failure);
    });
    this.worker.on('exit', () => this.fail(new Error(`${name} has ended`)));
  }

  /** Calls `listener` once, as the thread stops (at once if it has), before the calls still waiting are failed. */
  onStop(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.stopListeners.push(listener);
  }

  /** Sends `request`; the buffers in `transfer` are handed over, and the caller must not use them afterwards. */
  call<Value>(request: Request, transfer: ArrayBuffer[] = []): Promise<Value> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Value>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, request } satisfies Call<Request>, transfer);
    });
  }

  /** Sends `farewell` when given (a call that frees what the thread holds), then ends the thread. */
  close(farewell?: Request): Promise<void> {
    this.closing ??= (async () => {
      if (farewell !== undefined && !this.failure) {
        // A stuck native call must not hold a redeploy: the thread is ended anyway after a while.
        await Promise.race([this.call(farewell).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      }
      this.fail(new Error(`${this.name} was closed`));
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private settle(message: Exclude<Message, { event: unknown }>): void {
    const waiter = this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id);
    if ('error' in message) waiter.reject(new Error(message.error));
    else waiter.resolve(message.value);
  }

  private fail(err: Error): void {
    if (!this.failure) {
      this.failure = err;
      for (const listener of this.stopListeners.splice(0)) listener(err);
    }
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}

export interface RestartOptions {
  /** The wait before the first restart of a thread that keeps stopping; doubled each time. Default 1 s. */
  minDelayMs?: number;
  /** The longest wait between restarts; a thread that served this long counts as healthy again. Default 60 s. */
  maxDelayMs?: number;
  clock?: () => number;
}

/**
 * A worker thread that is started again when it stops on its own (a crash, an exit): the thread
 * holding a model must not leave a camera without detection until someone redeploys. Calls that
 * were waiting when it stopped fail with its error; the next call starts a new thread with
 * `start` (which loads what the thread needs). A thread that keeps stopping is restarted at most
 * once per delay, doubled each time up to `maxDelayMs`, and calls in between fail at once.
 */
export class RestartingRpc<Request, Event = never> {
  private rpc: WorkerRpc<Request, Event> | undefined;
  private starting: Promise<WorkerRpc<Request, Event>> | undefined;
  private startedAt = 0;
  private delayMs = 0;
  private notBefore = 0;
  private lastFailure: Error | undefined;
  private closed: Error | undefined;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: () => number;

  /** `first` is a thread already started (and loaded) by the caller; without it the first call starts one. */
  constructor(private readonly name: string, private readonly start: () => Promise<WorkerRpc<Request, Event>>, first?: WorkerRpc<Request, Event>, options: RestartOptions = {}) {
    this.minDelayMs = options.minDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
    if (first) this.adopt(first);
  }

  async call<Value>(request: Request, transfer: ArrayBuffer[] = []): Promise<Value> {
    const rpc = await this.live();
    return rpc.call<Value>(request, transfer);
  }

  /** Closes the thread (after `farewell`, as WorkerRpc.close) and starts no other. */
  async close(farewell?: Request): Promise<void> {
    this.closed ??= new Error(`${this.name} was closed`);
    const rpc = (await this.starting?.catch(() => undefined)) ?? this.rpc;
    await rpc?.close(farewell);
  }

  private adopt(rpc: WorkerRpc<Request, Event>): void {
    this.rpc = rpc;
    rpc.onStop((failure) => {
      if (this.rpc !== rpc || this.closed) return;
      this.rpc = undefined;
      this.backOff(failure, this.clock() - this.startedAt);
    });
  }

  private live(): Promise<WorkerRpc<Request, Event>> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.starting) return this.starting;
    if (this.rpc) return Promise.resolve(this.rpc);
    const wait = this.notBefore - this.clock();
    if (wait > 0) return Promise.reject(new Error(`${this.lastFailure!.message}; trying again in ${Math.ceil(wait / 1000)} s`));
    this.starting = this.start().then(
      async (rpc) => {
        this.starting = undefined;
        this.startedAt = this.clock();
        if (this.closed) {
          await rpc.close();
          throw this.closed;
        }
        this.adopt(rpc);
        return rpc;
      },
      (err: Error) => {
        this.starting = undefined;
        // A start that fails served nothing: always wait longer before the next one.
        this.backOff(new Error(`${this.name} cannot start again: ${err.message}`), 0);
        throw this.lastFailure;
      },
    );
    return this.starting;
  }

  private backOff(failure: Error, served: number): void {
    // A thread that served for a good while before it stopped had a one-off failure: restart it at
    // once. One that stops again soon after a restart, or cannot be started, waits longer each
    // time, so that a model that crashes its thread (or a file gone bad) does not burn the CPU
    // being loaded again for every frame.
    this.delayMs = served >= this.maxDelayMs ? 0 : Math.min(this.maxDelayMs, Math.max(this.minDelayMs, this.delayMs * 2));
    this.notBefore = this.clock() + this.delayMs;
    this.lastFailure = failure;
  }
}

/**
 * The worker side: answers each call with `handle`, one at a time and in the order they came
 * (a model's frames are inferred in frame order). A handler that throws answers its call with the
 * error's message, and the thread goes on serving.
 */
export function serve<Request>(handle: (request: Request) => Promise<Reply<unknown>> | Reply<unknown>): void {
  const port = parentPort!;
  let tail = Promise.resolve();
  port.on('message', ({ id, request }: Call<Request>) => {
    tail = tail.then(async () => {
      try {
        const { value, transfer } = await handle(request);
        port.postMessage({ id, value } satisfies Message, transfer ?? []);
      } catch (err) {
        port.postMessage({ id, error: (err as Error).message } satisfies Message);
      }
    });
  });
}

/** The worker side: raises an event that the main side's `onEvent` receives. */
export function emit<Event>(event: Event): void {
  parentPort!.postMessage({ event } satisfies Message);
}
