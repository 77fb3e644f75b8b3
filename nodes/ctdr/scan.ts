/**
 * Scanner reports (Nessus `.nessus` v2, OpenVAS/Greenbone XML) read as a stream into one
 * finding shape. Each finding is handed on as soon as its element closes, so a report of any size
 * is never held: what is kept is one finding and the current host's properties.
 */
import { readXml } from './xml';
import type { XmlHandler, XmlLimits } from './xml';

export type SeverityLevel = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface ScanHost {
  ip?: string;
  name?: string;
  fqdn?: string;
  os?: string;
}

/** One line of a scan report: a vulnerability on a host and port, or (severity info, no CVE) a service seen open. */
export interface Finding {
  scanner: 'nessus' | 'openvas';
  host: ScanHost;
  port: number;
  protocol: string;
  service?: string;
  /** Nessus plugin id or OpenVAS NVT OID. */
  pluginId: string;
  name: string;
  severity: SeverityLevel;
  cves: string[];
  cvss: { v2?: string; v3?: string; v4?: string };
  /** The score the scanner reported (CVSS base of its own choice). */
  scannerScore?: number;
  exploitAvailable?: boolean;
  solution?: string;
  synopsis?: string;
  cpe?: string[];
}

/** Longest text kept in a finding's fields; the rest of a plugin output is not needed to correlate. */
const MAX_FIELD = 4096;
const CVE = /^CVE-\d{4}-\d{4,}$/;

function appendCapped(target: Record<string, string>, key: string, text: string): void {
  const prev = target[key] ?? '';
  if (prev.length < MAX_FIELD) target[key] = (prev + text).slice(0, MAX_FIELD);
}

