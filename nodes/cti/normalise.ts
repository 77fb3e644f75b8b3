import { stricterTlp } from '../platform/node-kit';
import { fromStixIndicator, guessKind, markingTlp, parseTlp } from './indicator';
import type { Indicator, IndicatorKind, Tlp } from './indicator';

/**
 * Each source's objects to the one indicator shape (indicator.ts): a STIX 2.1 bundle (or a
 * TAXII envelope's objects), a MISP event (REST API `/events/view` or a feed's event file), a
 * plain list. Problems are collected per object, never thrown for the whole batch: one bad
 * indicator must not hide the others.
 */

export interface Normalised {
  indicators: Indicator[];
  /** One line per object that could not be read, naming it. */
  errors: string[];
}

export interface SourceOptions {
  source: string;
  /** TLP of what carries no marking: the feed's own (a national CERT's feed is often AMBER). */
  defaultTlp?: Tlp;
  now?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fromStixObjects(objects: unknown[], options: SourceOptions): Normalised {
  const now = options.now ?? Date.now();
  const markings = new Map<string, Tlp>();
  const names = new Map<string, string>();
  const reportOf = new Map<string, { id: string; name?: string }>();
  const actorsOf = new Map<string, string[]>();
  for (const o of objects) {
    if (!isRecord(o) || typeof o.id !== 'string') continue;
    const tlp = markingTlp(o);
    if (tlp) markings.set(o.id, tlp);
    if (typeof o.name === 'string') names.set(o.id, o.name);
  }
  for (const o of objects) {
    if (!isRecord(o)) continue;
    if (o.type === 'report' && Array.isArray(o.object_refs)) {
      for (const ref of o.object_refs) if (typeof ref === 'string') reportOf.set(ref, { id: String(o.id), name: typeof o.name === 'string' ? o.name : undefined });
    }
    // indicator --indicates--> threat-actor / intrusion-set / malware / campaign
    if (o.type === 'relationship' && o.relationship_type === 'indicates' && typeof o.source_ref === 'string' && typeof o.target_ref === 'string') {
      const target = o.target_ref;
      if (/^(threat-actor|intrusion-set|campaign|malware)--/.test(target)) {
        const list = actorsOf.get(o.source_ref) ?? [];
        list.push(names.get(target) ?? target);
        actorsOf.set(o.source_ref, list);
      }
    }
  }
  const out: Normalised = { indicators: [], errors: [] };
  for (const o of objects) {
    if (!isRecord(o) || o.type !== 'indicator') continue;
    try {
      const id = String(o.id);
      out.indicators.push(...fromStixIndicator(o, {
        source: options.source, report: reportOf.get(id), actors: actorsOf.get(id), markings, defaultTlp: options.defaultTlp ?? 'amber', now,
      }));
    } catch (err) {
      out.errors.push((err as Error).message);
    }
  }
  return out;
}

const MISP_KINDS: Record<string, IndicatorKind> = {
  domain: 'domain', hostname: 'domain', ip: 'ip', 'ip-src': 'ip', 'ip-dst': 'ip', url: 'url', uri: 'url', link: 'url',
  'email-src': 'email', 'email-dst': 'email', email: 'email', 'target-email': 'email', 'whois-registrant-email': 'email',
  md5: 'hash', sha1: 'hash', sha256: 'hash', sha512: 'hash', text: 'text', comment: 'text', 'target-user': 'text', 'target-org': 'text',
};
const MISP_HASH: Record<string, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };

function mispTags(tags: unknown): string[] {
  return Array.isArray(tags) ? tags.map((t) => (isRecord(t) ? String(t.name ?? '') : '')).filter(Boolean) : [];
}

/**
 * A MISP event (`{ Event: {…} }` or the event itself) to indicators. Its TLP comes from its
 * `tlp:` tags (an attribute's own tags may make it stricter), its actors from the threat-actor
 * galaxy tags, the confidence from `to_ids` (75 when the source says it is fit for detection,
 * 50 otherwise); deleted attributes and a deleted event withdraw.
 */
