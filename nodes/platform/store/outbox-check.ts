import type { OutboxEnqueue } from './types';

/** The same input checks in every outbox adapter, so that a bad entry fails alike everywhere. */
export function checkEnqueue(entry: OutboxEnqueue): void {
  for (const field of ['channel', 'chat', 'key'] as const) {
    if (typeof entry?.[field] !== 'string' || entry[field] === '') throw new TypeError(`an outbox entry needs a ${field}`);
  }
  if (!Number.isInteger(entry.priority) || entry.priority < 1 || entry.priority > 4) throw new TypeError('outbox priority must be 1 to 4');
  if (!entry.payload || typeof entry.payload !== 'object' || Array.isArray(entry.payload)) throw new TypeError('an outbox entry needs an object payload');
}
