/**
 * A setting that holds a list of objects (the user mapping, the routing rules): JSON text as the
 * editor saves it, or an array from a flow or a test. Empty text is an empty list.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the entries are JSON; each caller checks them field by field
export function jsonArray(raw: unknown, what: string): any[] {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return [];
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new TypeError(`${what}: not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(value)) throw new TypeError(`${what} must be a JSON array`);
  return value;
}
