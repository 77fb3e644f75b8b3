/**
 * The network as the attack graph sees it (MulVAL's input facts), and its grounding into an
 * AND/OR graph: leaves are primitive facts (a firewall permission, a service, a vulnerability),
 * derived facts are what an attacker may gain (network access, code execution, a credential),
 * and each rule instance derives one fact from its preconditions.
 *
 * The rules follow MulVAL's interaction rules (Ou, Govindavajhala, Appel, "MulVAL: A Logic-based
 * Network Security Analyzer", USENIX Security 2005), with a zone as a host set:
 *   netAccess(H, Proto, Port)  <- foothold(Z), hacl(Z, H, Proto, Port)
 *   netAccess(H, Proto, Port)  <- execCode(S, user), hacl(S, H, Proto, Port)
 *   foothold(Z)                <- attackerLocated(Z)  |  execCode(H, user), H in Z
 *   execCode(H, Priv)          <- netAccess(H, Proto, Port), networkService(H, Proto, Port, Priv), vulExists(H, V, remote)
 *   execCode(H, root)          <- execCode(H, user), vulExists(H, V, local)
 *   execCode(H, user)          <- vulExists(H, V, client), egress(zone(H), attacker zone)      (malicious content)
 *   execCode(H, user)          <- execCode(H, root)
 *   accessFile(S)              <- execCode(S, root)
 *   accessFile(S)              <- execCode(C, user), nfsExport(S, C, write), hacl(C, S, nfs)
 *   execCode(C, Priv)          <- accessFile(S), nfsMounted(C, S) run as Priv                 (trojan in a shared folder)
 *   hasCredential(K)           <- execCode(H, root), stored(K, H)  |  netAccess(H, …), vulExists(H, V, leaks credentials)
 *   execCode(H, Priv)          <- hasCredential(K), account(H, K, Priv, Port), netAccess(H, Proto, Port)
 */

export type Privilege = 'user' | 'root';
export type VulnKind = 'remote' | 'local' | 'client';
export type VulnGives = Privilege | 'credentials' | 'none';

export interface NetService {
  port: number;
  protocol: string;
  name?: string;
  /** The privilege an exploit of this service gives (the account it runs as). */
  privilege: Privilege;
}

export interface NetVuln {
  id: string;
  /** Where a remote vulnerability is reached; unset for local and client-side ones. */
  port?: number;
  protocol?: string;
  kind: VulnKind;
  gives: VulnGives;
  /** Likelihood that an attempt succeeds, 0–1 (from EPSS, KEV and CVSS: see likelihood.ts). */
  likelihood: number;
  score?: number;
}

export interface NetHost {
  id: string;
  zone: string;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  crownJewel?: boolean;
  services: NetService[];
  vulns: NetVuln[];
}

/** A firewall permission: `from` a zone or a host, `to` a zone or a host, on ports of a protocol. */
export interface FirewallRule {
  id?: string;
  from: string;
  to: string;
  protocol?: string;
  /** Omitted: every port. */
  ports?: number[];
}

export interface NetShare {
  server: string;
  client: string;
  /** The client may write to the export (an NFS rw export). */
  clientWrites?: boolean;
  /** The client runs programs from the share as this privilege (a trojan placed there runs so). */
  executedAs?: Privilege;
  port?: number;
  protocol?: string;
}

export interface NetCredential {
  id: string;
  /** Hosts where the credential is stored (a key file, a password in a script). */
  storedOn: string[];
  /** Where it logs in: host, port and the privilege it gives. */
  logsInto: Array<{ host: string; port: number; protocol?: string; privilege: Privilege }>;
}

export interface Network {
  zones: string[];
  /** Zones the attacker starts in (usually "internet"). */
  entryZones: string[];
  hosts: NetHost[];
  firewall: FirewallRule[];
  /** Hosts of one zone reach each other on every service (true unless said otherwise). */
  openWithinZone?: boolean;
  shares?: NetShare[];
  credentials?: NetCredential[];
}

