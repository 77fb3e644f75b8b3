/** The worker side of sqlite-background.ts: its own connection, passive checkpoints, named reads. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { BackgroundOptions, BackgroundRead, WorkerMessage } from './sqlite-background';
import { OPEN_COUNTS_SQL } from './sqlite-queries';

const options = workerData as Omit<BackgroundOptions, 'onError'>;
const db = new Database(options.file, { timeout: options.busyTimeoutMs });
const checkpoint = db.prepare<[], { busy: number; log: number; checkpointed: number }>('PRAGMA wal_checkpoint(PASSIVE)');
const reads: Record<BackgroundRead, Database.Statement> = { openCounts: db.prepare(OPEN_COUNTS_SQL) };
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
let copied = -1;

setInterval(() => {
  try {
    const { log, checkpointed } = checkpoint.get()!;
    // An idle log answers with the same figures every time: report only what moved.
    if (checkpointed === copied) return;
    copied = checkpointed;
    if (checkpointed > 0) post({ type: 'checkpointed', log, checkpointed });
  } catch (err) {
    post({ type: 'error', message: `checkpoint of ${options.file} failed: ${(err as Error).message}` });
  }
}, options.checkpointIntervalMs);

parentPort!.on('message', (message: { type: 'read'; id: number; name: BackgroundRead }) => {
  try {
    post({ type: 'result', id: message.id, rows: reads[message.name].all() });
  } catch (err) {
    post({ type: 'result', id: message.id, error: (err as Error).message });
  }
});
