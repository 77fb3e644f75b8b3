/**
 * A streaming CSV parser (RFC 4180: quoted fields, doubled quotes, CRLF or LF, a leading BOM)
 * for files of any length in bounded memory: text is pushed in chunks of any size, rows come
 * out as soon as they end, and a field, a row or a column count beyond its limit is an error
 * naming the line, never an unbounded buffer. Used by CSV replay and the backtest CLI.
 */

export interface CsvLimits {
  /** Longest field, in characters. */
  maxFieldChars: number;
  maxColumns: number;
}

export const DEFAULT_CSV_LIMITS: CsvLimits = { maxFieldChars: 65_536, maxColumns: 1024 };

export class CsvError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** The previous character closed a quoted field: only a delimiter or a line end may follow. */
  private afterQuote = false;
  /** A quote seen inside a quoted field: either the closing quote or the first of a pair. */
  private pendingQuote = false;
  private pendingCr = false;
  private started = false;
  private line = 1;
  private rowLine = 1;
  private readonly delimiter: number;

  /**
   * @param onRow receives each row's fields and the line it started on; empty lines are skipped.
   */
  constructor(
    private readonly onRow: (fields: string[], line: number) => void,
    delimiter = ',',
    private readonly limits: CsvLimits = DEFAULT_CSV_LIMITS,
  ) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new RangeError(`the CSV delimiter must be one character other than a quote or a line end, got ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(chunk: string): void {
    let i = 0;
    if (!this.started && chunk.length) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    // Unquoted runs are copied with one slice rather than character by character.
    let runStart = i;
    const flushRun = (end: number) => {
      if (end > runStart) this.append(chunk.slice(runStart, end));
    };
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === LF) {
          runStart = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (c === QUOTE) {
            this.append('"');
            runStart = i + 1;
            continue;
          }
          this.inQuotes = false;
          this.afterQuote = true;
          runStart = i;
        } else {
          if (c === QUOTE) {
            flushRun(i);
            this.pendingQuote = true;
            runStart = i + 1;
          } else if (c === LF) this.line += 1;
          continue;
        }
      }
      if (c === this.delimiter) {
        flushRun(i);
        this.endField();
        runStart = i + 1;
      } else if (c === LF || c === CR) {
        flushRun(i);
        this.endRow();
        this.line += 1;
        this.pendingCr = c === CR;
        runStart = i + 1;
      } else if (this.afterQuote) {
        throw new CsvError(this.line, `unexpected ${JSON.stringify(chunk[i])} after a closing quote (quotes inside a field must be doubled)`);
      } else if (c === QUOTE) {
        if (this.field.length || i > runStart) throw new CsvError(this.line, 'a quote in the middle of an unquoted field (quote the whole field and double the quote)');
        this.inQuotes = true;
        runStart = i + 1;
      }
    }
    if (this.inQuotes) {
      if (!this.pendingQuote) flushRun(chunk.length);
    } else flushRun(chunk.length);
  }

  /** Ends the input: the last row may lack a line end; an open quote is an error. */
  end(): void {
    if (this.inQuotes && !this.pendingQuote) throw new CsvError(this.rowLine, 'the file ends inside a quoted field (a closing quote is missing)');
    this.inQuotes = false;
    this.pendingQuote = false;
    this.endRow();
  }

  private append(text: string): void {
    if (this.field.length + text.length > this.limits.maxFieldChars) {
      throw new CsvError(this.rowLine, `a field longer than ${this.limits.maxFieldChars} characters${this.inQuotes ? ' (an unclosed quote?)' : ''}`);
    }
    this.field += text;
  }

  private endField(): void {
    if (this.fields.length >= this.limits.maxColumns) throw new CsvError(this.rowLine, `more than ${this.limits.maxColumns} columns`);
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }

  private endRow(): void {
    const empty = this.fields.length === 0 && this.field === '' && !this.afterQuote;
    if (!empty) {
      this.endField();
      const fields = this.fields;
      this.fields = [];
      this.onRow(fields, this.rowLine);
    }
    this.afterQuote = false;
    this.rowLine = this.line + 1;
  }
}

/** A field written for CSV: quoted when it holds a delimiter, a quote or a line end. */
export function csvField(value: string, delimiter = ','): string {
  if (value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Guesses the delimiter from a header line: the most frequent of , ; and tab outside quotes. */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}
