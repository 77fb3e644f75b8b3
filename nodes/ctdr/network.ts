/**
 * The attack graph's network, put together from three sources: the asset register (hosts, their
 * zones, criticality and crown jewels; schemas/assets.schema.json, shared with CTI), the zone and
 * firewall description (schemas/ctdr-network.schema.json) and the scans (services and
 * vulnerabilities, by address).
 */
import type { FirewallRule, NetCredential, NetHost, NetService, NetShare, Network, Privilege } from './graph/model';
import { netVulnsOf } from './vulns';
import type { VulnIndex } from './vulns';

/** The part of an asset register CTDR reads. */
export interface RegisterHost {
  id: string;
  hostname?: string;
  ips?: string[];
  zone?: string;
  software?: Array<{ cpe: string; ports?: number[] }>;
  crownJewel?: boolean;
  owner?: string;
  criticality: NetHost['criticality'];
}

export interface NetworkDescription {
  zones: string[];
  entryZones: string[];
  firewall: FirewallRule[];
  openWithinZone?: boolean;
  shares?: NetShare[];
  credentials?: NetCredential[];
  /** Services the scans may not show, or the account a service runs as. */
  services?: Array<{ host: string; port: number; protocol?: string; name?: string; privilege?: Privilege }>;
}

/** Services that run as a privileged account unless the description says otherwise. */
const PRIVILEGED_PORTS = new Set([22, 111, 135, 139, 445, 2049, 3389, 5985, 20048]);

export interface HostRef {
  id: string;
  label: string;
  ip: string;
  zone?: string;
  criticality: NetHost['criticality'];
  crownJewel: boolean;
  owner?: string;
}

/** Registered hosts by address, for correlation. */
export function hostsByIp(hosts: RegisterHost[]): Map<string, HostRef> {
  const out = new Map<string, HostRef>();
  for (const h of hosts) {
    for (const ip of h.ips ?? []) {
      out.set(ip, {
        id: h.id, label: h.hostname ?? h.id, ip, criticality: h.criticality, crownJewel: h.crownJewel === true,
        ...(h.zone ? { zone: h.zone } : {}), ...(h.owner ? { owner: h.owner } : {}),
      });
    }
  }
  return out;
}

export function buildNetwork(hosts: RegisterHost[], desc: NetworkDescription, vulns: VulnIndex): { network: Network; unzoned: string[] } {
  const zones = new Set(desc.zones);
  const unzoned: string[] = [];
  const netHosts: NetHost[] = [];
  for (const h of hosts) {
    if (!h.zone || !zones.has(h.zone)) {
      unzoned.push(h.id);
      continue;
    }
    const services = new Map<string, NetService>();
    const put = (port: number, protocol: string, name?: string, privilege?: Privilege): void => {
      const k = `${protocol}/${port}`;
      const prev = services.get(k);
      services.set(k, {
        port, protocol,
        ...(name ?? prev?.name ? { name: name ?? prev?.name } : {}),
        privilege: privilege ?? prev?.privilege ?? (PRIVILEGED_PORTS.has(port) ? 'root' : 'user'),
      });
    };
    for (const s of h.software ?? []) for (const p of s.ports ?? []) put(p, 'tcp');
    const found = (h.ips ?? []).flatMap((ip) => vulns.of(ip));
    const { vulns: hv, services: seen } = netVulnsOf(found);
    for (const s of seen) put(s.port, s.protocol, s.name);
    for (const s of desc.services ?? []) if (s.host === h.id) put(s.port, s.protocol ?? 'tcp', s.name, s.privilege);
    // The same CVE found on two addresses of one host is one vulnerability.
    const unique = new Map(hv.map((v) => [`${v.id}|${v.protocol ?? ''}|${v.port ?? ''}`, v]));
    netHosts.push({ id: h.id, zone: h.zone, criticality: h.criticality, crownJewel: h.crownJewel === true, services: [...services.values()], vulns: [...unique.values()] });
  }
  return {
    network: {
      zones: desc.zones,
      entryZones: desc.entryZones,
      hosts: netHosts,
      firewall: desc.firewall,
      ...(desc.openWithinZone !== undefined ? { openWithinZone: desc.openWithinZone } : {}),
      ...(desc.shares ? { shares: desc.shares } : {}),
      ...(desc.credentials ? { credentials: desc.credentials } : {}),
    },
    unzoned,
  };
}
