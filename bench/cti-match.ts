/**
 * CTI matching speed and look-alike quality, in one run:
 *  1. indicators matched per second against a register of 10,000 assets, over a stream of
 *     1,000,000 generated indicators (never all in memory), with the peak heap and RSS;
 *  2. the look-alike search per new domain, our symmetric-delete index against the naive scan
 *     (edit distance to every watched domain) on the same domains;
 *  3. recall on dnstwist's permutations of register domains (from the bench-only venv, when
 *     present), per dnstwist fuzzer, and the false-positive rate on random unrelated domains.
 * Nothing is asserted.
 *
 *   npm run bench:cti-match -- [--indicators N (1000000)] [--assets N (10000)] [--seed S]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AssetIndex } from '../nodes/cti/assets';
import type { AssetRegister } from '../nodes/cti/assets';
import type { Indicator } from '../nodes/cti/indicator';
import { editDistance, LookalikeIndex, skeleton } from '../nodes/cti/lookalike';
import { CtiMatcher } from '../nodes/cti/match';
import AhoCorasick from 'modern-ahocorasick';
import { readFlags } from './cli';
import { Rng } from './random';

const USAGE = 'npm run bench:cti-match -- [--indicators N (1000000)] [--assets N (10000)] [--seed S (5)]\n';
const SUFFIXES = ['com', 'eu', 'de', 'no', 'it', 'org', 'net', 'gov.example', 'co.uk'];
const SYLLABLES = ['city', 'portal', 'stadt', 'kommune', 'bus', 'water', 'park', 'info', 'mail', 'tax', 'health', 'school', 'vote', 'ring', 'oslo', 'padova', 'energy', 'smart', 'data', 'open'];

function word(rng: Rng, parts = 2): string {
  const out: string[] = [];
  for (let i = 0; i < parts; i++) out.push(SYLLABLES[Math.floor(rng.next() * SYLLABLES.length)]);
  return out.join(rng.next() < 0.5 ? '-' : '') + String(Math.floor(rng.next() * 1000));
}

function register(rng: Rng, n: number): AssetRegister {
  const crit = ['low', 'medium', 'high', 'critical'] as const;
  const c = (): (typeof crit)[number] => crit[Math.floor(rng.next() * 4)];
  const reg: Required<Pick<AssetRegister, 'domains' | 'ipRanges' | 'emailDomains' | 'hosts' | 'brands'>> & AssetRegister = {
    organisation: 'Bench City', domains: [], ipRanges: [], emailDomains: [], hosts: [], brands: [],
  };
  for (let i = 0; reg.domains.length < n * 0.4; i++) reg.domains.push({ id: `d${i}`, name: `${word(rng)}.${SUFFIXES[i % SUFFIXES.length]}`, criticality: c() });
  for (let i = 0; i < n * 0.25; i++) reg.ipRanges.push({ id: `r${i}`, cidr: `10.${i >> 8 & 255}.${i & 255}.0/${24 + (i % 5)}`, criticality: c() });
  for (let i = 0; i < n * 0.25; i++) reg.hosts.push({ id: `h${i}`, hostname: `h${i}.bench.example`, ips: [`172.16.${i >> 8 & 255}.${i & 255}`], criticality: c() });
  for (let i = 0; i < n * 0.09; i++) reg.emailDomains.push({ id: `m${i}`, domain: `mail${i}.bench.example`, criticality: c() });
  for (let i = 0; i < n * 0.01; i++) reg.brands.push({ id: `b${i}`, name: `Brand ${word(rng, 1)}`, criticality: c() });
  return reg;
}

/** One generated indicator: mostly unrelated, a few naming the register or imitating it. */
function indicator(rng: Rng, i: number, reg: AssetRegister): Indicator {
  const r = rng.next();
  const base = { id: `i${i}`, ref: `i${i}`, source: 'bench', tlp: 'amber' as const, confidence: 60, withdrawn: false };
  const domains = reg.domains!;
  if (r < 0.4) {
    const own = rng.next() < 0.01 ? domains[Math.floor(rng.next() * domains.length)].name : undefined;
    const look = !own && rng.next() < 0.01 ? `${domains[Math.floor(rng.next() * domains.length)].name.replace(/^(.)(.)/, '$2$1')}` : undefined;
    return { ...base, kind: 'domain', value: own ?? look ?? `${word(rng, 3)}.${SUFFIXES[i % SUFFIXES.length]}` };
  }
  if (r < 0.7) return { ...base, kind: 'ip', value: rng.next() < 0.02 ? `10.${Math.floor(rng.next() * 10)}.${Math.floor(rng.next() * 256)}.7` : `${Math.floor(rng.next() * 223) + 1}.${Math.floor(rng.next() * 256)}.${Math.floor(rng.next() * 256)}.${Math.floor(rng.next() * 256)}` };
  if (r < 0.85) return { ...base, kind: 'url', value: `https://${word(rng, 2)}.${SUFFIXES[i % SUFFIXES.length]}/login?id=${i}` };
  if (r < 0.95) return { ...base, kind: 'email', value: `user${i}@${rng.next() < 0.05 ? `mail${Math.floor(rng.next() * 900)}.bench.example` : `${word(rng, 1)}.com`}` };
  return { ...base, kind: 'hash', value: i.toString(16).padStart(64, '0'), hashType: 'SHA-256' };
}

