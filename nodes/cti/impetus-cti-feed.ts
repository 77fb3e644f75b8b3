/**
 * impetus-cti-feed: on each input (an inject on an interval schedules it), reads a STIX 2.1
 * bundle or a plain indicator list (a file or an HTTP(S) URL, as a stream), a MISP feed, or the
 * events of a MISP server's REST API, from where the last read stopped, and sends the indicators
 * in batches (msg.payload: indicators in the one shape), for impetus-cti-match.
 *
 * Every format keeps a cursor in `impetus-cti-cursors/<node id>.json`, so neither a restart nor a
 * read stopped half-way sends the same intelligence twice: a bundle's or list's version (ETag,
 * Last-Modified, or a file's time and size) and how far it was read; a MISP feed's events by
 * timestamp; a MISP search's last timestamp.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { handleInput, refuseInput, StatusReporter, translator, userOrShippedFile } from '../platform/node-kit';
import type { Translate } from '../platform/node-kit';
import { CursorFile } from './cursor-file';
import { AUTH_CREDENTIALS, authFrom, readFeedFrom, readMispFeed } from './feed';
import type { FeedAuth, FeedCursor, FeedFormat, MispCursor } from './feed';
import { parseTlp } from './indicator';
import type { Tlp } from './indicator';
import { mispSearchKey, parseMispFilters, readMispApi } from './misp-api';
import type { MispApiCursor } from './misp-api';
import type { Normalised } from './normalise';
import { oneReadAtATime } from './one-read';

type Format = FeedFormat | 'misp-api';
const FORMATS: readonly Format[] = ['stix', 'list', 'misp', 'misp-api'];

interface FeedNodeDef extends NodeDef {
  format?: Format;
  /** A file path (relative to the user directory; else a file the package ships in examples/) or an http(s) URL; MISP's base URL for `misp-api`. */
  location?: string;
  defaultTlp?: string;
  batchSize?: number | string;
  feedName?: string;
  /** `misp-api`: further restSearch filters as JSON. */
  filters?: string;
}

/** What one read needs besides its cursor. */
interface ReadContext {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessageInFlow) => void;
  status: StatusReporter;
  t: Translate;
  warn: (text: string) => void;
}

/** Hands a batch on and waits a turn: Node-RED delivers on the next one, so the matcher keeps up and batches do not pile up. */
async function handOn(ctx: ReadContext, topic: string, n: Normalised, extra: Record<string, unknown>): Promise<void> {
  ctx.send({ ...ctx.msg, topic, ...extra, payload: n.indicators });
  await new Promise((r) => setImmediate(r));
}

/**
 * A MISP read (a feed or a server): one message per event; the cursor saved even when the read
 * stops half-way (a 429), so the events sent are not sent again; then the status, and the events
 * that could not be read as the message's error (they are asked for again next time).
 */
async function readEvents(
  c: ReadContext,
  source: string,
  run: (onEvent: (n: Normalised, uuid: string) => Promise<void>) => Promise<{ events: number; errors: string[] }>,
  save: () => void,
): Promise<void> {
  let indicators = 0;
  let batch = 0;
  let result: { events: number; errors: string[] };
  try {
    result = await run(async (n, uuid) => {
      indicators += n.indicators.length;
      await handOn(c, source, n, { batch: batch++, event: uuid });
    });
  } finally {
    save();
  }
  c.status.ok(c.t('status.misp', { events: result.events, indicators, errors: result.errors.length }));
  if (result.errors.length) throw new Error(c.t('errors.events', { count: result.errors.length, detail: result.errors.slice(0, 3).join('; ') }));
}

