/**
 * Backtesting on history: a CSV of `timestamp` plus value columns in, one scored row per input
 * row out (`timestamp,anomaly_score,alert,contributors`), always: real exports have clocks set
 * back, repeated times, empty cells and broken lines, and an integrator who gets no scores
 * for a whole file learns nothing. Such rows are scored through and counted in the summary's
 * warnings (or, with `strict`, stop the run at the first one). Strictly streaming: each row is
 * scored before the next is read, with only what came before, so appending rows to the input
 * never changes the output for the rows already there. Memory stays bounded whatever the file
 * length: one row in flight, the detector's bounded state, and output written with
 * back-pressure.
 */
import type { Readable, Writable } from 'node:stream';
import { CsvError, CsvParser, csvField, sniffDelimiter } from '../sensors/csv';
import { parseTime } from '../sensors/time';
import type { DetectorConfig } from './config';
import { AnomalyDetector } from './detector';
import type { Contributor } from './detector';

export interface BacktestOptions {
  /**
   * Stop at the first problem in the data (an unreadable value or time, a short row, a row out
   * of time order) instead of scoring through it with a warning.
   */
  strict?: boolean;
  /** Names the input in error messages. */
  source?: string;
}

/** What was wrong with the data and scored through anyway: counts, and the first few lines. */
export interface BacktestWarnings {
  /** Rows with a time before an earlier row's (a clock set back, merged files): scored in arrival order. */
  outOfOrder: number;
  /** Rows with the same time as the row before. */
  duplicateTimes: number;
  /** Rows without a readable time: scored at the previous row's time (unscored before any time). */
  badTimes: number;
  /** Cells that are not numbers: missing values. */
  badValues: number;
  /** Rows with more or fewer fields than the header: missing values, extra fields ignored. */
  badRows: number;
  /** "line 17: ..." for the first warnings. */
  examples: string[];
}

export interface BacktestSummary {
  rows: number;
  /** Rows of an anomalous episode (`alert` = 1). */
  alerts: number;
  /** Episodes (alerts an operator would get). */
  episodes: number;
  variables: string[];
  warnings: BacktestWarnings;
}

const EXAMPLES = 5;

/** A problem with the input data, with where it is. */
export class BacktestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestError';
  }
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none', '-']);
export const OUTPUT_HEADER = 'timestamp,anomaly_score,alert,contributors';

/** "no2:+0.71;pm10:+0.20": each contributor's share, signed by its direction (stuck: ~). */
export function formatContributors(list: Contributor[] | undefined): string {
  if (!list) return '';
  return list
    .filter((c) => c.share >= 0.005)
    .map((c) => `${c.variable}:${c.direction === 'stuck' ? '~' : c.direction === 'up' ? '+' : '-'}${c.share.toFixed(2)}`)
    .join(';');
}

