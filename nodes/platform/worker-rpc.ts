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
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
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
