/**
 * JSON encoding of detector state. JSON has no NaN or Infinity, and a detector uses NaN for
 * "not known yet"; every other double survives a JSON round trip exactly (shortest
 * round-trip formatting), which is what makes a restored detector score the next sample
 * identically.
 */

export type Encoded = number | null;

export function enc(x: number): Encoded {
  if (Number.isFinite(x)) return x;
  return null;
}

export function dec(x: unknown, what: string): number {
  if (x === null) return NaN;
  if (typeof x !== 'number') throw new StateError(`${what} must be a number or null`);
  return x;
}

export function encArray(a: ArrayLike<number>): Encoded[] {
  return Array.from(a, enc);
}

export function decArray(x: unknown, length: number, what: string): Float64Array<ArrayBuffer> {
  if (!Array.isArray(x) || x.length !== length) throw new StateError(`${what} must be an array of ${length} numbers`);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = dec(x[i], `${what}[${i}]`);
  return out;
}

export function record(x: unknown, what: string): Record<string, unknown> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) throw new StateError(`${what} must be an object`);
  return x as Record<string, unknown>;
}

/** Saved state that cannot be read back; the detector then starts learning afresh and says so. */
export class StateError extends Error {
  constructor(message: string) {
    super(`saved anomaly state is unusable: ${message}`);
    this.name = 'StateError';
  }
}
