#!/usr/bin/env node
/**
 * impetus-backtest: runs a detector over history, as the runtime would have seen it.
 *
 *   npx impetus-backtest anomaly --input data.csv [--config cfg.json] [--output scores.csv] [--strict]
 *
 * Exit status: 0 done (problems in the rows are scored through and reported as warnings), 1 an
 * input that cannot be read as a table (no header, an unclosed quote) or, with --strict, the
 * first problem in the rows; 2 bad usage or config.
 */
import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { backtest, BacktestError } from './backtest';
import { resolveConfig } from './config';
import type { DetectorConfig } from './config';

const USAGE = `usage: impetus-backtest anomaly --input <file.csv|-> [--config <cfg.json>] [--output <scores.csv|->] [--strict]

Scores every row of a CSV (header: timestamp, then one column per variable) with the IMPETUS
Urban Anomaly Detector, using only earlier rows for each score, and writes one row per input row:
timestamp,anomaly_score,alert,contributors. anomaly_score is how anomalous that moment is, 0..1,
comparable across files: 0.5 is the automatic threshold, reached at the onset of an anomaly (or
at a new change inside it, or when it gets much worse), lower on the rest of it. alert is 1 on
every row of an anomalous episode (from its onset until 6 quiet rows); contributors, on the rows
that exceed the threshold, lists variable:share with + above and - below the expected value
(~ stuck). Times: ISO 8601 (UTC unless an offset is given) or epoch seconds / milliseconds.
Empty, NA and NaN cells are missing.

Real data is scored through: rows whose time goes back (scored in arrival order), repeated
times, unreadable times (scored at the previous row's time), values that are not numbers
(missing) and short rows are counted and reported on standard error. --strict stops at the
first of them instead (exit status 1).

--config takes a JSON object of detector settings (falseAlarmRate, seasonality, timeZone, ...;
see docs/anomaly.md).`;

class UsageError extends Error {}

interface Args {
  tool: string;
  input: string;
  output: string;
  config?: string;
  strict: boolean;
}

function parseArgs(argv: string[]): Args | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [tool, ...rest] = argv;
  if (!tool) throw new UsageError('name the detector to run: anomaly');
  if (tool !== 'anomaly') throw new UsageError(`unknown detector ${JSON.stringify(tool)}: only "anomaly" can be backtested`);
  const args: Args = { tool, input: '', output: '-', strict: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || (v.startsWith('--') && v !== '-')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--input' || flag === '-i') args.input = value();
    else if (flag === '--output' || flag === '-o') args.output = value();
    else if (flag === '--config' || flag === '-c') args.config = value();
    else if (flag === '--strict') args.strict = true;
    // Scoring through bad values is the default now; the old flag is still accepted.
    else if (flag === '--lenient') args.strict = false;
    else throw new UsageError(`unknown option ${flag}`);
  }
  if (!args.input) throw new UsageError('--input is required (a CSV file, or - for standard input)');
  return args;
}

function loadConfig(file: string | undefined): DetectorConfig {
  if (!file) return resolveConfig();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the config ${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return resolveConfig(raw);
  } catch (err) {
    throw new UsageError(`the config ${file}: ${(err as Error).message}`);
  }
}

function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  if (!fs.existsSync(file)) throw new UsageError(`no such input file: ${file}`);
  return fs.createReadStream(file);
}

async function main(): Promise<number> {
  let args: Args | 'help';
  let config: DetectorConfig;
  let input: Readable;
  try {
    args = parseArgs(process.argv.slice(2));
    if (args === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    config = loadConfig(args.config);
    input = openInput(args.input);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`impetus-backtest: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const output: Writable = args.output === '-' ? process.stdout : fs.createWriteStream(args.output);
  try {
    const summary = await backtest(input, output, config, { strict: args.strict, source: args.input === '-' ? 'stdin' : args.input });
    if (output !== process.stdout) await new Promise<void>((resolve, reject) => output.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const w = summary.warnings;
    const counts = [
      [w.outOfOrder, 'out of time order (scored in arrival order)'],
      [w.duplicateTimes, 'with a repeated time'],
      [w.badTimes, 'with an unreadable time'],
      [w.badValues, 'values that are not numbers (missing)'],
      [w.badRows, 'with a wrong number of fields'],
    ] as const;
    const warned = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
    process.stderr.write(`impetus-backtest: ${summary.rows} rows, ${summary.variables.length} variables, ${summary.episodes} episodes, ${summary.alerts} alert rows; warnings: ${warned.length ? warned.join(', ') : 'none'}\n`);
    for (const e of w.examples) process.stderr.write(`impetus-backtest: warning: ${e}\n`);
    return 0;
  } catch (err) {
    if (output !== process.stdout) output.end();
    input.destroy();
    const known = err instanceof BacktestError || err instanceof RangeError;
    process.stderr.write(`impetus-backtest: ${(err as Error).message}\n`);
    return known ? 1 : 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`impetus-backtest: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 2;
  },
);
