/**
 * The flow model and routing, checked against values worked out by hand from the SFPE
 * handbook's equations (the arithmetic is in each test), and CCRP against the exact optimum.
 */
import assert from 'node:assert/strict';
import { buildGraph, ccrp, lowerBound, shortestPathTimes } from '../../nodes/evacuation/ccrp';
import { optimalSteps, peopleOutBy } from '../../nodes/evacuation/exact';
import { capacity, densityAtFlow, effectiveWidth, fruinLevel, sfpeK, sfpeMaxSpecificFlow, speed, travelDistance, weidmannSpeed } from '../../nodes/evacuation/flow-model';
import { planEvacuation, riskScore } from '../../nodes/evacuation/plan';
import { validateSite } from '../../nodes/evacuation/site';
import type { Site } from '../../nodes/evacuation/site';
import { Rng } from '../../bench/random';
import { assertFinite } from './finite';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('evacuation flow model (SFPE worked examples)', function () {
  it('speed: 1.19 m/s unimpeded in a corridor, 0.70 m/s at 1.88 p/m²; Weidmann beyond 3.5 p/m²', function () {
    // S = k(1 − aD): 1.40 × (1 − 0.266 × 0.54) = 1.199; 1.40 × (1 − 0.266 × 1.88) = 0.700.
    near(speed('sfpe', 'corridor', 0.3), 1.199, 0.001, 'free');
    near(speed('sfpe', 'corridor', 1.88), 0.700, 0.001, 'at 1.88');
    // Continuous where SFPE hands over, positive where SFPE's line would give zero (3.76 p/m²).
    near(speed('sfpe', 'corridor', 3.5 + 1e-9), speed('sfpe', 'corridor', 3.5), 1e-6, 'hand-over');
    assert.ok(speed('sfpe', 'corridor', 4) > 0);
    assert.equal(weidmannSpeed(5.4), 0);
    near(weidmannSpeed(0.01), 1.34, 1e-6, 'Weidmann free');
  });

  it('stairs: k by riser and tread, speed along the slope', function () {
    // 7 in / 11 in (0.178 m / 0.279 m): k = 1.08; Fsm = 1.08 / (4 × 0.266) = 1.015 p/s/m.
    assert.equal(sfpeK('stairs', 0.178, 0.279), 1.08);
    assert.equal(sfpeK('stairs', 0.19, 0.254), 1.0);
    assert.equal(sfpeK('stairs', 0.165, 0.33), 1.23);
    near(sfpeMaxSpecificFlow(1.08), 1.015, 0.001, 'Fsm stairs');
    // 10 m run: √(0.178² + 0.279²) / 0.279 × 10 = 11.86 m along the slope, at 1.08 × 0.8564 = 0.925 m/s: 12.8 s.
    const stairs = { kind: 'stairs' as const, lengthM: 10, riserM: 0.178, treadM: 0.279, widthM: 1.12 };
    near(travelDistance(stairs), 11.86, 0.01, 'slope');
    near(travelDistance(stairs) / speed('sfpe', 'stairs', 0.5, 0.178, 0.279), 12.8, 0.05, 'descent');
    // 1.12 m stair between walls: 1.12 − 2 × 0.15 = 0.82 m effective; with handrails 1.12 − 0.18 = 0.94 m.
    near(effectiveWidth('sfpe', stairs), 0.82, 1e-9, 'We');
    near(effectiveWidth('sfpe', { ...stairs, handrails: true }), 0.94, 1e-9, 'We handrails');
  });

  it('a 0.91 m door passes 0.80 p/s (SFPE); the calibrated set 1.73 p/s', function () {
    // We = 0.91 − 2 × 0.15 = 0.61 m; Fc = 1.316 × 0.61 = 0.803 p/s.
    near(capacity('sfpe', { kind: 'door', widthM: 0.91 }), 0.803, 0.001, 'SFPE');
    // Seyfried et al. 2009: 1.9 p/s per metre of clear width.
    near(capacity('calibrated', { kind: 'door', widthM: 0.91 }), 1.729, 0.001, 'calibrated');
  });

  it('300 people through one 0.91 m door: 374 s of movement (SFPE), 60 s pre-movement on top', function () {
    // 300 / 0.803 = 373.6 s: 374 one-second steps. Room travel set to 0 to isolate the door.
    const site = validateSite({ siteId: 's', name: 's', premovementSeconds: 60, areas: [{ id: 'room', areaM2: 300, travelM: 0 }], exits: [{ id: 'out' }], links: [{ id: 'door', kind: 'door', from: 'room', to: 'out', widthM: 0.91 }] });
    const plan = planEvacuation(site, { profile: 'sfpe', occupancy: { room: 300 }, exactUpTo: 100_000 });
    assert.ok(plan.rset);
    near(plan.rset.totalSeconds - 60, 374, 1, 'movement');
    assert.equal(plan.rset.premovementSeconds, 60);
    assert.equal(plan.rset.travelSeconds, 1);
    near(plan.rset.queuingSeconds, 373, 1, 'queuing');
    assert.equal(plan.exits[0].people, 300);
    assert.equal(plan.bound.optimumSeconds, plan.rset.totalSeconds - 60);
    assert.equal(plan.bound.gap, 0);
    // The door runs at capacity: density of maximum flow, 1/(2a) = 1.88 p/m², LoS E.
    near(plan.links[0].peakDensity, 1.88, 0.01, 'door density');
    assert.equal(plan.links[0].los, 'E');
  });

  it('a transition to a narrower element controls the flow and builds a queue in front of it', function () {
    // Corridor 2.4 m (Fc = 1.316 × 2.0 = 2.63 p/s) into a 0.91 m door (0.80 p/s): the door controls.
    const site = validateSite({
      siteId: 't', name: 't', premovementSeconds: 0,
      areas: [{ id: 'room', areaM2: 200, travelM: 0 }, { id: 'lobby', areaM2: 20, travelM: 0 }],
      exits: [{ id: 'out' }],
      links: [
        { id: 'corr', kind: 'corridor', from: 'room', to: 'lobby', widthM: 2.4, lengthM: 20 },
        { id: 'door', kind: 'door', from: 'lobby', to: 'out', widthM: 0.91 },
      ],
    });
    const plan = planEvacuation(site, { profile: 'sfpe', occupancy: { room: 200 } });
    assert.ok(plan.rset);
    // 200 / 0.803 = 249 s at the door after the first arrive (20 m at 1.03 m/s at 1 p/m² ≈ 19 s).
    near(plan.rset.totalSeconds, 19 + 250, 3, 'total');
    const lobby = plan.areas.find((a) => a.areaId === 'lobby');
    assert.ok(lobby && lobby.peakDensity > 2, `the queue builds in the lobby: ${JSON.stringify(lobby)}`);
    assert.ok(plan.secondsAboveCritical > 0);
  });

  it('density from flow inverts specific flow on the uncongested branch; Fruin levels', function () {
    // Fs = 1.4·D − 0.3724·D² at D = 1: 1.0276 p/s/m.
    near(densityAtFlow(1.0276, 1), 1, 1e-3, 'inverse');
    assert.equal(fruinLevel(0.2), 'A');
    assert.equal(fruinLevel(1), 'D');
    assert.equal(fruinLevel(2.5), 'F');
    assert.equal(fruinLevel(2, true), 'E');
  });

  it('risk score follows its formula and is 100 when someone has no way out', function () {
    assert.deepEqual(riskScore(450, 300, 2, 4, 60), { score: Math.round(100 * (0.5 * 1 + 0.3 * 0.5 + 0.2 * 0.5)), time: 1, density: 0.5, exposure: 0.5 });
    assert.equal(riskScore(undefined, 300, 0, 4, 0).score, 100);
    // An area above its capacity fills the density part, however low the density.
    assert.deepEqual(riskScore(150, 300, 1, 4, 0, true), { score: Math.round(100 * (0.5 * (1 / 3) + 0.3 * 1)), time: 1 / 3, density: 1, exposure: 0 });
  });
});

