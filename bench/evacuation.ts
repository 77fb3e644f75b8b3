/**
 * Evacuation Optimiser bench: `node dist/bench/evacuation.js [speed|rimea|jupedsim|all]`.
 *
 * - rimea: the RiMEA test cases that apply to a macroscopic model (1, 2, 4, 9, 11, 12, 13) with
 *   their pass criteria;
 * - speed: plan time on a 10,000-node grid with 100,000 people against a plain shortest-path
 *   assignment in the same run, and the what-if re-plan time on the two demo sites;
 * - jupedsim: our evacuation time and per-exit loads against JuPedSim's on the same
 *   geometries (bench/evacuation/jupedsim_cases.py, in the virtualenv of
 *   bench/evacuation/setup.sh; or a JSONL file of its results given as the next argument).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../nodes/platform/node-kit';
import { ccrp, shortestPathTimes } from '../nodes/evacuation/ccrp';
import { speed, travelDistance } from '../nodes/evacuation/flow-model';
import { buildNetwork, planEvacuation } from '../nodes/evacuation/plan';
import { loadSiteFile, validateSite } from '../nodes/evacuation/site';
import type { Area, Exit, Link, Site } from '../nodes/evacuation/site';

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU milliseconds of this process since `start` (process.cpuUsage()): on a shared machine, less at the mercy of the neighbours than wall time. */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function site(areas: Area[], exits: Exit[], links: Link[], extra: Partial<Site> = {}): Site {
  return validateSite({ siteId: 'bench', name: 'bench', premovementSeconds: 0, areas, exits, links, ...extra });
}

// ---------------------------------------------------------------- RiMEA (Richtlinie für Mikroskopische Entfluchtungsanalysen 4.1.1)
interface Check {
  test: string;
  criterion: string;
  value: string;
  pass: boolean;
}