export = function (RED: NodeAPI): void {
  function CtiFeedNode(this: Node, config: FeedNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const t = translator(RED, 'impetus-cti-feed', __dirname);
    const format: Format = FORMATS.includes(config.format as Format) ? config.format as Format : 'stix';
    const batchSize = Number(config.batchSize || 1000);
    const defaultTlp = parseTlp(config.defaultTlp || (format === 'list' ? 'clear' : 'amber'));
    const raw = (config.location ?? '').trim();
    // User and password, or a token: a bearer token, or a MISP server's API key for `misp-api`.
    const auth = authFrom(this.credentials as FeedAuth | undefined);
    const isUrl = /^https?:\/\//i.test(raw);
    if (!raw) return refuseInput(node, status, new Error(t('errors.noLocation')));
    if (!defaultTlp) return refuseInput(node, status, new Error(t('errors.tlp', { tlp: String(config.defaultTlp) })));
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) return refuseInput(node, status, new Error(t('errors.batchSize')));
    if (format === 'misp-api' && !isUrl) return refuseInput(node, status, new Error(t('errors.mispUrl')));
    if (format === 'misp-api' && !auth.token) return refuseInput(node, status, new Error(t('errors.apiKey')));
    let filters: Record<string, unknown> = {};
    try {
      if (format === 'misp-api') filters = parseMispFilters(config.filters);
    } catch (err) {
      return refuseInput(node, status, err);
    }
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    const location = isUrl ? raw : userOrShippedFile(raw, userDir);
    const cursorFile = new CursorFile<unknown>(userDir, node.id);
    const loaded = cursorFile.load(undefined, (detail) => node.warn(t('errors.cursor', { file: cursorFile.file, detail })));
    const source = config.feedName || node.name || raw;
    const gate = oneReadAtATime(t);
    // A MISP search may be slow to answer: a close stops it rather than waiting for it.
    const stop = new AbortController();
    node.on('close', (_removed: boolean, done: () => void) => {
      stop.abort();
      done();
    });
    const ctx = (msg: NodeMessageInFlow, send: (m: NodeMessageInFlow) => void): ReadContext => ({ msg, send, status, t, warn: (text) => node.warn(text) });

    // Each format's read with its own cursor; `reset` (msg.reset) starts it afresh.
    let read: (c: ReadContext, reset: boolean) => Promise<void>;
    if (format === 'misp') {
      let cursor = (loaded && typeof loaded === 'object' && !('of' in loaded) ? loaded : {}) as MispCursor;
      read = (c, reset) => {
        if (reset) cursor = {};
        return readEvents(c, source, (onEvent) => readMispFeed(location, cursor, { source, defaultTlp, auth }, onEvent), () => cursorFile.save(cursor));
      };
    } else if (format === 'misp-api') {
      const of = mispSearchKey(raw, filters);
      const fresh = (): MispApiCursor => ({ of, seen: {} });
      let cursor = (loaded as MispApiCursor | undefined)?.of === of ? loaded as MispApiCursor : fresh();
      read = (c, reset) => {
        if (reset) cursor = fresh();
        const save = () => cursorFile.save(cursor);
        return readEvents(c, source, (onEvent) => readMispApi(raw, cursor, { apiKey: auth.token ?? '', filters, source, defaultTlp, signal: stop.signal }, onEvent, save), save);
      };
    } else {
      const of = `${format}|${location}`;
      const fresh = (): FeedCursor => ({ of, done: 0, complete: false });
      let cursor = (loaded as FeedCursor | undefined)?.of === of ? loaded as FeedCursor : fresh();
      read = async (c, reset) => {
        if (reset) cursor = fresh();
        let indicators = 0;
        let errors = 0;
        let batch = 0;
        const result = await readFeedFrom(location, format, cursor, { source, defaultTlp: defaultTlp as Tlp, batchSize, auth }, async (n) => {
          indicators += n.indicators.length;
          errors += n.errors.length;
          for (const e of n.errors.slice(0, 10)) c.warn(e);
          if (n.indicators.length) await handOn(c, source, n, { batch: batch++ });
        }, () => cursorFile.save(cursor));
        if (result.unchanged) return c.status.ok(t('status.unchanged'));
        c.status.ok(t(result.resumedAt ? 'status.resumed' : 'status.done', { objects: result.objects, from: result.resumedAt, indicators, errors }));
      };
    }

    handleInput(node, status, (msg, send) => gate(async () => {
      status.ok(t('status.reading'));
      await read(ctx(msg, send), (msg as { reset?: unknown }).reset === true);
    }));
  }

  RED.nodes.registerType('impetus-cti-feed', CtiFeedNode as never, {
    credentials: AUTH_CREDENTIALS,
  } as never);
};