/** Leaves a countermeasure can remove, by kind. */
export type LeafKind = 'attacker' | 'hacl' | 'service' | 'vuln' | 'egress' | 'export' | 'mount' | 'stored' | 'account';

export interface Leaf {
  key: string;
  kind: LeafKind;
  host?: string;
  /** hacl/egress: the source zone or host. */
  from?: string;
  port?: number;
  protocol?: string;
  vuln?: string;
  /** Firewall rule that grants a hacl/egress leaf (undefined: the zone's own openness). */
  rule?: string;
  p: number;
}

export interface Rule {
  id: number;
  name: string;
  /** The derived fact it concludes. */
  head: number;
  /** Derived preconditions (fact indexes). */
  pre: number[];
  /** Primitive preconditions (leaf indexes). */
  leaves: number[];
  /** The host the step acts on, for paths and correlation. */
  host?: string;
}

export interface AttackGraph {
  facts: string[];
  leaves: Leaf[];
  rules: Rule[];
  /** Rules by each derived fact they conclude. */
  derivers: number[][];
  /** Rules by each derived fact they need. */
  users: number[][];
  /** Rules that need no derived fact. */
  roots: number[];
  factIndex: Map<string, number>;
  /** Goal facts (execCode(crown jewel, user)) with their weight. */
  goals: Array<{ fact: number; host: string; weight: number }>;
  hosts: Map<string, NetHost>;
}

export const CRITICALITY_WEIGHT: Record<NetHost['criticality'], number> = { low: 1, medium: 2, high: 4, critical: 8 };

const NFS = { port: 2049, protocol: 'tcp' };

export class NetworkError extends Error {}

function portsMatch(rule: FirewallRule, svc: { port: number; protocol: string }): boolean {
  if (rule.protocol && rule.protocol !== 'any' && rule.protocol !== svc.protocol) return false;
  return !rule.ports || rule.ports.includes(svc.port);
}