function rimea(): Check[] {
  const checks: Check[] = [];
  // Test 1: one person, 1.33 m/s, 40 m corridor 2 m wide: 26–34 s. Our free speed is Weidmann's 1.34 m/s.
  {
    const s = site([{ id: 'start', areaM2: 2, travelM: 0 }], [{ id: 'end' }], [{ id: 'corridor', kind: 'corridor', from: 'start', to: 'end', widthM: 2, lengthM: 40 }]);
    const p = planEvacuation(s, { occupancy: { start: 1 }, gateway: false });
    const t = p.rset?.totalSeconds ?? NaN;
    checks.push({ test: '1 walking speed in a corridor', criterion: '40 m in 26–34 s', value: `${t} s`, pass: t >= 26 && t <= 34 });
  }
  // Test 2 (and 3): one person up (down) stairs: the time must follow the stair speed the model defines (here SFPE's, along the slope).
  {
    const stairs: Link = { id: 'stairs', kind: 'stairs', from: 'start', to: 'end', widthM: 2, lengthM: 10, riserM: 0.17, treadM: 0.29, handrails: true };
    const s = site([{ id: 'start', areaM2: 2, travelM: 0 }], [{ id: 'end' }], [stairs]);
    const p = planEvacuation(s, { occupancy: { start: 1 }, gateway: false });
    const expected = travelDistance(stairs) / speed('calibrated', 'stairs', 0.5, 0.17, 0.29);
    const t = p.rset?.totalSeconds ?? NaN;
    checks.push({ test: '2 walking speed on stairs', criterion: `time = slope length / stair speed (${expected.toFixed(1)} s) ± 1 s`, value: `${t} s`, pass: Math.abs(t - expected) <= 1 });
  }
  // Test 4: fundamental diagram: the model's speed–density relation must be a published one with its flow maximum in range.
  {
    let best = { d: 0, fs: 0 };
    for (let d = 0.1; d <= 5.3; d += 0.05) {
      const fs = d * speed('calibrated', 'corridor', d);
      if (fs > best.fs) best = { d, fs };
    }
    checks.push({ test: '4 fundamental diagram (Weidmann 1993)', criterion: 'flow peaks at 1.2–1.3 p/(m·s) near 1.7–2.0 p/m²', value: `${best.fs.toFixed(2)} p/(m·s) at ${best.d.toFixed(2)} p/m²`, pass: best.fs >= 1.2 && best.fs <= 1.3 && best.d >= 1.6 && best.d <= 2.0 });
  }
  // Test 9: 30 m × 20 m room, 1,000 people, 4 exits of 1 m; then 2 closed: the time about doubles.
  {
    const exits = ['n1', 'n2', 's1', 's2'];
    const s = site([{ id: 'hall', areaM2: 600, travelM: 30 }], exits.map((id) => ({ id })), exits.map((id) => ({ id: `d-${id}`, kind: 'door' as const, from: 'hall', to: id, widthM: 1 })));
    const all = planEvacuation(s, { occupancy: { hall: 1000 }, gateway: false }).rset?.totalSeconds ?? NaN;
    const two = planEvacuation(s, { occupancy: { hall: 1000 }, closed: ['n2', 's2'], gateway: false }).rset?.totalSeconds ?? NaN;
    const ratio = two / all;
    checks.push({ test: '9 exits closed', criterion: 'time with 2 of 4 exits ≈ 2 × time with 4 (1.7–2.3)', value: `${all} s → ${two} s, ×${ratio.toFixed(2)}`, pass: ratio >= 1.7 && ratio <= 2.3 });
  }
  // Test 11: choice of exit: a crowd next to one exit also uses the second, farther one when the first jams.
  {
    const s = site(
      [{ id: 'room', areaM2: 200, travelM: 4 }, { id: 'far-side', areaM2: 100, travelM: 10 }],
      [{ id: 'near' }, { id: 'far' }],
      [{ id: 'd1', kind: 'door', from: 'room', to: 'near', widthM: 1 }, { id: 'c', kind: 'corridor', from: 'room', to: 'far-side', widthM: 2, lengthM: 10 }, { id: 'd2', kind: 'door', from: 'far-side', to: 'far', widthM: 1 }],
    );
    const p = planEvacuation(s, { occupancy: { room: 300 }, gateway: false });
    const [near, far] = p.exits;
    checks.push({ test: '11 choice of exit', criterion: 'both exits used; the near one more', value: `near ${near.people}, far ${far.people}`, pass: far.people > 0 && near.people > far.people });
  }
  // Test 12: two rooms joined by a narrow door: the queue forms before the door; behind it the crowd stays thin.
  {
    const s = site(
      [{ id: 'before', areaM2: 100, travelM: 10 }, { id: 'after', areaM2: 100, travelM: 10 }],
      [{ id: 'out' }],
      [{ id: 'narrow', kind: 'door', from: 'before', to: 'after', widthM: 1 }, { id: 'wide', kind: 'opening', from: 'after', to: 'out', widthM: 5 }],
    );
    const p = planEvacuation(s, { occupancy: { before: 150 }, gateway: false });
    const [before, after] = p.areas;
    checks.push({ test: '12 bottleneck', criterion: 'no congestion after the bottleneck (LoS ≤ B behind, queue in front)', value: `before ${before.peakDensity} p/m² (${before.los}), after ${after.peakDensity} p/m² (${after.los})`, pass: after.los <= 'B' && before.peakDensity > after.peakDensity });
  }
  // Test 13: a corridor into stairs of the same width: the stairs carry less, so the queue builds at their foot.
  {
    const s = site(
      [{ id: 'room', areaM2: 200, travelM: 5 }, { id: 'landing', areaM2: 20, travelM: 2 }],
      [{ id: 'down' }],
      [{ id: 'corr', kind: 'corridor', from: 'room', to: 'landing', widthM: 2, lengthM: 10 }, { id: 'stairs', kind: 'stairs', from: 'landing', to: 'down', widthM: 2, lengthM: 6, riserM: 0.17, treadM: 0.29 }],
    );
    const p = planEvacuation(s, { occupancy: { room: 200 }, gateway: false });
    const landing = p.areas[1];
    const corr = p.links.find((l) => l.linkId === 'corr');
    const stairs = p.links.find((l) => l.linkId === 'stairs');
    checks.push({ test: '13 congestion at stairs', criterion: 'stair flow < corridor flow, queue on the landing', value: `corridor ${corr?.peakFlow} p/s, stairs ${stairs?.peakFlow} p/s, landing peak ${landing.peakDensity} p/m²`, pass: (stairs?.peakFlow ?? Infinity) < (corr?.peakFlow ?? 0) && landing.peakDensity > 1 });
  }
  return checks;
}

