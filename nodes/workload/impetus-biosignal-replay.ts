import fs from 'node:fs';
import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, PACKAGE_ROOT, StatusReporter, translator } from '../platform/node-kit';
import { csvChunks, edfChunks } from './replay';
import { checkId } from './samples';

interface ReplayNodeDef extends NodeDef {
  file?: string;
  operator?: string;
  device?: string;
  speed?: number | string;
  rate?: number | string;
  loop?: boolean;
}

/** A path as given, else under the Node-RED user directory, else under the package (the shipped sample). */
function resolveFile(file: string, userDir: string | undefined): string {
  if (path.isAbsolute(file)) return file;
  for (const base of [userDir, PACKAGE_ROOT]) if (base && fs.existsSync(path.join(base, file))) return path.join(base, file);
  return path.resolve(file);
}

export = function (RED: NodeAPI): void {
  const t = translator(RED, 'impetus-biosignal-replay', __dirname);

  function ReplayNode(this: Node, config: ReplayNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    let stopped = false;
    let wake: (() => void) | undefined;
    const sleep = (ms: number) => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

    // Stop a replay in flight at once: handleInput's close waits for it to end.
    node.on('close', () => {
      stopped = true;
      wake?.();
    });

    // Any message starts a replay; msg.payload may name another file, msg.operator another operator.
    handleInput(node, status, async (msg, send) => {
      const m = msg as { payload?: unknown; operator?: unknown; device?: unknown };
      const file = typeof m.payload === 'string' && /\.(edf|csv)$/i.test(m.payload) ? m.payload : config.file || '';
      if (!file) throw new Error(t('errors.noFile'));
      const full = resolveFile(file, RED.settings.userDir as string | undefined);
      const target = {
        operator: checkId(m.operator ?? config.operator, 'the operator'),
        device: checkId(m.device ?? (config.device || 'replay'), 'the device id'),
        start: Date.now(),
      };
      const speed = Number(config.speed ?? 1);
      if (!(speed >= 0 && speed <= 1000)) throw new Error(t('errors.speed'));
      let sent = 0;
      let end = target.start;
      do {
        const chunks = /\.edf$/i.test(full) ? edfChunks(full, target) : csvChunks(full, target, config.rate ? Number(config.rate) : undefined);
        const began = Date.now();
        let first = NaN;
        for await (const chunk of chunks) {
          if (stopped) return;
          if (Number.isNaN(first)) first = chunk.t0;
          // Paced on the recording's own clock; speed 0 replays as fast as the flow takes it.
          if (speed > 0) {
            const due = began + (chunk.t0 - first) / speed - Date.now();
            if (due > 0) await sleep(due);
            if (stopped) return;
          }
          send({ topic: chunk.operator, payload: chunk });
          const c = chunk.channels[0];
          end = chunk.t0 + (c && c.rate ? (c.values.length * 1000) / c.rate : 1000);
          sent++;
          status.okLazy(() => t('status.playing', { file: path.basename(full), seconds: sent }));
        }
        // The next loop continues the clock, so the monitor sees one long recording, not a jump back.
        target.start = end;
      } while (config.loop && !stopped);
      status.ok(t('status.done', { file: path.basename(full), seconds: sent }));
    });
  }

  RED.nodes.registerType('impetus-biosignal-replay', ReplayNode);
};
