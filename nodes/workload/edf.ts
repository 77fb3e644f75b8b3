/**
 * A streaming reader of EDF and EDF+ (European Data Format, Kemp et al. 1992; EDF+ 2003).
 *
 * Hand-written, on purpose: the one EDF reader on npm (@epicurrents/edf-reader) is a 0.2
 * pre-release with a few hundred downloads that reads whole files into memory and trusts the
 * header. The format is small (a fixed ASCII header, then records of 16-bit samples), so this
 * reader checks every header field strictly, reads records as bytes arrive (a long recording is
 * never held whole), and says exactly what is wrong: a truncated file, a header that lies about
 * its size, numbers that are not numbers, a scale that divides by zero.
 */

export class EdfError extends Error {
  readonly code = 'IMPETUS_EDF';
}

export interface EdfSignal {
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  /** Samples per second: samplesPerRecord / recordDuration. */
  rate: number;
  /** The EDF+ "EDF Annotations" signal: text, not samples. */
  annotations: boolean;
}

export interface EdfHeader {
  /** 'EDF', or 'EDF+C' (contiguous) / 'EDF+D' (interrupted) from the reserved field. */
  format: 'EDF' | 'EDF+C' | 'EDF+D';
  patient: string;
  recording: string;
  /** Start of the recording (local time of the recorder, read as UTC). */
  start: Date;
  headerBytes: number;
  /** -1 while the recorder was still writing. */
  records: number;
  recordDuration: number;
  signals: EdfSignal[];
}

export interface EdfRecord {
  index: number;
  /** Seconds since the start: index × duration, or the record's time-keeping annotation in EDF+. */
  onset: number;
  /** Physical values of each non-annotation signal, in header order. */
  samples: Float64Array[];
  /** How many samples of each signal sat at its digital minimum or maximum (saturation). */
  clipped: number[];
}

export const EDF_LIMITS = { maxSignals: 256, maxSamplesPerRecord: 65_536, maxRecordBytes: 16 * 1024 * 1024 };

const FIXED = 256;
const FIELDS: Array<[keyof EdfSignal | 'reserved', number]> = [
  ['label', 16], ['transducer', 80], ['physicalDimension', 8], ['physicalMin', 8], ['physicalMax', 8],
  ['digitalMin', 8], ['digitalMax', 8], ['prefiltering', 80], ['samplesPerRecord', 8], ['reserved', 32],
];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function ascii(buf: Buffer, start: number, length: number, what: string): string {
  for (let i = start; i < start + length; i++) {
    const c = buf[i];
    if (c < 0x20 || c > 0x7e) throw new EdfError(`header field "${what}" holds a byte 0x${c.toString(16).padStart(2, '0')} at offset ${i}: EDF headers are printable ASCII`);
  }
  return buf.toString('latin1', start, start + length).trim();
}

function number(text: string, what: string): number {
  if (!NUMBER.test(text)) throw new EdfError(`header field "${what}" must be a number, got "${text}"`);
  return Number(text);
}

