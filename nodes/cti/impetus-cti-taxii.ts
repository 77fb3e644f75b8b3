/**
 * impetus-cti-taxii: on each input (an inject on an interval schedules it), reads what a TAXII 2.1
 * collection added since the last read, page by page, and sends each page's indicators (the one
 * shape, for impetus-cti-match). The cursor (the last page's X-TAXII-Date-Added-Last) is saved
 * after each page, so a restart, or a read stopped half-way, goes on where it stopped.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, refuseInput, StatusReporter, translator } from '../platform/node-kit';
import { CursorFile } from './cursor-file';
import type { TaxiiServerNode } from './taxii';
import { parseTlp } from './indicator';
import { fromStixObjects } from './normalise';
import { oneReadAtATime } from './one-read';

interface TaxiiNodeDef extends NodeDef {
  server?: string;
  /** The collection's id or title. */
  collection?: string;
  pageSize?: number | string;
  defaultTlp?: string;
  feedName?: string;
}

interface TaxiiCursor {
  /** X-TAXII-Date-Added-Last of the last page handled. */
  addedAfter?: string;
  /** What the cursor belongs to: a cursor of another server or collection is not used. */
  of?: string;
}

export = function (RED: NodeAPI): void {
  function CtiTaxiiNode(this: Node, config: TaxiiNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-cti-taxii', __dirname);
    const server = RED.nodes.getNode(config.server ?? '') as TaxiiServerNode | null;
    const wanted = (config.collection ?? '').trim();
    const pageSize = Number(config.pageSize || 1000);
    const defaultTlp = parseTlp(config.defaultTlp || 'amber');
    if (!server || !server.url) return refuseInput(node, status, new Error(t('errors.noServer')));
    if (!wanted) return refuseInput(node, status, new Error(t('errors.noCollection')));
    if (!defaultTlp) return refuseInput(node, status, new Error(t('errors.tlp', { tlp: String(config.defaultTlp) })));
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) return refuseInput(node, status, new Error(t('errors.pageSize')));

    const of = `${server.url}|${server.apiRoot ?? ''}|${wanted}`;
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    const cursorFile = new CursorFile<TaxiiCursor>(userDir, node.id);
    const saved = cursorFile.load({}, (detail) => node.warn(t('errors.cursor', { file: cursorFile.file, detail })));
    let cursor: TaxiiCursor = saved.of === of ? saved : { of };
    let target: { apiRoot: string; id: string; title: string } | undefined;
    const gate = oneReadAtATime(t);
    // A read waits out back-offs and Retry-After: a close must not wait for them, it stops them.
    const stop = new AbortController();
    node.on('close', (_removed: boolean, done: () => void) => {
      stop.abort();
      done();
    });
    const client = server.client(stop.signal);

    handleInput(node, status, (msg, send) => gate(async () => {
      let objects = 0;
      let indicators = 0;
      let batch = 0;
      status.ok(t('status.reading'));
      if (!target) {
        const apiRoot = await client.apiRoot(server.url, server.apiRoot);
        const c = await client.collection(apiRoot, wanted);
        target = { apiRoot, id: c.id, title: c.title };
      }
      const source = config.feedName || `TAXII ${target.title}`;
      await client.readObjects(target.apiRoot, target.id, cursor.addedAfter, pageSize, async (page, reached) => {
        objects += page.objects.length;
        const n = fromStixObjects(page.objects, { source, defaultTlp });
        indicators += n.indicators.length;
        for (const e of n.errors.slice(0, 10)) node.warn(e);
        if (n.indicators.length) send({ ...msg, topic: source, batch: batch++, payload: n.indicators, taxii: { collection: target!.id, addedLast: page.addedLast } });
        // Saved once the page is handed on: a crash re-reads at most this page.
        cursor = { ...cursor, addedAfter: reached };
        cursorFile.save(cursor);
        // Node-RED delivers on the next turn: waiting one lets the matcher keep up.
        await new Promise((r) => setImmediate(r));
      });
      status.ok(t('status.done', { objects, indicators, since: cursor.addedAfter ?? '–' }));
    }));
  }
  RED.nodes.registerType('impetus-cti-taxii', CtiTaxiiNode);
};
