/**
 * impetus-cti-feed: on each input (an inject on an interval schedules it), reads a STIX 2.1
 * bundle or a plain indicator list from a file or an HTTP(S) URL as a stream, and sends the
 * indicators in batches (msg.payload: indicators in the one shape), for impetus-cti-match.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { handleInput, refuseInput, StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import { CursorFile } from './cursor-file';
import { openFeed, readFeed, readMispFeed } from './feed';
import type { FeedFormat, MispCursor } from './feed';
import { parseTlp } from './indicator';
import { oneReadAtATime } from './one-read';

interface FeedNodeDef extends NodeDef {
  format?: FeedFormat;
  /** A file path (relative to the user directory; else a file the package ships in examples/) or an http(s) URL. */
  location?: string;
  defaultTlp?: string;
  batchSize?: number | string;
  feedName?: string;
}

export = function (RED: NodeAPI): void {
  function CtiFeedNode(this: Node, config: FeedNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-cti-feed', __dirname);
    const format: FeedFormat = config.format === 'list' || config.format === 'misp' ? config.format : 'stix';
    const batchSize = Number(config.batchSize || 1000);
    const defaultTlp = parseTlp(config.defaultTlp || (format === 'list' ? 'clear' : 'amber'));
    const raw = (config.location ?? '').trim();
    if (!raw) return refuseInput(node, status, new Error(t('errors.noLocation')));
    if (!defaultTlp) return refuseInput(node, status, new Error(t('errors.tlp', { tlp: String(config.defaultTlp) })));
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) return refuseInput(node, status, new Error(t('errors.batchSize')));
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    const location = /^https?:\/\//i.test(raw) ? raw : userOrShippedFile(raw, userDir);
    // A MISP feed's cursor (event uuid → timestamp read) lives in a file, so a restart does not read the feed again.
    const cursorFile = new CursorFile<MispCursor>(userDir, node.id);
    const cursor: MispCursor = format === 'misp' ? cursorFile.load({}, (detail) => node.warn(t('errors.cursor', { file: cursorFile.file, detail }))) : {};
    const saveCursor = (): void => cursorFile.save(cursor);
    const source = config.feedName || node.name || raw;
    const gate = oneReadAtATime(t);

    handleInput(node, status, (msg, send) => gate(async () => {
      let indicators = 0;
      let errors = 0;
      let batch = 0;
      status.ok(t('status.reading'));
      if (format === 'misp') {
        let read: Awaited<ReturnType<typeof readMispFeed>>;
        try {
          read = await readMispFeed(location, cursor, { source, defaultTlp }, async (n, uuid) => {
            indicators += n.indicators.length;
            send({ ...msg, topic: source, batch: batch++, event: uuid, payload: n.indicators });
            await new Promise((r) => setImmediate(r));
          });
        } finally {
          // Saved even when a 429 stops the read half-way: the events sent are not sent again.
          saveCursor();
        }
        const { events, errors: bad } = read;
        status.ok(t('status.misp', { events, indicators, errors: bad.length }));
        if (bad.length) throw new Error(t('errors.events', { count: bad.length, detail: bad.slice(0, 3).join('; ') }));
        return;
      }
      const body = await openFeed(location);
      const { objects } = await readFeed(body, format, { source, defaultTlp, batchSize }, async (n) => {
        indicators += n.indicators.length;
        errors += n.errors.length;
        for (const e of n.errors.slice(0, 10)) node.warn(e);
        if (n.indicators.length) send({ ...msg, topic: source, batch: batch++, payload: n.indicators });
        // Node-RED delivers on the next turn: waiting one lets the matcher keep up, so batches do not pile up.
        await new Promise((r) => setImmediate(r));
      });
      status.ok(t('status.done', { objects, indicators, errors }));
    }));
  }
  RED.nodes.registerType('impetus-cti-feed', CtiFeedNode);
};