// ---------------------------------------------------------------- speed
function grid(side: number, perArea: number): { site: Site; occupancy: Map<string, number> } {
  const areas: Area[] = [];
  const links: Link[] = [];
  const exits: Exit[] = [];
  const id = (i: number, j: number) => `a${i}_${j}`;
  const occupancy = new Map<string, number>();
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      areas.push({ id: id(i, j), areaM2: 25, travelM: 5 });
      occupancy.set(id(i, j), perArea);
      if (i + 1 < side) links.push({ id: `v${i}_${j}`, kind: 'door', from: id(i, j), to: id(i + 1, j), widthM: 1.2 });
      if (j + 1 < side) links.push({ id: `h${i}_${j}`, kind: 'door', from: id(i, j), to: id(i, j + 1), widthM: 1.2 });
      const border = i === 0 || j === 0 || i === side - 1 || j === side - 1;
      if (border && (i + j) % 5 === 0) {
        exits.push({ id: `x${i}_${j}` });
        links.push({ id: `e${i}_${j}`, kind: 'door', from: id(i, j), to: `x${i}_${j}`, widthM: 2 });
      }
    }
  }
  return { site: validateSite({ siteId: 'grid', name: 'grid', premovementSeconds: 0, areas, exits, links }), occupancy };
}

function speedRun(): void {
  const side = Number(process.env.EVAC_GRID ?? 100);
  const perArea = Number(process.env.EVAC_PER_AREA ?? 10);
  const { site: g, occupancy } = grid(side, perArea);
  const people = side * side * perArea;
  const step = Number(process.env.EVAC_STEP ?? 5);
  let t = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  const net = buildNetwork(g, occupancy, 'calibrated', step, new Set());
  const dist = shortestPathTimes(net.graph);
  let far = 0;
  for (let v = 0; v < net.areaCount; v++) far = Math.max(far, dist[v]);
  const baselineMs = ms(t);
  const baselineCpu = cpuMs(cpu);
  t = process.hrtime.bigint();
  cpu = process.cpuUsage();
  const plan = planEvacuation(g, { occupancy, batch: true, gateway: false, stepSeconds: step });
  const planMs = ms(t);
  const planCpu = cpuMs(cpu);
  console.log(`\nspeed: ${side * side} areas + ${g.exits.length} exits, ${g.links.length} links, ${people.toLocaleString('en-US')} people`);
  console.log(`  shortest-path assignment (baseline): ${baselineMs.toFixed(0)} ms (CPU ${baselineCpu.toFixed(0)} ms), says ${far * step} s (ignores capacity)`);
  console.log(`  CCRP plan (batched, ${step} s steps, all outputs): ${planMs.toFixed(0)} ms (CPU ${planCpu.toFixed(0)} ms), says ${plan.rset?.totalSeconds} s; lower bound ${plan.bound.lowerSeconds} s, gap ≤ ${(plan.bound.gap * 100).toFixed(1)} %`);
  console.log(`  ratio plan / baseline: ${(planMs / baselineMs).toFixed(1)}× wall, ${(planCpu / baselineCpu).toFixed(1)}× CPU`);
  // The routing alone once more, for what it costs: searches, and nodes settled in all of them.
  cpu = process.cpuUsage();
  const routing = ccrp(net.graph, { batch: true });
  console.log(`  routing alone: ${cpuMs(cpu).toFixed(0)} ms CPU, ${routing.searches} searches settling ${routing.settled.toLocaleString('en-US')} nodes`);
  for (const file of ['padova-piazza-dei-signori.geojson', 'oslo-city-hall.json']) {
    const s = loadSiteFile(path.join(PACKAGE_ROOT, 'flows', 'sites', file));
    const occ = new Map(s.areas.map((a) => [a.id, Math.round(a.areaM2 * 0.8)]));
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const x = s.exits[i % s.exits.length].id;
      const t0 = process.hrtime.bigint();
      planEvacuation(s, { occupancy: occ, closed: [x] });
      times.push(ms(t0));
    }
    console.log(`  what-if re-plan on ${s.siteId} (${[...occ.values()].reduce((a, b) => a + b, 0)} people, one exit closed, gateway included): median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
  }
}

// ---------------------------------------------------------------- JuPedSim side by side
/** The geometries of jupedsim_cases.py as sites. */
function peerCases(): Record<string, { site: Site; occupancy: Record<string, number>; closed?: string[]; exitMap: Record<string, string> }> {
  const room = (doors: string[]) => site([{ id: 'room', areaM2: 100, travelM: 10 }], doors.map((id) => ({ id })), doors.map((id) => ({ id: `door-${id}`, kind: 'door' as const, from: 'room', to: id, widthM: 1, lengthM: 2 })));
  const bottleneck = site(
    [{ id: 'upstream', areaM2: 28.5, travelM: 9.5 }, { id: 'downstream', areaM2: 28.5, travelM: 9.5 }],
    [{ id: 'end' }],
    [{ id: 'neck', kind: 'door', from: 'upstream', to: 'downstream', widthM: 1, lengthM: 1 }, { id: 'to-end', kind: 'opening', from: 'downstream', to: 'end', widthM: 3 }],
  );
  const tj = site(
    [{ id: 'left', areaM2: 20, travelM: 10 }, { id: 'right', areaM2: 20, travelM: 10 }, { id: 'stem', areaM2: 24, travelM: 12 }],
    [{ id: 'stem-end' }],
    [{ id: 'l', kind: 'opening', from: 'left', to: 'stem', widthM: 2 }, { id: 'r', kind: 'opening', from: 'right', to: 'stem', widthM: 2 }, { id: 'out', kind: 'opening', from: 'stem', to: 'stem-end', widthM: 2 }],
  );
  const one = { east: 'east' };
  const padova = loadSiteFile(path.join(PACKAGE_ROOT, 'flows', 'sites', 'padova-piazza-dei-signori.geojson'));
  const padovaExits = Object.fromEntries(padova.exits.map((x) => [x.id, x.id]));
  // Oslo City Hall's ground floor, as jupedsim_cases.py draws it: the terrace and the gallery
  // upstairs have no outline for the peer to walk, so neither side has them here.
  const oslo = loadSiteFile(path.join(PACKAGE_ROOT, 'flows', 'sites', 'oslo-city-hall.json'));
  const ground = new Set(oslo.areas.filter((a) => (a.level ?? 0) === 0).map((a) => a.id));
  const osloGround = validateSite({ ...oslo, premovementSeconds: 0, areas: oslo.areas.filter((a) => ground.has(a.id)), links: oslo.links.filter((l) => ground.has(l.from)) });
  return {
    'room-1-exit-50': { site: room(['east']), occupancy: { room: 50 }, exitMap: one },
    'room-1-exit-100': { site: room(['east']), occupancy: { room: 100 }, exitMap: one },
    'room-1-exit-200': { site: room(['east']), occupancy: { room: 200 }, exitMap: one },
    'room-2-exits-200': { site: room(['east', 'west']), occupancy: { room: 200 }, exitMap: { east: 'east', west: 'west' } },
    'room-2-exits-one-closed-200': { site: room(['east', 'west']), occupancy: { room: 200 }, closed: ['west'], exitMap: one },
    'bottleneck-corridor-60': { site: bottleneck, occupancy: { upstream: 60 }, exitMap: { end: 'end' } },
    't-junction-100': { site: tj, occupancy: { left: 50, right: 50 }, exitMap: { stem: 'stem-end' } },
    // jupedsim_cases.py fills both halves of the square in proportion to their area (equal).
    'padova-500': { site: { ...padova, premovementSeconds: 0 }, occupancy: { 'signori-west': 250, 'signori-east': 250 }, exitMap: padovaExits },
    'padova-3694': { site: { ...padova, premovementSeconds: 0 }, occupancy: { 'signori-west': 1847, 'signori-east': 1847 }, exitMap: padovaExits },
    'oslo-hall-1000': { site: osloGround, occupancy: { radhushallen: 1000 }, exitMap: Object.fromEntries(oslo.exits.map((x) => [x.id, x.id])) },
    // JuPedSim's agents walk our calibrated plan's split there (jupedsim_cases.py).
    'oslo-hall-1000-our-split': { site: osloGround, occupancy: { radhushallen: 1000 }, exitMap: Object.fromEntries(oslo.exits.map((x) => [x.id, x.id])) },
  };
}

interface PeerRun {
  seconds: number;
  stalled: boolean;
  load: Record<string, number>;
  wall: number;
  /** Cut off by the bench's own wall-time bound (JPS_MAX_WALL) at `seconds` simulated, `agentsLeft` still inside. */
  unfinished?: boolean;
  agentsLeft?: number;
}

function jupedsim(resultsFile?: string): void {
  let lines: string[];
  if (resultsFile) lines = fs.readFileSync(resultsFile, 'utf8').split('\n');
  else {
    const python = path.join(PACKAGE_ROOT, 'bench', 'evacuation', '.venv', 'bin', 'python');
    if (!fs.existsSync(python)) {
      console.log('\njupedsim: no bench/evacuation/.venv: run bench/evacuation/setup.sh first');
      return;
    }
    lines = execFileSync(python, [path.join(PACKAGE_ROOT, 'bench', 'evacuation', 'jupedsim_cases.py'), process.env.EVAC_SEEDS ?? '3'], { encoding: 'utf8', maxBuffer: 1 << 24 }).split('\n');
  }
  const cases = peerCases();
  // The first plan compiles the site schema: not part of any case's time.
  planEvacuation(cases['room-1-exit-50'].site, { occupancy: { room: 1 } });
  console.log('\nside by side with JuPedSim (collision-free speed model; mean of seeds, stalled and unfinished runs left out)');
  console.log('case | JuPedSim s (seeds) | ours calibrated s | diff | ours SFPE s | per-exit loads J / ours | JuPedSim wall ms (mean of finished runs) | ours ms (median of 5) | speed-up');
  for (const line of lines) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { case: string; people: number; runs: PeerRun[] };
    const c = cases[r.case];
    if (!c) continue;
    const ok = r.runs.filter((x) => !x.stalled && !x.unfinished);
    const cut = r.runs.filter((x) => x.unfinished);
    if (!ok.length && cut.length) {
      // Nothing to compare a time with: say how far JuPedSim got, and at what rate.
      const ours = planEvacuation(c.site, { occupancy: c.occupancy, closed: c.closed, gateway: false });
      for (const x of cut) console.log(`${r.case} | unfinished: ${x.seconds} s simulated in ${x.wall.toFixed(0)} s of wall time (${(x.wall / x.seconds).toFixed(1)} s per simulated second), ${r.people - (x.agentsLeft ?? 0)} of ${r.people} out | ours ${ours.rset?.totalSeconds} s`);
      continue;
    }
    const mean = ok.reduce((s, x) => s + x.seconds, 0) / Math.max(1, ok.length);
    // Wall time of the runs that finished: a stalled run ran to JuPedSim's time limit, not to the end of an evacuation.
    const timed = ok.length ? ok : r.runs;
    const wall = (1000 * timed.reduce((s, x) => s + x.wall, 0)) / timed.length;
    // Median of 5: on a shared machine one plan of a few milliseconds is easily doubled by a neighbour.
    const times: number[] = [];
    let ours = planEvacuation(c.site, { occupancy: c.occupancy, closed: c.closed, gateway: false });
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      ours = planEvacuation(c.site, { occupancy: c.occupancy, closed: c.closed, gateway: false });
      times.push(ms(t0));
    }
    const oursMs = median(times);
    const sfpe = planEvacuation(c.site, { profile: 'sfpe', occupancy: c.occupancy, closed: c.closed, gateway: false });
    const t = ours.rset?.totalSeconds ?? NaN;
    const loads = Object.entries(c.exitMap).map(([peer, exit]) => `${peer} ${Math.round(ok.reduce((s, x) => s + (x.load[peer] ?? 0), 0) / Math.max(1, ok.length))} / ${ours.exits.find((e) => e.exitId === exit)?.people ?? 0}`).join(', ');
    const stalled = r.runs.length - ok.length - cut.length;
    console.log(`${r.case} | ${mean.toFixed(1)} (${ok.length}${stalled ? `, ${stalled} stalled` : ''}${cut.length ? `, ${cut.length} unfinished` : ''}) | ${t} | ${(((t - mean) / mean) * 100).toFixed(0)} % | ${sfpe.rset?.totalSeconds} | ${loads} | ${wall.toFixed(0)} | ${oursMs.toFixed(2)} | ${(wall / oursMs).toFixed(0)}×`);
  }
}

function main(): void {
  const what = process.argv[2] ?? 'all';
  if (what === 'rimea' || what === 'all') {
    console.log('RiMEA tests applicable to a macroscopic model');
    console.log('test | criterion | value | pass');
    for (const c of rimea()) console.log(`${c.test} | ${c.criterion} | ${c.value} | ${c.pass ? 'PASS' : 'FAIL'}`);
  }
  if (what === 'speed' || what === 'all') speedRun();
  if (what === 'jupedsim' || what === 'all') jupedsim(process.argv[3]);
}

main();
