import { hash } from 'node:crypto';

export const DEFAULT_FINGERPRINT_KEYS = ['tool', 'event', 'zone', 'source.ref'] as const;

function pick(value: unknown, path: string): unknown {
  // Most keys are one property: no split, no array.
  if (!path.includes('.')) return value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[path];
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Stable JSON: object keys sorted, so two equal drafts always give the same fingerprint. */
function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * 128-bit fingerprint of the given key fields (dot paths into the alert). Missing fields count
 * as null, and the key names take part, so changing the key set never collides with old alerts.
 */
export function fingerprint(alert: object, keys: readonly string[] = DEFAULT_FINGERPRINT_KEYS): string {
  // One-shot hash of the lines joined: the same digest as hashing them one by one, without a
  // Hash object per alert (a few µs of every raise).
  let text = '';
  for (const key of keys) text += `${key}=${canonical(pick(alert, key))}\n`;
  return hash('sha256', text, 'hex').slice(0, 32);
}
