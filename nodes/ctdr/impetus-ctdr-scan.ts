/**
 * impetus-ctdr-scan: on each input, reads a Nessus v2 (`.nessus`) or OpenVAS/Greenbone XML report
 * as a stream and sends its findings in batches, for impetus-ctdr. The report is never held whole.
 */
import * as fs from 'node:fs';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import { readScanReport } from './scan';
import type { Finding } from './scan';

interface ScanNodeDef extends NodeDef {
  /** A report file (relative to the user directory; else one shipped in examples/); msg.filename overrides it. */
  file?: string;
  batchSize?: number | string;
  /** Largest report read, in MB. */
  maxMb?: number | string;
}

export = function (RED: NodeAPI): void {
  function CtdrScanNode(this: Node, config: ScanNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-ctdr-scan', __dirname);
    const batchSize = Number(config.batchSize || 500);
    const maxBytes = Number(config.maxMb || 4096) * 1024 * 1024;
    const userDir = (RED.settings as { userDir?: string }).userDir;
    let reading = false;

    handleInput(node, status, async (msg, send) => {
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new Error(t('errors.batchSize'));
      if (!(maxBytes > 0)) throw new Error(t('errors.maxMb'));
      if (reading) throw new Error(t('errors.busy'));
      const m = msg as typeof msg & { filename?: unknown };
      const name = typeof m.filename === 'string' && m.filename ? m.filename : config.file;
      const inline = !name && (typeof msg.payload === 'string' || Buffer.isBuffer(msg.payload)) ? msg.payload : undefined;
      if (!name && inline === undefined) throw new Error(t('errors.noFile'));
      const file = name ? userOrShippedFile(name, userDir) : undefined;
      const source = name ?? 'msg.payload';
      const scan = `${source}@${Date.now()}`;
      reading = true;
      let batch: Finding[] = [];
      let n = 0;
      let sent = 0;
      const hosts = new Set<string>();
      const flush = async (): Promise<void> => {
        if (!batch.length) return;
        send({ ...msg, topic: 'ctdr-findings', scan: { id: scan, source, batch: sent++ }, payload: batch });
        batch = [];
        // Node-RED delivers on the next turn: waiting one keeps the batches from piling up.
        await new Promise((r) => setImmediate(r));
      };
      async function* paced(src: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<Buffer | string> {
        for await (const chunk of src) {
          yield chunk;
          if (batch.length >= batchSize) await flush();
        }
      }
      try {
        status.ok(t('status.reading', { source }));
        const input = file ? fs.createReadStream(file, { highWaterMark: 256 * 1024 }) : [inline as string | Buffer];
        await readScanReport(paced(input), (f) => {
          n++;
          if (f.host.ip) hosts.add(f.host.ip);
          batch.push(f);
        }, { maxBytes });
        await flush();
        send({ ...msg, topic: 'ctdr-findings', scan: { id: scan, source, batch: sent, complete: true, findings: n, hosts: hosts.size }, payload: [] });
        status.ok(t('status.done', { findings: n, hosts: hosts.size }));
      } catch (err) {
        await flush(); // what was read before the error is kept: the message still fails, naming it
        throw new Error(t('errors.read', { source, findings: n, detail: (err as Error).message }));
      } finally {
        reading = false;
      }
    });
  }
  RED.nodes.registerType('impetus-ctdr-scan', CtdrScanNode);
};
