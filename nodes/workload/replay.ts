/**
 * Recordings replayed as sample chunks: EDF/EDF+ files through the streaming reader, CSV files
 * (a time column in seconds, then one column per channel, named by electrode or signal). A
 * recording is read as it is replayed, never whole into memory.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { EdfError, EdfReader } from './edf';
import type { Channel, Chunk } from './samples';
import { checkRate, kindOfLabel, SampleError } from './samples';

export interface ReplayTarget {
  operator: string;
  device: string;
  /** Epoch ms the recording's first sample is replayed as. */
  start: number;
}

/** Yields one chunk per EDF record; throws EdfError (after the good records) on a bad or truncated file. */
export async function* edfChunks(file: string, target: ReplayTarget): AsyncGenerator<Chunk> {
  const reader = new EdfReader();
  for await (const data of fs.createReadStream(file, { highWaterMark: 64 * 1024 })) {
    for (const r of reader.push(data as Buffer)) {
      const h = reader.header!;
      const channels: Channel[] = [];
      let k = 0;
      for (const s of h.signals) {
        if (s.annotations) continue;
        const kind = kindOfLabel(s.label);
        const values = r.samples[k];
        const clipped = r.clipped[k++];
        if (!kind || kind === 'rr' || kind === 'hr') continue;
        channels.push({ name: s.label.replace(/^EEG\s+/i, ''), kind, rate: checkRate(kind, s.rate), values: Array.from(values), range: [s.physicalMin, s.physicalMax], clipped });
      }
      if (!channels.length) throw new EdfError(`no EEG, PPG or ECG signal in ${file} (labels: ${h.signals.map((s) => s.label).join(', ')})`);
      yield { operator: target.operator, device: target.device, t0: target.start + r.onset * 1000, channels };
    }
  }
  reader.end();
}

/** Yields one chunk per second of a CSV recording. */
export async function* csvChunks(file: string, target: ReplayTarget, rate?: number): AsyncGenerator<Chunk> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let labels: string[] | undefined;
  let kinds: Array<'eeg' | 'ppg' | 'ecg' | undefined> = [];
  let rows: number[][] = [];
  let first = NaN;
  let lineNo = 0;
  let perChunk = 0;
  let r = rate ?? 0;
  const flush = (): Chunk => {
    const t0 = target.start + (rows[0][0] - first) * 1000;
    const channels: Channel[] = [];
    kinds.forEach((kind, c) => {
      if (kind) channels.push({ name: labels![c + 1], kind, rate: r, values: rows.map((row) => row[c + 1]) });
    });
    rows = [];
    return { operator: target.operator, device: target.device, t0, channels };
  };
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    if (line.length > 64 * 1024) throw new SampleError(`${file}:${lineNo}: line longer than 64 KiB`);
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (!labels) {
      if (!/^(time|timestamp|t|seconds)$/i.test(cells[0])) throw new SampleError(`${file}: the first column must be the time in seconds ("time"), got "${cells[0]}"`);
      labels = cells;
      kinds = cells.slice(1).map((l) => {
        const k = kindOfLabel(l);
        return k === 'eeg' || k === 'ppg' || k === 'ecg' ? k : undefined;
      });
      if (!kinds.some(Boolean)) throw new SampleError(`${file}: no EEG, PPG or ECG column (columns: ${cells.join(', ')})`);
      continue;
    }
    if (cells.length !== labels.length) throw new SampleError(`${file}:${lineNo}: ${cells.length} values, the header has ${labels.length} columns`);
    const row = cells.map((c) => (c === '' || /^nan$/i.test(c) ? NaN : Number(c)));
    if (!Number.isFinite(row[0])) throw new SampleError(`${file}:${lineNo}: the time "${cells[0]}" is not a number`);
    if (Number.isNaN(first)) first = row[0];
    if (!r && rows.length === 1) r = 1 / (row[0] - rows[0][0]);
    if (r && !perChunk) {
      for (const kind of kinds) if (kind) checkRate(kind, Math.round(r * 1000) / 1000);
      perChunk = Math.max(1, Math.round(r));
    }
    rows.push(row);
    if (perChunk && rows.length >= perChunk) yield flush();
  }
  if (!labels) throw new SampleError(`${file} is empty`);
  if (rows.length && r) yield flush();
}