/** Grounds the MulVAL rules over a network into an AND/OR graph. */
export function buildGraph(net: Network): AttackGraph {
  const facts: string[] = [];
  const factIndex = new Map<string, number>();
  const leaves: Leaf[] = [];
  const leafIndex = new Map<string, number>();
  const rules: Rule[] = [];
  const hosts = new Map<string, NetHost>();
  const zones = new Set(net.zones);
  for (const z of net.entryZones) if (!zones.has(z)) throw new NetworkError(`entry zone '${z}' is not a zone`);
  for (const h of net.hosts) {
    if (hosts.has(h.id)) throw new NetworkError(`host '${h.id}' given twice`);
    if (zones.has(h.id)) throw new NetworkError(`'${h.id}' names both a host and a zone`);
    if (!zones.has(h.zone)) throw new NetworkError(`host '${h.id}': zone '${h.zone}' is not a zone`);
    hosts.set(h.id, h);
  }
  const fact = (key: string): number => {
    let i = factIndex.get(key);
    if (i === undefined) {
      i = facts.length;
      facts.push(key);
      factIndex.set(key, i);
    }
    return i;
  };
  const leaf = (l: Omit<Leaf, 'p'> & { p?: number }): number => {
    let i = leafIndex.get(l.key);
    if (i === undefined) {
      i = leaves.length;
      leaves.push({ p: 1, ...l });
      leafIndex.set(l.key, i);
    }
    return i;
  };
  const ruleKeys = new Set<string>();
  const rule = (name: string, head: number, pre: number[], ls: number[], host?: string): void => {
    const key = `${name}|${head}|${pre.join(',')}|${ls.join(',')}`;
    if (ruleKeys.has(key)) return; // the same instance from two facts (two shares of one server)
    ruleKeys.add(key);
    rules.push({ id: rules.length, name, head, pre, leaves: ls, ...(host ? { host } : {}) });
  };
  const exec = (h: string, p: Privilege): number => fact(`execCode(${h},${p})`);
  const foothold = (z: string): number => fact(`foothold(${z})`);
  const netAccess = (h: string, s: { protocol: string; port: number }): number => fact(`netAccess(${h},${s.protocol},${s.port})`);
  const serviceLeaf = (h: NetHost, s: { protocol: string; port: number }): number =>
    leaf({ key: `networkService(${h.id},${s.protocol},${s.port})`, kind: 'service', host: h.id, port: s.port, protocol: s.protocol });
  const endpoint = (name: string, what: string): void => {
    if (!zones.has(name) && !hosts.has(name) && name !== '*') throw new NetworkError(`firewall rule ${what}: '${name}' is neither a zone nor a host`);
  };
  const targets = (to: string): NetHost[] => (to === '*' ? net.hosts : hosts.has(to) ? [hosts.get(to)!] : net.hosts.filter((h) => h.zone === to));

  // Attacker locations.
  for (const z of net.entryZones) rule('attackerLocated', foothold(z), [], [leaf({ key: `attackerLocated(${z})`, kind: 'attacker', from: z })]);
  // Reachability: firewall rules and the zones' own openness, onto every service they cover.
  const hacl = (from: string, h: NetHost, s: NetService | typeof NFS & { privilege?: Privilege }, ruleId?: string): void => {
    const l = leaf({ key: `hacl(${from},${h.id},${s.protocol},${s.port})`, kind: 'hacl', from, host: h.id, port: s.port, protocol: s.protocol, ...(ruleId ? { rule: ruleId } : {}) });
    const src = hosts.has(from) ? exec(from, 'user') : foothold(from);
    rule('hacl', netAccess(h.id, s), [src], [l, serviceLeaf(h, s)], h.id);
  };
  net.firewall.forEach((r, i) => {
    const what = r.id ?? `#${i + 1}`;
    endpoint(r.from, what);
    endpoint(r.to, what);
    if (r.from === '*') throw new NetworkError(`firewall rule ${what}: the source must be a zone or a host`);
    for (const h of targets(r.to)) for (const s of h.services) if (portsMatch(r, s) && h.id !== r.from) hacl(r.from, h, s, r.id ?? what);
    // Egress towards an attacker zone lets client-side exploits fetch malicious content.
    if (net.entryZones.includes(r.to) && zones.has(r.from)) leaf({ key: `egress(${r.from},${r.to})`, kind: 'egress', from: r.from, host: r.to, rule: r.id ?? what });
  });
  if (net.openWithinZone !== false) {
    for (const h of net.hosts) for (const s of h.services) hacl(h.zone, h, s);
  }
  for (const h of net.hosts) {
    rule('zoneFoothold', foothold(h.zone), [exec(h.id, 'user')], [], h.id);
    rule('rootIsUser', exec(h.id, 'user'), [exec(h.id, 'root')], [], h.id);
    for (const v of h.vulns) {
      const vl = leaf({ key: `vulExists(${h.id},${v.id}${v.port !== undefined ? `,${v.protocol ?? 'tcp'},${v.port}` : ''})`, kind: 'vuln', host: h.id, vuln: v.id, p: v.likelihood, ...(v.port !== undefined ? { port: v.port, protocol: v.protocol ?? 'tcp' } : {}) });
      if (v.gives === 'none') continue;
      if (v.kind === 'remote') {
        const s = h.services.find((x) => x.port === v.port && x.protocol === (v.protocol ?? 'tcp'));
        if (!s) continue; // no service known on that port: the scan's finding is kept, the graph has no step for it
        const pre = [netAccess(h.id, s)];
        const ls = [vl, serviceLeaf(h, s)];
        if (v.gives === 'credentials') {
          for (const c of net.credentials ?? []) if (c.storedOn.includes(h.id)) rule('remoteCredentialLeak', fact(`hasCredential(${c.id})`), pre, ls, h.id);
        } else {
          rule('remoteExploit', exec(h.id, v.gives === 'root' || s.privilege === 'root' ? 'root' : 'user'), pre, ls, h.id);
        }
      } else if (v.kind === 'local') {
        if (v.gives === 'credentials') {
          for (const c of net.credentials ?? []) if (c.storedOn.includes(h.id)) rule('localCredentialLeak', fact(`hasCredential(${c.id})`), [exec(h.id, 'user')], [vl], h.id);
        } else rule('localPrivEscalation', exec(h.id, 'root'), [exec(h.id, 'user')], [vl], h.id);
      } else {
        for (const z of net.entryZones) {
          const egress = leafIndex.get(`egress(${h.zone},${z})`);
          if (egress !== undefined) rule('clientExploit', exec(h.id, v.gives === 'root' ? 'root' : 'user'), [foothold(z)], [vl, egress], h.id);
        }
      }
    }
  }
  for (const sh of net.shares ?? []) {
    const server = hosts.get(sh.server);
    const client = hosts.get(sh.client);
    if (!server || !client) throw new NetworkError(`share ${sh.server} → ${sh.client}: both must be hosts`);
    const svc = { port: sh.port ?? NFS.port, protocol: sh.protocol ?? NFS.protocol };
    rule('rootOwnsFiles', fact(`accessFile(${server.id})`), [exec(server.id, 'root')], [], server.id);
    if (sh.clientWrites) {
      const exp = leaf({ key: `nfsExport(${server.id},${client.id},write)`, kind: 'export', host: server.id, from: client.id });
      // The client reaches the server's file service through whatever permission covers it.
      for (const r of rules.slice()) {
        if (r.name !== 'hacl' || r.head !== netAccess(server.id, svc)) continue;
        const l = leaves[r.leaves[0]];
        if (l.from === client.id || l.from === client.zone) rule('nfsWrite', fact(`accessFile(${server.id})`), [exec(client.id, 'user')], [exp, ...r.leaves], server.id);
      }
    }
    if (sh.executedAs) {
      const mount = leaf({ key: `nfsMounted(${client.id},${server.id})`, kind: 'mount', host: client.id, from: server.id });
      rule('trojanViaShare', exec(client.id, sh.executedAs), [fact(`accessFile(${server.id})`)], [mount], client.id);
    }
  }
  for (const c of net.credentials ?? []) {
    const has = fact(`hasCredential(${c.id})`);
    for (const h of c.storedOn) {
      if (!hosts.has(h)) throw new NetworkError(`credential ${c.id}: '${h}' is not a host`);
      rule('credentialTheft', has, [exec(h, 'root')], [leaf({ key: `stored(${c.id},${h})`, kind: 'stored', host: h })], h);
    }
    for (const a of c.logsInto) {
      const h = hosts.get(a.host);
      if (!h) throw new NetworkError(`credential ${c.id}: '${a.host}' is not a host`);
      const svc = { port: a.port, protocol: a.protocol ?? 'tcp' };
      const acct = leaf({ key: `account(${h.id},${c.id},${a.privilege})`, kind: 'account', host: h.id });
      rule('credentialLogin', exec(h.id, a.privilege), [has, netAccess(h.id, svc)], [acct, serviceLeaf(h, svc)], h.id);
    }
  }
  const derivers: number[][] = facts.map(() => []);
  const users: number[][] = facts.map(() => []);
  const roots: number[] = [];
  for (const r of rules) {
    derivers[r.head].push(r.id);
    for (const f of r.pre) users[f].push(r.id);
    if (!r.pre.length) roots.push(r.id);
  }
  const goals = net.hosts.filter((h) => h.crownJewel).map((h) => ({ fact: fact(`execCode(${h.id},user)`), host: h.id, weight: CRITICALITY_WEIGHT[h.criticality] }));
  // Goal facts created just now have no rule: they are simply never derived.
  while (derivers.length < facts.length) {
    derivers.push([]);
    users.push([]);
  }
  return { facts, leaves, rules, derivers, users, roots, factIndex, goals, hosts };
}
