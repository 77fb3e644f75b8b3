import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Consumer, EachBatchPayload, IncomingMessage } from '../platform';
import { platformFor } from '../platform';
import { asError, StatusReporter } from '../platform/node-kit';
import { CompletionTracker } from './completion';
import type { KafkaBrokerNode } from './broker-config';
import { PartitionOffsets } from './offsets';
import { decode, decodeHeaders, isPermanent } from './records';

interface InDef extends NodeDef {
  broker: string;
  topics: string;
  groupId: string;
  fromBeginning?: boolean;
  decode?: 'json' | 'string' | 'buffer';
  schema?: string;
  maxInFlight?: number | string;
  retries?: number | string;
}

interface HookRegistry {
  add(name: string, hook: (event: { msg?: { _msgid?: string }; error?: unknown }) => void): void;
  remove(name: string): void;
}

function runtimeHooks(): HookRegistry {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@node-red/util') as { hooks: HookRegistry }).hooks;
}

const COMMIT_EVERY_MS = 100;
const MAX_BACKOFF_MS = 30_000;
/** A start that fails this many times in a row is logged (the status shows every failure). */
const START_FAILURES_LOGGED = 3;

export = function (RED: NodeAPI): void {
  // RED.hooks is the runtime's hook registry; test harnesses that build their own RED lack it,
  // and then the registry module the runtime itself uses is the same object.
  const hooks: HookRegistry = (RED as unknown as { hooks?: HookRegistry }).hooks ?? runtimeHooks();

  function KafkaIn(this: Node, def: InDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const broker = RED.nodes.getNode(def.broker) as KafkaBrokerNode | null;
    const tracker = new CompletionTracker();
    const partitions = new Map<string, PartitionOffsets>();
    const toCommit = new Map<string, { topic: string; partition: number; offset: string }>();
    const retryTimers = new Set<NodeJS.Timeout>();
    let consumer: Consumer | undefined;
    let commitTimer: NodeJS.Timeout | undefined;
    let committing: Promise<void> = Promise.resolve();
    let closing = false;
    let received = 0;
    let committed = 0;
    const maxInFlight = Math.max(1, Number(def.maxInFlight) || 1000);
    const retries = def.retries === undefined || def.retries === '' ? 10 : Math.max(0, Number(def.retries));
    const topics = String(def.topics ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    const hookName = `impetusKafkaIn${node.id.replace(/[^A-Za-z0-9]/g, '')}`;
    const wired = () => ((node as unknown as { wires?: string[][] }).wires ?? []).some((port) => port.length > 0);
    // Kept as a counter: it is read for every record.
    let inFlightCount = 0;
    const inFlight = () => inFlightCount;

    // At most one status text per 250 ms: formatting it for every record would cost more than the record.
    let stateTimer: NodeJS.Timeout | undefined;
    const showState = () => {
      if (closing || stateTimer) return;
      stateTimer = setTimeout(() => {
        stateTimer = undefined;
        if (!closing) status.ok(RED._('impetus-kafka-in.status.running', { received, inFlight: inFlightCount, committed }));
      }, 250);
    };

    const flushCommits = () => {
      commitTimer = undefined;
      if (!consumer || toCommit.size === 0) return;
      const offsets = [...toCommit.values()];
      toCommit.clear();
      const c = consumer;
      committing = committing.then(() =>
        c.commitOffsets(offsets).then(
          () => {
            committed += offsets.length;
          },
          (err) => {
            // Not lost: the messages are simply delivered again after a restart or rebalance.
            node.warn(`${RED._('impetus-kafka-in.errors.commitFailed')}: ${asError(err).message}`);
          },
        ),
      );
    };

    const finished = (topic: string, partition: number, offset: string) => {
      inFlightCount = Math.max(0, inFlightCount - 1);
      const key = `${topic}/${partition}`;
      const next = partitions.get(key)?.finish(offset);
      if (next !== undefined) {
        toCommit.set(key, { topic, partition, offset: next });
        commitTimer ??= setTimeout(flushCommits, COMMIT_EVERY_MS);
      }
      showState();
    };

    const emit = (topic: string, partition: number, message: IncomingMessage, attempt: number) => {
      let payload: unknown;
      try {
        payload = decode(message.value, def.decode ?? 'json');
        if (def.schema) platformFor(RED).validators.assert(def.schema, payload);
      } catch (err) {
        // A record that cannot be decoded or validated never will be: report it (Catch nodes
        // see it) and move past it rather than block the partition.
        const error = asError(err);
        status.error(error.message);
        // The detail is outside the translated text so that it survives any catalog.
        node.error(`${RED._('impetus-kafka-in.errors.badRecord')} ${topic}/${partition}@${message.offset}: ${error.message}`, {
          payload: message.value?.toString('utf8'), topic, partition, offset: message.offset,
        } as never);
        finished(topic, partition, message.offset);
        return;
      }
      const msgid = RED.util.generateId();
      const msg = {
        _msgid: msgid,
        payload,
        topic,
        key: message.key?.toString('utf8') ?? null,
        partition,
        offset: message.offset,
        timestamp: Number(message.timestamp),
        headers: decodeHeaders(message.headers),
        _kafka: { topic, partition, offset: message.offset, attempt },
      };
      tracker.track(msgid, ({ error }) => {
        if (!error || isPermanent(error) || (retries > 0 && attempt >= retries)) {
          if (error && !isPermanent(error)) node.warn(`${RED._('impetus-kafka-in.errors.gaveUp', { attempts: attempt + 1 })} ${topic}/${partition}@${message.offset}: ${error.message}`);
          finished(topic, partition, message.offset);
          return;
        }
        if (closing) return;
        // Transient failure downstream (store or broker outage): deliver the same record again
        // later; its offset stays uncommitted meanwhile.
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
        status.warn(RED._('impetus-kafka-in.status.retrying', { offset: message.offset, delay: Math.round(delay / 1000) }));
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          if (!closing) emit(topic, partition, message, attempt + 1);
        }, delay);
        retryTimers.add(timer);
      });
      received += attempt === 0 ? 1 : 0;
      node.send(msg as unknown as NodeMessageInFlow);
      if (!wired()) tracker.settleNow(msgid);
    };

    const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      const key = `${batch.topic}/${batch.partition}`;
      let offsets = partitions.get(key);
      if (!offsets) partitions.set(key, (offsets = new PartitionOffsets()));
      for (const message of batch.messages) {
        // Back-pressure: at most maxInFlight records in the flow at once.
        while (inFlight() >= maxInFlight && isRunning() && !isStale() && !closing) {
          await new Promise((r) => setTimeout(r, 5));
          await heartbeat().catch(() => undefined);
        }
        if (!isRunning() || isStale() || closing) return;
        offsets.start(message.offset);
        inFlightCount += 1;
        emit(batch.topic, batch.partition, message, 0);
        resolveOffset(message.offset);
      }
      await heartbeat().catch(() => undefined);
    };

    const start = async () => {
      if (!broker) throw new Error(RED._('impetus-kafka-in.errors.noBroker'));
      if (topics.length === 0) throw new Error(RED._('impetus-kafka-in.errors.noTopic'));
      if (!def.groupId) throw new Error(RED._('impetus-kafka-in.errors.noGroup'));
      if (def.schema && !platformFor(RED).validators.has(def.schema)) throw new Error(RED._('impetus-kafka-in.errors.noSchema', { schema: def.schema }));
      // Exactly one parameter each: Node-RED runs a hook of any other arity as callback-style
      // asynchronous, and a callback never called would halt every message.
      hooks.add(`preDeliver.${hookName}`, (event) => tracker.routedTo(event.msg));
      hooks.add(`onReceive.${hookName}`, (event) => tracker.received(event.msg));
      hooks.add(`onComplete.${hookName}`, (event) => tracker.completed(event.msg, event.error));
      const c = broker.client().consumer({ groupId: def.groupId, sessionTimeout: 30000, heartbeatInterval: 3000, allowAutoTopicCreation: true });
      consumer = c;
      c.on(c.events.GROUP_JOIN, () => {
        // After a rebalance the group's committed offsets are the truth; what was in flight
        // is delivered again, so the bookkeeping starts afresh.
        partitions.clear();
        toCommit.clear();
        inFlightCount = 0;
        showState();
      });
      c.on(c.events.CRASH, (event) => {
        const error = (event.payload as { error?: Error }).error;
        status.error(RED._('impetus-kafka-in.status.down', { error: error?.message ?? 'crash' }));
      });
      await c.connect();
      await c.subscribe({ topics, fromBeginning: def.fromBeginning === true });
      await c.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
      status.set({ fill: 'grey', shape: 'ring', text: RED._('impetus-kafka-in.status.joining') });
    };

    // A broker not up yet, or a topic the broker creates on first use, fails the start: it is
    // tried again with back-off (1 s doubling to 30 s), the status saying why, and logged once it
    // has failed three times in a row (a topic created on the first try does not log at all).
    // A configuration error is not retried.
    let startFailures = 0;
    let startTimer: NodeJS.Timeout | undefined;
    const tryStart = () => {
      startTimer = undefined;
      start().then(() => { startFailures = 0; }, async (err) => {
        const error = asError(err);
        status.error(error.message);
        hooks.remove(`*.${hookName}`);
        const c = consumer;
        consumer = undefined;
        await c?.disconnect().catch(() => undefined);
        const configured = Boolean(broker && topics.length > 0 && def.groupId && (!def.schema || platformFor(RED).validators.has(def.schema)));
        if (++startFailures === START_FAILURES_LOGGED || !configured) node.error(`${RED._('impetus-kafka-in.errors.startFailed')}: ${error.message}`);
        if (closing || !configured) return;
        startTimer = setTimeout(tryStart, Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (startFailures - 1)));
      });
    };
    tryStart();

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (stateTimer) clearTimeout(stateTimer);
      if (startTimer) clearTimeout(startTimer);
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      hooks.remove(`*.${hookName}`);
      const c = consumer;
      consumer = undefined;
      (async () => {
        // Commit what has finished, then leave the group; unfinished records are re-delivered later.
        if (commitTimer) clearTimeout(commitTimer);
        if (c && toCommit.size) {
          const offsets = [...toCommit.values()];
          toCommit.clear();
          await committing;
          await c.commitOffsets(offsets).catch(() => undefined);
        }
        await committing;
        await c?.disconnect();
      })()
        .catch(() => undefined)
        .finally(() => {
          tracker.clear();
          status.close();
          done();
        });
    });
  }
  RED.nodes.registerType('impetus-kafka-in', KafkaIn);
};