function portOf(value: string | undefined, what: string): number {
  const port = Number(value ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what}: port '${value}' is not 0-65535`);
  return port;
}

/** Nessus v2: NessusClientData_v2 > Report > ReportHost > (HostProperties > tag)*, ReportItem*. */
class NessusHandler implements XmlHandler {
  private host: ScanHost = {};
  private hostName = '';
  private item?: { attrs: Record<string, string>; fields: Record<string, string>; cves: string[]; cpe: string[] };
  private tag?: string;
  private field?: string;
  private items = 0;

  constructor(private readonly onFinding: (f: Finding) => void) {}

  open(name: string, attrs: Record<string, string>, path: readonly string[]): void {
    if (path.length === 1 && name !== 'NessusClientData_v2') throw new Error(`not a Nessus v2 report: the root is <${name}>`);
    if (name === 'ReportHost') {
      this.hostName = attrs.name ?? '';
      this.host = {};
    } else if (name === 'tag' && path[path.length - 2] === 'HostProperties') {
      this.tag = attrs.name;
      this.field = '';
    } else if (name === 'ReportItem') {
      this.item = { attrs, fields: {}, cves: [], cpe: [] };
    } else if (this.item && path.length >= 2 && path[path.length - 2] === 'ReportItem') {
      this.field = name;
      if (name === 'cve' || name === 'cpe') this.item.fields[name] = '';
    }
  }

  text(text: string): void {
    if (this.tag !== undefined && this.field !== undefined) this.field = (this.field + text).slice(0, MAX_FIELD);
    else if (this.item && this.field) appendCapped(this.item.fields, this.field, text);
  }

  close(name: string): void {
    if (name === 'tag' && this.tag !== undefined) {
      const value = (this.field ?? '').trim();
      if (this.tag === 'host-ip') this.host.ip = value;
      else if (this.tag === 'hostname' || this.tag === 'netbios-name') this.host.name ??= value;
      else if (this.tag === 'host-fqdn') this.host.fqdn = value;
      else if (this.tag === 'operating-system') this.host.os = value;
      this.tag = undefined;
      this.field = undefined;
    } else if (this.item && name === 'cve') {
      const cve = (this.item.fields.cve ?? '').trim().toUpperCase();
      if (CVE.test(cve)) this.item.cves.push(cve);
      this.field = undefined;
    } else if (this.item && name === 'cpe') {
      this.item.cpe.push(...(this.item.fields.cpe ?? '').trim().split(/\s+/).filter(Boolean));
      this.field = undefined;
    } else if (name === 'ReportItem' && this.item) {
      this.onFinding(this.finding(this.item));
      this.item = undefined;
    } else if (this.item) {
      this.field = undefined;
    }
  }

  private finding(item: NonNullable<NessusHandler['item']>): Finding {
    const { attrs, fields } = item;
    const where = `ReportItem ${++this.items} (host ${this.hostName})`;
    const sev = Number(attrs.severity ?? 0);
    if (!Number.isInteger(sev) || sev < 0 || sev > 4) throw new Error(`${where}: severity '${attrs.severity}' is not 0-4`);
    const host: ScanHost = { ...this.host };
    host.ip ??= /^[\d.]+$|:/.test(this.hostName) ? this.hostName : undefined;
    host.name ??= host.ip === this.hostName ? undefined : this.hostName;
    const v2 = fields.cvss_vector?.trim().replace(/^CVSS2#/, '');
    const v3 = fields.cvss3_vector?.trim();
    const v4 = (fields.cvss4_vector ?? fields.cvss4_base_vector)?.trim();
    const score = Number(fields.cvss3_base_score ?? fields.cvss_base_score ?? NaN);
    return {
      scanner: 'nessus',
      host,
      port: portOf(attrs.port, where),
      protocol: (attrs.protocol ?? 'tcp').toLowerCase(),
      ...(attrs.svc_name ? { service: attrs.svc_name } : {}),
      pluginId: attrs.pluginID ?? '',
      name: (attrs.pluginName ?? fields.plugin_name ?? '').trim(),
      severity: SEVERITY_LEVELS[sev],
      cves: item.cves,
      cvss: { ...(v2 ? { v2 } : {}), ...(v3 ? { v3 } : {}), ...(v4 ? { v4 } : {}) },
      ...(Number.isFinite(score) ? { scannerScore: score } : {}),
      ...(fields.exploit_available !== undefined ? { exploitAvailable: fields.exploit_available.trim() === 'true' } : {}),
      ...(fields.solution ? { solution: fields.solution.trim() } : {}),
      ...(fields.synopsis ? { synopsis: fields.synopsis.trim() } : {}),
      ...(item.cpe.length ? { cpe: item.cpe } : {}),
    };
  }
}

/** OpenVAS/Greenbone (GMP get_reports XML): … report > results > result. */
class OpenVasHandler implements XmlHandler {
  private result?: { attrs: Record<string, string>; fields: Record<string, string>; cves: string[]; v3?: string; v4?: string; v2?: string; sevType?: string };
  private depth = 0;
  private results = 0;

  constructor(private readonly onFinding: (f: Finding) => void) {}

  open(name: string, attrs: Record<string, string>, path: readonly string[]): void {
    if (path.length === 1 && name !== 'report' && name !== 'get_reports_response') throw new Error(`not an OpenVAS/Greenbone report: the root is <${name}>`);
    if (name === 'result' && path[path.length - 2] === 'results' && !this.result) {
      this.result = { attrs, fields: {}, cves: [] };
      this.depth = path.length;
      return;
    }
    const r = this.result;
    if (!r) return;
    if (name === 'ref' && attrs.type?.toLowerCase() === 'cve' && CVE.test((attrs.id ?? '').toUpperCase())) r.cves.push(attrs.id.toUpperCase());
    if (name === 'nvt' && path.length === this.depth + 1) r.fields.oid = attrs.oid ?? '';
    if (name === 'severity' && path[path.length - 2] === 'severities') r.sevType = attrs.type;
  }

  text(text: string, path: readonly string[]): void {
    if (!this.result) return;
    appendCapped(this.result.fields, path.slice(this.depth).join('/'), text);
  }

  close(name: string, path: readonly string[]): void {
    const r = this.result;
    if (!r) return;
    if (name === 'severity' && path[path.length - 2] === 'severities') {
      const key = path.slice(this.depth).join('/') + '/value';
      const vector = r.fields[key]?.trim();
      if (vector) {
        if (r.sevType === 'cvss_base_v4' || vector.startsWith('CVSS:4.0/')) r.v4 = vector;
        else if (r.sevType === 'cvss_base_v3' || vector.startsWith('CVSS:3')) r.v3 = vector;
        else r.v2 = vector;
      }
      delete r.fields[key];
    }
    if (name === 'result' && path.length === this.depth) {
      this.onFinding(this.finding(r));
      this.result = undefined;
    }
  }

  private finding(r: NonNullable<OpenVasHandler['result']>): Finding {
    const f = r.fields;
    const where = `result ${++this.results}${r.attrs.id ? ` (${r.attrs.id})` : ''}`;
    // "80/tcp", "general/tcp", "general/icmp", "package"
    const [portText, protocol = 'tcp'] = (f.port ?? '').trim().split('/');
    const port = /^\d+$/.test(portText) ? portOf(portText, where) : 0;
    const score = Number(f.severity ?? f['nvt/cvss_base'] ?? NaN);
    const tags = Object.fromEntries((f['nvt/tags'] ?? '').split('|').map((kv) => {
      const at = kv.indexOf('=');
      return [kv.slice(0, at), kv.slice(at + 1)];
    }));
    const v2 = r.v2 ?? tags.cvss_base_vector;
    return {
      scanner: 'openvas',
      host: { ip: f.host?.trim() || undefined, ...(f['host/hostname']?.trim() ? { name: f['host/hostname'].trim() } : {}) },
      port,
      protocol: protocol.toLowerCase(),
      pluginId: f.oid ?? '',
      name: (f['nvt/name'] ?? f.name ?? '').trim(),
      severity: severityOfScore(Number.isFinite(score) ? score : 0),
      cves: r.cves,
      cvss: { ...(v2 ? { v2 } : {}), ...(r.v3 ? { v3: r.v3 } : {}), ...(r.v4 ? { v4: r.v4 } : {}) },
      ...(Number.isFinite(score) ? { scannerScore: score } : {}),
      ...(f['nvt/solution']?.trim() ? { solution: f['nvt/solution'].trim() } : {}),
      ...(tags.summary ? { synopsis: tags.summary } : {}),
    };
  }
}

/** CVSS's qualitative rating of a base score (v3.1 and v4.0 share it). */
export function severityOfScore(score: number): SeverityLevel {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** Picks the reader by the root element, so one node reads both formats. */
class AnyReportHandler implements XmlHandler {
  private inner?: XmlHandler;
  constructor(private readonly onFinding: (f: Finding) => void) {}
  open(name: string, attrs: Record<string, string>, path: readonly string[]): void {
    if (!this.inner) {
      if (name === 'NessusClientData_v2') this.inner = new NessusHandler(this.onFinding);
      else if (name === 'report' || name === 'get_reports_response') this.inner = new OpenVasHandler(this.onFinding);
      else throw new Error(`not a Nessus v2 or OpenVAS report: the root is <${name}>`);
    }
    this.inner.open(name, attrs, path);
  }
  text(text: string, path: readonly string[]): void {
    this.inner?.text(text, path);
  }
  close(name: string, path: readonly string[]): void {
    this.inner?.close(name, path);
  }
}

/** Reads a Nessus v2 or OpenVAS report, calling onFinding for each finding in document order. */
export async function readScanReport(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, onFinding: (f: Finding) => void, limits?: Partial<XmlLimits>): Promise<void> {
  await readXml(source, new AnyReportHandler(onFinding), limits);
}
