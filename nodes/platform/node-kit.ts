import type { Node, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { checkValue, currentMessageLimits, defuseMessage, describeThrown } from './limits';

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;

const STATUS_INTERVAL_MS = 250;
const MAX_STATUS_TEXT = 40;

/**
 * Throttled node status: at most one editor update per 250 ms per node, and the last one
 * always lands. A flow handling thousands of messages per second would otherwise flood the
 * editor's comms channel.
 */
function clip(status: NodeStatus | (() => NodeStatus)): NodeStatus {
  const value = typeof status === 'function' ? status() : status;
  const text = value.text === undefined ? undefined : String(value.text);
  return text && text.length > MAX_STATUS_TEXT ? { ...value, text: `${text.slice(0, MAX_STATUS_TEXT - 1)}…` } : value;
}

export class StatusReporter {
  private last = 0;
  private pending: NodeStatus | (() => NodeStatus) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly node: Node) {}

  /**
   * A function is called only when the update is actually shown, so a node handling thousands
   * of messages a second formats (and translates) its status text a few times a second at most.
   */
  set(status: NodeStatus | (() => NodeStatus)): void {
    const now = Date.now();
    if (now - this.last >= STATUS_INTERVAL_MS && !this.timer) {
      this.last = now;
      this.node.status(clip(status));
      return;
    }
    this.pending = status;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.last = Date.now();
      if (this.pending) this.node.status(clip(this.pending));
      this.pending = undefined;
    }, STATUS_INTERVAL_MS - (now - this.last));
  }

  okLazy(text: () => string): void {
    this.set(() => ({ fill: 'green', shape: 'dot', text: text() }));
  }

  warnLazy(text: () => string): void {
    this.set(() => ({ fill: 'yellow', shape: 'ring', text: text() }));
  }

  ok(text: string): void {
    this.set({ fill: 'green', shape: 'dot', text });
  }

  warn(text: string): void {
    this.set({ fill: 'yellow', shape: 'ring', text });
  }

  /** Errors show at once: an operator must see them even inside a burst. */
  error(text: string): void {
    this.flush();
    this.last = Date.now();
    this.node.status({ fill: 'red', shape: 'ring', text: text.length > MAX_STATUS_TEXT ? `${text.slice(0, MAX_STATUS_TEXT - 1)}…` : text });
  }

  clear(): void {
    this.flush();
    this.node.status({});
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  close(): void {
    this.flush();
  }
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(describeThrown(err));
}

/** The input-handler failure path: red status, then `done(err)` so Catch nodes see it. */
export function fail(status: StatusReporter, done: Done, err: unknown): void {
  const error = asError(err);
  status.error(describeThrown(error));
  done(error);
}

/**
 * `done` that cannot throw. On failure Node-RED clones the message for each Catch node (and on
 * success for each Complete node); a message too deep or with a throwing getter would make that
 * clone throw, which inside a promise ends the runtime. So the parts of a failed message that
 * break the limits are replaced by a note first, and whatever still throws is logged.
 */
function guardDone(node: Node, msg: object, done: Done): Done {
  return (err?: Error) => {
    try {
      if (err && !defuseMessage(msg)) {
        // Nothing safe to hand a Catch node: the failure goes to the log and the message ends here.
        node.error(describeThrown(err));
        done();
        return;
      }
      done(err);
    } catch (thrown) {
      node.error(`${err ? `${describeThrown(err)}; ` : ''}the message could not be passed on: ${describeThrown(thrown)}`);
    }
  };
}

/**
 * `node.on('input')` for every IMPETUS node: the message is measured against the depth and size
 * limits (impetus.limits.message) before the listener sees it, a message that breaks them fails
 * with a clear error, and `done` never throws (see guardDone). A listener that throws fails the
 * message the same way.
 */
export function onInput(node: Node, status: StatusReporter, listener: (msg: NodeMessageInFlow, send: Send, done: Done) => void): void {
  node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
    const safeDone = guardDone(node, msg, done);
    const breach = checkValue(msg, currentMessageLimits(), true);
    if (breach) {
      fail(status, safeDone, new InputLimitError(`message refused: ${breach.key === undefined ? 'it' : `msg.${breach.key}`} ${breach.reason}`));
      return;
    }
    try {
      listener(msg, send, safeDone);
    } catch (err) {
      fail(status, safeDone, err);
    }
  });
}

/** A message over the limits; `code` lets a Catch node's flow tell it from other failures. */
export class InputLimitError extends RangeError {
  readonly code = 'IMPETUS_LIMIT';
}

/** For what a node parses itself (JSON text, a Kafka record): throws InputLimitError naming `what`. */
export function checkParsed(value: unknown, what: string): void {
  const breach = checkValue(value, currentMessageLimits());
  if (breach) throw new InputLimitError(`${what} ${breach.reason}`);
}

/**
 * A node whose configuration cannot work: red status, the error in the log, and every message
 * it gets fails with that error, so Catch nodes see why nothing comes out.
 */
export function refuseInput(node: Node, status: StatusReporter, err: unknown): void {
  const error = asError(err);
  status.error(error.message);
  node.error(error.message);
  onInput(node, status, (_m, _s, done) => done(error));
}

/**
 * The Node-RED 1.0 input contract for an async handler: `done()` after success, red status and
 * `done(err)` on failure, and a `close` that waits for work in flight so that nothing already
 * accepted is dropped on redeploy. `onClose` runs after that work; a promise it returns (a last
 * save of learnt state) holds the close until it resolves.
 */
export function handleInput(
  node: Node,
  status: StatusReporter,
  handler: (msg: NodeMessageInFlow, send: Send) => Promise<void>,
  onClose?: () => void | Promise<void>,
): void {
  const pending = new Set<Promise<void>>();
  onInput(node, status, (msg, send, done) => {
    const work: Promise<void> = handler(msg, send)
      .then(
        () => done(),
        (err) => fail(status, done, err),
      )
      .finally(() => pending.delete(work));
    pending.add(work);
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    Promise.allSettled([...pending]).then(async () => {
      const closing = onClose?.();
      status.close();
      await closing;
      done();
    });
  });
}

// What nodes share that does not start the platform, so worker threads and CLIs may import it too.
export { PACKAGE_ROOT, SCHEMA_DIR, userOrShippedFile } from './paths';
export { serve, emit, WorkerRpc, RestartingRpc } from './worker-rpc';
export type { Reply, RpcOptions, RestartOptions } from './worker-rpc';
export { translator } from './i18n';
export { checkValue, DEFAULT_MESSAGE_LIMITS, DEFAULT_ALERT_DATA_LIMITS } from './limits';
export type { ValueLimits, LimitBreach } from './limits';
export type { Translate } from './i18n';
// TLP 2.0 markings, for nodes that read or set them (a draft's `tlp`) without starting the platform.
export { TLPS, isTlp, tlpRank, stricterTlp, tlpLabel } from './model/tlp';
export type { Tlp } from './model/tlp';
