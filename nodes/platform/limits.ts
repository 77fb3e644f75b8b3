/**
 * Depth and size limits for what reaches a node or the store from outside.
 *
 * Node-RED deep-clones a message for every Catch node when a node reports it failed (and for
 * every extra wire on send), with a recursive clone: a message nested ten thousand levels deep,
 * or one with a property getter that throws, makes that clone throw, and inside a promise that
 * throw ends the runtime. So every input is measured first, by a walk that never recurses and
 * never lets a throwing property escape, and refused when it is too deep or too large.
 * No platform imports: node-kit (worker threads, CLIs) uses it.
 */

export interface ValueLimits {
  /** Nesting levels below the value itself (msg.payload is level 1 of a message). */
  maxDepth: number;
  /** Estimated serialized size: strings and binary data by length, other values a few bytes each. */
  maxBytes: number;
  /** Values walked (every object, array item and leaf), which bounds the walk itself. */
  maxValues: number;
}

export const DEFAULT_MESSAGE_LIMITS: ValueLimits = { maxDepth: 64, maxBytes: 32 * 1024 * 1024, maxValues: 1_000_000 };

/** An alert's `data` is stored, listed and exported with every copy of the alert. */
export const DEFAULT_ALERT_DATA_LIMITS: ValueLimits = { maxDepth: 32, maxBytes: 256 * 1024, maxValues: 50_000 };

export interface LimitBreach {
  /** What is wrong, for an error message: "nested deeper than 64 levels". */
  reason: string;
  /** The top-level property the breach was found under (undefined: the value itself). */
  key?: string;
}

/** Top-level message properties Node-RED's clone leaves alone (the HTTP request and response). */
const UNCLONED = new Set(['req', 'res']);

