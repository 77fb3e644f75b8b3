/**
 * Test-only writers for the workload area's inputs: an EDF file and a BLE heart-rate
 * measurement. The runtime only reads these formats; the writers live here so that it ships no
 * code only tests use.
 */
import type { HeartRateMeasurement } from '../../../nodes/workload/ble-hr';

/** EDF's fixed header, and each signal's header: 256 bytes (EDF spec, 1992). */
const HEADER_BYTES = 256;

/** Writes a plain EDF file: the tests' recordings, good and (mutated afterwards) bad. */
export function writeEdf(opts: { start: Date; recordDuration: number; signals: Array<{ label: string; rate: number; physicalMin: number; physicalMax: number; dimension?: string; values: ArrayLike<number> }>; patient?: string }): Buffer {
  const ns = opts.signals.length;
  const perRecord = opts.signals.map((s) => Math.round(s.rate * opts.recordDuration));
  const records = Math.min(...opts.signals.map((s, i) => Math.floor(s.values.length / perRecord[i])));
  const field = (text: string, width: number) => text.slice(0, width).padEnd(width, ' ');
  const num = (n: number, width: number) => {
    let text = String(n);
    if (text.length > width) text = n.toPrecision(width - 4).replace(/\.?0+e/, 'e');
    return field(text, width);
  };
  const d = opts.start;
  const two = (n: number) => String(n).padStart(2, '0');
  let header = '0       ' + field(opts.patient ?? 'X X X X', 80) + field('Startdate X X X X', 80)
    + `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${two(d.getUTCFullYear() % 100)}`
    + `${two(d.getUTCHours())}.${two(d.getUTCMinutes())}.${two(d.getUTCSeconds())}`
    + num(HEADER_BYTES * (ns + 1), 8) + field('', 44) + num(records, 8) + num(opts.recordDuration, 8) + num(ns, 4);
  const cols: string[][] = [
    opts.signals.map((s) => field(s.label, 16)), opts.signals.map(() => field('', 80)), opts.signals.map((s) => field(s.dimension ?? 'uV', 8)),
    opts.signals.map((s) => num(s.physicalMin, 8)), opts.signals.map((s) => num(s.physicalMax, 8)),
    opts.signals.map(() => num(-32768, 8)), opts.signals.map(() => num(32767, 8)), opts.signals.map(() => field('', 80)),
    perRecord.map((n) => num(n, 8)), opts.signals.map(() => field('', 32)),
  ];
  header += cols.map((c) => c.join('')).join('');
  const body = Buffer.alloc(records * perRecord.reduce((a, b) => a + b, 0) * 2);
  let o = 0;
  for (let r = 0; r < records; r++) {
    opts.signals.forEach((s, i) => {
      const scale = 65535 / (s.physicalMax - s.physicalMin);
      for (let k = 0; k < perRecord[i]; k++, o += 2) {
        const v = s.values[r * perRecord[i] + k];
        const dv = Math.round((Math.min(s.physicalMax, Math.max(s.physicalMin, v)) - s.physicalMin) * scale - 32768);
        body.writeInt16LE(Math.max(-32768, Math.min(32767, dv)), o);
      }
    });
  }
  return Buffer.concat([Buffer.from(header, 'latin1'), body]);
}

/** The bytes a strap would send (Heart Rate Measurement, 0x2A37): the decoder's tests round-trip through it. */
export function encodeHeartRate(m: HeartRateMeasurement): Buffer {
  const wide = m.bpm > 255;
  const flags = (wide ? 0x01 : 0) | (m.contact === undefined ? 0 : 0x04 | (m.contact ? 0x02 : 0)) | (m.energyKj === undefined ? 0 : 0x08) | (m.rr.length ? 0x10 : 0);
  const out = [flags];
  const u16 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  if (wide) u16(m.bpm);
  else out.push(m.bpm);
  if (m.energyKj !== undefined) u16(m.energyKj);
  for (const r of m.rr) u16(Math.round((r * 1024) / 1000));
  return Buffer.from(out);
}