describe('evacuation routing (CCRP and the exact optimum)', function () {
  it('splits a crowd between two exits and matches the optimum; closing one roughly doubles the time', function () {
    const site = validateSite({
      siteId: 'two', name: 'two', premovementSeconds: 0,
      areas: [{ id: 'room', areaM2: 400, travelM: 20 }],
      exits: [{ id: 'a' }, { id: 'b' }],
      links: [{ id: 'da', kind: 'door', from: 'room', to: 'a', widthM: 1.2 }, { id: 'db', kind: 'door', from: 'room', to: 'b', widthM: 1.2 }],
    });
    const both = planEvacuation(site, { occupancy: { room: 400 }, exactUpTo: 200_000 });
    const one = planEvacuation(site, { occupancy: { room: 400 }, closed: ['b'], exactUpTo: 200_000 });
    assert.ok(both.rset && one.rset);
    near(both.exits[0].share, 0.5, 0.02, 'share');
    assert.equal(both.bound.gap, 0);
    const ratio = one.rset.totalSeconds / both.rset.totalSeconds;
    assert.ok(ratio > 1.8 && ratio < 2.1, String(ratio));
    assert.equal(one.exits[1].open, false);
    assert.equal(one.exits[1].people, 0);
  });

  it('CCRP is never better than the optimum and never below the lower bound, on random graphs', function () {
    const rng = new Rng(7);
    for (let trial = 0; trial < 12; trial++) {
      const n = 8 + rng.int(8);
      const edges = [];
      for (let v = 1; v < n; v++) {
        const u = Math.floor(rng.next() * v);
        edges.push({ from: v, to: u, steps: 1 + rng.int(4), cap: 0.5 + rng.next() * 3 });
        if (rng.next() < 0.5) edges.push({ from: u, to: v, steps: 1 + rng.int(4), cap: 0.5 + rng.next() * 3 });
      }
      const supply = Array.from({ length: n }, (_, v) => (v === 0 ? 0 : rng.int(30)));
      const g = buildGraph(n, [0], edges, supply);
      const result = ccrp(g);
      const opt = optimalSteps(g, result.lastArrival, 1e7);
      assert.ok(opt);
      const bound = lowerBound(g);
      assert.ok(bound <= opt.steps && opt.steps <= result.lastArrival, `bound ${bound} ≤ optimum ${opt.steps} ≤ CCRP ${result.lastArrival}`);
      const total = supply.reduce((s, x) => s + x, 0);
      near(result.routes.reduce((s, r) => s + r.people, 0), total, 1e-6, 'everyone routed');
      if (opt.steps > 0) assert.ok(peopleOutBy(g, opt.steps - 1) < total - 1e-6, 'one step less is not enough');
    }
  });

  it('batched CCRP (a group to every exit per search) stays feasible, between the bounds, on random graphs with several exits', function () {
    const rng = new Rng(11);
    for (let trial = 0; trial < 12; trial++) {
      const n = 10 + rng.int(10);
      const exits = [0, 1, 2].slice(0, 1 + rng.int(3));
      const edges = [];
      for (let v = exits.length; v < n; v++) {
        const u = Math.floor(rng.next() * v);
        edges.push({ from: v, to: u, steps: 1 + rng.int(4), cap: 0.5 + rng.next() * 3 });
        const w = exits.length + Math.floor(rng.next() * (v - exits.length + 1));
        if (w !== v && rng.next() < 0.6) edges.push({ from: w, to: v, steps: 1 + rng.int(4), cap: 0.5 + rng.next() * 3 });
      }
      const supply = Array.from({ length: n }, (_, v) => (v < exits.length ? 0 : rng.int(30)));
      const g = buildGraph(n, exits, edges, supply);
      const result = ccrp(g, { batch: true });
      const opt = optimalSteps(g, result.lastArrival, 1e7);
      assert.ok(opt);
      const bound = lowerBound(g);
      assert.ok(bound <= opt.steps && opt.steps <= result.lastArrival, `bound ${bound} ≤ optimum ${opt.steps} ≤ batched CCRP ${result.lastArrival}`);
      for (let e = 0; e < g.cap.length; e++) assert.ok(result.peakEdgeLoad[e] <= g.cap[e] + 1e-9, `edge ${e} over capacity`);
      const total = supply.reduce((s, x) => s + x, 0);
      near(result.routes.reduce((s, r) => s + r.people, 0), total, 1e-6, 'everyone routed');
      for (const r of result.routes) assert.ok(exits.includes(r.path[r.path.length - 1]) && r.arrive <= result.lastArrival);
    }
  });

  it('never reserves more than an edge carries in a step', function () {
    const g = buildGraph(3, [2], [{ from: 0, to: 1, steps: 2, cap: 1.5 }, { from: 1, to: 2, steps: 1, cap: 1 }], [10, 5, 0]);
    const r = ccrp(g, { batch: true });
    for (const e of [0, 1]) assert.ok(r.peakEdgeLoad[e] <= g.cap[e] + 1e-9);
    assert.equal(r.lastArrival, 15);
    assert.deepEqual([...shortestPathTimes(g)], [3, 1, 0]);
  });

  it('people cut off by a closure are counted, with no time and no Infinity anywhere', function () {
    const site: Site = validateSite({
      siteId: 'cut', name: 'cut',
      areas: [{ id: 'hall', areaM2: 100 }, { id: 'side', areaM2: 50 }],
      exits: [{ id: 'main' }, { id: 'back' }],
      links: [
        { id: 'd1', kind: 'door', from: 'hall', to: 'main', widthM: 2 },
        { id: 'd2', kind: 'door', from: 'side', to: 'back', widthM: 1 },
        { id: 'd3', kind: 'door', from: 'hall', to: 'side', widthM: 1 },
      ],
    });
    const plan = planEvacuation(site, { occupancy: { hall: 50, side: 20 }, closed: ['main', 'd3'] });
    assert.equal(plan.rset, undefined);
    assert.deepEqual(plan.noExit, [{ areaId: 'hall', people: 50 }]);
    assert.equal(plan.risk.score, 100);
    assert.equal(plan.areas[0].clearSeconds, null);
    assertFinite(plan, 'plan');
  });
});
