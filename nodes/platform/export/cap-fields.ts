import { createHash } from 'node:crypto';
import type { MessageStatus, Resource, Severity } from '../model/types';
import type { CapResource, CapSeverity, CapStatus } from './cap-model';
import { xmlText } from './cap-model';
import { isResourceUri } from '../model/uri';
import { epochMs } from './time';

/**
 * How single CAP elements and envelope fields correspond, one small function per field, each
 * written so that a value read from CAP fits the envelope schema (lengths, patterns).
 */

const SEVERITY_TO_CAP: Record<Severity, CapSeverity> = { critical: 'Extreme', high: 'Severe', medium: 'Moderate', low: 'Minor', info: 'Unknown' };
const SEVERITY_FROM_CAP: Record<CapSeverity, Severity> = { Extreme: 'critical', Severe: 'high', Moderate: 'medium', Minor: 'low', Unknown: 'info' };

export function severityToCap(severity: Severity): CapSeverity {
  return SEVERITY_TO_CAP[severity];
}

export function severityFromCap(severity: CapSeverity): Severity {
  return SEVERITY_FROM_CAP[severity];
}

/** CAP's System and Draft are not for operators; the envelope treats them as Test, and `alert.cap.status` keeps the original. */
export function statusFromCap(status: CapStatus): MessageStatus {
  return status === 'System' || status === 'Draft' ? 'Test' : status;
}


type Json = unknown;

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}

/** Drops undefined-valued keys so results compare cleanly with assert.deepStrictEqual. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** Cuts to `max` code points, which is how the JSON Schema's maxLength counts. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : points.slice(0, max).join('');
}

export function latest(timestamps: (string | undefined)[]): string {
  let best: string | undefined;
  for (const t of timestamps) if (t !== undefined && (best === undefined || epochMs(t) > epochMs(best))) best = t;
  return best as string;
}

const ID = /^[^\s,<&]+$/u;
const MIME = /^[a-z]+\/[A-Za-z0-9.+-]+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
export const TOOL = /^[a-z][a-z0-9-]{0,63}$/;

export function idFromIdentifier(identifier: string): string {
  if (ID.test(identifier) && Array.from(identifier).length <= 128) return identifier;
  return `cap-${createHash('sha256').update(identifier).digest('hex').slice(0, 40)}`;
}

export function eventFromCap(event: string): string {
  return event === '' ? 'unspecified' : clip(event, 256);
}

export function headlineFromCap(headline: string | undefined, event: string): string {
  return clip(headline || eventFromCap(event), 512);
}

function resourceFromCap(r: CapResource): Resource {
  return compact({
    description: r.resourceDesc === '' ? 'resource' : clip(r.resourceDesc, 1024),
    mimeType: MIME.test(r.mimeType) ? r.mimeType : 'application/octet-stream',
    // Other schemes (ftp:, javascript:, data:) are left out: the envelope links only to http(s) and our media.
    uri: isResourceUri(r.uri) ? r.uri : undefined,
    size: r.size !== undefined && r.size >= 0 ? r.size : undefined,
    digest: r.digest !== undefined && DIGEST.test(r.digest) ? r.digest : undefined,
  });
}

export function resourcesFromCap(list: CapResource[] | undefined): Resource[] {
  return (list ?? []).slice(0, 32).map(resourceFromCap);
}

/** Characters RFC 3986 allows anywhere in a URI reference ('[' and ']' only in a host, so not here). */
const URI_SAFE = /^(?:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/**
 * CAP's `uri` and `web` are xs:anyURI, while an envelope `uri` may be any text (a store key,
 * a camera path). Anything that is not plainly a URI goes out percent-encoded.
 */
export function capUri(value: string): string {
  return URI_SAFE.test(value) ? value : encodeURI(xmlText(value).replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
}

/**
 * CAP 1.2 asks for a SHA-1 digest; the envelope has SHA-256, which is written with its
 * `sha256:` prefix so no consumer mistakes it for SHA-1.
 */
export function resourcesToCap(list: Resource[]): CapResource[] {
  return list.map((r) => compact({
    resourceDesc: xmlText(r.description), mimeType: r.mimeType, size: r.size, uri: r.uri === undefined ? undefined : capUri(r.uri), digest: r.digest,
  }));
}

export function shapesOf(area: { polygon?: string[]; circle?: string[] } | undefined): { polygon?: string[]; circle?: string[] } {
  return compact({ polygon: area?.polygon?.length ? area.polygon : undefined, circle: area?.circle?.length ? area.circle : undefined });
}

/** Uses the residual's original value while the envelope still holds what was read from it. */
export function keep<T>(original: T | null | undefined, current: unknown, read: (value: T | undefined) => unknown, generated: T | undefined): T | undefined {
  if (original === undefined) return generated;
  const value = original === null ? undefined : original;
  return deepEqual(read(value), current) ? value : generated;
}
