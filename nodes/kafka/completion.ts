/**
 * Knows when a flow has finished with a message, so kafka-in commits its offset only then.
 *
 * Node-RED 4 has no "the flow is done with this message" event, but it has message hooks:
 * `onReceive` fires as a node is handed a message and `onComplete` as a node calls done().
 * Every copy of a message keeps its `_msgid`, so counting receptions minus completions per
 * `_msgid` gives the work still outstanding; when it returns to zero after the first
 * reception, every node the message (or a copy) reached has called done(). An error passed
 * to any of those done() calls marks the message failed.
 *
 * Limits (docs/kafka.md): a node that sends a message on after calling done() for it, or
 * holds it without ever calling done(), breaks the count; the first makes the commit early
 * (at-least-once becomes at-most-once for that node), the second holds the offset back
 * (visible in the node status as messages in flight).
 */
export interface Settled {
  error?: Error;
}

interface Tracked {
  pending: number;
  started: boolean;
  error?: Error;
  settle(result: Settled): void;
}

export class CompletionTracker {
  private readonly tracked = new Map<string, Tracked>();

  get size(): number {
    return this.tracked.size;
  }

  /** Starts tracking a message that is about to be sent. */
  track(msgid: string, settle: (result: Settled) => void): void {
    this.tracked.set(msgid, { pending: 0, started: false, settle });
  }

  /** For a message sent to no node at all. */
  settleNow(msgid: string): void {
    const t = this.tracked.get(msgid);
    if (!t) return;
    this.tracked.delete(msgid);
    t.settle({});
  }

  received(msgid: string | undefined): void {
    if (msgid === undefined) return;
    const t = this.tracked.get(msgid);
    if (!t) return;
    t.pending += 1;
    t.started = true;
  }

  completed(msgid: string | undefined, error: unknown): void {
    if (msgid === undefined) return;
    const t = this.tracked.get(msgid);
    if (!t) return;
    if (error) t.error ??= error instanceof Error ? error : new Error(String(error));
    t.pending -= 1;
    if (t.started && t.pending <= 0) {
      this.tracked.delete(msgid);
      // After the hook returns, so that the completing node finishes before the commit.
      setImmediate(() => t.settle({ error: t.error }));
    }
  }

  /** Forgets everything (node closing); nothing is settled, so nothing is committed. */
  clear(): void {
    this.tracked.clear();
  }
}
