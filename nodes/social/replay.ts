/**
 * Posts from a JSON-lines or CSV file, in file order, for exercises and tests. CSV has a header
 * row naming the post fields (id, text, lang, author, ts, url, source, and lat/lon for a
 * geotag); the rows are read by the sensors area's streaming CSV parser. A line that is not a
 * post is reported with its number and skipped: the rest of the file still plays.
 */
import * as fs from 'node:fs';
import { CsvParser } from '../sensors/csv';
import { toPost } from './post';
import type { Post } from './project';

export type ReplayItem = { post: Post; line: number } | { error: string; line: number };

function fromCsvRow(header: string[], fields: string[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  header.forEach((h, i) => {
    if (fields[i] !== undefined && fields[i] !== '') r[h] = fields[i];
  });
  if (typeof r.ts === 'string' && /^\d+$/.test(r.ts)) r.ts = Number(r.ts);
  if (r.lat !== undefined || r.lon !== undefined) r.geo = { lat: r.lat, lon: r.lon };
  return r;
}

/** Reads a file's posts lazily (bounded memory for files of any length). */
export async function* replayFile(file: string, format: 'jsonl' | 'csv' | 'auto', now: () => number): AsyncGenerator<ReplayItem> {
  const kind = format === 'auto' ? (/\.csv$/i.test(file) ? 'csv' : 'jsonl') : format;
  const queue: ReplayItem[] = [];
  let header: string[] | undefined;
  let line = 0;
  let rest = '';
  const one = (raw: unknown, at: number) => {
    try {
      queue.push({ post: toPost(raw, now()), line: at });
    } catch (err) {
      queue.push({ error: `line ${at}: ${(err as Error).message}`, line: at });
    }
  };
  const csv = new CsvParser((fields, at) => {
    if (!header) header = fields.map((f) => f.trim().toLowerCase());
    else one(fromCsvRow(header, fields), at);
  });
  const jsonLine = (text: string) => {
    line++;
    if (!text.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      queue.push({ error: `line ${line}: not JSON (${(err as Error).message})`, line });
      return;
    }
    one(raw, line);
  };
  for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    if (kind === 'csv') {
      try {
        csv.push(chunk as string);
      } catch (err) {
        queue.push({ error: (err as Error).message, line: -1 });
        yield* queue.splice(0);
        return;
      }
    } else {
      const lines = (rest + (chunk as string)).split('\n');
      rest = lines.pop()!;
      if (rest.length > 2 * 1024 * 1024) throw new Error(`line ${line + 1}: longer than 2 MB`);
      for (const l of lines) jsonLine(l);
    }
    yield* queue.splice(0);
  }
  if (kind === 'csv') {
    try {
      csv.end();
    } catch (err) {
      queue.push({ error: (err as Error).message, line: -1 });
    }
  } else if (rest) jsonLine(rest);
  yield* queue.splice(0);
}