function binaryLength(value: object): number | undefined {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) return value.byteLength;
  return undefined;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Walks `value` without recursion and returns the first limit it breaks, or undefined. Reading a
 * property that throws (a getter, a proxy) is a breach too: the clone would throw the same way.
 * Cycles are walked once (Node-RED's clone copes with them). With `message`, the top-level `req`
 * and `res` are skipped as Node-RED's clone skips them, and a breach names its top-level key.
 */
export function checkValue(value: unknown, limits: ValueLimits, message = false): LimitBreach | undefined {
  if (clearlyWithin(value, limits, message)) return undefined;
  const stack: { value: unknown; depth: number; key: string | undefined }[] = [{ value, depth: 0, key: undefined }];
  const seen = new Set<object>();
  let bytes = 0;
  let values = 0;
  while (stack.length) {
    const item = stack.pop() as { value: unknown; depth: number; key: string | undefined };
    values += 1;
    if (values > limits.maxValues) return { reason: `holds more than ${limits.maxValues} values`, key: item.key };
    const v = item.value;
    if (typeof v === 'string') bytes += v.length + 2;
    else if (v === null || typeof v !== 'object') bytes += typeof v === 'function' ? 0 : 8;
    else if (!seen.has(v)) {
      seen.add(v);
      const binary = binaryLength(v);
      if (binary !== undefined) bytes += binary;
      else if (v instanceof Date) bytes += 26;
      else {
        if (item.depth >= limits.maxDepth) return { reason: `is nested deeper than ${limits.maxDepth} levels`, key: item.key };
        let keys: string[];
        let symbols: symbol[];
        try {
          // Counted before the keys are listed: listing two million array indices alone takes seconds.
          if (Array.isArray(v) && values + stack.length + v.length > limits.maxValues) return { reason: `holds more than ${limits.maxValues} values`, key: item.key };
          keys = Object.keys(v);
          symbols = Object.getOwnPropertySymbols(v);
        } catch (err) {
          return { reason: `cannot be read (${describeThrown(err)})`, key: item.key };
        }
        if (values + stack.length + keys.length + symbols.length > limits.maxValues) return { reason: `holds more than ${limits.maxValues} values`, key: item.key };
        bytes += 2;
        // One loop over both lists, not over a spread copy of them: this runs for every message.
        for (let i = 0; i < keys.length + symbols.length; i++) {
          const k: PropertyKey = i < keys.length ? keys[i] : symbols[i - keys.length];
          const name = typeof k === 'string' ? k : String(k);
          const top = item.depth === 0 ? name : item.key;
          if (message && item.depth === 0 && UNCLONED.has(name)) continue;
          let child: unknown;
          try {
            child = (v as Record<PropertyKey, unknown>)[k];
          } catch (err) {
            return { reason: `has a property ${name} that cannot be read (${describeThrown(err)})`, key: top };
          }
          bytes += name.length + 3;
          stack.push({ value: child, depth: item.depth + 1, key: top });
        }
      }
    }
    if (bytes > limits.maxBytes) return { reason: `is larger than ${mib(limits.maxBytes)}`, key: item.key };
  }
  return undefined;
}

/** Nesting the quick measure follows before it leaves the value to the full walk. */
const QUICK_DEPTH = 12;
let quickValues = 0;
let quickBytes = 0;

/**
 * True when `value` is certainly within `limits`: the usual message or draft, a few dozen values
 * a few levels deep, measured by a plain recursive walk without the full walk's stack, set of
 * seen objects and per-value records (which were most of its ~3 µs a message). It counts as the
 * full walk does, except that an object met twice is counted twice, so it never counts less.
 * Anything it does not size the same way (binary data, dates, symbol keys, nesting past
 * QUICK_DEPTH, which a cycle reaches, a property that throws) leaves the answer to the full walk.
 */
function clearlyWithin(value: unknown, limits: ValueLimits, message: boolean): boolean {
  quickValues = 0;
  quickBytes = 0;
  try {
    return quickMeasure(value, 0, limits, message) && quickValues <= limits.maxValues && quickBytes <= limits.maxBytes;
  } catch {
    return false;
  }
}

function quickMeasure(v: unknown, depth: number, limits: ValueLimits, message: boolean): boolean {
  quickValues += 1;
  if (typeof v === 'string') quickBytes += v.length + 2;
  else if (v === null || typeof v !== 'object') quickBytes += typeof v === 'function' ? 0 : 8;
  else {
    if (depth >= QUICK_DEPTH || depth >= limits.maxDepth || binaryLength(v) !== undefined || v instanceof Date) return false;
    const keys = Object.keys(v);
    if (Object.getOwnPropertySymbols(v).length) return false;
    if (quickValues + keys.length > limits.maxValues) return false;
    quickBytes += 2;
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i];
      if (message && depth === 0 && UNCLONED.has(name)) continue;
      quickBytes += name.length + 3;
      if (!quickMeasure((v as Record<string, unknown>)[name], depth + 1, limits, false)) return false;
    }
    if (quickBytes > limits.maxBytes) return false;
  }
  return true;
}

/** A thrown value's message, whatever was thrown: describing it must not throw in turn. */
export function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
    return String(err);
  } catch {
    return 'an unprintable value';
  }
}

let messageLimits: ValueLimits = DEFAULT_MESSAGE_LIMITS;

/** Set once per runtime from `impetus.limits.message` in the settings (see settings.ts). */
export function setMessageLimits(limits: ValueLimits): void {
  messageLimits = limits;
}

export function currentMessageLimits(): ValueLimits {
  return messageLimits;
}

/**
 * Makes a refused message safe for Node-RED to clone for Catch nodes: each top-level property
 * that breaks the limits is replaced by a short note saying why. Returns false when that is not
 * possible (a property that can be neither redefined nor deleted).
 */
export function defuseMessage(msg: object, limits: ValueLimits = messageLimits): boolean {
  for (let attempt = 0; attempt < 64; attempt++) {
    const breach = checkValue(msg, limits, true);
    if (!breach) return true;
    if (breach.key === undefined) return false;
    try {
      Object.defineProperty(msg, breach.key, { value: `[refused by impetus: ${breach.reason}]`, writable: true, enumerable: true, configurable: true });
    } catch {
      return false;
    }
  }
  return false;
}
