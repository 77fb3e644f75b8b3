/**
 * impetus-ctdr-eve: Suricata's EVE JSON as messages. Follows an eve.json file across rotations,
 * or listens on a TCP port for newline-delimited EVE records (Suricata's output forwarded by a
 * log shipper); for Kafka, impetus-kafka-in feeds impetus-ctdr directly. Alert and flow records
 * go out one a message (msg.payload is the record), or in arrays with a batch size above 1.
 */
import * as net from 'node:net';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import { MAX_EVE_LINE } from './eve';
import { LineTail } from './tail';

interface EveNodeDef extends NodeDef {
  mode?: 'file' | 'tcp';
  file?: string;
  fromStart?: boolean;
  pollMs?: number | string;
  port?: number | string;
  bind?: string;
  /** Event types passed on, comma-separated (alert, flow, or * for all). */
  types?: string;
  batch?: number | string;
}

export = function (RED: NodeAPI): void {
  function CtdrEveNode(this: Node, config: EveNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-ctdr-eve', __dirname);
    const types = new Set((config.types || 'alert,flow').split(',').map((s) => s.trim()).filter(Boolean));
    const batch = Number(config.batch || 1);
    let seen = 0;
    let bad = 0;

    const fail = (err: Error): void => {
      bad++;
      status.error(err.message);
      node.error(err.message, { payload: err.message });
    };
    /** Lines to records: a bad line is an error naming it; the others go on. */
    const emit = async (lines: string[]): Promise<void> => {
      const out: unknown[] = [];
      for (const line of lines) {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch (err) {
          fail(new Error(t('errors.line', { detail: (err as Error).message, line: line.slice(0, 80) })));
          continue;
        }
        if (!types.has('*') && !types.has(String(rec?.event_type))) continue;
        seen++;
        out.push(rec);
      }
      for (let i = 0; i < out.length; i += batch) {
        node.send({ topic: 'ctdr-eve', payload: batch > 1 ? out.slice(i, i + batch) : out[i] });
      }
      if (out.length) status.okLazy(() => t('status.seen', { seen, bad }));
      // Node-RED delivers on the next turn: one turn per read keeps a replayed file from flooding it.
      await new Promise((r) => setImmediate(r));
    };

    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
      status.error(t('errors.batch'));
      return;
    }
    if (config.mode === 'tcp') {
      const port = config.port === '' || config.port === undefined ? NaN : Number(config.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        status.error(t('errors.port'));
        return;
      }
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => {
        sockets.add(socket);
        let partial = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          if (partial.length > MAX_EVE_LINE) {
            fail(new Error(t('errors.long', { max: MAX_EVE_LINE })));
            socket.destroy();
            return;
          }
          socket.pause();
          void emit(lines.filter((l) => l.trim())).finally(() => socket.resume());
        });
        socket.on('error', (err) => node.warn(err.message));
        socket.on('close', () => sockets.delete(socket));
      });
      server.on('error', (err) => fail(err));
      server.listen(port, config.bind || '127.0.0.1', () => status.ok(t('status.listening', { port: (server.address() as net.AddressInfo).port })));
      node.on('close', (_removed: boolean, done: () => void) => {
        for (const s of sockets) s.destroy();
        status.close();
        server.close(() => done());
      });
      return;
    }
    if (!config.file) {
      status.error(t('errors.noFile'));
      return;
    }
    const file = userOrShippedFile(config.file, (RED.settings as { userDir?: string }).userDir);
    const tail = new LineTail(file, emit, fail, { pollMs: Number(config.pollMs || 500), fromStart: config.fromStart === true, maxLine: MAX_EVE_LINE });
    tail.start();
    status.ok(t('status.following', { file: config.file }));
    node.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      void tail.stop().then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('impetus-ctdr-eve', CtdrEveNode);
};
