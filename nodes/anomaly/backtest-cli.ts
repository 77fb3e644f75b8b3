#!/usr/bin/env node
/**
 * impetus-backtest: runs a detector over history, as the runtime would have seen it.
 *
 *   npx impetus-backtest anomaly --input data.csv [--config cfg.json] [--output scores.csv] [--lenient]
 *
 * Exit status: 0 done, 1 bad input data (the message names the line), 2 bad usage or config.
 */
import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { backtest, BacktestError } from './backtest';
import { resolveConfig } from './config';
import type { DetectorConfig } from './config';

const USAGE = `usage: impetus-backtest anomaly --input <file.csv|-> [--config <cfg.json>] [--output <scores.csv|->] [--lenient]

Scores every row of a CSV (header: timestamp, then one column per variable) with the IMPETUS
Urban Anomaly Detector, using only earlier rows for each score, and writes
timestamp,anomaly_score,alert,contributors. anomaly_score is 0..1 with 0.5 at the automatic
threshold; alert is 1 for rows above it; contributors lists variable:share with + above and -
below the expected value (~ stuck). Times: ISO 8601 (UTC unless an offset is given) or epoch
seconds / milliseconds. Empty, NA and NaN cells are missing values.

--config takes a JSON object of detector settings (falseAlarmRate, seasonality, timeZone, ...;
see docs/anomaly.md). --lenient treats unparseable values as missing instead of stopping.`;

class UsageError extends Error {}

interface Args {
  tool: string;
  input: string;
  output: string;
  config?: string;
  lenient: boolean;
}

function parseArgs(argv: string[]): Args | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [tool, ...rest] = argv;
  if (!tool) throw new UsageError('name the detector to run: anomaly');
  if (tool !== 'anomaly') throw new UsageError(`unknown detector ${JSON.stringify(tool)}: only "anomaly" can be backtested`);
  const args: Args = { tool, input: '', output: '-', lenient: false };
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
    else if (flag === '--lenient') args.lenient = true;
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
    const summary = await backtest(input, output, config, { lenient: args.lenient, source: args.input === '-' ? 'stdin' : args.input });
    if (output !== process.stdout) await new Promise<void>((resolve, reject) => output.end((err?: Error | null) => (err ? reject(err) : resolve())));
    process.stderr.write(`impetus-backtest: ${summary.rows} rows, ${summary.variables.length} variables, ${summary.alerts} alert rows\n`);
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
