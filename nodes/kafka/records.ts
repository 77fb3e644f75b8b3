/** Conversions between Node-RED messages and Kafka records, for kafka-in and kafka-out. */
import type { NodeMessageInFlow } from 'node-red';
import type { Headers, OutgoingMessage } from '../platform';
import { checkParsed } from '../platform/node-kit';

export interface OutRecord {
  topic: string;
  message: OutgoingMessage;
}

/** A record's framing in a Kafka record batch (lengths, deltas, attributes), at most. */
const RECORD_OVERHEAD = 40;

/** msg → Kafka record; throws a message that names the bad property. */
export function toRecord(msg: NodeMessageInFlow & { [key: string]: unknown }, defaultTopic: string | undefined): { record: OutRecord; bytes: number } {
  const topic = defaultTopic || msg.topic;
  if (typeof topic !== 'string' || topic === '') throw new Error('no topic: set one on the node or in msg.topic');
  const payload = msg.payload;
  let value: Buffer | string | null;
  if (payload === null || payload === undefined) value = null;
  else if (Buffer.isBuffer(payload) || typeof payload === 'string') value = payload;
  else value = JSON.stringify(payload);
  const key = msg.key;
  if (key !== undefined && key !== null && typeof key !== 'string' && !Buffer.isBuffer(key)) {
    if (typeof key !== 'number') throw new Error('msg.key must be a string, a number or a Buffer');
  }
  let headers: Headers | undefined;
  if (msg.headers !== undefined) {
    if (typeof msg.headers !== 'object' || msg.headers === null || Array.isArray(msg.headers)) throw new Error('msg.headers must be an object of strings or Buffers');
    headers = {};
    for (const [name, v] of Object.entries(msg.headers as object)) {
      if (v === undefined || v === null) continue;
      headers[name] = Buffer.isBuffer(v) ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
  const partition = msg.partition;
  if (partition !== undefined && (!Number.isInteger(partition) || (partition as number) < 0)) throw new Error('msg.partition must be a non-negative integer');
  const message: OutgoingMessage = { value, headers, key: key === undefined || key === null ? null : Buffer.isBuffer(key) ? key : String(key) };
  if (partition !== undefined) message.partition = partition as number;
  let bytes = RECORD_OVERHEAD + (value?.length ?? 0) + (message.key?.length ?? 0);
  for (const name in headers) bytes += name.length + (headers[name] as string | Buffer).length;
  return { record: { topic, message }, bytes };
}

/** Errors a second attempt cannot fix: the message is bad, not the moment. */
export function isPermanent(err: Error): boolean {
  const code = (err as { code?: string }).code;
  return code === 'IMPETUS_INVALID' || code === 'IMPETUS_LIMIT' || code === 'IMPETUS_KAFKA_DECODE' || code === 'IMPETUS_KAFKA_TOO_LARGE' || err.name === 'ValidationError';
}

class DecodeError extends Error {
  readonly code = 'IMPETUS_KAFKA_DECODE';
}

export function decode(value: Buffer | null, how: 'json' | 'string' | 'buffer' | undefined): unknown {
  if (value === null) return null;
  if (how === 'buffer') return value;
  const text = value.toString('utf8');
  if (how === 'string') return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`record is not JSON: ${(err as Error).message}`);
  }
  checkParsed(parsed, 'the record');
  return parsed;
}

export function decodeHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}

