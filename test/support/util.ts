/** Small helpers every kind of test uses: temporary folders, waiting for a condition. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function tempDir(prefix = 'impetus-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `predicate` holds; the limit is only a readiness bound, never an assertion on speed. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, limitMs = 10_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