export function fromMispEvent(input: unknown, options: SourceOptions): Normalised {
  const out: Normalised = { indicators: [], errors: [] };
  const event = isRecord(input) && isRecord(input.Event) ? input.Event : input;
  if (!isRecord(event) || typeof event.uuid !== 'string') {
    out.errors.push('not a MISP event: no Event.uuid');
    return out;
  }
  const tags = mispTags(event.Tag);
  const eventTlp = tags.map(parseTlp).find((t) => t) ?? options.defaultTlp ?? 'amber';
  const actors = tags.filter((t) => /^misp-galaxy:(threat-actor|mitre-intrusion-set)=/.test(t)).map((t) => t.replace(/^[^=]+="?|"$/g, ''));
  const report = { id: event.uuid, name: typeof event.info === 'string' ? event.info : undefined };
  const attributes: unknown[] = [...(Array.isArray(event.Attribute) ? event.Attribute : [])];
  for (const obj of Array.isArray(event.Object) ? event.Object : []) if (isRecord(obj) && Array.isArray(obj.Attribute)) attributes.push(...obj.Attribute);
  const eventDeleted = event.deleted === true;
  const when = (v: unknown): number | undefined => {
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v) * 1000;
    if (typeof v === 'number') return v * 1000;
    return typeof v === 'string' ? Date.parse(v) || undefined : undefined;
  };
  for (const a of attributes) {
    if (!isRecord(a) || typeof a.type !== 'string' || typeof a.value !== 'string') {
      out.errors.push(`${report.id}: an attribute without type or value`);
      continue;
    }
    // Composite types (`domain|ip`, `filename|md5`) carry one value per part.
    const types = a.type.split('|');
    const values = a.value.split('|');
    types.forEach((type, k) => {
      const kind = MISP_KINDS[type];
      const value = values[k];
      if (!kind || value === undefined || value === '') return;
      const attrTlp = mispTags(a.Tag).map(parseTlp).find((t) => t);
      const ref = String(a.uuid ?? `${report.id}:${String(a.id ?? '')}`);
      out.indicators.push({
        id: `${ref}|${kind}|${value}`,
        ref,
        kind: kind === 'ip' && !guessKind(value) ? 'text' : kind,
        value,
        hashType: MISP_HASH[type],
        source: options.source,
        report,
        actors: actors.length ? actors : undefined,
        tlp: attrTlp ? stricterTlp(eventTlp, attrTlp) : eventTlp,
        confidence: a.to_ids === true ? 75 : 50,
        firstSeen: when(a.first_seen) ?? when(event.date),
        lastSeen: when(a.last_seen) ?? when(a.timestamp),
        withdrawn: eventDeleted || a.deleted === true,
      });
    });
  }
  return out;
}

/**
 * A plain list: one domain, IP, CIDR, URL, e-mail address or hash a line; `#` starts a
 * comment. Lines that are none of these are errors naming the line.
 */
export function fromList(text: string, options: SourceOptions & { confidence?: number; firstLine?: number }): Normalised {
  const out: Normalised = { indicators: [], errors: [] };
  // A streamed list comes in chunks of lines: refs keep the line numbers of the whole file.
  const offset = (options.firstLine ?? 1) - 1;
  text.split(/\r?\n/).forEach((raw, k) => {
    const i = k + offset;
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const kind = guessKind(line);
    if (!kind) {
      out.errors.push(`${options.source}:${i + 1}: '${line.slice(0, 80)}' is not a domain, IP, CIDR, URL, e-mail address or hash`);
      return;
    }
    const ref = `${options.source}:${i + 1}`;
    out.indicators.push({
      id: `${options.source}|${kind.kind}|${line}`, ref, ...kind, value: line, source: options.source,
      tlp: options.defaultTlp ?? 'clear', confidence: options.confidence ?? 50, withdrawn: false,
    });
  });
  return out;
}
