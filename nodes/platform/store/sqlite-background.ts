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
import { RestartingRpc, WorkerRpc } from '../worker-rpc';

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

/** What the worker raises on its own, between reads. */
export type BackgroundEvent = CheckpointReport | { type: 'error'; message: string };

export class BackgroundConnection {
  private readonly rpc: RestartingRpc<BackgroundRead, BackgroundEvent>;
  private readonly listeners = new Set<(report: CheckpointReport) => void>();

  constructor(options: BackgroundOptions) {
    const { onError, ...workerData } = options;
    const name = "the store's background thread";
    const spawn = () =>
      new WorkerRpc<BackgroundRead, BackgroundEvent>(path.join(__dirname, 'sqlite-background-worker.js'), name, {
        workerData,
        onEvent: (event) => {
          if (event.type === 'error') onError(event.message);
          else for (const listener of this.listeners) listener(event);
        },
        onFailure: (err) => onError(err.message),
      });
    // A thread that stopped is started again by the next read (the console's counts), and its
    // checkpoints with it; until then SQLite's own automatic checkpoint keeps the log bounded.
    this.rpc = new RestartingRpc(name, async () => spawn(), spawn());
  }

  onCheckpoint(listener: (report: CheckpointReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read<T>(name: BackgroundRead): Promise<T[]> {
    return this.rpc.call<T[]>(name);
  }

  stop(): Promise<void> {
    return this.rpc.close();
  }
}
