/**
 * A hardened, streaming XML reader for scanner reports (Nessus, OpenVAS/Greenbone).
 *
 * saxes parses; this module decides what a report may contain:
 * - no DOCTYPE at all: no DTD is read, no entity is declared, so neither a billion-laughs
 *   expansion nor an external entity (XXE) can happen; saxes itself never fetches anything and
 *   fails on any entity other than the five predefined ones and character references;
 * - a bounded depth (a 1 GB nest of elements fails at the limit, after a few hundred bytes);
 * - a bounded token: saxes holds a text node, an attribute value, a comment or a CDATA section
 *   whole until it ends, so the bytes written since the last event are capped;
 * - a bounded total size.
 * Memory is then bounded by the token cap and the depth, whatever the file's size.
 */
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';

export interface XmlLimits {
  /** Bytes in the whole document. */
  maxBytes: number;
  /** Open elements at once. */
  maxDepth: number;
  /** Characters between two parser events: the largest text, attribute list, comment or CDATA. */
  maxTokenChars: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 4 * 1024 ** 3, maxDepth: 64, maxTokenChars: 16 * 1024 * 1024 };

/** What a report reader does with the document: called for each element and each text node. */
export interface XmlHandler {
  open(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  text(text: string, path: readonly string[]): void;
  close(name: string, path: readonly string[]): void;
}

export class XmlLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlLimitError';
  }
}

/** Slices written to saxes at once, so the token cap is checked at least this often. */
const SLICE = 64 * 1024;

export class XmlReader {
  private readonly parser = new SaxesParser({ position: true });
  private readonly decoder = new StringDecoder('utf8');
  private readonly limits: XmlLimits;
  private readonly path: string[] = [];
  private bytes = 0;
  private sinceEvent = 0;
  private failure?: Error;
  /** An error the handler threw (a bad port, a foreign root): passed on as it is, not as malformed XML. */
  private handlerError?: Error;

  constructor(target: XmlHandler, limits: Partial<XmlLimits> = {}) {
    this.limits = { ...DEFAULT_XML_LIMITS, ...limits };
    const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        this.handlerError = err as Error;
        throw err;
      }
    };
    const handler: XmlHandler = {
      open: guard((n: string, a: Record<string, string>, p: readonly string[]) => target.open(n, a, p)),
      text: guard((t: string, p: readonly string[]) => target.text(t, p)),
      close: guard((n: string, p: readonly string[]) => target.close(n, p)),
    };
    const p = this.parser;
    const seen = (): void => { this.sinceEvent = 0; };
    p.on('doctype', () => {
      throw new XmlLimitError('a DOCTYPE is not allowed in a scan report (DTDs and entity declarations are refused)');
    });
    p.on('opentag', (tag) => {
      seen();
      this.path.push(tag.name);
      if (this.path.length > this.limits.maxDepth) throw new XmlLimitError(`elements nested deeper than ${this.limits.maxDepth}`);
      handler.open(tag.name, tag.attributes as Record<string, string>, this.path);
    });
    p.on('text', (text) => {
      seen();
      if (this.path.length) handler.text(text, this.path);
    });
    p.on('cdata', (text) => {
      seen();
      if (this.path.length) handler.text(text, this.path);
    });
    p.on('closetag', (tag) => {
      seen();
      handler.close(tag.name, this.path);
      this.path.pop();
    });
    p.on('comment', seen);
    p.on('processinginstruction', seen);
    p.on('xmldecl', seen);
  }

  /** Feeds the next bytes; throws the first error (malformed XML, a limit) and every later call fails with it. */
  write(chunk: Buffer | string): void {
    if (this.failure) throw this.failure;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    this.bytes += size;
    if (this.bytes > this.limits.maxBytes) return this.fail(new XmlLimitError(`document larger than ${this.limits.maxBytes} bytes`));
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    for (let i = 0; i < text.length; i += SLICE) {
      const slice = text.length <= SLICE ? text : text.slice(i, i + SLICE);
      this.sinceEvent += slice.length;
      if (this.sinceEvent > this.limits.maxTokenChars) {
        return this.fail(new XmlLimitError(`a text, attribute, comment or CDATA longer than ${this.limits.maxTokenChars} characters`));
      }
      try {
        this.parser.write(slice);
      } catch (err) {
        return this.fail(err as Error);
      }
    }
  }

  /** Ends the document: a truncated report fails here (unclosed elements). */
  end(): void {
    if (this.failure) throw this.failure;
    try {
      const rest = this.decoder.end();
      if (rest) this.parser.write(rest);
      this.parser.close();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): never {
    // saxes prefixes its messages with the position: keep them, they say where the file broke.
    this.failure = err instanceof XmlLimitError || err === this.handlerError ? err : new Error(`not well-formed XML: ${err.message}`);
    throw this.failure;
  }
}

/** Reads a stream through an XmlReader; resolves when the document ends well-formed. */
export async function readXml(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, handler: XmlHandler, limits?: Partial<XmlLimits>): Promise<void> {
  const reader = new XmlReader(handler, limits);
  for await (const chunk of source) reader.write(chunk);
  reader.end();
}
