import assert from 'node:assert/strict';
import { bearing, planMap } from '../../nodes/evacuation/outputs';
import { planEvacuation } from '../../nodes/evacuation/plan';
import { validateSite } from '../../nodes/evacuation/site';

// A square room near Oslo with a door line due north of its centre and an exit beyond it, and
// a second exit due east: the routes run north and east, so their arrows must say 0° and 90°.
const x0 = 10.7;
const y0 = 59.9;
const site = validateSite({
  siteId: 'arrows',
  name: 'Arrows',
  areas: [{ id: 'room', areaM2: 400, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x0 + 0.0004, y0], [x0 + 0.0004, y0 + 0.0002], [x0, y0 + 0.0002], [x0, y0]]] } }],
  exits: [
    { id: 'north', geometry: { type: 'Point', coordinates: [x0 + 0.0002, y0 + 0.0004] } },
    { id: 'east', geometry: { type: 'Point', coordinates: [x0 + 0.0006, y0 + 0.0001] } },
  ],
  links: [
    { id: 'door-north', kind: 'door', from: 'room', to: 'north', widthM: 1, geometry: { type: 'LineString', coordinates: [[x0 + 0.0002, y0 + 0.0003], [x0 + 0.0002, y0 + 0.0003]] } },
    { id: 'door-east', kind: 'door', from: 'room', to: 'east', widthM: 1 },
  ],
});

type Arrow = { geometry: { coordinates: number[] }; properties: { kind: string; bearing: number; color: string } };

describe('evacuation map: route arrows', function () {
  it('bearing is a compass bearing: north 0°, east 90°, south 180°, west 270°', function () {
    assert.equal(bearing([10, 60], [10, 60.001]), 0);
    assert.equal(bearing([10, 60], [10.001, 60]), 90);
    assert.equal(bearing([10, 60], [10, 59.999]), 180);
    assert.equal(bearing([10, 60], [9.999, 60]), 270);
    // At 60° N a degree of longitude is half a degree of latitude long: equal steps in degrees point at about 27°, not 45°.
    assert.equal(bearing([10, 60], [10.001, 60.001]), 26.6);
    assert.equal(bearing([10, 60], [10.002, 60.001]), 45);
  });

  it('puts an arrow mid-segment on every route, pointing towards the exit, once per place', function () {
    const plan = planEvacuation(site, { occupancy: { room: 200 } });
    assert.deepEqual(plan.routes.map((r) => r.exitId).sort(), ['east', 'north']);
    const fc = planMap(site, plan);
    const arrows = fc.features.filter((f) => f.properties.kind === 'route-arrow') as unknown as Arrow[];
    const centre = [x0 + 0.0002, y0 + 0.0001];
    const near = (a: number[], b: number[]) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;
    // North: centre → door (a point) → exit, all due north; east: centre → exit directly.
    const north = arrows.filter((a) => a.properties.bearing === 0);
    const east = arrows.filter((a) => a.properties.bearing === 90);
    assert.equal(north.length + east.length, arrows.length, JSON.stringify(arrows));
    assert.ok(north.some((a) => near(a.geometry.coordinates, [centre[0], (centre[1] + y0 + 0.0003) / 2])), 'mid-way from the room to the door');
    assert.ok(north.some((a) => near(a.geometry.coordinates, [centre[0], y0 + 0.00035])), 'mid-way from the door to the exit, the last arrow at the exit end');
    assert.equal(east.length, 1);
    assert.ok(near(east[0].geometry.coordinates, [(centre[0] + x0 + 0.0006) / 2, centre[1]]), 'mid-way from the room to the east exit');
    for (const a of arrows) assert.equal(a.properties.color, '#2166ac');
    // The same plan drawn again with a route repeated gives no second arrow on the same spot.
    const twice = planMap(site, { ...plan, routes: [...plan.routes, ...plan.routes] });
    assert.equal(twice.features.filter((f) => f.properties.kind === 'route-arrow').length, arrows.length);
    // Arrows come after every route line, so lines never cover them.
    const kinds = fc.features.map((f) => f.properties.kind);
    assert.ok(kinds.lastIndexOf('route') < kinds.indexOf('route-arrow'));
  });
});
