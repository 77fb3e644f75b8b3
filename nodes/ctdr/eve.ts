/**
 * Suricata EVE JSON (`eve.json`, one JSON object a line): the alert and flow records CTDR
 * correlates, in one checked shape. Other event types (dns, http, tls, …) are passed over.
 */
export interface EveEvent {
  /** Milliseconds since the epoch. */
  time: number;
  type: 'alert' | 'flow';
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
  proto: string;
  flowId?: number;
  alert?: {
    signatureId: number;
    signature: string;
    category?: string;
    /** Suricata's priority: 1 is the most severe. */
    severity: number;
    action?: string;
    /** CVEs the rule names in its metadata (`metadata: cve CVE_2021_44228`), its message or its references. */
    cves: string[];
    /**
     * The words a CTI actor can be named by: the rule's message and its metadata values (ET rules
     * carry `threat_actor`, `malware_family` and `tag`), folded (see `foldName`), space-padded.
     */
    names: string;
  };
}

/** A name folded for matching: lower case, runs of anything but letters and digits as one space. */
export function foldName(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** A line longer than this is refused rather than parsed: an EVE record is a few KiB. */
export const MAX_EVE_LINE = 1024 * 1024;

const CVE_IN_TEXT = /CVE[-_ ](\d{4})[-_](\d{4,7})/gi;

export function cvesIn(texts: Iterable<unknown>): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    if (typeof t !== 'string') continue;
    for (const m of t.matchAll(CVE_IN_TEXT)) out.add(`CVE-${m[1]}-${m[2]}`);
  }
  return [...out];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function port(v: unknown, what: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${what} is not a port`);
  return v;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v || v.length > 256) throw new Error(`${what} is missing or not a short string`);
  return v;
}

/**
 * An EVE record (a parsed object or one line of text) as an EveEvent; undefined for event types
 * CTDR does not use. A malformed alert or flow throws, naming the field.
 */
export function parseEve(input: unknown): EveEvent | undefined {
  let rec = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const line = String(input).trim();
    if (!line) return undefined;
    if (line.length > MAX_EVE_LINE) throw new Error(`an EVE line longer than ${MAX_EVE_LINE} characters`);
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw new Error(`not EVE JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(rec)) throw new Error('an EVE record must be a JSON object');
  const type = rec.event_type;
  if (type !== 'alert' && type !== 'flow') return undefined;
  const time = Date.parse(String(rec.timestamp ?? ''));
  if (!Number.isFinite(time)) throw new Error(`timestamp '${String(rec.timestamp)}' is not a date`);
  const event: EveEvent = {
    time,
    type,
    srcIp: text(rec.src_ip, 'src_ip'),
    srcPort: port(rec.src_port, 'src_port'),
    destIp: text(rec.dest_ip, 'dest_ip'),
    destPort: port(rec.dest_port, 'dest_port'),
    proto: String(rec.proto ?? '').toLowerCase(),
    ...(typeof rec.flow_id === 'number' ? { flowId: rec.flow_id } : {}),
  };
  if (type === 'alert') {
    const a = rec.alert;
    if (!isObject(a)) throw new Error('an alert record without its alert object');
    const sid = a.signature_id;
    if (typeof sid !== 'number' || !Number.isInteger(sid)) throw new Error('alert.signature_id is not an integer');
    const meta = isObject(a.metadata) ? a.metadata : {};
    const metaTexts = [meta.cve, meta.cve_id, meta.references, a.references].flatMap((v) => (Array.isArray(v) ? v : [v]));
    event.alert = {
      signatureId: sid,
      signature: typeof a.signature === 'string' ? a.signature.slice(0, 512) : `sid ${sid}`,
      ...(typeof a.category === 'string' ? { category: a.category } : {}),
      severity: typeof a.severity === 'number' ? a.severity : 3,
      ...(typeof a.action === 'string' ? { action: a.action } : {}),
      cves: cvesIn([...metaTexts, a.signature]),
      names: ` ${[a.signature, ...Object.values(meta).flat()].filter((v): v is string => typeof v === 'string').map(foldName).join(' ')} `.slice(0, 4096),
    };
  }
  return event;
}
