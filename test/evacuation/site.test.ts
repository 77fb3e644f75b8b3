import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { areasWithoutExit, lineLengthM, loadSiteFile, parseSite, polygonAreaM2, SiteError, siteFromGeoJSON, validateSite } from '../../nodes/evacuation/site';
import type { Site } from '../../nodes/evacuation/site';

const SITES = path.join(PACKAGE_ROOT, 'flows', 'sites');

function room(extra: Partial<Site> = {}): Site {
  return {
    siteId: 'room',
    name: 'A room',
    areas: [{ id: 'room', areaM2: 100 }],
    exits: [{ id: 'out' }],
    links: [{ id: 'door', kind: 'door', from: 'room', to: 'out', widthM: 1 }],
    ...extra,
  };
}

function problems(site: unknown): string[] {
  try {
    validateSite(site);
  } catch (err) {
    assert.ok(err instanceof SiteError, String(err));
    return err.problems;
  }
  assert.fail('the site was accepted');
}

describe('evacuation site model', function () {
  it('accepts a valid site', function () {
    assert.equal(validateSite(room()).siteId, 'room');
  });

  it('names unknown ids, repeated ids and links that point at links', function () {
    const p = problems(room({ links: [{ id: 'door', kind: 'door', from: 'room', to: 'nowhere', widthM: 1 }, { id: 'room', kind: 'door', from: 'room', to: 'door', widthM: 1 }] }));
    assert.ok(p.some((x) => x === 'link "door": to "nowhere" is no area or exit'), p.join('\n'));
    assert.ok(p.some((x) => x.includes('link "room": id already used by an area')), p.join('\n'));
    assert.ok(p.some((x) => x.includes('"door" is a link, not an area or exit')), p.join('\n'));
  });

  it('refuses a door wider than its wall', function () {
    const p = problems(room({ links: [{ id: 'door', kind: 'door', from: 'room', to: 'out', widthM: 3, wallWidthM: 2.5 }] }));
    assert.deepEqual(p, ['door "door" is 3 m wide, wider than its wall (2.5 m)']);
  });

  it('names every area with no way out, one-way links respected', function () {
    const site = room({
      areas: [{ id: 'room', areaM2: 100 }, { id: 'cellar', areaM2: 20 }, { id: 'attic', areaM2: 20 }],
      links: [
        { id: 'door', kind: 'door', from: 'room', to: 'out', widthM: 1 },
        { id: 'hatch', kind: 'door', from: 'room', to: 'cellar', widthM: 1, oneWay: true },
      ],
    });
    assert.deepEqual(problems(site), ['no way out from areas "cellar", "attic"']);
    assert.deepEqual(areasWithoutExit(validateSite(room()), new Set(['out'])), ['room']);
  });

  it('reports schema errors with the path', function () {
    const p = problems({ ...room(), areas: [{ id: 'room', areaM2: -5 }], colour: 'red' });
    assert.ok(p.some((x) => x.includes('unknown property "colour"')), p.join('\n'));
    assert.ok(p.some((x) => x.startsWith('/areas/0/areaM2')), p.join('\n'));
  });

  it('accepts capacities on areas, corridors, stairs and ramps, and refuses bad ones naming the element', function () {
    const corridor = { id: 'hallway', kind: 'corridor' as const, from: 'room', to: 'out', widthM: 2, lengthM: 10 };
    assert.equal(validateSite(room({ areas: [{ id: 'room', areaM2: 100, capacity: 200 }], links: [{ ...corridor, capacity: 40 }] })).areas[0].capacity, 200);
    for (const bad of [12.5, 0, -3, '50']) {
      const p = problems(room({ areas: [{ id: 'room', areaM2: 100, capacity: bad as number }] }));
      assert.ok(p.includes(`area "room": capacity must be a positive whole number of people, got ${JSON.stringify(bad)}`), p.join('\n'));
    }
    // 9 people per m² is the most the counters accept: 100 m² hold at most 900.
    assert.deepEqual(problems(room({ areas: [{ id: 'room', areaM2: 100, capacity: 901 }] })), ['area "room": capacity 901 is more than its 100 m² can hold at 9 people per m² (900)']);
    assert.deepEqual(problems(room({ links: [{ ...corridor, capacity: 181 }] })), ['corridor "hallway": capacity 181 is more than its 2 m × 10 m can hold at 9 people per m² (180)']);
    assert.deepEqual(problems(room({ links: [{ id: 'door', kind: 'door', from: 'room', to: 'out', widthM: 1, capacity: 5 }] })), ['door "door": a capacity is for areas, corridors, stairs and ramps, not a door']);
    const p = problems(room({ links: [{ ...corridor, capacity: 2.5 }] }));
    assert.ok(p.includes('corridor "hallway": capacity must be a positive whole number of people, got 2.5'), p.join('\n'));
  });

  it('needs riser, tread and run for stairs, and a length for corridors', function () {
    const p = problems(room({ links: [{ id: 'door', kind: 'stairs', from: 'room', to: 'out', widthM: 1 }, { id: 'c', kind: 'corridor', from: 'room', to: 'out', widthM: 1 }] }));
    assert.ok(p.includes('stairs "door" need riserM and treadM'));
    assert.ok(p.includes('stairs "door" need lengthM (the horizontal run)'));
    assert.ok(p.includes('corridor "c" needs lengthM'));
  });

  it('accepts named times of day, one past midnight, and refuses bad times, overlaps and unknown areas', function () {
    const ok = validateSite(room({ timesOfDay: [{ name: 'evening', from: '18:00', to: '23:00', people: { room: 300 } }, { name: 'night', from: '23:00', to: '06:00' }] }));
    assert.equal(ok.timesOfDay?.length, 2);
    const p = problems(
      room({
        timesOfDay: [
          { name: 'morning', from: '8:00', to: '12:60' },
          { name: 'evening', from: '18:00', to: '23:00', people: { hall: 10, room: 901 } },
          { name: 'late', from: '22:30', to: '01:00' },
          { name: 'noon', from: '12:00', to: '12:00' },
          { name: 'evening', from: '02:00', to: '03:00' },
        ],
      }),
    );
    assert.deepEqual(p, [
      'time of day "morning": from "8:00" is not a time HH:MM (00:00–23:59)',
      'time of day "morning": to "12:60" is not a time HH:MM (00:00–23:59)',
      'time of day "evening": people in "hall", which is no area of the site',
      'time of day "evening": 901 people in 100 m² of "room" is more than 9 per m²',
      'time of day "noon": from and to are both 12:00: the slot is empty',
      'time of day "evening": name already used by another time of day',
      'times of day "evening" and "late" overlap',
    ]);
    assert.ok(problems(room({ timesOfDay: [{ name: '2x', from: '01:00', to: '02:00' }] })).some((x) => x.startsWith('/timesOfDay/0/name must match pattern')));
  });

  it('measures GeoJSON polygons and lines in metres', function () {
    // 0.001° of latitude is 111.2 m; of longitude at 45° N, 78.7 m.
    const square = [[[11, 45], [11.001, 45], [11.001, 45.001], [11, 45.001], [11, 45]]];
    assert.ok(Math.abs(polygonAreaM2(square) - 111.19 * 78.63) < 30, String(polygonAreaM2(square)));
    assert.ok(Math.abs(lineLengthM([[11, 45], [11, 45.001]]) - 111.19) < 0.2);
  });

  it('imports a site from GeoJSON: door width from the line drawn across it', function () {
    const site = siteFromGeoJSON({
      type: 'FeatureCollection',
      properties: { siteId: 'geo', name: 'Geo' },
      features: [
        { type: 'Feature', properties: { id: 'hall', kind: 'area' }, geometry: { type: 'Polygon', coordinates: [[[11, 45], [11.0002, 45], [11.0002, 45.0002], [11, 45.0002], [11, 45]]] } },
        { type: 'Feature', id: 'gate', properties: { kind: 'exit' }, geometry: { type: 'Point', coordinates: [11.0001, 45] } },
        { type: 'Feature', properties: { id: 'gate-door', kind: 'door', from: 'hall', to: 'gate' }, geometry: { type: 'LineString', coordinates: [[11.0001, 45], [11.0001 + 0.00003, 45]] } },
      ],
    });
    assert.equal(site.areas[0].id, 'hall');
    assert.ok(Math.abs(site.areas[0].areaM2 - 22.24 * 15.73) < 5);
    assert.ok(Math.abs(site.links[0].widthM - 2.36) < 0.05, String(site.links[0].widthM));
    assert.throws(() => siteFromGeoJSON({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: null }] }), /features\[0\]: no geometry/);
  });

  it('loads both demo sites', function () {
    const padova = loadSiteFile(path.join(SITES, 'padova-piazza-dei-signori.geojson'));
    assert.equal(padova.areas.length, 2);
    assert.equal(padova.exits.length, 5);
    const square = padova.areas.reduce((s, a) => s + a.areaM2, 0);
    assert.ok(square > 4000 && square < 5000, String(square));
    assert.ok(padova.sources?.some((s) => /APPROXIMATE/.test(s)));
    const oslo = loadSiteFile(path.join(SITES, 'oslo-city-hall.json'));
    assert.ok(oslo.links.some((l) => l.kind === 'stairs'));
    assert.throws(() => parseSite('not a site'), SiteError);
  });

  // The JuPedSim comparison walks the drawn geometry and our plan uses the numbers: they must agree.
  it('gives the demo sites capacities at 0.5 m² per person, as their sources say', function () {
    for (const file of ['padova-piazza-dei-signori.geojson', 'oslo-city-hall.json']) {
      const site = loadSiteFile(path.join(SITES, file));
      assert.ok(site.sources?.some((x) => x.startsWith('Capacities: RULE')), file);
      for (const a of site.areas) assert.equal(a.capacity, Math.floor(a.areaM2 * 2), `${file} ${a.id}`);
      for (const l of site.links.filter((x) => x.kind === 'stairs')) assert.equal(l.capacity, Math.floor(l.widthM * (l.lengthM as number) * 2), `${file} ${l.id}`);
    }
  });

  it("keeps the demo sites' numbers and geometry consistent", function () {
    for (const file of ['padova-piazza-dei-signori.geojson', 'oslo-city-hall.json']) {
      const site = loadSiteFile(path.join(SITES, file));
      for (const a of site.areas) {
        if (!a.geometry) continue;
        const drawn = polygonAreaM2(a.geometry.coordinates);
        assert.ok(Math.abs(drawn - a.areaM2) <= 0.01 * a.areaM2, `${file} ${a.id}: ${a.areaM2} m² given, ${drawn.toFixed(1)} m² drawn`);
      }
      for (const l of site.links) {
        if (!l.geometry || (l.kind !== 'door' && l.kind !== 'opening')) continue;
        const drawn = lineLengthM(l.geometry.coordinates);
        assert.ok(Math.abs(drawn - l.widthM) <= 0.05, `${file} ${l.id}: ${l.widthM} m wide, drawn ${drawn.toFixed(2)} m across`);
      }
    }
    // Oslo: the main hall is the published 49 m × 31 m floor, and every element on its floor is drawn.
    const oslo = loadSiteFile(path.join(SITES, 'oslo-city-hall.json'));
    const hall = oslo.areas.find((a) => a.id === 'radhushallen');
    assert.equal(hall?.areaM2, 49 * 31);
    const ring = hall?.geometry?.coordinates[0] ?? [];
    assert.ok(Math.abs(lineLengthM([ring[0], ring[1]]) - 49) < 0.05 && Math.abs(lineLengthM([ring[1], ring[2]]) - 31) < 0.05);
    const ground = new Set(oslo.areas.filter((a) => a.level === 0).map((a) => a.id));
    for (const a of oslo.areas.filter((x) => ground.has(x.id))) assert.ok(a.geometry, a.id);
    for (const l of oslo.links.filter((x) => ground.has(x.from))) assert.ok(l.geometry, l.id);
    for (const e of oslo.exits) assert.ok(e.geometry, e.id);
  });
});
