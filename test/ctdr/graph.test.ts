import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { attackPaths, derive, likelihoods } from '../../nodes/ctdr/graph/derive';
import { analyse, bruteForceCut, countermeasures, exactCut, greedyCut, provenCut } from '../../nodes/ctdr/graph/cut';
import type { Cut, HittingSetSolver } from '../../nodes/ctdr/graph/cut';
import { loadHittingSetSolver } from '../../nodes/ctdr/graph/highs';
import { buildGraph, NetworkError } from '../../nodes/ctdr/graph/model';
import type { Network } from '../../nodes/ctdr/graph/model';
import { syntheticNetwork } from '../../nodes/ctdr/graph/synthetic';

const mulval = (): Network => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'test', 'ctdr', 'fixtures', 'mulval-three-host.json'), 'utf8')) as Network;

describe('ctdr attack graph', () => {
  let solve: HittingSetSolver;
  before(async () => {
    solve = await loadHittingSetSolver();
  });

  describe('the MulVAL paper\'s three-host example (Ou, Govindavajhala, Appel 2005)', () => {
    const g = buildGraph(mulval());
    const d = derive(g);
    const has = (f: string): boolean => d.derived[g.factIndex.get(f) ?? -1] === 1;

    it('derives what the paper derives: the web server, root on the file server, the file server\'s files, root on the workstation', () => {
      assert.ok(has('execCode(webServer,user)'), 'CVE-2002-0392 from the Internet');
      assert.ok(has('netAccess(fileServer,tcp,20048)'), 'mountd reached from the web server');
      assert.ok(has('execCode(fileServer,root)'), 'CVE-2003-0252 in mountd');
      assert.ok(has('accessFile(fileServer)'), 'the export written');
      assert.ok(has('execCode(workStation,root)'), 'a trojan in the shared folder');
      assert.ok(!has('netAccess(workStation,tcp,22)'), 'nothing invented');
    });

    it('lists both attack paths to the workstation, with their likelihood from the steps', () => {
      const { paths } = attackPaths(g, d);
      const rules = (i: number): string[] => paths[i].rules.map((r) => g.rules[r].name);
      assert.equal(paths.length, 2);
      const nfs = paths.findIndex((_, i) => rules(i).includes('nfsWrite'));
      const mountd = paths.findIndex((_, i) => rules(i).filter((n) => n === 'remoteExploit').length === 2);
      assert.ok(nfs >= 0 && mountd >= 0 && nfs !== mountd, 'one path writes the export from the web server, the other exploits mountd');
      assert.deepEqual(paths[mountd].hosts, ['webServer', 'fileServer', 'workStation']);
      assert.equal(paths[nfs].likelihood.toFixed(4), (0.9).toFixed(4), 'only the web exploit is uncertain on the NFS path');
      assert.equal(paths[mountd].likelihood.toFixed(4), (0.9 * 0.6).toFixed(4));
      assert.equal(paths[0].likelihood >= paths[1].likelihood, true, 'most likely first');
      // Both paths need the web exploit (0.9); the NFS path needs nothing else: P = 0.9, the shared step counted once.
      const p = likelihoods(g, { samples: 4000 });
      assert.ok(Math.abs(p[g.factIndex.get('execCode(workStation,root)')!] - 0.9) < 0.02, String(p[g.factIndex.get('execCode(workStation,root)')!]));
      assert.ok(Math.abs(p[g.factIndex.get('execCode(fileServer,root)')!] - 0.54) < 0.03);
    });

    it('finds the best point of intervention: one cost-1 step at the web server cuts both paths, as brute force confirms', () => {
      const cms = countermeasures(g);
      const exact = exactCut(g, cms);
      const brute = bruteForceCut(g, cms);
      assert.equal(exact.method, 'exact');
      assert.equal(exact.cost, 1);
      assert.equal(brute.cost, exact.cost);
      assert.equal(exact.chosen.length, 1);
      assert.ok(['patch:webServer:CVE-2002-0392', 'fw:internet->webServer:tcp/80'].includes(exact.chosen[0].id), exact.chosen[0].id);
      const a = analyse(g);
      assert.deepEqual(a.reached, ['execCode(workStation,user)']);
      const top = a.ranked[0];
      assert.equal(top.pathsCut, 2);
      assert.deepEqual(top.goalsProtected, ['execCode(workStation,user)']);
      const mountdPatch = a.ranked.find((c) => c.id === 'patch:fileServer:CVE-2003-0252')!;
      assert.equal(mountdPatch.pathsCut, 1);
      assert.deepEqual(mountdPatch.goalsProtected, [], 'patching mountd alone leaves the NFS path');
      assert.deepEqual(a.gap && [a.gap.exact, a.gap.greedy, a.gap.exactProven], [1, 1, true]);
    });
  });

  it('refuses a network that names a zone or host that does not exist', () => {
    const net = mulval();
    net.firewall.push({ from: 'internet', to: 'mailServer' });
    assert.throws(() => buildGraph(net), (e: Error) => e instanceof NetworkError && /mailServer/.test(e.message));
  });

  it('a client-side vulnerability needs egress to the attacker; closing it cuts the path', () => {
    const net: Network = {
      zones: ['internet', 'office'], entryZones: ['internet'],
      firewall: [{ id: 'office-web', from: 'office', to: 'internet', protocol: 'tcp', ports: [443] }],
      hosts: [{ id: 'pc', zone: 'office', criticality: 'critical', crownJewel: true, services: [], vulns: [{ id: 'CVE-2023-0001', kind: 'client', gives: 'user', likelihood: 0.5 }] }],
    };
    const g = buildGraph(net);
    assert.equal(derive(g).derived[g.factIndex.get('execCode(pc,user)')!], 1);
    const cut = exactCut(g, countermeasures(g));
    assert.equal(cut.cost, 1);
    net.firewall = [];
    const g2 = buildGraph(net);
    assert.equal(derive(g2).derived[g2.factIndex.get('execCode(pc,user)')!], 0);
  });

  it('exact (branch and bound, and proven with HiGHS), greedy and brute force agree in cost on random small networks, and greedy is never cheaper than exact', function () {
    this.timeout(120_000);
    let compared = 0;
    for (let seed = 1; seed <= 200 && compared < 8; seed++) {
      const g = buildGraph(syntheticNetwork({ hosts: 6, zones: 3, seed, vulnRate: 0.8 }));
      const cms = countermeasures(g);
      let brute;
      try {
        brute = bruteForceCut(g, cms, 16);
      } catch {
        continue; // too many countermeasures for the baseline on this seed
      }
      if (brute.cost === 0) continue; // no crown jewel reached: nothing to compare
      compared++;
      const exact = exactCut(g, cms);
      const greedy = greedyCut(g, cms);
      assert.equal(exact.method, 'exact');
      assert.equal(exact.cost, brute.cost, `seed ${seed}: exact ${exact.cost} vs brute force ${brute.cost}`);
      const proven = provenCut(g, cms, solve);
      assert.deepEqual([proven.method, proven.cost, proven.lowerBound], ['exact', brute.cost, brute.cost], `seed ${seed}: proven ${proven.cost} vs brute force ${brute.cost}`);
      assert.ok(greedy.cost >= exact.cost - 1e-9, `seed ${seed}`);
      const off = new Uint8Array(g.leaves.length);
      for (const c of exact.chosen) for (const l of c.leaves) off[l] = 1;
      const after = derive(g, off);
      for (const goal of g.goals) if (!exact.uncuttable.includes(g.facts[goal.fact])) assert.equal(after.derived[goal.fact], 0, `seed ${seed}: ${g.facts[goal.fact]} still reached after the cut`);
    }
    assert.ok(compared >= 5, `only ${compared} networks compared`);
  });
  describe('proven cut (implicit hitting set with HiGHS)', () => {
    const assertCut = (g: ReturnType<typeof buildGraph>, cut: Cut, what: string): void => {
      const off = new Uint8Array(g.leaves.length);
      for (const c of cut.chosen) for (const l of c.leaves) off[l] = 1;
      const after = derive(g, off);
      for (const goal of g.goals) if (!cut.uncuttable.includes(g.facts[goal.fact])) assert.equal(after.derived[goal.fact], 0, `${what}: ${g.facts[goal.fact]} still reached after the cut`);
    };

    it('on 200 hosts finds the cost branch and bound proves, and on 400 proves a cut no dearer than greedy', function () {
      this.timeout(240_000);
      const mid = buildGraph(syntheticNetwork({ hosts: 200, zones: 4, seed: 3 }));
      const cms = countermeasures(mid);
      const bb = exactCut(mid, cms);
      const proven = provenCut(mid, cms, solve);
      assert.equal(bb.method, 'exact');
      assert.deepEqual([proven.method, proven.cost], ['exact', bb.cost]);
      assertCut(mid, proven, '200 hosts');
      const big = buildGraph(syntheticNetwork({ hosts: 400, zones: 4, seed: 5 }));
      const bigCms = countermeasures(big);
      const greedy = greedyCut(big, bigCms);
      const p = provenCut(big, bigCms, solve);
      assert.ok(p.cost <= greedy.cost, `proven ${p.cost} ≤ greedy ${greedy.cost}`);
      assert.ok(p.lowerBound! <= p.cost + 1e-9);
      assertCut(big, p, '400 hosts');
    });

    it('stopped early, returns its best cut with a lower bound below it, marked budget', function () {
      this.timeout(120_000);
      const g = buildGraph(syntheticNetwork({ hosts: 400, zones: 4, seed: 5 }));
      const cms = countermeasures(g);
      const p = provenCut(g, cms, solve, { maxRounds: 1 });
      if (p.method === 'exact') return; // proven in one round: nothing to check here
      assert.equal(p.method, 'budget');
      assert.ok(p.lowerBound! > 0 && p.lowerBound! < p.cost, `lower bound ${p.lowerBound} < ${p.cost}`);
      assertCut(g, p, 'budget');
    });

    it('out of time, stops between rounds with a valid cut marked budget (the runtime\'s thread is not held)', () => {
      const g = buildGraph(syntheticNetwork({ hosts: 200, zones: 4, seed: 3 }));
      const cms = countermeasures(g);
      const p = provenCut(g, cms, solve, { maxMs: 0 });
      assert.equal(p.rounds, 0, 'no round started after the time ran out');
      assert.equal(p.method, 'budget');
      assert.ok(p.lowerBound! <= p.cost);
      assertCut(g, p, 'out of time');
      const a = analyse(g, { hittingSet: solve, provenMs: 0 });
      assert.equal(a.gap!.exactProven, false, 'the analysis says the cut is not proven');
    });

    it('analyse reports the gap with the proven lower bound when given the solver', () => {
      const g = buildGraph(syntheticNetwork({ hosts: 200, zones: 4, seed: 3 }));
      const a = analyse(g, { hittingSet: solve, exactUpTo: 0 });
      assert.ok(a.gap, 'a gap, although exactUpTo excludes branch and bound');
      assert.equal(a.gap!.exactProven, true);
      assert.equal(a.gap!.lowerBound, a.gap!.exact);
      assert.equal(a.cut.cost, a.gap!.exact);
    });
  });
});
