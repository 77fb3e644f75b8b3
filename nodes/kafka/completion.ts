/**
 * Knows when a flow has finished with a message, so kafka-in commits its offset only then.
 *
 * Node-RED 4 has no "the flow is done with this message" event, but it has message hooks:
 * `preDeliver` fires as a node's send() routes a message to the next node, `onReceive` as a node
 * is handed a message and `onComplete` as a node calls done(). Every copy of a message keeps its
 * `_msgid`, so counting the nodes a message was routed to or handed to, minus the done() calls,
 * per `_msgid`, gives the work still outstanding; when it returns to zero, every node the message
 * (or a copy) reached has called done(). An error passed to any of those done() calls marks the
 * message failed.
 *
 * A delivery is counted when it is routed, not when it arrives: Node-RED hands a message to the
 * next node on a later tick, after the sending node has usually called done() already, and
 * counting arrivals alone would see the count touch zero in between and commit while the next
 * nodes have not even started. Deliveries that bypass routing (a link node calls receive()
 * directly) are counted when they arrive.
 *
 * Limits (docs/kafka.md): a node that sends a message on after calling done() for it, or
 * holds it without ever calling done(), breaks the count; the first makes the commit early
 * (at-least-once becomes at-most-once for that node), the second holds the offset back
 * (visible in the node status as messages in flight). So does a preDeliver hook of another
 * module that cancels a delivery.
 */
export interface Settled {
  error?: Error;
}

interface Tracked {
  pending: number;
  error?: Error;
  settle(result: Settled): void;
}

type Message = { _msgid?: string } | undefined;

export class CompletionTracker {
  private readonly tracked = new Map<string, Tracked>();
  /** Message objects routed to a node that has not been handed them yet, with how many times. */
  private readonly routed = new WeakMap<object, number>();

  get size(): number {
    return this.tracked.size;
  }

  /** Starts tracking a message that is about to be sent. */
  track(msgid: string, settle: (result: Settled) => void): void {
    this.tracked.set(msgid, { pending: 0, settle });
  }

  /** For a message sent to no node at all. */
  settleNow(msgid: string): void {
    const t = this.tracked.get(msgid);
    if (!t) return;
    this.tracked.delete(msgid);
    t.settle({});
  }

  /** A send() routed the message to a node (preDeliver). */
  routedTo(msg: Message): void {
    const t = msg?._msgid === undefined ? undefined : this.tracked.get(msg._msgid);
    if (!t) return;
    t.pending += 1;
    this.routed.set(msg!, (this.routed.get(msg!) ?? 0) + 1);
  }

  /** A node was handed the message (onReceive). */
  received(msg: Message): void {
    const t = msg?._msgid === undefined ? undefined : this.tracked.get(msg._msgid);
    if (!t) return;
    const routed = this.routed.get(msg!);
    if (routed === undefined) t.pending += 1;
    else if (routed > 1) this.routed.set(msg!, routed - 1);
    else this.routed.delete(msg!);
  }

  completed(msg: Message, error: unknown): void {
    const t = msg?._msgid === undefined ? undefined : this.tracked.get(msg._msgid);
    if (!t) return;
    if (error) t.error ??= error instanceof Error ? error : new Error(String(error));
    t.pending -= 1;
    if (t.pending <= 0) {
      this.tracked.delete(msg!._msgid!);
      // After the hook returns, so that the completing node finishes before the commit.
      setImmediate(() => t.settle({ error: t.error }));
    }
  }

  /** Forgets everything (node closing); nothing is settled, so nothing is committed. */
  clear(): void {
    this.tracked.clear();
  }
}
