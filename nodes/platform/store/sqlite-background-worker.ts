/** The worker side of sqlite-background.ts: its own connection, passive checkpoints, named reads. */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { BackgroundEvent, BackgroundOptions, BackgroundRead } from './sqlite-background';
import { emit, serve } from '../worker-rpc';
import { OPEN_COUNTS_SQL } from './sqlite-queries';

const options = workerData as Omit<BackgroundOptions, 'onError'>;
const db = new Database(options.file, { timeout: options.busyTimeoutMs });
const checkpoint = db.prepare<[], { busy: number; log: number; checkpointed: number }>('PRAGMA wal_checkpoint(PASSIVE)');
const reads: Record<BackgroundRead, Database.Statement> = { openCounts: db.prepare(OPEN_COUNTS_SQL) };
let copied = -1;

setInterval(() => {
  try {
    const { log, checkpointed } = checkpoint.get()!;
    // An idle log answers with the same figures every time: report only what moved.
    if (checkpointed === copied) return;
    copied = checkpointed;
    if (checkpointed > 0) emit<BackgroundEvent>({ type: 'checkpointed', log, checkpointed });
  } catch (err) {
    emit<BackgroundEvent>({ type: 'error', message: `checkpoint of ${options.file} failed: ${(err as Error).message}` });
  }
}, options.checkpointIntervalMs);

serve<BackgroundRead>((name) => ({ value: reads[name].all() }));
