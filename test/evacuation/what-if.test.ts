import assert from 'node:assert/strict';
import { planEvacuation } from '../../nodes/evacuation/plan';
import { validateSite } from '../../nodes/evacuation/site';
import { comparePlans, WHAT_IF_FEATURE, whatIfMap } from '../../nodes/evacuation/what-if';
import { assertFinite } from './finite';

// A hall between two exits, a side room behind it; small squares in degrees near Oslo.
const sq = (x: number, y: number) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + 0.0002, y], [x + 0.0002, y + 0.0001], [x, y + 0.0001], [x, y]]] });
const site = validateSite({
  siteId: 'two-doors',
  name: 'Two doors',
  premovementSeconds: 30,
  areas: [{ id: 'hall', name: 'Hall', areaM2: 200, geometry: sq(10.7, 59.9) }, { id: 'side', name: 'Side room', areaM2: 50, geometry: sq(10.7002, 59.9) }],
  exits: [
    { id: 'west', name: 'West door', geometry: { type: 'Point', coordinates: [10.6999, 59.90005] } },
    { id: 'east', name: 'East door', geometry: { type: 'Point', coordinates: [10.7005, 59.90005] } },
  ],
  links: [
    { id: 'd-west', kind: 'door', from: 'hall', to: 'west', widthM: 1 },
    { id: 'hall-side', kind: 'opening', from: 'hall', to: 'side', widthM: 2 },
    { id: 'd-east', kind: 'door', from: 'side', to: 'east', widthM: 1 },
  ],
});
const occupancy = { hall: 120, side: 30 };

describe('evacuation what-if beside the live plan', function () {
  it('compares times, risk and per-exit loads, and lists only the routes that change', function () {
    const live = planEvacuation(site, { occupancy });
    const whatIf = planEvacuation(site, { occupancy, closed: ['west'] });
    const cmp = comparePlans(site, live, whatIf, { close: ['west'] });
    assert.equal(cmp.liveSeconds, Math.round(live.rset?.totalSeconds ?? NaN));
    assert.equal(cmp.deltaSeconds, (cmp.whatIfSeconds ?? NaN) - (cmp.liveSeconds ?? NaN));
    assert.ok((cmp.deltaSeconds ?? 0) > 0, 'one door instead of two takes longer');
    const west = cmp.exits.find((e) => e.exitId === 'west');
    assert.ok(west && west.closed && west.live > 0 && west.whatIf === 0 && west.whatIfClearSeconds === null, JSON.stringify(west));
    assert.equal(cmp.exits.find((e) => e.exitId === 'east')?.whatIf, 150);
    // The hall's people went west and now go east through the side room; the side room's route did not change.
    assert.deepEqual(cmp.routes.map((r) => [r.areaId, r.live?.exitId, r.whatIf?.exitId]), [['hall', 'west', 'east']]);
    assert.match(cmp.summary, /^What-if \(close West door\): evacuation \d+ s → \d+ s \(\+\d+ s\), risk \d+ → \d+; 1 area change route; West door \d+ → 0/);
    const features = whatIfMap(site, live, whatIf, cmp).features;
    const kinds = features.map((f) => `${f.properties.kind}:${f.properties.id ?? ''}`);
    assert.ok(kinds.includes(`what-if:${WHAT_IF_FEATURE}`) && kinds.includes('exit:what-if:west') && kinds.includes('exit:what-if:east') && kinds.includes('route:'), kinds.join(' '));
    assert.deepEqual(features.find((f) => f.properties.id === WHAT_IF_FEATURE)?.properties.actions, ['apply', 'discard']);
    // Only one changed route drawn; no feature offers actions but the summary.
    assert.equal(features.filter((f) => f.properties.kind === 'route').length, 1);
    assert.equal(features.filter((f) => Array.isArray(f.properties.actions)).length, 1);
  });

  it('a what-if that cuts people off says so, with no time and no difference made up', function () {
    const live = planEvacuation(site, { occupancy });
    const whatIf = planEvacuation(site, { occupancy, closed: ['west', 'east'] });
    const cmp = comparePlans(site, live, whatIf, { close: ['west', 'east'] });
    assert.equal(cmp.whatIfSeconds, null);
    assert.equal(cmp.deltaSeconds, null);
    assert.deepEqual(cmp.noExit.map((n) => n.areaId).sort(), ['hall', 'side']);
    assert.match(cmp.summary, /→ NO WAY OUT for some, risk \d+ → 100; 150 people with no way out/);
    assertFinite(cmp, 'comparison');
  });
});
