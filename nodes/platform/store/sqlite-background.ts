/**
 * A second connection to the alert store, in a worker thread, for the work that must not hold
 * the runtime's event loop:
 *
 * - Checkpoints. SQLite's automatic checkpoint runs inside the COMMIT that crosses its
 *   threshold, on the thread that commits: with `synchronous=full`, tens of megabytes copied and
 *   fsynced while the event loop waits, a stall every few thousand alerts. A passive checkpoint
 *   here runs beside the writer and never takes its lock, so by the time the automatic one fires
 *   nearly every frame is already in the database. (The automatic one still has to run: a
 *   passive checkpoint racing a busy writer never sees the log complete, and only a complete log
 *   lets the next writer start it again from the top.)
 * - Whole-table reads such as the console's grouped counts, which take tens of milliseconds on a
 *   store of a million open alerts. WAL readers do not block the writer, nor it them.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface BackgroundOptions {
  file: string;
  /** How often the worker checkpoints. */
  checkpointIntervalMs: number;
  busyTimeoutMs: number;
  onError: (message: string) => void;
}

/** A checkpoint that copied frames: for tests and diagnostics. */
export interface CheckpointReport {
  type: 'checkpointed';
  /** Frames in the log and frames copied, as `PRAGMA wal_checkpoint` returns them. */
  log: number;
  checkpointed: number;
}

/** The reads the worker knows, by name: the SQL stays in the worker. */
export type BackgroundRead = 'openCounts';

export type WorkerMessage =
  | CheckpointReport
  | { type: 'error'; message: string }
  | { type: 'result'; id: number; rows?: unknown[]; error?: string };

export class BackgroundConnection {
  private readonly worker: Worker;
  private readonly listeners = new Set<(report: CheckpointReport) => void>();
  private readonly waiting = new Map<number, { resolve(rows: unknown[]): void; reject(err: Error): void }>();
  private nextId = 1;
  private stopped: Promise<number> | undefined;

  constructor(options: BackgroundOptions) {
    const { onError, ...workerData } = options;
    this.worker = new Worker(path.join(__dirname, 'sqlite-background-worker.js'), { workerData });
    // A stopping runtime must not wait for the checkpoint timer.
    this.worker.unref();
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') onError(message.message);
      else if (message.type === 'checkpointed') for (const listener of this.listeners) listener(message);
      else this.settle(message.id, message.rows, message.error);
    });
    this.worker.on('error', (err) => {
      onError(`the store's background thread stopped: ${err.message}`);
      this.failAll(err);
    });
  }

  onCheckpoint(listener: (report: CheckpointReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read<T>(name: BackgroundRead): Promise<T[]> {
    if (this.stopped) return Promise.reject(new Error('the store is closed'));
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      this.worker.postMessage({ type: 'read', id, name });
    });
  }

  stop(): Promise<number> {
    this.stopped ??= this.worker.terminate().finally(() => this.failAll(new Error('the store is closed')));
    return this.stopped;
  }

  private settle(id: number, rows: unknown[] | undefined, error: string | undefined): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (error !== undefined) waiter.reject(new Error(error));
    else waiter.resolve(rows ?? []);
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