function integer(text: string, what: string, min: number, max: number): number {
  const n = number(text, what);
  if (!Number.isInteger(n) || n < min || n > max) throw new EdfError(`header field "${what}" must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function startOf(date: string, time: string): Date {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date);
  const t = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(time);
  if (!d) throw new EdfError(`start date must be dd.mm.yy, got "${date}"`);
  if (!t) throw new EdfError(`start time must be hh.mm.ss, got "${time}"`);
  const yy = Number(d[3]);
  // EDF's clipping date: 85–99 are 1985–1999, 00–84 are 2000–2084.
  const year = yy >= 85 ? 1900 + yy : 2000 + yy;
  const at = new Date(Date.UTC(year, Number(d[2]) - 1, Number(d[1]), Number(t[1]), Number(t[2]), Number(t[3])));
  if (at.getUTCDate() !== Number(d[1]) || at.getUTCHours() !== Number(t[1]) || Number(t[2]) > 59 || Number(t[3]) > 59) {
    throw new EdfError(`start "${date} ${time}" is not a real date and time`);
  }
  return at;
}

/** Parses the fixed header and the signal headers; `buf` must hold at least headerBytes. */
export function parseHeader(buf: Buffer): EdfHeader {
  if (buf.length < FIXED) throw new EdfError(`truncated header: ${buf.length} of 256 bytes`);
  const version = buf.toString('latin1', 0, 8);
  if (version !== '0       ') throw new EdfError(`not an EDF file: the version field is ${JSON.stringify(version)}, EDF needs "0" and 7 spaces`);
  const patient = ascii(buf, 8, 80, 'patient');
  const recording = ascii(buf, 88, 80, 'recording');
  const start = startOf(ascii(buf, 168, 8, 'start date'), ascii(buf, 176, 8, 'start time'));
  const headerBytes = integer(ascii(buf, 184, 8, 'header bytes'), 'header bytes', FIXED * 2, FIXED * (EDF_LIMITS.maxSignals + 1));
  const reserved = ascii(buf, 192, 44, 'reserved');
  const format = reserved.startsWith('EDF+C') ? 'EDF+C' : reserved.startsWith('EDF+D') ? 'EDF+D' : 'EDF';
  const recordsText = ascii(buf, 236, 8, 'number of records');
  const records = recordsText === '-1' ? -1 : integer(recordsText, 'number of records', 0, 1e9);
  const recordDuration = number(ascii(buf, 244, 8, 'record duration'), 'record duration');
  const ns = integer(ascii(buf, 252, 4, 'number of signals'), 'number of signals', 1, EDF_LIMITS.maxSignals);
  if (headerBytes !== FIXED * (ns + 1)) throw new EdfError(`header bytes says ${headerBytes}, but ${ns} signals need ${FIXED * (ns + 1)}`);
  if (buf.length < headerBytes) throw new EdfError(`truncated header: ${buf.length} of ${headerBytes} bytes`);
  if (!(recordDuration > 0) && !(recordDuration === 0 && format !== 'EDF')) throw new EdfError(`record duration must be above 0 seconds, got ${recordDuration}`);

  const raw: Array<Record<string, string>> = Array.from({ length: ns }, () => ({}));
  let offset = FIXED;
  for (const [field, width] of FIELDS) {
    for (let i = 0; i < ns; i++, offset += width) raw[i][field] = ascii(buf, offset, width, `${field} of signal ${i + 1}`);
  }
  const signals = raw.map((r, i): EdfSignal => {
    const what = (f: string) => `${f} of signal ${i + 1} (${r.label || 'no label'})`;
    const annotations = r.label === 'EDF Annotations' && format !== 'EDF';
    const s: EdfSignal = {
      label: r.label,
      transducer: r.transducer,
      physicalDimension: r.physicalDimension,
      physicalMin: number(r.physicalMin, what('physical minimum')),
      physicalMax: number(r.physicalMax, what('physical maximum')),
      digitalMin: integer(r.digitalMin, what('digital minimum'), -32768, 32767),
      digitalMax: integer(r.digitalMax, what('digital maximum'), -32768, 32767),
      prefiltering: r.prefiltering,
      samplesPerRecord: integer(r.samplesPerRecord, what('samples per record'), 1, EDF_LIMITS.maxSamplesPerRecord),
      rate: 0,
      annotations,
    };
    if (s.digitalMax <= s.digitalMin) throw new EdfError(`${what('digital maximum')} (${s.digitalMax}) must be above the digital minimum (${s.digitalMin})`);
    if (s.physicalMax === s.physicalMin && !annotations) throw new EdfError(`${what('physical range')} is empty (${s.physicalMin} to ${s.physicalMax}): no scale`);
    s.rate = recordDuration > 0 ? s.samplesPerRecord / recordDuration : 0;
    return s;
  });
  if (format === 'EDF+D' && !signals.some((s) => s.annotations)) throw new EdfError('an EDF+D file needs an "EDF Annotations" signal for its record times');
  if (recordBytes(signals) > EDF_LIMITS.maxRecordBytes) throw new EdfError(`a record of ${recordBytes(signals)} bytes is over the ${EDF_LIMITS.maxRecordBytes}-byte limit`);
  return { format, patient, recording, start, headerBytes, records, recordDuration, signals };
}

function recordBytes(signals: EdfSignal[]): number {
  return signals.reduce((sum, s) => sum + 2 * s.samplesPerRecord, 0);
}

/** The onset of the record's first time-keeping TAL ("+12.5\x14\x14"), in seconds. */
function timeKeeping(bytes: Buffer): number | undefined {
  const end = bytes.indexOf(0x14);
  if (end <= 0) return undefined;
  const text = bytes.toString('latin1', 0, end);
  const onset = /^[+-]\d+(\.\d+)?/.exec(text);
  return onset ? Number(onset[0]) : undefined;
}

/**
 * Feed it bytes as they arrive; it returns the complete records. `end()` says whether the file
 * ended where a record ends and as many records as the header promised.
 */
export class EdfReader {
  header?: EdfHeader;
  private pending: Buffer = Buffer.alloc(0);
  private index = 0;
  private bytesPerRecord = 0;

  push(chunk: Buffer): EdfRecord[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.header) {
      if (this.pending.length < FIXED) return [];
      const ns = Number(this.pending.toString('latin1', 252, 256).trim());
      const need = Number.isInteger(ns) && ns > 0 ? FIXED * (ns + 1) : FIXED;
      if (this.pending.length < need) return [];
      this.header = parseHeader(this.pending);
      this.bytesPerRecord = recordBytes(this.header.signals);
      this.pending = this.pending.subarray(this.header.headerBytes);
    }
    const out: EdfRecord[] = [];
    while (this.pending.length >= this.bytesPerRecord) {
      if (this.header.records >= 0 && this.index >= this.header.records) throw new EdfError(`more data after the ${this.header.records} records the header declares`);
      out.push(this.decode(this.pending.subarray(0, this.bytesPerRecord)));
      this.pending = this.pending.subarray(this.bytesPerRecord);
    }
    return out;
  }

  /** Throws when the data stopped mid-header, mid-record or short of the declared records. */
  end(): void {
    if (!this.header) throw new EdfError(`truncated file: ${this.pending.length} bytes, not even a whole header`);
    if (this.pending.length) throw new EdfError(`truncated file: record ${this.index + 1} has ${this.pending.length} of ${this.bytesPerRecord} bytes`);
    if (this.header.records >= 0 && this.index < this.header.records) throw new EdfError(`truncated file: ${this.index} of the ${this.header.records} records the header declares`);
  }

  private decode(bytes: Buffer): EdfRecord {
    const h = this.header!;
    const samples: Float64Array[] = [];
    const clipped: number[] = [];
    let onset = this.index * h.recordDuration;
    let offset = 0;
    for (const s of h.signals) {
      const n = s.samplesPerRecord;
      if (s.annotations) {
        const t = timeKeeping(bytes.subarray(offset, offset + 2 * n));
        if (t !== undefined) onset = t;
      } else {
        const gain = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin);
        const values = new Float64Array(n);
        let clip = 0;
        for (let i = 0; i < n; i++) {
          const d = bytes.readInt16LE(offset + 2 * i);
          if (d <= s.digitalMin || d >= s.digitalMax) clip++;
          values[i] = (d - s.digitalMin) * gain + s.physicalMin;
        }
        samples.push(values);
        clipped.push(clip);
      }
      offset += 2 * n;
    }
    return { index: this.index++, onset, samples, clipped };
  }
}
