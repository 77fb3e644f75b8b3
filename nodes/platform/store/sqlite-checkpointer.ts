/**
 * Copies the alert store's write-ahead log into the database from a worker thread. SQLite's
 * automatic checkpoint runs inside the COMMIT that crosses its threshold, on the thread that
 * commits: with `synchronous=full`, tens of megabytes copied and fsynced while the runtime's
 * event loop waits, a stall every few thousand alerts. A passive checkpoint on a second
 * connection runs beside the writer and never takes its lock, so by the time the automatic one
 * fires, nearly every frame is already in the database and it only has the last few to copy.
 * (The automatic one still has to run: a passive checkpoint racing a busy writer never sees the
 * log complete, and only a complete log lets the next writer start it again from the top.)
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  file: string;
  /** How often the worker checkpoints. */
  intervalMs: number;
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

export class Checkpointer {
  private readonly worker: Worker;
  private readonly listeners = new Set<(report: CheckpointReport) => void>();
  private stopped: Promise<number> | undefined;

  constructor(options: CheckpointerOptions) {
    const { onError, ...workerData } = options;
    this.worker = new Worker(path.join(__dirname, 'sqlite-checkpoint-worker.js'), { workerData });
    // A stopping runtime must not wait for the checkpoint timer.
    this.worker.unref();
    this.worker.on('message', (message: CheckpointReport | { type: 'error'; message: string }) => {
      if (message.type === 'error') onError(message.message);
      else for (const listener of this.listeners) listener(message);
    });
    this.worker.on('error', (err) => onError(`the checkpoint worker stopped: ${err.message}`));
  }

  onCheckpoint(listener: (report: CheckpointReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): Promise<number> {
    this.stopped ??= this.worker.terminate();
    return this.stopped;
  }
}
