import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from '../../bench/anomaly-data';

const CLI = path.join(__dirname, '..', '..', 'nodes', 'anomaly', 'backtest-cli.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Three weeks of 10-minute rows of two correlated variables, with a spike on day 18. */
function csvLines(): string[] {
  const data = generate('cli', { seed: 42, variables: 2, weeks: 3, stepMinutes: 10, cleanDays: 17, kinds: ['spike'], spacingDays: 30 });
  const lines = [`timestamp,${data.names.join(',')}`];
  for (let r = 0; r < data.ts.length; r++) lines.push(`${new Date(data.ts[r]).toISOString()},${data.values[r * 2]},${data.values[r * 2 + 1].toFixed(3)}`);
  return lines;
}

describe('impetus-backtest CLI', function () {
  let dir: string;
  let lines: string[];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-backtest-'));
    lines = csvLines();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('writes one scored row per input row: timestamp, anomaly_score in [0,1], alert, contributors', async () => {
    const input = write('data.csv', `${lines.join('\n')}\n`);
    const output = path.join(dir, 'scores.csv');
    const r = await cli(['anomaly', '--input', input, '--output', output]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${lines.length - 1} rows, 2 variables`));
    const out = fs.readFileSync(output, 'utf8').trimEnd().split('\n');
    assert.equal(out[0], 'timestamp,anomaly_score,alert,contributors');
    assert.equal(out.length, lines.length);
    let alerts = 0;
    let previous = '0';
    out.slice(1).forEach((line, i) => {
      const [ts, score, alert, contributors] = line.split(',');
      assert.equal(ts, lines[i + 1].split(',')[0], 'the input timestamp is echoed');
      const s = Number(score);
      assert.ok(s >= 0 && s <= 1, `score ${score}`);
      assert.ok(alert === '0' || alert === '1');
      if (s > 0.5) assert.equal(alert, '1', 'a row above the threshold is in an episode');
      if (contributors) assert.match(contributors, /^(vehicles|bus_delay_s):[+\-~]\d\.\d\d/);
      if (alert === '1' && previous === '0') {
        alerts += 1;
        assert.ok(s > 0.5, 'an episode starts with a row above the threshold');
      }
      previous = alert;
    });
    assert.ok(alerts >= 1, 'the injected spike is found');
  });

  it('is strictly streaming: appending rows never changes the output for earlier rows', async () => {
    const cut = 2200;
    const short = await cli(['anomaly', '--input', write('short.csv', lines.slice(0, cut + 1).join('\n'))]);
    const long = await cli(['anomaly', '--input', write('long.csv', lines.join('\n'))]);
    assert.equal(short.code, 0, short.stderr);
    const a = short.stdout.trimEnd().split('\n');
    const b = long.stdout.trimEnd().split('\n');
    assert.equal(a.length, cut + 1);
    assert.deepEqual(b.slice(0, cut + 1), a);
  });

  it('scores rows as they arrive on stdin, before the input ends', async () => {
    const child = spawn(process.execPath, [CLI, 'anomaly', '--input', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stdin.write(`${lines.slice(0, 501).join('\n')}\n`);
    const start = Date.now();
    while (out.split('\n').length < 502) {
      if (Date.now() - start > 20_000) throw new Error(`only ${out.split('\n').length - 1} lines before the input ended`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin.end(`${lines.slice(501, 600).join('\n')}\n`);
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.equal(out.trimEnd().split('\n').length, 600);
  });

  it('reads semicolon-separated files, epoch seconds and missing values', async () => {
    const text = ['timestamp;a;b', ...Array.from({ length: 100 }, (_, i) => `${1740990000 + i * 600};${i % 7};${i % 3 ? '' : 'NA'}`)].join('\r\n');
    const r = await cli(['anomaly', '--input', write('semi.csv', text), '--config', write('cfg.json', '{"seasonality": "none", "warmupHours": 0}')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 101);
    assert.match(r.stdout.split('\n')[1], /^1740990000,/);
  });

  const rowProblems: Array<[string, string, RegExp, RegExp]> = [
    ['a value that is not a number', 'timestamp,a\n2025-01-01T00:00:00Z,1\n2025-01-01T00:10:00Z,abc\n', /line 3: column "a": "abc" is not a number/, /1 values that are not numbers/],
    ['an unreadable time', 'timestamp,a\n2025-01-01T00:00:00Z,1\nlast tuesday,2\n', /line 3: timestamp "last tuesday" is not/, /1 with an unreadable time/],
    ['a short row', 'timestamp,a,b\n2025-01-01T00:00:00Z,1,2\n2025-01-01T00:10:00Z,1\n', /line 3: 2 fields where the header has 3/, /1 with a wrong number of fields/],
    ['rows out of order', 'timestamp,a\n2025-01-02T00:00:00Z,1\n2025-01-01T00:00:00Z,2\n', /line 3: time .* is 24\.0 h before an earlier row's/, /1 out of time order/],
  ];
  for (const [what, text, line, count] of rowProblems) {
    it(`scores through ${what} with a warning, one output row per input row; --strict stops there`, async () => {
      const file = write('problem.csv', text);
      const r = await cli(['anomaly', '--input', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trimEnd().split('\n').length, text.trimEnd().split('\n').length);
      assert.match(r.stderr, line);
      assert.match(r.stderr, count);
      const strict = await cli(['anomaly', '--strict', '--input', file]);
      assert.equal(strict.code, 1, strict.stderr);
      assert.match(strict.stderr, line);
    });
  }

  it('scores a real export whose clock goes back 55 minutes mid-file: every row, in arrival order, counted', async () => {
    const body = lines.slice(1);
    const cut = 2000;
    // From the cut on, the clock reads 55 minutes early: 5 rows of 10 minutes come before times already seen, then it runs on.
    const shifted = body.map((l, i) => {
      if (i < cut) return l;
      const [t, ...rest] = l.split(',');
      return [new Date(Date.parse(t) - 55 * 60_000).toISOString(), ...rest].join(',');
    });
    const r = await cli(['anomaly', '--input', write('clock.csv', [lines[0], ...shifted].join('\n'))]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    assert.equal(out.length, lines.length, 'one output row per input row');
    assert.deepEqual(out.slice(1).map((l) => l.split(',')[0]), shifted.map((l) => l.split(',')[0]), 'timestamps echoed in input order');
    assert.match(r.stderr, /5 out of time order/);
    assert.match(r.stderr, new RegExp(`line ${cut + 2}: time .* is 45 min before an earlier row's`));
    const alertsAfter = out.slice(cut + 1, cut + 60).filter((l) => l.split(',')[2] === '1').length;
    assert.ok(alertsAfter <= 6, `${alertsAfter} alert rows right after the clock jump`);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['no timestamp column', 'time,a\n2025-01-01T00:00:00Z,1\n', /line 1: the header needs a "timestamp" column/],
    ['a duplicated column', 'timestamp,a,a\n', /column "a" appears twice/],
    ['no value columns', 'timestamp\n2025-01-01T00:00:00Z\n', /no value columns/],
    ['an empty file', '', /is empty/],
    ['a broken quote', 'timestamp,a\n"2025-01-01T00:00:00Z,1\n', /ends inside a quoted field/],
  ];
  for (const [what, text, message] of bad) {
    it(`stops with exit status 1 and the line on ${what}`, async () => {
      const r = await cli(['anomaly', '--input', write('bad.csv', text)]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    });
  }

  it('still accepts the former --lenient flag (scoring through is the default now)', async () => {
    const r = await cli(['anomaly', '--lenient', '--input', write('lenient.csv', 'timestamp,a\n2025-01-01T00:00:00Z,1\n2025-01-01T00:10:00Z,abc\n')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 3);
  });

  it('exit status 2 and usage for bad arguments or configuration', async () => {
    const input = write('ok.csv', 'timestamp,a\n2025-01-01T00:00:00Z,1\n');
    const cases: Array<[string[], RegExp]> = [
      [[], /name the detector/],
      [['bacteria', '--input', input], /only "anomaly"/],
      [['anomaly'], /--input is required/],
      [['anomaly', '--input', path.join(dir, 'missing.csv')], /no such input file/],
      [['anomaly', '--input', input, '--frobnicate'], /unknown option --frobnicate/],
      [['anomaly', '--input', input, '--config', write('typo.json', '{"falseAlarmrate": 0.01}')], /unknown setting "falseAlarmrate"/],
      [['anomaly', '--input', input, '--config', write('broken.json', '{')], /is not JSON/],
      [['anomaly', '--input', input, '--config', write('range.json', '{"falseAlarmRate": 2}')], /falseAlarmRate must be/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: impetus-backtest/);
    }
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: impetus-backtest anomaly/);
  });
});
