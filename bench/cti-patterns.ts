/**
 * The STIX 2.1 pattern engine side by side with OASIS's reference implementation on one large
 * generated set: the validator `stix2-patterns` 2.1.2 (is the pattern valid?) and the matcher
 * `stix2-matcher` 3.0.0 (does it match these observations?), run in the bench-only virtualenv
 * that `bench/cti/setup.sh` builds. Prints the agreement in % and every kind of disagreement
 * with an example, and the time per pattern of both. Nothing here is asserted.
 *
 *   npm run bench:cti-patterns -- [--patterns N] [--seed S]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { compilePattern, observationsOf } from '../nodes/cti/stix-pattern';
import { readFlags } from './cli';
import { Rng } from './random';

const USAGE = `npm run bench:cti-patterns -- [--patterns N (default 5000)] [--seed S (default 7)]\n`;

interface Sco { type: string; id: string; [k: string]: unknown }

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const hex = (rng: Rng, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rng.next() * 16)]).join('');

/** A bundle of observed-data over one hour, with the values the patterns draw from. */
function makeBundle(rng: Rng): { bundle: { type: 'bundle'; id: string; objects: unknown[] }; pool: Sco[] } {
  const pool: Sco[] = [];
  let n = 0;
  const id = (type: string): string => `${type}--00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const domains = ['example.com', 'city-portal.eu', 'evil.example.net', 'xn--cty-portal-h8a.eu', 'mail.city-portal.eu'];
  for (let i = 0; i < 12; i++) pool.push({ type: 'ipv4-addr', id: id('ipv4-addr'), value: `198.51.100.${Math.floor(rng.next() * 255)}` });
  for (const d of domains) pool.push({ type: 'domain-name', id: id('domain-name'), value: d });
  for (let i = 0; i < 8; i++) {
    pool.push({ type: 'file', id: id('file'), name: pick(rng, ['invoice.pdf.exe', 'report.docx', 'setup.msi', 'ReadMe.txt']), size: Math.floor(rng.next() * 100000), hashes: { MD5: hex(rng, 32), 'SHA-256': hex(rng, 64) } });
  }
  for (let i = 0; i < 6; i++) pool.push({ type: 'url', id: id('url'), value: `https://${pick(rng, domains)}/${pick(rng, ['login', 'pay', 'a/b?c=1'])}` });
  for (let i = 0; i < 6; i++) pool.push({ type: 'email-addr', id: id('email-addr'), value: `${pick(rng, ['anna', 'bob', 'ceo'])}@${pick(rng, domains)}` });
  const ips = pool.filter((s) => s.type === 'ipv4-addr');
  for (let i = 0; i < 6; i++) {
    pool.push({ type: 'network-traffic', id: id('network-traffic'), src_ref: pick(rng, ips).id, dst_ref: pick(rng, ips).id, dst_port: pick(rng, [22, 80, 443, 3389, 8080]), protocols: pick(rng, [['tcp'], ['ipv4', 'tcp', 'http'], ['udp', 'dns']]) });
  }
  const objects: unknown[] = [...pool];
  const t0 = Date.UTC(2026, 0, 1, 12);
  for (let i = 0; i < 30; i++) {
    const first = t0 + Math.floor(rng.next() * 3600) * 1000;
    const last = first + Math.floor(rng.next() * 60) * 1000;
    const refs = new Set<string>();
    const k = 1 + Math.floor(rng.next() * 3);
    for (let j = 0; j < k; j++) {
      const sco = pick(rng, pool);
      refs.add(sco.id);
      if (sco.type === 'network-traffic') { refs.add(sco.src_ref as string); refs.add(sco.dst_ref as string); }
    }
    objects.push({ type: 'observed-data', spec_version: '2.1', id: id('observed-data'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', first_observed: new Date(first).toISOString(), last_observed: new Date(last).toISOString(), number_observed: 1 + Math.floor(rng.next() * 3), object_refs: [...refs] });
  }
  return { bundle: { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects }, pool };
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** One property test drawn from a value in the pool (so that many patterns match). */
function comparison(rng: Rng, pool: Sco[], type?: string): string {
  const candidates = type ? pool.filter((s) => s.type === type) : pool;
  const sco = pick(rng, candidates.length ? candidates : pool);
  const not = rng.next() < 0.1 ? 'NOT ' : '';
  switch (sco.type) {
    case 'ipv4-addr':
    case 'domain-name':
    case 'url':
    case 'email-addr': {
      const v = sco.value as string;
      const r = rng.next();
      if (sco.type === 'ipv4-addr' && r < 0.2) return `ipv4-addr:value ${not}ISSUBSET '198.51.100.${pick(rng, ['0/24', '0/25', '128/25', '7/32'])}'`;
      if (r < 0.35) return `${sco.type}:value ${not}LIKE ${quote(`%${v.slice(Math.floor(v.length / 2))}`)}`;
      if (r < 0.45) return `${sco.type}:value ${not}MATCHES ${quote(`^${v.slice(0, 3).replace(/[.?]/g, '\\.')}.*$`)}`;
      if (r < 0.6) return `${sco.type}:value ${not}IN (${quote(v)}, ${quote(pick(rng, pool).id)})`;
      if (r < 0.7) return `${sco.type}:value ${pick(rng, ['<', '>', '<=', '>='])} ${quote(v)}`;
      return `${sco.type}:value ${not}${pick(rng, ['=', '!='])} ${quote(rng.next() < 0.8 ? v : `${v}x`)}`;
    }
    case 'file': {
      const r = rng.next();
      if (r < 0.3) return `file:hashes.${pick(rng, ['MD5', "'MD5'"])} = ${quote((sco.hashes as Record<string, string>).MD5)}`;
      if (r < 0.45) return `file:hashes.'SHA-256' ${not}= ${quote((sco.hashes as Record<string, string>)['SHA-256'])}`;
      if (r < 0.7) return `file:size ${pick(rng, ['<', '>', '<=', '>=', '=', '!='])} ${pick(rng, [String(sco.size), `${sco.size}.0`, '50000', '-1', '+100'])}`;
      if (r < 0.8) return `EXISTS file:${pick(rng, ['name', 'size', 'mime_type'])}`;
      return `file:name ${not}${pick(rng, ['LIKE', 'MATCHES'])} ${quote(pick(rng, ['%.exe', '%.pdf%', '^[A-Z]', 'r.*t', '_eadMe.txt']))}`;
    }
    default: {
      const r = rng.next();
      if (r < 0.3) return `network-traffic:dst_port ${not}${pick(rng, ['=', '!=', '<', '>='])} ${pick(rng, ['22', '443', '1024'])}`;
      if (r < 0.55) return `network-traffic:protocols[${pick(rng, ['*', '0', '1'])}] ${not}= ${quote(pick(rng, ['tcp', 'http', 'dns']))}`;
      if (r < 0.8) return `network-traffic:${pick(rng, ['src_ref', 'dst_ref'])}.value ${not}${pick(rng, ['=', 'ISSUBSET'])} ${quote(pick(rng, ['198.51.100.0/24', (pick(rng, pool.filter((s) => s.type === 'ipv4-addr')).value as string)]))}`;
      return `network-traffic:dst_port IN (${pick(rng, ['22, 80', '443', '3389, 8080, 9'])})`;
    }
  }
}

function comparisonExpr(rng: Rng, pool: Sco[], depth: number): string {
  const first = comparison(rng, pool);
  if (depth <= 0 || rng.next() < 0.5) return first;
  // AND inside brackets needs one object: mostly keep the same object type.
  const type = /^(?:EXISTS )?([a-z0-9-]+):/.exec(first)?.[1];
  const second = comparison(rng, pool, rng.next() < 0.8 ? type : undefined);
  const joined = `${first} ${pick(rng, ['AND', 'OR'])} ${second}`;
  return rng.next() < 0.2 ? `(${joined})` : joined;
}

function qualifier(rng: Rng): string {
  const r = rng.next();
  if (r < 0.4) return ` WITHIN ${pick(rng, ['1', '30', '300', '600.5', '3600'])} SECONDS`;
  if (r < 0.7) return ` REPEATS ${pick(rng, ['1', '2', '3', '5'])} TIMES`;
  return ` START t'2026-01-01T12:${pick(rng, ['00', '20', '40'])}:00Z' STOP t'2026-01-01T${pick(rng, ['12:30:00', '13:00:00.5', '12:10:00'])}Z'`;
}

function observation(rng: Rng, pool: Sco[], depth: number): string {
  let obs = `[${comparisonExpr(rng, pool, 1)}]`;
  if (depth > 0 && rng.next() < 0.45) {
    obs = `${observation(rng, pool, depth - 1)} ${pick(rng, ['AND', 'OR', 'FOLLOWEDBY'])} ${observation(rng, pool, depth - 1)}`;
    if (rng.next() < 0.5) obs = `(${obs})`;
  }
  // Qualifiers on a few observations only: REPEATS over nested groups is what makes the
  // reference matcher slow (its combinations grow fast).
  if (rng.next() < (depth > 0 ? 0.15 : 0.35)) obs += qualifier(rng);
  return obs;
}

const NOISE = ['[', ']', '(', ')', "'", 'AND', 'and', 'OR ', ':', '.', '=', '!', 'NOT', ' 5', 'WITHIN', 'SECONDS', ',', 't\'2026-13-01T00:00:00Z\'', 'h\'0g\'', '-'];

/** A valid pattern broken by one random edit (most results are invalid; some stay valid). */
function mutate(rng: Rng, p: string): string {
  const at = Math.floor(rng.next() * p.length);
  const r = rng.next();
  if (r < 0.35) return p.slice(0, at) + p.slice(at + 1 + Math.floor(rng.next() * 3));
  if (r < 0.7) return p.slice(0, at) + pick(rng, NOISE) + p.slice(at);
  const words = p.split(' ');
  const i = Math.floor(rng.next() * words.length);
  words[i] = pick(rng, NOISE);
  return words.join(' ');
}

async function peer(bundle: unknown, patterns: string[]): Promise<Array<{ valid: boolean; error: string | null; matched: boolean | null; us: number }>> {
  const python = path.resolve(__dirname, '../../.bench/cti-venv/bin/python');
  if (!existsSync(python)) throw new Error('the peers are missing: run bash bench/cti/setup.sh first');
  const child = spawn(python, [path.resolve(__dirname, '../../bench/cti/patterns_peer.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const results: Array<{ valid: boolean; error: string | null; matched: boolean | null; us: number }> = [];
  const lines = createInterface({ input: child.stdout });
  const done = (async () => { for await (const line of lines) results.push(JSON.parse(line)); })();
  child.stdin.write(`${JSON.stringify({ bundle })}\n`);
  for (const p of patterns) child.stdin.write(`${JSON.stringify({ pattern: p })}\n`);
  child.stdin.end();
  await done;
  return results;
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2), USAGE, [], ['patterns', 'seed']);
  const total = Number(flags.get('patterns') ?? 5000);
  const rng = new Rng(Number(flags.get('seed') ?? 7));
  const { bundle, pool } = makeBundle(rng);
  const patterns: string[] = [];
  while (patterns.length < total) {
    const p = observation(rng, pool, 2);
    patterns.push(rng.next() < 0.3 ? mutate(rng, p) : p);
  }
  const observations = observationsOf(bundle.objects);
  const t0 = process.hrtime.bigint();
  const ours = patterns.map((p) => {
    let compiled;
    try {
      compiled = compilePattern(p);
    } catch (err) {
      return { valid: false, matched: null, error: (err as Error).message };
    }
    try {
      return { valid: true, matched: compiled.match(observations).matched as boolean | null, error: null as string | null };
    } catch (err) {
      return { valid: true, matched: null, error: (err as Error).message };
    }
  });
  const ourUs = Number(process.hrtime.bigint() - t0) / 1000;
  const theirs = await peer(bundle, patterns);
  let validAgree = 0;
  let bothValid = 0;
  let matchAgree = 0;
  let matches = 0;
  const kinds = new Map<string, { count: number; example: string; why: string }>();
  const note = (kind: string, example: string, why: string): void => {
    const k = kinds.get(kind) ?? { count: 0, example, why };
    k.count++;
    kinds.set(kind, k);
  };
  for (let i = 0; i < patterns.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (a.valid === b.valid) validAgree++;
    else note(a.valid ? 'valid here, invalid for stix2-patterns' : 'invalid here, valid for stix2-patterns', patterns[i], (a.valid ? b.error : a.error) ?? '');
    if (a.valid && b.valid && a.matched === null) note('evaluation stopped here', patterns[i], a.error ?? '');
    else if (a.valid && b.valid && b.matched !== null) {
      bothValid++;
      if (b.matched) matches++;
      if (a.matched === b.matched) matchAgree++;
      else note(a.matched ? 'matched here, not by stix2-matcher' : 'matched by stix2-matcher, not here', patterns[i], '');
    } else if (a.valid && b.valid) note('stix2-matcher failed', patterns[i], b.error ?? '');
  }
  const peerUs = theirs.reduce((s, r) => s + r.us, 0);
  const pct = (x: number, n: number): string => `${((100 * x) / Math.max(1, n)).toFixed(2)} %`;
  console.log(`patterns: ${patterns.length} (about 30 % mutated), observations: ${observations.length}`);
  console.log(`validity agreement with stix2-patterns 2.1.2: ${pct(validAgree, patterns.length)} (${validAgree}/${patterns.length}; valid for both: ${bothValid})`);
  console.log(`match agreement with stix2-matcher 3.0.0 on patterns both accept: ${pct(matchAgree, bothValid)} (${matchAgree}/${bothValid}; ${matches} matched)`);
  console.log(`time per pattern (parse + match 30 observations): ours ${(ourUs / patterns.length).toFixed(1)} µs, reference ${(peerUs / patterns.length).toFixed(1)} µs (${(peerUs / ourUs).toFixed(1)}x)`);
  for (const [kind, k] of kinds) console.log(`  ${k.count} × ${kind}: e.g. ${k.example}${k.why ? `\n      ${k.why}` : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
