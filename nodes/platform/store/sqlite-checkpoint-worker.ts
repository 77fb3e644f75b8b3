/** The worker side of sqlite-checkpointer.ts: its own connection, a timer, passive checkpoints. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerOptions } from './sqlite-checkpointer';

const options = workerData as Omit<CheckpointerOptions, 'onError'>;
const db = new Database(options.file, { timeout: options.busyTimeoutMs });
const checkpoint = db.prepare<[], { busy: number; log: number; checkpointed: number }>('PRAGMA wal_checkpoint(PASSIVE)');
let copied = -1;

setInterval(() => {
  try {
    const { log, checkpointed } = checkpoint.get()!;
    // An idle log answers with the same figures every time: report only what moved.
    if (checkpointed === copied) return;
    copied = checkpointed;
    if (checkpointed > 0) parentPort!.postMessage({ type: 'checkpointed', log, checkpointed });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: `checkpoint of ${options.file} failed: ${(err as Error).message}` });
  }
}, options.intervalMs);
