/**
 * Seeded synthetic networks for tests and the bench: an Internet entry zone, a DMZ and inner
 * zones in a chain (each reaches the next on a few ports), hosts with common services, remote,
 * local and client-side vulnerabilities, and crown jewels in the innermost zone.
 */
import type { Network, NetHost, NetService, NetVuln } from './model';
import { prng } from './random';

export interface SyntheticOptions {
  hosts: number;
  /** Zones besides the Internet (the first is the DMZ). */
  zones: number;
  seed: number;
  /** Chance that a service has a remote vulnerability (0.35 unless set). */
  vulnRate?: number;
}

const SERVICES: NetService[] = [
  { port: 22, protocol: 'tcp', name: 'ssh', privilege: 'root' },
  { port: 80, protocol: 'tcp', name: 'http', privilege: 'user' },
  { port: 443, protocol: 'tcp', name: 'https', privilege: 'user' },
  { port: 445, protocol: 'tcp', name: 'smb', privilege: 'root' },
  { port: 3306, protocol: 'tcp', name: 'mysql', privilege: 'user' },
  { port: 3389, protocol: 'tcp', name: 'rdp', privilege: 'root' },
];

export function syntheticNetwork(o: SyntheticOptions): Network {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const zones = ['internet', ...Array.from({ length: o.zones }, (_, i) => (i === 0 ? 'dmz' : `zone${i}`))];
  const inner = zones.slice(1);
  const hosts: NetHost[] = [];
  let cve = 10000;
  for (let i = 0; i < o.hosts; i++) {
    const zone = i < inner.length ? inner[i] : pick(inner);
    const services = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(SERVICES)))];
    const vulns: NetVuln[] = [];
    for (const s of services) {
      if (rnd() < (o.vulnRate ?? 0.35)) vulns.push({ id: `CVE-2024-${cve++}`, port: s.port, protocol: s.protocol, kind: 'remote', gives: rnd() < 0.2 ? 'root' : 'user', likelihood: 0.05 + rnd() * 0.9 });
    }
    if (rnd() < 0.3) vulns.push({ id: `CVE-2024-${cve++}`, kind: 'local', gives: 'root', likelihood: 0.3 + rnd() * 0.6 });
    if (rnd() < 0.1) vulns.push({ id: `CVE-2024-${cve++}`, kind: 'client', gives: 'user', likelihood: 0.1 + rnd() * 0.5 });
    hosts.push({ id: `h${i}`, zone, criticality: pick(['low', 'medium', 'high'] as const), services, vulns });
  }
  const deepest = hosts.filter((h) => h.zone === inner[inner.length - 1]);
  const jewels = Math.max(1, Math.round(o.hosts * 0.02));
  for (const h of deepest.slice(0, jewels)) {
    h.crownJewel = true;
    h.criticality = 'critical';
  }
  const firewall: Network['firewall'] = [
    { id: 'in-dmz', from: 'internet', to: 'dmz', protocol: 'tcp', ports: [80, 443] },
  ];
  for (let i = 1; i < inner.length; i++) {
    firewall.push({ id: `${inner[i - 1]}-${inner[i]}`, from: inner[i - 1], to: inner[i], protocol: 'tcp', ports: [pick([22, 445, 3389]), pick([80, 443, 3306])] });
    firewall.push({ id: `${inner[i]}-out`, from: inner[i], to: 'internet', protocol: 'tcp', ports: [443] });
  }
  return { zones, entryZones: ['internet'], hosts, firewall };
}
