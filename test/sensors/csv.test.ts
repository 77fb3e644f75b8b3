import assert from 'node:assert/strict';
import { CsvError, CsvParser, csvField, sniffDelimiter } from '../../nodes/sensors/csv';
import { parseTime } from '../../nodes/sensors/time';
import { Rng } from '../../bench/random';

function parse(text: string | string[], delimiter = ',', limits?: { maxFieldChars: number; maxColumns: number }): Array<[string[], number]> {
  const rows: Array<[string[], number]> = [];
  const p = new CsvParser((f, line) => rows.push([f, line]), delimiter, limits);
  for (const chunk of Array.isArray(text) ? text : [text]) p.push(chunk);
  p.end();
  return rows;
}

describe('CSV parser', () => {
  it('reads RFC 4180: quotes, doubled quotes, delimiters and line ends inside quotes, CRLF, BOM', () => {
    const rows = parse('\ufefftimestamp,a,"b, c"\r\n2025-01-01,"say ""hi""","x\ny"\r\n\r\n3,,\n');
    assert.deepEqual(rows, [
      [['timestamp', 'a', 'b, c'], 1],
      [['2025-01-01', 'say "hi"', 'x\ny'], 2],
      [['3', '', ''], 5],
    ]);
  });

  it('gives the same rows however the text is cut into chunks', () => {
    const text = 'h1,h2,h3\n"a""b",c,"d\r\ne"\r\n1,2,3\n"",x,"y"';
    const whole = parse(text);
    const rng = new Rng(9);
    for (let trial = 0; trial < 200; trial++) {
      const chunks: string[] = [];
      let i = 0;
      while (i < text.length) {
        const n = 1 + rng.int(5);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      assert.deepEqual(parse(chunks), whole, JSON.stringify(chunks));
    }
  });

  it('names the line of malformed input', () => {
    assert.throws(() => parse('a,b\n1,"2"x\n'), (e: CsvError) => e instanceof CsvError && e.line === 2 && /after a closing quote/.test(e.message));
    assert.throws(() => parse('a,b\n1,2"3\n'), /line 2: a quote in the middle/);
    assert.throws(() => parse('a,b\n1,"open\n2,3\n'), /line 2: the file ends inside a quoted field/);
    assert.throws(() => parse(`a\n${'x'.repeat(100)}\n`, ',', { maxFieldChars: 50, maxColumns: 10 }), /line 2: a field longer than 50/);
    assert.throws(() => parse('a,b,c,d\n', ',', { maxFieldChars: 50, maxColumns: 3 }), /more than 3 columns/);
  });

  it('survives random bytes: rows or a CsvError, never another exception or a hang', () => {
    const rng = new Rng(10);
    const alphabet = ['a', '1', ',', ';', '"', '\n', '\r', ' ', '\ufeff', '\u0000', 'é', '.'];
    for (let trial = 0; trial < 2000; trial++) {
      const text = Array.from({ length: rng.int(60) }, () => alphabet[rng.int(alphabet.length)]).join('');
      try {
        for (const [fields] of parse(text)) assert.ok(fields.length >= 1);
      } catch (err) {
        assert.ok(err instanceof CsvError, `${JSON.stringify(text)}: ${err}`);
      }
    }
  });

  it('writes fields that read back unchanged', () => {
    const values = ['plain', 'with,comma', 'with "quote"', 'multi\nline', ''];
    const line = values.map((v) => csvField(v)).join(',');
    assert.deepEqual(parse(line)[0][0], values);
  });

  it('guesses the delimiter from the header', () => {
    assert.equal(sniffDelimiter('timestamp;a;b'), ';');
    assert.equal(sniffDelimiter('timestamp\ta\tb'), '\t');
    assert.equal(sniffDelimiter('timestamp,"a;b",c'), ',');
    assert.throws(() => new CsvParser(() => undefined, '"'), RangeError);
  });
});

describe('time parsing', () => {
  it('reads ISO 8601 (UTC when no offset), epoch seconds and milliseconds, intervals and Dates', () => {
    const t = Date.UTC(2025, 2, 3, 10, 0);
    assert.equal(parseTime('2025-03-03T10:00:00Z'), t);
    assert.equal(parseTime('2025-03-03T10:00:00'), t, 'no offset: UTC, not the server zone');
    assert.equal(parseTime('2025-03-03 11:00:00+01:00'), t);
    assert.equal(parseTime('2025-03-03T11:00+0100'), t);
    assert.equal(parseTime('2025-03-03T10:00:00.000Z'), t);
    assert.equal(parseTime(t / 1000), t);
    assert.equal(parseTime(String(t)), t);
    assert.equal(parseTime(`${t / 1000}.5`), t + 500);
    assert.equal(parseTime('2025-03-03T09:00:00Z/2025-03-03T10:00:00Z'), t);
    assert.equal(parseTime(new Date(t)), t);
    assert.equal(parseTime('2025-03-03'), Date.UTC(2025, 2, 3));
  });

  it('refuses what is not a time', () => {
    for (const bad of ['', 'yesterday', '03/03/2025', '2025-13-01T00:00:00Z', 'NaN', null, undefined, {}, Infinity, '1e5']) assert.ok(Number.isNaN(parseTime(bad)), String(bad));
  });
});
