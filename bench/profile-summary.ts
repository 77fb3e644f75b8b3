/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) as text: self time per function, and
 * the inclusive time of the functions named, in µs per unit of work (`--per N`, e.g. the alerts
 * the profiled run handled). For saying where each microsecond of a hot path goes without
 * opening DevTools; docs/alert-storms.md quotes its output.
 *
 *   node dist/bench/profile-summary.js PROFILE.cpuprofile [--per N] [--top N] [--inclusive a,b,c]
 *
 * SQLite's work runs inside better-sqlite3's synchronous calls, so it shows as the self time of
 * the JS function that calls `run()`/`get()`. The profiler samples wall time on the main thread:
 * time the thread was descheduled on a loaded machine inflates whatever was running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFlags } from './cli';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const USAGE = `usage: node dist/bench/profile-summary.js PROFILE.cpuprofile [options]
  --per N          divide every time by N (the units of work in the run); default 1, times in ms
  --top N          functions listed by self time (default 40)
  --inclusive L    comma-separated function names whose inclusive time is listed too
`;

/** "name file:line", the function's identity across the profile's call paths. */
function frameKey(frame: CallFrame): string {
  const file = frame.url ? path.basename(frame.url.replace(/^file:\/\//, '')) : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function summarise(profile: Profile, per: number, top: number, inclusiveNames: string[]): string[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const wanted = new Set(inclusiveNames);
  let total = 0;
  // timeDeltas[i] is the time before sample i, so sample i lasted until sample i + 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    total += micros;
    const leaf = byId.get(profile.samples[i])!;
    const key = frameKey(leaf.callFrame);
    self.set(key, (self.get(key) ?? 0) + micros);
    if (!wanted.size) continue;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id)!.callFrame.functionName;
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
      }
    }
  }
  const unit = per === 1 ? 'ms' : 'µs per unit';
  const show = (micros: number) => (per === 1 ? (micros / 1000).toFixed(1) : (micros / per).toFixed(2)).padStart(9);
  const lines = [`total sampled ${show(total)} ${unit}`, '', `self time (${unit}), top ${top}:`];
  for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`${show(micros)}  ${((micros / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
  if (wanted.size) {
    lines.push('', `inclusive time (${unit}):`);
    for (const name of inclusiveNames) lines.push(`${show(inclusive.get(name) ?? 0)}  ${name}`);
  }
  return lines;
}

function main(): void {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => a.endsWith('.cpuprofile'));
  const flags = readFlags(argv.filter((a) => a !== file), USAGE, [], ['per', 'top', 'inclusive']);
  if (!file) throw new Error(`a .cpuprofile file is needed\n${USAGE}`);
  const per = Number(flags.get('per') ?? 1);
  const top = Number(flags.get('top') ?? 40);
  if (!(per > 0) || !Number.isInteger(top) || top < 1) throw new Error(`--per must be > 0 and --top a positive integer\n${USAGE}`);
  const inclusive = String(flags.get('inclusive') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  console.log(summarise(profile, per, top, inclusive).join('\n'));
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
