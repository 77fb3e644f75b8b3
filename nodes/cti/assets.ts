import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import ipaddr from 'ipaddr.js';
import { describeSchemaErrors } from '../platform';
import { PACKAGE_ROOT } from '../platform/node-kit';
import { domainParts } from './domains';
import type { DomainParts } from './domains';

/**
 * The asset register (schemas/assets.schema.json), validated and indexed for matching. Shared
 * with the CTDR tool: it reads `hosts` (zones, software, crown jewels) from the same file.
 */

export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export type AssetKind = 'domain' | 'ipRange' | 'brand' | 'emailDomain' | 'identity' | 'host';

interface Base { id: string; owner?: string; criticality: Criticality; tags?: string[] }
export interface DomainAsset extends Base { name: string; punycode?: string; subdomains?: boolean; lookalikes?: boolean }
export interface IpRangeAsset extends Base { cidr: string; description?: string }
export interface BrandAsset extends Base { name: string; aliases?: string[] }
export interface EmailDomainAsset extends Base { domain: string }
export interface IdentityAsset extends Base { kind: 'vip' | 'staff' | 'service-account'; hashes: string[] }
export interface HostAsset extends Base { hostname?: string; ips?: string[]; zone?: string; software?: Array<{ cpe: string; ports?: number[] }>; crownJewel?: boolean }

export interface AssetRegister {
  organisation: string;
  identitySalt?: string;
  owners?: Array<{ id: string; name: string; contact?: string }>;
  domains?: DomainAsset[];
  ipRanges?: IpRangeAsset[];
  brands?: BrandAsset[];
  emailDomains?: EmailDomainAsset[];
  identities?: IdentityAsset[];
  hosts?: HostAsset[];
}

/** What a match names: the asset, its kind, its criticality and its owner's name. */
export interface AssetRef {
  kind: AssetKind;
  id: string;
  label: string;
  criticality: Criticality;
  owner?: string;
}

export class AssetRegisterError extends Error {
  constructor(message: string) {
    super(`asset register: ${message}`);
    this.name = 'AssetRegisterError';
  }
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

function schemaValidator(): ReturnType<Ajv2020['compile']> {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'schemas', 'assets.schema.json'), 'utf8')));
  }
  return validator;
}

/** sha256(salt + value) in hex, the form identities take in the register. */
export function identityHash(value: string, salt = ''): string {
  return createHash('sha256').update(salt + value.trim().toLowerCase().replace(/\s+/g, ' ')).digest('hex');
}

/**
 * Checks a register against the schema and what a schema cannot say (unique ids, owners that
 * exist, parseable ranges and domains); throws an AssetRegisterError naming the first problem.
 */
export function validateRegister(input: unknown): AssetRegister {
  const check = schemaValidator();
  if (!check(input)) throw new AssetRegisterError(describeSchemaErrors(check.errors ?? []));
  const reg = input as AssetRegister;
  const owners = new Set((reg.owners ?? []).map((o) => o.id));
  const ids = new Set<string>();
  const each = (list: Base[] | undefined, where: string, extra?: (a: never, at: string) => void): void => {
    (list ?? []).forEach((a, i) => {
      const at = `/${where}/${i}`;
      if (ids.has(a.id)) throw new AssetRegisterError(`${at}: id '${a.id}' is used twice`);
      ids.add(a.id);
      if (a.owner !== undefined && !owners.has(a.owner)) throw new AssetRegisterError(`${at}: owner '${a.owner}' is not in /owners`);
      extra?.(a as never, at);
    });
  };
  const domainOk = (name: string, at: string): void => {
    if (!domainParts(name)) throw new AssetRegisterError(`${at}: '${name}' is not a domain name under a public suffix`);
  };
  each(reg.domains, 'domains', (d: DomainAsset, at) => {
    domainOk(d.name, at);
    if (d.punycode && domainParts(d.punycode)?.ascii !== domainParts(d.name)?.ascii) {
      throw new AssetRegisterError(`${at}: punycode '${d.punycode}' is not the ASCII form of '${d.name}' (${domainParts(d.name)?.ascii})`);
    }
  });
  each(reg.ipRanges, 'ipRanges', (r: IpRangeAsset, at) => {
    if (!parseRange(r.cidr)) throw new AssetRegisterError(`${at}: '${r.cidr}' is not an IP address or CIDR range`);
  });
  each(reg.brands, 'brands');
  each(reg.emailDomains, 'emailDomains', (e: EmailDomainAsset, at) => domainOk(e.domain, at));
  each(reg.identities, 'identities');
  each(reg.hosts, 'hosts', (h: HostAsset, at) => {
    for (const ip of h.ips ?? []) if (!parseRange(ip)) throw new AssetRegisterError(`${at}: '${ip}' is not an IP address`);
  });
  return reg;
}

export function loadRegister(file: string): AssetRegister {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AssetRegisterError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AssetRegisterError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return validateRegister(json);
}

/** An address or CIDR as [network bytes, prefix length]; undefined when it is neither. */
export function parseRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const addr = ipaddr.parse(text);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