/**
 * The combosquat stage before and after, side by side on the same labels: before, every
 * substring of 5 or more characters of a seen label (and of its skeleton) looked up in a map of
 * the watched labels, which took most of the matching time; after, one pass of an Aho–Corasick
 * automaton (modern-ahocorasick) for each, as LookalikeIndex does now. Both must find the same.
 */
function combosquatStage(watchedLabels: string[], seen: string[]): void {
  const MIN = 5;
  const labels = [...new Set(watchedLabels.filter((l) => l.length >= MIN))];
  const skeletons = [...new Set(watchedLabels.filter((l) => l.length >= MIN).map(skeleton).filter((k) => k.length >= MIN))];
  const texts = seen.map((l) => ({ label: l, sk: skeleton(l) }));
  const byMap = (): number => {
    const set = new Set([...labels, ...skeletons.map((k) => `~${k}`)]);
    let n = 0;
    for (const { label, sk } of texts) {
      for (const [text, prefix] of [[label, ''], [sk, '~']] as const) {
        for (let i = 0; i + MIN <= text.length; i++) for (let j = i + MIN; j <= text.length; j++) if (set.has(prefix + text.slice(i, j))) n++;
      }
    }
    return n;
  };
  const inLabel = new AhoCorasick(labels);
  const inSkeleton = new AhoCorasick(skeletons);
  const byAutomaton = (): number => {
    let n = 0;
    for (const { label, sk } of texts) n += (label.length >= MIN ? inLabel.count(label) : 0) + (sk.length >= MIN ? inSkeleton.count(sk) : 0);
    return n;
  };
  const time = (f: () => number): { us: number; n: number } => {
    f();
    const s = process.hrtime.bigint();
    const n = f();
    return { us: Number(process.hrtime.bigint() - s) / 1e3 / texts.length, n };
  };
  const before = time(byMap);
  const after = time(byAutomaton);
  if (before.n !== after.n) throw new Error(`combosquat stage: the automaton found ${after.n}, the substring lookups ${before.n}`);
  console.log(`combosquat stage per seen label (${labels.length} labels, ${skeletons.length} skeletons watched): substring lookups ${before.us.toFixed(1)} µs, Aho-Corasick ${after.us.toFixed(1)} µs (${(before.us / after.us).toFixed(1)}x), same ${after.n} hits`);
}

