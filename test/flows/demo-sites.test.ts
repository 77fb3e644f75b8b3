/**
 * The demo draws each alert inside its own site: every camera and sensor of the demo flow and
 * every located alert of the exercise lies in the site outline (flows/demo-sites.geojson) its
 * place description names.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';

type Ring = Array<[number, number]>;

/** Even-odd ray casting; enough for the demo's small convex outlines. */
function inside([x, y]: [number, number], ring: Ring): boolean {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', file), 'utf8')) as unknown;

describe('demo sites', () => {
  it('puts every camera, sensor and located exercise alert inside the site its place description names', () => {
    const sites = (read('demo-sites.geojson') as { features: Array<{ properties: { name: string }; geometry: { type: string; coordinates: unknown } }> }).features
      .filter((f) => f.geometry.type === 'Polygon')
      .map((f) => ({ name: f.properties.name, ring: (f.geometry.coordinates as Ring[])[0] }));
    const placed: Array<{ what: string; areaDesc: string; point: [number, number] }> = [];
    for (const n of read('demo.json') as Array<Record<string, unknown>>) {
      if (typeof n.areaDesc === 'string' && n.lat !== undefined && n.lon !== undefined && n.lat !== '') placed.push({ what: `${n.type} ${n.id}`, areaDesc: n.areaDesc, point: [Number(n.lon), Number(n.lat)] });
    }
    for (const e of (read('demo-exercise.json') as { events: Array<{ payload?: { areaDesc?: string; location?: { coordinates: [number, number] }; headline?: string } }> }).events) {
      if (e.payload?.areaDesc && e.payload.location) placed.push({ what: `exercise: ${e.payload.headline}`, areaDesc: e.payload.areaDesc, point: e.payload.location.coordinates });
    }
    const checked = placed.filter((p) => sites.some((s) => p.areaDesc.includes(s.name)));
    assert.ok(checked.length >= 3, `cameras, samplers and exercise alerts are placed: ${placed.map((p) => p.what).join(', ')}`);
    for (const p of checked) {
      const site = sites.find((s) => p.areaDesc.includes(s.name))!;
      assert.ok(inside(p.point, site.ring), `${p.what} (${p.areaDesc}) at ${p.point.join(', ')} lies inside ${site.name}`);
    }
  });
});
