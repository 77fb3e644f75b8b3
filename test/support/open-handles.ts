/**
 * Mocha runs without `--exit`: the suite must end on its own, as a runtime must after RED.stop().
 * If anything a test opened is still open when mocha is done, the process would hang; this
 * global teardown (loaded by .mocharc.json) waits a moment, then names what is still open and
 * fails the run rather than letting CI wait for its time limit. To find where a handle was made,
 * run the suspect file alone under why-is-node-running (see the README's contributing section).
 */
const GRACE_MS = 10_000;

export function mochaGlobalTeardown(): void {
  // Unref'd: it fires only if something else keeps the process alive.
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
    process.stderr.write(`\nmocha: the suite did not end on its own ${GRACE_MS / 1000} s after the last test; still open: ${open.join(', ') || '(nothing named)'}\n`);
    process.exit(1);
  }, GRACE_MS).unref();
}