function maskedKey(bytes: number[], bits: number): string {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out.push(bytes[i] & ((0xff << (8 - keep)) & 0xff));
  }
  return `${bytes.length}/${bits}/${out.join('.')}`;
}

export interface IndexedDomain { asset: DomainAsset; ref: AssetRef; parts: DomainParts }

/**
 * The register indexed for matching: exact names and addresses by hash lookup, ranges by one
 * lookup per distinct prefix length (at most 33 for IPv4, 129 for IPv6), so matching costs the
 * same against ten assets or ten thousand.
 */
export class AssetIndex {
  readonly domains = new Map<string, IndexedDomain>();
  readonly watchedDomains: IndexedDomain[] = [];
  readonly emailDomains = new Map<string, AssetRef>();
  readonly identities = new Map<string, AssetRef>();
  readonly brands: Array<{ ref: AssetRef; names: string[] }> = [];
  readonly salt: string;
  private readonly ranges = new Map<string, AssetRef>();
  private readonly rangeList: Array<{ net: ipaddr.IPv4 | ipaddr.IPv6; bits: number; ref: AssetRef }> = [];
  private readonly prefixLengths = new Set<string>();
  private readonly owners: Map<string, string>;

  constructor(readonly register: AssetRegister) {
    this.salt = register.identitySalt ?? '';
    this.owners = new Map((register.owners ?? []).map((o) => [o.id, o.name]));
    for (const d of register.domains ?? []) {
      const parts = domainParts(d.punycode ?? d.name)!;
      const entry = { asset: d, ref: this.ref('domain', d, parts.unicode), parts };
      this.domains.set(parts.ascii, entry);
      if (d.lookalikes !== false) this.watchedDomains.push(entry);
    }
    for (const r of register.ipRanges ?? []) this.addRange(r.cidr, this.ref('ipRange', r, r.description ?? r.cidr));
    for (const h of register.hosts ?? []) {
      const ref = this.ref('host', h, h.hostname ?? h.id);
      for (const ip of h.ips ?? []) this.addRange(ip, ref);
    }
    for (const e of register.emailDomains ?? []) this.emailDomains.set(domainParts(e.domain)!.ascii, this.ref('emailDomain', e, e.domain));
    for (const i of register.identities ?? []) for (const h of i.hashes) this.identities.set(h, this.ref('identity', i, `${i.kind} ${i.id}`));
    for (const b of register.brands ?? []) this.brands.push({ ref: this.ref('brand', b, b.name), names: [b.name, ...(b.aliases ?? [])] });
  }

  private ref(kind: AssetKind, a: Base, label: string): AssetRef {
    return { kind, id: a.id, label, criticality: a.criticality, owner: a.owner ? this.owners.get(a.owner) : undefined };
  }

  private addRange(text: string, ref: AssetRef): void {
    const [net, bits] = parseRange(text)!;
    const key = maskedKey(net.toByteArray(), bits);
    // A host's own address is more specific than the range it sits in: the host wins.
    if (!this.ranges.has(key) || ref.kind === 'host') this.ranges.set(key, ref);
    this.prefixLengths.add(`${net.toByteArray().length}/${bits}`);
    this.rangeList.push({ net, bits, ref });
  }

  /** The city's ranges and addresses inside a wider range named by intelligence (a scan). */
  rangesWithin(cidr: string): AssetRef[] {
    const parsed = cidr.includes('/') ? parseRange(cidr) : undefined;
    if (!parsed) return [];
    const [outer, bits] = parsed;
    const out = new Map<string, AssetRef>();
    for (const r of this.rangeList) {
      if (r.net.kind() === outer.kind() && r.bits >= bits && r.net.match(outer, bits)) out.set(r.ref.id, r.ref);
    }
    return [...out.values()];
  }

  /** The most specific asset whose range holds the address (or the whole CIDR), if any. */
  lookupIp(text: string): AssetRef | undefined {
    const parsed = parseRange(text);
    if (!parsed) return undefined;
    const [addr, bits] = parsed;
    const bytes = (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr).toByteArray();
    let best: AssetRef | undefined;
    let bestBits = -1;
    for (const pl of this.prefixLengths) {
      const [len, plBits] = pl.split('/').map(Number);
      if (len !== bytes.length || plBits > bits || plBits <= bestBits) continue;
      const hit = this.ranges.get(maskedKey(bytes, plBits));
      if (hit) { best = hit; bestBits = plBits; }
    }
    return best;
  }

  /** The register's domain this name is, or is under (when the asset covers subdomains). */
  lookupDomain(name: string): IndexedDomain | undefined {
    const parts = domainParts(name);
    if (!parts) return undefined;
    const exact = this.domains.get(parts.ascii);
    if (exact) return exact;
    const labels = parts.ascii.split('.');
    for (let i = 1; i < labels.length - 1; i++) {
      const hit = this.domains.get(labels.slice(i).join('.'));
      if (hit && hit.asset.subdomains !== false) return hit;
    }
    return undefined;
  }
}