export async function backtest(input: Readable, output: Writable, config: DetectorConfig, options: BacktestOptions = {}): Promise<BacktestSummary> {
  const where = (line: number) => `${options.source ?? 'input'} line ${line}`;
  const detector = new AnomalyDetector(config);
  let header: { time: number; columns: Array<{ name: string; field: number; index: number }> } | undefined;
  let width = 0;
  let row = new Float64Array(0);
  let rows = 0;
  let alerts = 0;
  let episodes = 0;
  let lastTs = NaN;
  let maxTs = -Infinity;
  const warnings: BacktestWarnings = { outOfOrder: 0, duplicateTimes: 0, badTimes: 0, badValues: 0, badRows: 0, examples: [] };
  const warn = (kind: Exclude<keyof BacktestWarnings, 'examples'>, line: number, text: string) => {
    if (options.strict) throw new BacktestError(`${where(line)}: ${text} (without --strict it is scored through with a warning)`);
    warnings[kind] += 1;
    if (warnings.examples.length < EXAMPLES) warnings.examples.push(`line ${line}: ${text}`);
  };
  let pending: string[] = [];

  const onRow = (fields: string[], line: number) => {
    if (!header) {
      header = readHeader(fields, line, detector, where);
      width = fields.length;
      row = new Float64Array(header.columns.length);
      pending.push(`${OUTPUT_HEADER}\n`);
      return;
    }
    if (fields.length !== width) warn('badRows', line, `${fields.length} fields where the header has ${width}`);
    const rawTime = fields[header.time] ?? '';
    let ts = parseTime(rawTime);
    if (!Number.isFinite(ts)) {
      warn('badTimes', line, `timestamp ${JSON.stringify(rawTime)} is not an ISO 8601 time or epoch seconds/milliseconds${Number.isFinite(lastTs) ? '; scored at the previous row\'s time' : '; not scored (no earlier time)'}`);
      ts = lastTs;
    } else if (ts < maxTs) {
      warn('outOfOrder', line, `time ${new Date(ts).toISOString()} is ${formatGap(maxTs - ts)} before an earlier row's; scored in arrival order`);
    } else if (ts === lastTs) warnings.duplicateTimes += 1;
    for (const c of header.columns) {
      const text = (fields[c.field] ?? '').trim();
      let v = NaN;
      if (!MISSING.has(text.toLowerCase())) {
        v = Number(text);
        if (!Number.isFinite(v)) {
          warn('badValues', line, `column ${JSON.stringify(c.name)}: ${JSON.stringify(text)} is not a number; taken as missing`);
          v = NaN;
        }
      }
      row[c.index] = v;
    }
    rows += 1;
    if (!Number.isFinite(ts)) {
      pending.push(`${csvField(rawTime)},0.000000,0,\n`);
      return;
    }
    lastTs = ts;
    if (ts > maxTs) maxTs = ts;
    const result = detector.step(ts, row);
    if (result.alarm) alerts += 1;
    if (result.onset) episodes += 1;
    pending.push(`${csvField(rawTime)},${result.score.toFixed(6)},${result.alarm ? 1 : 0},${csvField(formatContributors(result.contributors))}\n`);
  };

  let parser: CsvParser | undefined;
  let head = '';
  const write = async () => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    if (!output.write(text)) await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        output.off('drain', onDrain);
        output.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      output.once('drain', onDrain);
      output.once('error', done);
    });
  };
  try {
    input.setEncoding('utf8');
    for await (const chunk of input as AsyncIterable<string>) {
      if (!parser) {
        // The delimiter is guessed from the header line, so hold text until it is complete.
        head += chunk;
        const end = head.search(/[\r\n]/);
        if (end < 0 && head.length < 1_000_000) continue;
        parser = new CsvParser(onRow, sniffDelimiter(end < 0 ? head : head.slice(0, end)));
        parser.push(head);
        head = '';
      } else parser.push(chunk);
      await write();
    }
    if (!parser && head) {
      parser = new CsvParser(onRow, sniffDelimiter(head));
      parser.push(head);
    }
    parser?.end();
    await write();
  } catch (err) {
    if (err instanceof CsvError) throw new BacktestError(`${options.source ?? 'input'} ${err.message}`);
    throw err;
  }
  if (!header) throw new BacktestError(`${options.source ?? 'input'} is empty: expected a header line with timestamp and value columns`);
  return { rows, alerts, episodes, variables: detector.names.slice(), warnings };
}

function formatGap(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return `${(ms / 1000).toFixed(0)} s`;
  if (minutes < 120) return `${minutes.toFixed(0)} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

function readHeader(fields: string[], line: number, detector: AnomalyDetector, where: (line: number) => string) {
  const names = fields.map((f) => f.trim());
  const time = names.findIndex((n) => n.toLowerCase() === 'timestamp');
  if (time < 0) throw new BacktestError(`${where(line)}: the header needs a "timestamp" column, found ${names.map((n) => JSON.stringify(n)).join(', ')}`);
  const seen = new Set<string>();
  const columns: Array<{ name: string; field: number; index: number }> = [];
  names.forEach((name, field) => {
    if (field === time) return;
    if (!name) throw new BacktestError(`${where(line)}: column ${field + 1} has no name`);
    if (seen.has(name)) throw new BacktestError(`${where(line)}: column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    columns.push({ name, field, index: detector.variable(name) });
  });
  if (!columns.length) throw new BacktestError(`${where(line)}: no value columns besides timestamp`);
  return { time, columns };
}
