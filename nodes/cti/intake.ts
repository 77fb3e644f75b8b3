import { fromList, fromMispEvent, fromStixObjects } from './normalise';
import type { Normalised, SourceOptions } from './normalise';
import { parseTlp } from './indicator';
import type { Indicator, IndicatorKind } from './indicator';

/**
 * What `impetus-cti-match` accepts in msg.payload, whichever source node (or flow) sent it: a
 * STIX 2.1 bundle, STIX objects (one or an array, a TAXII envelope's `objects`), a MISP event
 * (`{Event}` or the event, one or an array), indicators already in the one shape (one or an
 * array, what impetus-cti-feed emits), or the text of a plain list. A mixed array is read item
 * by item; every unreadable item is an error naming its place, the others still count.
 */

const KINDS: readonly IndicatorKind[] = ['domain', 'ip', 'url', 'email', 'hash', 'pattern', 'text'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isStix = (o: Record<string, unknown>): boolean => typeof o.type === 'string' && typeof o.id === 'string' && o.id.startsWith(`${o.type}--`);
const isMisp = (o: Record<string, unknown>): boolean => isRecord(o.Event) || (typeof o.uuid === 'string' && (Array.isArray(o.Attribute) || Array.isArray(o.Object)));
const isIndicator = (o: Record<string, unknown>): boolean => typeof o.kind === 'string' && typeof o.value === 'string';

/** An indicator in the one shape, checked: a flow may build them by hand. */
export function checkIndicator(o: Record<string, unknown>, options: SourceOptions): Indicator {
  const kind = o.kind as IndicatorKind;
  if (!KINDS.includes(kind)) throw new TypeError(`kind '${String(o.kind).slice(0, 40)}' is not one of ${KINDS.join(', ')}`);
  const value = String(o.value).trim();
  if (!value || value.length > 2048) throw new TypeError('value must be a non-empty string of at most 2048 characters');
  const tlp = o.tlp === undefined ? options.defaultTlp ?? 'amber' : typeof o.tlp === 'string' ? parseTlp(o.tlp) : undefined;
  if (!tlp) throw new TypeError(`tlp '${String(o.tlp).slice(0, 40)}' is not a TLP (clear, green, amber, amber+strict, red)`);
  const confidence = o.confidence === undefined ? 50 : o.confidence;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 100)) throw new TypeError('confidence must be a number from 0 to 100');
  const time = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) throw new TypeError(`${k} must be epoch ms or an ISO 8601 time`);
    return t;
  };
  const source = typeof o.source === 'string' && o.source ? o.source : options.source;
  const ref = typeof o.ref === 'string' && o.ref ? o.ref : `${source}:${value}`;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const report = isRecord(o.report) && typeof o.report.id === 'string' ? { id: o.report.id, name: text(o.report.name) } : undefined;
  const actors = Array.isArray(o.actors) ? o.actors.filter((a): a is string => typeof a === 'string') : undefined;
  return {
    id: typeof o.id === 'string' && o.id ? o.id : `${ref}|${kind}|${value}`,
    ref, kind, value, hashType: text(o.hashType), source, report, actors, tlp, confidence,
    validFrom: time('validFrom'), validUntil: time('validUntil'), firstSeen: time('firstSeen'), lastSeen: time('lastSeen'),
    killChain: Array.isArray(o.killChain) ? (o.killChain as Indicator['killChain']) : undefined,
    withdrawn: o.withdrawn === true || (o.validUntil !== undefined && (time('validUntil') ?? Infinity) <= (options.now ?? Date.now())),
  };
}

/** The payload's indicators and the problems met, each naming where. */
export function intake(payload: unknown, options: SourceOptions): Normalised {
  const out: Normalised = { indicators: [], errors: [] };
  const add = (n: Normalised, where: string): void => {
    out.indicators.push(...n.indicators);
    out.errors.push(...n.errors.map((e) => (where ? `${where}: ${e}` : e)));
  };
  if (typeof payload === 'string') {
    add(fromList(payload, options), '');
    return out;
  }
  if (isRecord(payload) && payload.type === 'bundle') {
    if (!Array.isArray(payload.objects)) out.errors.push('a STIX bundle without objects');
    else add(fromStixObjects(payload.objects, options), '');
    return out;
  }
  // A TAXII 2.1 envelope: { objects: [...], more, next }
  if (isRecord(payload) && Array.isArray(payload.objects) && payload.type === undefined) {
    add(fromStixObjects(payload.objects, options), '');
    return out;
  }
  const items = Array.isArray(payload) ? payload : [payload];
  const many = Array.isArray(payload);
  // STIX objects of one message are read together: relationships and reports refer to each other.
  const stix: unknown[] = [];
  items.forEach((item, i) => {
    const where = many ? `[${i}]` : 'payload';
    if (!isRecord(item)) {
      out.errors.push(`${where}: not a STIX object, MISP event or indicator (${item === null ? 'null' : typeof item})`);
    } else if (isStix(item)) {
      stix.push(item);
    } else if (isMisp(item)) {
      add(fromMispEvent(item, options), where);
    } else if (isIndicator(item)) {
      try {
        out.indicators.push(checkIndicator(item, options));
      } catch (err) {
        out.errors.push(`${where}: ${(err as Error).message}`);
      }
    } else {
      out.errors.push(`${where}: not a STIX object, MISP event or indicator (it has no type and id, Event, or kind and value)`);
    }
  });
  if (stix.length) add(fromStixObjects(stix, options), '');
  return out;
}
