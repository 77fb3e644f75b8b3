/**
 * The bio-signal parsers: EDF/EDF+ (strict header, streaming, truncation), Bluetooth heart-rate
 * bytes (0x2A37), JSON samples from a bridge, CSV replay; each fuzzed: bad input is a clear error,
 * never a crash or a hang.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../bench/random';
import { EdfError, EdfReader, parseHeader } from '../../nodes/workload/edf';
import { BleDecodeError, decodeHeartRate } from '../../nodes/workload/ble-hr';
import { encodeHeartRate, writeEdf } from './support/signals';
import { csvChunks } from '../../nodes/workload/replay';
import type { Chunk } from '../../nodes/workload/samples';
import { parseSamples, regionOf, SampleError } from '../../nodes/workload/samples';

const START = new Date(Date.UTC(2026, 11, 5, 21, 3, 4));

function sampleEdf(seconds = 4, rate = 128): Buffer {
  const n = seconds * rate;
  return writeEdf({
    start: START,
    recordDuration: 1,
    signals: [
      { label: 'EEG AF7', rate, physicalMin: -500, physicalMax: 500, values: Array.from({ length: n }, (_, i) => 20 * Math.sin(i / 5)) },
      { label: 'PPG', rate: 64, physicalMin: -1, physicalMax: 1, dimension: 'a.u.', values: Array.from({ length: seconds * 64 }, (_, i) => Math.sin(i / 3)) },
    ],
  });
}

describe('workload sources', () => {
  describe('EDF reader', () => {
    it('reads the header and the records, bytes arriving in any chunks', () => {
      const file = sampleEdf();
      const reader = new EdfReader();
      const records = [];
      for (let i = 0; i < file.length; i += 97) records.push(...reader.push(file.subarray(i, i + 97)));
      reader.end();
      const h = reader.header!;
      assert.equal(h.format, 'EDF');
      assert.equal(h.start.toISOString(), START.toISOString());
      assert.deepEqual(h.signals.map((s) => [s.label, s.rate]), [['EEG AF7', 128], ['PPG', 64]]);
      assert.equal(records.length, 4);
      assert.equal(records[2].onset, 2);
      // 16-bit quantisation of a ±500 µV range: 0.015 µV steps.
      assert.ok(Math.abs(records[0].samples[0][10] - 20 * Math.sin(2)) < 0.02);
      assert.equal(records[0].samples[1].length, 64);
    });

    it('says what is wrong with a truncated file or a lying header', () => {
      const file = sampleEdf();
      const cut = new EdfReader();
      cut.push(file.subarray(0, file.length - 10));
      assert.throws(() => cut.end(), /truncated file: record 4 has \d+ of 384 bytes/);
      const short = new EdfReader();
      short.push(file.subarray(0, 300));
      assert.throws(() => short.end(), /truncated file/);
      const bad = (offset: number, text: string) => {
        const copy = Buffer.from(file);
        copy.write(text, offset, 'latin1');
        return () => parseHeader(copy);
      };
      assert.throws(bad(0, 'X'), /not an EDF file/);
      assert.throws(bad(184, '999     '), /header bytes says 999, but 2 signals need 768/);
      assert.throws(bad(244, 'abc     '), /record duration" must be a number/);
      assert.throws(bad(168, '31.02.26'), /not a real date/);
      assert.throws(bad(256 + 16 * 2 + 80 * 2 + 8 * 2 + 8 * 2 + 8 * 2, '40000   '), /digital minimum of signal 1.*-32768 to 32767/);
      assert.throws(bad(8, '\u0001'), /printable ASCII/);
      const more = new EdfReader();
      assert.throws(() => more.push(Buffer.concat([file, file.subarray(768, 768 + 384)])), /more data after the 4 records/);
    });

    it('reads EDF+D record times from the annotations signal', () => {
      const file = sampleEdf(2);
      const h = parseHeader(file);
      assert.equal(h.format, 'EDF');
      const plus = Buffer.from(file);
      plus.write('EDF+D'.padEnd(44), 192, 'latin1');
      assert.throws(() => parseHeader(plus), /EDF\+D file needs an "EDF Annotations" signal/);
    });

    it('survives 3,000 mutated files: an EdfError or records, nothing else', () => {
      const rng = new Rng(1919);
      const file = sampleEdf(2);
      let errors = 0;
      for (let i = 0; i < 3000; i++) {
        const copy = Buffer.from(file.subarray(0, rng.int(file.length + 1)));
        for (let k = rng.int(6); k > 0; k--) if (copy.length) copy[rng.int(Math.min(copy.length, 900))] = rng.int(256);
        const reader = new EdfReader();
        try {
          reader.push(copy);
          reader.end();
        } catch (err) {
          assert.ok(err instanceof EdfError, `mutation ${i}: ${String(err)}`);
          errors++;
        }
      }
      assert.ok(errors > 2500, `${errors} of 3000 refused`);
    });
  });

  describe('Bluetooth heart-rate measurement (0x2A37)', () => {
    it('decodes the flags, uint8/uint16 rates, contact, energy and RR in 1/1024 s', () => {
      // Flags 0x16: uint8 rate, contact supported and detected, RR present; 72 bpm; RR 819/1024 s and 840/1024 s.
      const m = decodeHeartRate(Uint8Array.from([0x16, 72, 0x33, 0x03, 0x48, 0x03]));
      assert.equal(m.bpm, 72);
      assert.equal(m.contact, true);
      assert.deepEqual(m.rr.map((v) => Math.round(v)), [800, 820]);
      const wide = decodeHeartRate(Uint8Array.from([0x0d, 0x2c, 0x01, 0x10, 0x00]));
      assert.deepEqual([wide.bpm, wide.contact, wide.energyKj, wide.rr], [300, false, 16, []]);
      assert.equal(decodeHeartRate(Uint8Array.from([0x00, 60])).contact, undefined);
      const round = decodeHeartRate(encodeHeartRate({ bpm: 64, contact: true, rr: [937.5, 1000] }));
      assert.deepEqual(round.rr.map((v) => Math.round(v)), [938, 1000]);
    });

    it('refuses truncated and malformed measurements; fuzzed', () => {
      assert.throws(() => decodeHeartRate(Uint8Array.from([0x01, 60])), /truncated measurement: the uint16 heart rate/);
      assert.throws(() => decodeHeartRate(Uint8Array.from([0x10, 60, 1])), /RR intervals are uint16 pairs/);
      assert.throws(() => decodeHeartRate(Uint8Array.from([0x80, 60])), /reserved flag bits/);
      assert.throws(() => decodeHeartRate(Uint8Array.from([0x00, 60, 1])), /bytes after the measurement/);
      const rng = new Rng(2037);
      for (let i = 0; i < 5000; i++) {
        const bytes = Uint8Array.from({ length: rng.int(12) }, () => rng.int(256));
        try {
          const m = decodeHeartRate(bytes);
          assert.ok(Number.isInteger(m.bpm) && m.rr.every(Number.isFinite));
        } catch (err) {
          assert.ok(err instanceof BleDecodeError, String(err));
        }
      }
    });
  });

  describe('JSON samples from a bridge', () => {
    const now = Date.UTC(2026, 11, 5, 21, 0, 0);
    it('reads LSL-style chunks, OSC-style samples and heart-rate values', () => {
      const lsl = parseSamples({ operator: 'op-2', device: 'muse-1', type: 'EEG', rate: 256, channels: ['TP9', 'AF7'], t0: now / 1000, samples: [[1, 2], [3, null]] }, { now });
      assert.equal(lsl.t0, now);
      assert.deepEqual(lsl.channels.map((c) => [c.name, c.kind, c.rate]), [['TP9', 'eeg', 256], ['AF7', 'eeg', 256]]);
      assert.ok(Number.isNaN(lsl.channels[1].values[1]), 'a null sample is a lost sample');
      const osc = parseSamples({ address: '/muse/ppg', args: [512], rate: 64 }, { now, operator: 'op-3' });
      assert.deepEqual([osc.operator, osc.channels[0].kind, osc.channels[0].values], ['op-3', 'ppg', [512]]);
      const strap = parseSamples({ value: '16 48 33 03 48 03', operator: 'op-4', device: 'polar-h10' }, { now });
      assert.deepEqual(strap.channels.map((c) => c.kind), ['hr', 'rr']);
      assert.equal(strap.contact, true);
      assert.equal(strap.channels[1].times!.at(-1), now);
      assert.deepEqual(parseSamples(encodeHeartRate({ bpm: 70, rr: [] }), { now, operator: 'op-5' }).channels[0].values, [70]);
      assert.equal(parseSamples({ operator: 'op-4', battery: 12 }, { now }).battery, 12);
    });

    it('refuses a wrong sampling rate, bad ids and shapes with a clear message; fuzzed', () => {
      const chunk = { operator: 'op-2', type: 'EEG', rate: 200, channels: ['AF7'], samples: [[1]] };
      assert.throws(() => parseSamples(chunk, { now, rates: { eeg: 256 } }), /wrong sampling rate: EEG at 200 Hz, this node expects 256 Hz/);
      assert.throws(() => parseSamples({ ...chunk, rate: 5 }, { now }), /EEG must be 64–2048 Hz/);
      assert.throws(() => parseSamples({ ...chunk, operator: 'a b' }, { now }), /operator/);
      assert.throws(() => parseSamples({ ...chunk, samples: [[1, 2]] }, { now }), /row 0 must hold 1 values/);
      assert.throws(() => parseSamples({ ...chunk, channels: ['X'], type: undefined }, { now }), /say which signal/);
      assert.throws(() => parseSamples([1, 2], { now }), /must be an object/);
      const rng = new Rng(4242);
      const pieces: unknown[] = [null, 1, -1, 'x', 'AF7', [], [[1]], {}, NaN, 1e308, '/muse/eeg', true, [1, 'a'], 256, now];
      const keys = ['operator', 'device', 'type', 'rate', 'channels', 'samples', 't0', 'address', 'args', 'bpm', 'rr', 'value', 'battery', 'contact', 'time'];
      for (let i = 0; i < 5000; i++) {
        const p: Record<string, unknown> = {};
        for (let k = rng.int(6); k >= 0; k--) p[keys[rng.int(keys.length)]] = pieces[rng.int(pieces.length)];
        try {
          parseSamples(p, { now, operator: 'op-1' });
        } catch (err) {
          assert.ok(err instanceof SampleError || err instanceof BleDecodeError, `${JSON.stringify(p)}: ${String(err)}`);
        }
      }
    });

    it('knows frontal and parietal electrodes', () => {
      assert.deepEqual(['Fp1', 'AF7', 'EEG Fz', 'TP9', 'Pz', 'O1', 'C3'].map(regionOf), ['frontal', 'frontal', 'frontal', 'parietal', 'parietal', 'other', 'other']);
    });
  });

  describe('CSV replay', () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-csv-'))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const target = { operator: 'op-7', device: 'band-7', start: START.getTime() };
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const replay = async (file: string, rate?: number) => {
      const chunks: Chunk[] = [];
      for await (const c of csvChunks(file, target, rate)) chunks.push(c);
      return chunks;
    };
    const rows = (seconds: number, rate: number, from = 12.5) =>
      Array.from({ length: seconds * rate }, (_, i) => `${(from + i / rate).toFixed(6)},${(10 * Math.sin(i / 5)).toFixed(3)},${i === 7 ? 'NaN' : Math.cos(i / 3).toFixed(3)},${i}`);

    it('yields a chunk per second, timed from the first row, the rate read from the time column', async () => {
      const file = write('ok.csv', ['time,AF7,PPG,marker', ...rows(3, 128)].join('\r\n') + '\r\n');
      const chunks = await replay(file);
      assert.deepEqual(chunks.map((c) => c.t0 - START.getTime()), [0, 1000, 2000]);
      for (const c of chunks) {
        assert.equal(c.operator, 'op-7');
        assert.equal(c.device, 'band-7');
        // The marker column is no signal and is left out; each kept channel has the second's samples.
        assert.deepEqual(c.channels.map((ch) => [ch.name, ch.kind, Math.round(ch.rate), ch.values.length]), [['AF7', 'eeg', 128, 128], ['PPG', 'ppg', 128, 128]]);
      }
      assert.equal(chunks[0].channels[0].values[5], Number((10 * Math.sin(1)).toFixed(3)));
      assert.ok(Number.isNaN(chunks[0].channels[1].values[7]), 'a NaN cell stays NaN, for the quality checks to mark');
    });

    it('takes a stated rate over the time column, and ends with the last part-second', async () => {
      const file = write('semi.csv', ['timestamp;EEG Fz', ...rows(2, 64).map((r) => r.split(',').slice(0, 2).join(';')), '200.0;1'].join('\n'));
      const chunks = await replay(file, 64);
      assert.deepEqual(chunks.map((c) => c.channels[0].values.length), [64, 64, 1]);
      assert.equal(chunks[0].channels[0].rate, 64);
    });

    it('says what is wrong with a bad file, naming the line', async () => {
      const cases: Array<[string, RegExp]> = [
        ['', /is empty/],
        ['AF7,PPG\n1,2\n', /first column must be the time/],
        ['time,marker\n0,1\n', /no EEG, PPG or ECG column/],
        ['time,AF7\n0,1\n0.01,2,3\n', /:3: 3 values, the header has 2/],
        ['time,AF7\n0,1\nlater,2\n', /:3: the time "later" is not a number/],
        ['time,AF7\n0,1\n1,2\n', /sampling rate of the EEG must be/],
      ];
      for (const [i, [text, message]] of cases.entries()) {
        await assert.rejects(replay(write(`bad-${i}.csv`, text)), (err: Error) => err instanceof SampleError && message.test(err.message), `${JSON.stringify(text)}`);
      }
    });

    it('survives 300 mutated files: a SampleError or chunks, nothing else', async () => {
      const rng = new Rng(19);
      const good = ['time,AF7,PPG,marker', ...rows(2, 128)].join('\n');
      const file = path.join(dir, 'fuzz.csv');
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(good);
        for (let k = 0; k < 1 + rng.int(20); k++) bytes[rng.int(bytes.length)] = rng.int(256);
        fs.writeFileSync(file, bytes.subarray(0, rng.int(bytes.length + 1)));
        try {
          for (const c of await replay(file)) assert.ok(Number.isFinite(c.t0));
        } catch (err) {
          assert.ok(err instanceof SampleError, `mutation ${i}: ${String(err)}`);
        }
      }
    });
  });
});
