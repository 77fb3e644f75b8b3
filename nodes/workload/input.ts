/**
 * What an `impetus-workload` message is: samples (from a bridge, a strap, or the replay node),
 * a pause/resume (a button on the supervisor's table, or a flow), or a calibration command.
 */
import type { Chunk, ParseOptions } from './samples';
import { checkId, parseSamples, SampleError } from './samples';

export type Command =
  | { kind: 'samples'; chunk: Chunk }
  | { kind: 'pause' | 'resume'; operator: string; by: string; username?: string }
  | { kind: 'calibrate'; operator: string; segment: 'rest' | 'task'; action: 'start' | 'stop' | 'clear' };

interface Msg {
  topic?: unknown;
  payload?: unknown;
  action?: unknown;
  key?: unknown;
  user?: unknown;
}

function who(user: unknown): string {
  const u = user as { name?: unknown; username?: unknown } | undefined;
  const name = u?.name ?? u?.username;
  return typeof name === 'string' && name ? name.slice(0, 128) : 'a flow';
}

export function readCommand(msg: Msg, opts: ParseOptions): Command {
  const topic = typeof msg.action === 'string' ? msg.action : typeof msg.topic === 'string' ? msg.topic : '';
  if (topic === 'pause' || topic === 'resume') {
    // From a row button (the supervisor's team table, or the operator's own indicator): msg.key is
    // the row (the operator), msg.user who pressed it.
    const operator = checkId(msg.key ?? (typeof msg.payload === 'object' && msg.payload ? (msg.payload as { operator?: unknown }).operator : msg.payload), 'the operator to pause or resume');
    const username = (msg.user as { username?: unknown } | undefined)?.username;
    return { kind: topic, operator, by: who(msg.user), ...(typeof username === 'string' ? { username } : {}) };
  }
  if (topic === 'calibrate') {
    const p = (msg.payload ?? {}) as { operator?: unknown; segment?: unknown; action?: unknown };
    if (p.segment !== 'rest' && p.segment !== 'task') throw new SampleError('calibrate: payload.segment must be "rest" or "task"');
    if (p.action !== 'start' && p.action !== 'stop' && p.action !== 'clear') throw new SampleError('calibrate: payload.action must be "start", "stop" or "clear"');
    return { kind: 'calibrate', operator: checkId(p.operator ?? opts.operator, 'calibrate: payload.operator'), segment: p.segment, action: p.action };
  }
  const p = msg.payload as Partial<Chunk> | undefined;
  // Already in the area's own shape (from impetus-biosignal-in): still checked, it may come from anywhere.
  if (p && typeof p === 'object' && Array.isArray(p.channels) && p.channels.every((c) => c && typeof c === 'object' && Array.isArray((c as { values?: unknown }).values) && typeof (c as { kind?: unknown }).kind === 'string')) {
    return { kind: 'samples', chunk: checkChunk(p, opts) };
  }
  return { kind: 'samples', chunk: parseSamples(msg.payload, opts) };
}

function checkChunk(p: Partial<Chunk>, opts: ParseOptions): Chunk {
  const t0 = Number(p.t0);
  if (!Number.isFinite(t0) || t0 <= 0) throw new SampleError('t0 must be epoch milliseconds');
  const chunk: Chunk = { operator: checkId(p.operator ?? opts.operator, 'the operator'), device: checkId(p.device ?? opts.device ?? 'sensor', 'the device id'), t0, channels: [] };
  if (typeof p.contact === 'boolean') chunk.contact = p.contact;
  if (typeof p.battery === 'number' && p.battery >= 0 && p.battery <= 100) chunk.battery = p.battery;
  for (const c of p.channels!) {
    // Re-parse each channel through the bridge format, so one set of checks guards both doors.
    const kind = c.kind;
    if (kind === 'rr' || kind === 'hr') {
      const times = Array.isArray(c.times) && c.times.length === c.values.length && c.times.every(Number.isFinite) ? c.times : undefined;
      if (!times) throw new SampleError(`channel "${c.name}": ${kind} values need their times`);
      chunk.channels.push({ name: String(c.name), kind, rate: 0, values: c.values.map((v) => (typeof v === 'number' ? v : NaN)), times });
      continue;
    }
    const parsed = parseSamples({ operator: chunk.operator, device: chunk.device, type: kind, rate: c.rate, channels: [String(c.name)], t0, samples: c.values.map((v) => [v]), ...(c.range ? { range: c.range } : {}) }, opts);
    chunk.channels.push(parsed.channels[0]);
  }
  return chunk;
}
