/**
 * CTDR speed and memory, in one run:
 *  1. a generated Nessus v2 report (--nessus-mb, 20 MB by default; --nessus-mb 100 for the
 *     issue's size) parsed by our streaming reader: MB/s and peak RSS, side by side with
 *     fast-xml-parser (already a dependency) parsing the same file whole, the usual way;
 *  2. Suricata EVE records per second through parsing and correlation against --hosts
 *     (10,000) scanned hosts, side by side with JSON.parse alone (the floor);
 *  3. attack-graph build, paths and cut for --graph-hosts (1,000) synthetic hosts (seeds 1–3 and
 *     --seed): greedy, branch and bound (within a budget) and the proven cut (implicit hitting
 *     set with HiGHS: cost, lower bound, rounds; the greedy/exact gap), and on small networks the
 *     exact cuts against brute force over every subset of countermeasures.
 * Nothing is asserted.
 *
 *   npm run bench:ctdr -- [--nessus-mb N (20)] [--hosts N (10000)] [--events N (200000)] [--graph-hosts N (1000)] [--seed S (3)]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { CtdrEngine } from '../nodes/ctdr/engine';
import { bruteForceCut, countermeasures, exactCut, greedyCut, analyse, provenCut } from '../nodes/ctdr/graph/cut';
import type { HittingSetSolver } from '../nodes/ctdr/graph/cut';
import { loadHittingSetSolver } from '../nodes/ctdr/graph/highs';
import { buildGraph } from '../nodes/ctdr/graph/model';
import { syntheticNetwork } from '../nodes/ctdr/graph/synthetic';
import { readScanReport } from '../nodes/ctdr/scan';
import type { Finding } from '../nodes/ctdr/scan';
import { readFlags } from './cli';

const USAGE = 'npm run bench:ctdr -- [--nessus-mb N (20)] [--hosts N (10000)] [--events N (200000)] [--graph-hosts N (1000)] [--seed S (3)]\n';
const flags = readFlags(process.argv.slice(2), USAGE, [], ['nessus-mb', 'hosts', 'events', 'graph-hosts', 'seed']);
const num = (k: string, d: number): number => Number(flags.get(k) ?? d);
const MB = 1024 * 1024;

const ipOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function reportItem(i: number, k: number): string {
  const port = [22, 80, 443, 445, 3306, 8080][k % 6];
  return `<ReportItem port="${port}" svc_name="svc" protocol="tcp" severity="${1 + (k % 4)}" pluginID="${100000 + k}" pluginName="Generated finding ${k} &amp; co" pluginFamily="General">` +
    `<cve>CVE-2024-${10000 + ((i * 7 + k) % 5000)}</cve><cvss3_vector>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</cvss3_vector>` +
    `<exploit_available>${k % 3 === 0}</exploit_available><solution>Upgrade the package.</solution>` +
    `<description>${'A generated description of the weakness. '.repeat(12)}</description><plugin_output><![CDATA[${'output line\n'.repeat(20)}]]></plugin_output></ReportItem>`;
}

async function writeNessus(file: string, bytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (s: string): Promise<void> | void => (out.write(s) ? undefined : new Promise((r) => out.once('drain', () => r())));
  let size = 0;
  let hosts = 0;
  await write('<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="bench">');
  while (size < bytes) {
    let host = `<ReportHost name="${ipOf(hosts)}"><HostProperties><tag name="host-ip">${ipOf(hosts)}</tag><tag name="hostname">h${hosts}</tag></HostProperties>`;
    for (let k = 0; k < 10; k++) host += reportItem(hosts, k);
    host += '</ReportHost>\n';
    size += host.length;
    hosts++;
    await write(host);
  }
  await write('</Report></NessusClientData_v2>\n');
  await new Promise<void>((r) => out.end(() => r()));
  return hosts;
}

function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  return { stop: () => { clearInterval(t); return Math.max(peak, process.memoryUsage().rss); } };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function nessus(): Promise<void> {
  const mb = num('nessus-mb', 20);
  const file = path.join(os.tmpdir(), `ctdr-bench-${process.pid}.nessus`);
  try {
    const hosts = await writeNessus(file, mb * MB);
    const size = fs.statSync(file).size;
    gc();
    const rss0 = process.memoryUsage().rss;
    let watch = peakRss();
    let t = performance.now();
    let findings = 0;
    await readScanReport(fs.createReadStream(file, { highWaterMark: 256 * 1024 }), (f: Finding) => { findings += f.cves.length ? 1 : 0; });
    const oursS = (performance.now() - t) / 1000;
    const oursPeak = watch.stop();
    gc();
    const rss1 = process.memoryUsage().rss;
    watch = peakRss();
    t = performance.now();
    const doc = new XMLParser({ ignoreAttributes: false, processEntities: false }).parse(fs.readFileSync(file, 'utf8')) as { NessusClientData_v2: { Report: { ReportHost: unknown[] } } };
    const peerS = (performance.now() - t) / 1000;
    const peerPeak = watch.stop();
    const peerHosts = doc.NessusClientData_v2.Report.ReportHost.length;
    console.log('\n1. Nessus v2 report parsed');
    console.log(`   file: ${(size / MB).toFixed(1)} MB, ${hosts} hosts, ${hosts * 10} findings`);
    console.log(`   ours (saxes, streamed): ${(size / MB / oursS).toFixed(1)} MB/s, ${findings} findings, peak RSS +${((oursPeak - rss0) / MB).toFixed(0)} MiB over ${(rss0 / MB).toFixed(0)} MiB`);
    console.log(`   fast-xml-parser (whole file): ${(size / MB / peerS).toFixed(1)} MB/s, ${peerHosts} hosts, peak RSS +${((peerPeak - rss1) / MB).toFixed(0)} MiB over ${(rss1 / MB).toFixed(0)} MiB`);
    console.log(`   speed ours ÷ peer: ${(peerS / oursS).toFixed(2)}; extra memory ours ÷ peer: ${((oursPeak - rss0) / Math.max(1, peerPeak - rss1)).toFixed(3)}`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function eve(): void {
  const hosts = num('hosts', 10_000);
  const events = num('events', 200_000);
  const register = Array.from({ length: hosts }, (_, i) => ({ id: `h${i}`, ips: [ipOf(i)], zone: 'lan', criticality: (['low', 'medium', 'high', 'critical'] as const)[i % 4] }));
  const engine = new CtdrEngine(register, undefined, undefined, { windowMs: 15 * 60_000, raiseUnscanned: true });
  const findings: Finding[] = [];
  for (let i = 0; i < hosts; i++) {
    for (let k = 0; k < 5; k++) {
      findings.push({ scanner: 'nessus', host: { ip: ipOf(i) }, port: [22, 80, 443, 445, 8080][k], protocol: 'tcp', pluginId: `${k}`, name: 'f', severity: 'high', cves: [`CVE-2024-${10000 + ((i + k) % 3000)}`], cvss: { v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } });
    }
  }
  let t = performance.now();
  engine.addFindings(findings, 'bench');
  const indexMs = performance.now() - t;
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const h = (i * 7919) % hosts;
    const kind = i % 10;
    const ts = new Date(Date.UTC(2026, 11, 5, 10, 0, 0) + i * 10).toISOString();
    if (kind < 6) {
      const cve = kind < 3 ? `CVE_2024_${10000 + ((h + (i % 5)) % 3000)}` : 'CVE_2021_34473';
      lines.push(JSON.stringify({ timestamp: ts, event_type: 'alert', src_ip: '203.0.113.9', src_port: 40000 + (i % 20000), dest_ip: ipOf(h), dest_port: [22, 80, 443, 445, 8080][i % 5], proto: 'TCP', alert: { signature_id: 2000000 + kind, signature: 'ET EXPLOIT bench', category: 'Attempted Administrator Privilege Gain', severity: 1, metadata: { cve: [cve] } } }));
    } else {
      lines.push(JSON.stringify({ timestamp: ts, event_type: 'flow', src_ip: ipOf(h), src_port: 50000, dest_ip: kind === 9 ? '203.0.113.9' : ipOf((h + 1) % hosts), dest_port: 443, proto: 'TCP', flow: { pkts_toserver: 3 } }));
    }
  }
  t = performance.now();
  let floor = 0;
  for (const l of lines) floor += (JSON.parse(l) as { dest_port: number }).dest_port > 0 ? 1 : 0;
  const floorS = (performance.now() - t) / 1000;
  const verdicts: Record<string, number> = {};
  t = performance.now();
  for (const l of lines) {
    const v = engine.judge(l);
    if (v) verdicts[v.kind] = (verdicts[v.kind] ?? 0) + 1;
  }
  const oursS = (performance.now() - t) / 1000;
  console.log(`\n2. EVE records through correlation against ${hosts} hosts (${findings.length} findings indexed in ${indexMs.toFixed(0)} ms)`);
  console.log(`   ours (parse + correlate): ${Math.round(events / oursS).toLocaleString('en')} events/s; verdicts ${JSON.stringify(verdicts)}`);
  console.log(`   JSON.parse alone (floor): ${Math.round(floor / floorS).toLocaleString('en')} events/s; ours ÷ floor ${(floorS / oursS).toFixed(2)}`);
}

function graphs(solve: HittingSetSolver): void {
  const seed = num('seed', 3);
  const n = num('graph-hosts', 1000);
  let t = performance.now();
  const g = buildGraph(syntheticNetwork({ hosts: n, zones: 4, seed }));
  const buildMs = performance.now() - t;
  t = performance.now();
  const a = analyse(g, { exactUpTo: 0 });
  const analyseMs = performance.now() - t;
  const cms = countermeasures(g);
  t = performance.now();
  const greedy = greedyCut(g, cms);
  const greedyMs = performance.now() - t;
  t = performance.now();
  const exact = exactCut(g, cms, 20_000);
  const exactMs = performance.now() - t;
  console.log(`\n3. Attack graph, ${n} hosts (seed ${seed})`);
  console.log(`   build: ${buildMs.toFixed(0)} ms (${g.facts.length} facts, ${g.rules.length} rules, ${g.leaves.length} leaves); analysis (paths, ranking, greedy cut): ${analyseMs.toFixed(0)} ms, ${a.paths.length} paths${a.pathsTruncated ? ' (truncated)' : ''}, ${a.reached.length} crown jewels reached`);
  console.log(`   greedy cut: cost ${greedy.cost}, ${greedy.chosen.length} countermeasures, ${greedyMs.toFixed(0)} ms, ${greedy.derivations} derivations`);
  console.log(`   branch and bound (budget 20,000 derivations): cost ${exact.cost}, ${exact.method}, ${exactMs.toFixed(0)} ms, ${exact.derivations} derivations`);
  console.log('   proven cut (implicit hitting set, HiGHS), per seed:');
  console.log('   seed  greedy cost  greedy ms  proven cost  lower bound  method  rounds  proofs  derivations  proven ms  gap greedy ÷ exact');
  for (const s of [...new Set([1, 2, 3, seed])]) {
    const sg = s === seed ? g : buildGraph(syntheticNetwork({ hosts: n, zones: 4, seed: s }));
    const sc = s === seed ? cms : countermeasures(sg);
    t = performance.now();
    const gr = s === seed ? greedy : greedyCut(sg, sc);
    const grMs = s === seed ? greedyMs : performance.now() - t;
    t = performance.now();
    const p = provenCut(sg, sc, solve);
    const pMs = performance.now() - t;
    console.log(`   ${String(s).padStart(4)}  ${String(gr.cost).padStart(11)}  ${grMs.toFixed(0).padStart(9)}  ${String(p.cost).padStart(11)}  ${String(p.lowerBound).padStart(11)}  ${p.method.padStart(6)}  ${String(p.rounds).padStart(6)}  ${String(p.proofs).padStart(6)}  ${String(p.derivations).padStart(11)}  ${pMs.toFixed(0).padStart(9)}  ${(gr.cost / p.cost).toFixed(2)}${p.method === 'exact' ? '' : ` (≤ ${(gr.cost / p.lowerBound!).toFixed(2)} against the lower bound)`}`);
  }
  console.log('\n   small networks (per size, the first 3 seeds whose crown jewels are reached and whose countermeasures brute force can enumerate, 2^18 subsets at most)');
  console.log('   hosts  seed  candidates  brute-force ms  b&b ms  proven ms  brute cost  b&b cost  proven cost  greedy cost  gap');
  for (const hosts of [4, 6, 8, 10]) {
    let shown = 0;
    for (let s = 1; s <= 200 && shown < 3; s++) {
      const sg = buildGraph(syntheticNetwork({ hosts, zones: 3, seed: s, vulnRate: 0.8 }));
      const sc = countermeasures(sg);
      let brute;
      t = performance.now();
      try {
        brute = bruteForceCut(sg, sc, 18);
      } catch {
        continue; // more than 2^18 subsets
      }
      const bruteMs = performance.now() - t;
      if (brute.cost === 0) continue; // no crown jewel reached: nothing to compare
      shown++;
      t = performance.now();
      const ex = exactCut(sg, sc);
      const exMs = performance.now() - t;
      t = performance.now();
      const pr = provenCut(sg, sc, solve);
      const prMs = performance.now() - t;
      const gr = greedyCut(sg, sc);
      const d0 = sg.rules.length;
      console.log(`   ${String(hosts).padStart(5)}  ${String(s).padStart(4)}  ${String(sc.length).padStart(10)}  ${bruteMs.toFixed(1).padStart(14)}  ${exMs.toFixed(1).padStart(6)}  ${prMs.toFixed(1).padStart(9)}  ${String(brute.cost).padStart(10)}  ${String(ex.cost).padStart(8)}  ${String(pr.cost).padStart(11)}  ${String(gr.cost).padStart(11)}  ${(gr.cost / ex.cost).toFixed(2)}  (${d0} rules)`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`ctdr bench on ${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await nessus();
  eve();
  graphs(await loadHittingSetSolver());
}

void main();
