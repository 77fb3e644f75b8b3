/**
 * impetus-social-replay: plays a JSON-lines or CSV file of posts at a speed factor (60: an hour
 * of posts in a minute; 0: as fast as the flow takes them), for exercises and tests. Any input
 * message starts a replay (msg.file and msg.speed override the node's); `msg.payload = "stop"`
 * stops it. The starting message fails at the end, naming the lines that were not posts.
 *
 * Output: batches of posts, msg.payload = [post, …] (for impetus-social-analyse).
 */
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import type { Post } from './project';
import { replayFile } from './replay';

interface ReplayNodeDef extends NodeDef {
  file?: string;
  format?: 'auto' | 'jsonl' | 'csv';
  speed?: string | number;
}

/** Posts sent in one message at most. */
const BATCH = 500;

export = function (RED: NodeAPI): void {
  function SocialReplayNode(this: Node, config: ReplayNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-social-replay', __dirname);
    let run = 0;
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, ms);
      });
    const stop = () => {
      run++;
      clearTimeout(timer);
      wake?.();
    };

    // A playback may last hours: the close stops it first, since handleInput's close waits for
    // the messages in progress (and calls its own onClose only after they end).
    node.on('close', stop);
    handleInput(
      node,
      status,
      async (msg, send) => {
        const m = msg as typeof msg & { file?: unknown; speed?: unknown };
        if (m.payload === 'stop') {
          stop();
          status.ok(t('status.stopped'));
          return;
        }
        stop();
        const mine = run;
        const name = typeof m.file === 'string' && m.file ? m.file : (config.file ?? '').trim();
        if (!name) throw new Error(t('errors.noFile'));
        const file = userOrShippedFile(name, RED.settings.userDir as string | undefined);
        const speed = Number(m.speed ?? config.speed ?? 60);
        if (!Number.isFinite(speed) || speed < 0) throw new Error(t('errors.speed', { speed: String(m.speed ?? config.speed) }));
        const errors: string[] = [];
        let batch: Post[] = [];
        let sent = 0;
        let first: number | undefined;
        const started = Date.now();
        const flush = () => {
          if (!batch.length) return;
          send({ ...msg, topic: name, payload: batch });
          sent += batch.length;
          batch = [];
          status.okLazy(() => t('status.playing', { sent, file: path.basename(file) }));
        };
        for await (const item of replayFile(file, config.format ?? 'auto', Date.now)) {
          if (run !== mine) return;
          if ('error' in item) {
            errors.push(item.error);
            continue;
          }
          if (speed > 0) {
            first ??= item.post.ts;
            const due = started + (item.post.ts - first) / speed;
            if (due > Date.now() + 5) {
              flush();
              await sleep(due - Date.now());
              if (run !== mine) return;
            }
          }
          batch.push(item.post);
          if (batch.length >= BATCH) flush();
        }
        flush();
        if (errors.length) throw new Error(t('errors.lines', { count: errors.length, sent, detail: errors.slice(0, 3).join('; ') }));
        status.ok(t('status.done', { sent, file: path.basename(file) }));
      },
    );
  }
  RED.nodes.registerType('impetus-social-replay', SocialReplayNode);
};