function main(): void {
  const flags = readFlags(process.argv.slice(2), USAGE, [], ['indicators', 'assets', 'seed']);
  const total = Number(flags.get('indicators') ?? 1_000_000);
  const assetCount = Number(flags.get('assets') ?? 10_000);
  const rng = new Rng(Number(flags.get('seed') ?? 5));
  const reg = register(rng, assetCount);
  const t0 = process.hrtime.bigint();
  const index = new AssetIndex(reg);
  const matcher = new CtiMatcher(index);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const assets = reg.domains!.length + reg.ipRanges!.length + reg.hosts!.length + reg.emailDomains!.length + reg.brands!.length;
  console.log(`register: ${assets} assets, indexed in ${buildMs.toFixed(0)} ms`);

  // 1. throughput, streaming: generate, match, drop.
  let matches = 0;
  let peakHeap = 0;
  let peakRss = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    matches += matcher.match(indicator(rng, i, reg)).length;
    if (i % 50_000 === 0) {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`matching: ${total} indicators in ${secs.toFixed(1)} s = ${Math.round(total / secs)} indicators/s (generation included), ${matches} matches; peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);

  // 2. look-alike search per new domain: index against naive scan, same domains.
  const watched = reg.domains!.map((d) => ({ target: d.id, domain: d.name }));
  const looks = new LookalikeIndex(watched);
  const probes = Array.from({ length: 20_000 }, (_, i) => (i % 10 === 0 ? watched[i % watched.length].domain.replace(/^(.)(.)/, '$2$1') : `${word(rng, 3)}.com`));
  let s = process.hrtime.bigint();
  let hits = 0;
  for (const p of probes) hits += looks.find(p).length > 0 ? 1 : 0;
  const indexUs = Number(process.hrtime.bigint() - s) / 1e3 / probes.length;
  const labels = watched.map((w) => ({ label: w.domain.split('.')[0], sk: skeleton(w.domain.split('.')[0]) }));
  const naiveProbes = probes.slice(0, 1000);
  s = process.hrtime.bigint();
  let naiveHits = 0;
  for (const p of naiveProbes) {
    const label = p.split('.')[0];
    const sk = skeleton(label);
    if (labels.some((w) => editDistance(w.label, label, 1) <= 1 || editDistance(w.sk, sk, 1) <= 1)) naiveHits++;
  }
  const naiveUs = Number(process.hrtime.bigint() - s) / 1e3 / naiveProbes.length;
  console.log(`look-alike search per new domain against ${watched.length} watched domains: index ${indexUs.toFixed(1)} µs, naive scan ${naiveUs.toFixed(0)} µs (${(naiveUs / indexUs).toFixed(0)}x); hits ${hits}/${probes.length} (index), ${naiveHits}/${naiveProbes.length} (naive, first 1000)`);
  combosquatStage(watched.map((w) => w.domain.split('.')[0]), probes.map((p) => p.split('.')[0]));

  // 3. dnstwist's permutations, when the bench venv is there.
  const python = path.resolve(__dirname, '../../.bench/cti-venv/bin/python');
  if (!existsSync(python)) {
    console.log('dnstwist: skipped (run npm run bench:cti-setup)');
    return;
  }
  const sample = ['city-portal.eu', 'stadt-oslo.no', 'comune-padova.it', 'bybanen.no', 'smartcity.gov.uk'];
  const peer = spawnSync(python, [path.resolve(__dirname, '../../bench/cti/dnstwist_peer.py')], { input: sample.join('\n'), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (peer.status !== 0) throw new Error(`dnstwist failed: ${peer.stderr}`);
  const own = new LookalikeIndex(sample.map((d) => ({ target: d, domain: d })));
  const byFuzzer = new Map<string, { n: number; found: number }>();
  peer.stdout.trim().split('\n').forEach((line, k) => {
    for (const [fuzzer, domain] of JSON.parse(line) as Array<[string, string]>) {
      const f = byFuzzer.get(fuzzer) ?? { n: 0, found: 0 };
      f.n++;
      if (own.find(domain).some((l) => l.target === sample[k] && l.score >= 0.7)) f.found++;
      byFuzzer.set(fuzzer, f);
    }
  });
  let n = 0;
  let found = 0;
  for (const [fuzzer, f] of [...byFuzzer].sort((a, b) => b[1].n - a[1].n)) {
    n += f.n;
    found += f.found;
    console.log(`  dnstwist ${fuzzer}: ${f.found}/${f.n} found (${((100 * f.found) / f.n).toFixed(1)} %)`);
  }
  console.log(`dnstwist permutations of ${sample.length} domains recognised as look-alikes (score ≥ 0.7): ${found}/${n} = ${((100 * found) / n).toFixed(1)} %`);
  const random = Array.from({ length: 10_000 }, () => `${word(rng, 2)}.${SUFFIXES[Math.floor(rng.next() * SUFFIXES.length)]}`);
  const fp = random.filter((d) => own.find(d).some((l) => l.score >= 0.7)).length;
  console.log(`false positives on 10,000 random unrelated domains: ${fp} (${(fp / 100).toFixed(2)} %)`);
}

main();
