import assert from 'node:assert/strict';
import { planDrafts } from '../../nodes/evacuation/outputs';
import { planEvacuation } from '../../nodes/evacuation/plan';
import { validateSite } from '../../nodes/evacuation/site';

// A hall (capacity 150) and a side room without a capacity, one door each way out.
const site = validateSite({
  siteId: 'hall',
  name: 'The hall',
  areas: [{ id: 'hall', name: 'Great hall', areaM2: 200, capacity: 150 }, { id: 'side', areaM2: 50 }],
  exits: [{ id: 'out' }],
  links: [
    { id: 'd-out', kind: 'door', from: 'hall', to: 'out', widthM: 2 },
    { id: 'd-side', kind: 'door', from: 'side', to: 'hall', widthM: 1 },
  ],
});
const ctx = { sourceNode: 'ev', exercise: false, limitSeconds: 600, maxRisk: 100 };

describe('evacuation capacities', function () {
  it('a plan lists the areas counted above their capacity, and only those', function () {
    assert.deepEqual(planEvacuation(site, { occupancy: { hall: 150, side: 400 } }).overCapacity, [], 'at capacity is not above it; no capacity, no limit');
    const plan = planEvacuation(site, { occupancy: { hall: 180, side: 10 } });
    assert.deepEqual(plan.overCapacity, [{ areaId: 'hall', people: 180, capacity: 150 }]);
    // 0.9 p/m² is far below critical density, yet the density part of the risk is full.
    assert.equal(plan.risk.density, 1);
    assert.ok(planEvacuation(site, { occupancy: { hall: 150, side: 10 } }).risk.density < 1);
  });

  it('drafts an over-capacity alert naming the area, its people and its capacity', function () {
    assert.deepEqual(planDrafts(site, planEvacuation(site, { occupancy: { hall: 100 } }), ctx), []);
    const drafts = planDrafts(site, planEvacuation(site, { occupancy: { hall: 180 } }), ctx);
    assert.equal(drafts.length, 1);
    const d = drafts[0];
    assert.equal(d.event, 'Area over capacity');
    assert.equal(d.severity, 'high');
    assert.equal(d.headline, 'Over capacity: Great hall holds 180 people, capacity 150');
    assert.deepEqual((d.data as { overCapacity: unknown }).overCapacity, [{ areaId: 'hall', people: 180, capacity: 150 }]);
  });

  it('stands beside the evacuation alerts: over the limits and over capacity gives both', function () {
    const drafts = planDrafts(site, planEvacuation(site, { occupancy: { hall: 180 } }), { ...ctx, limitSeconds: 30 });
    assert.deepEqual(drafts.map((d) => d.event), ['Evacuation above limits', 'Area over capacity']);
  });
});
