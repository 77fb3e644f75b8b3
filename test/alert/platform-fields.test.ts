/**
 * Platform-owned fields stay the platform's (issue 12 item 5): a draft's fingerprint is a key of
 * its own tool, a colliding id is a clear error, the CAP header is the platform's, and a stored
 * alert always exports as CAP.
 */
import assert from 'node:assert/strict';
import type { Alert } from '../../nodes/platform';
import { buildAlert, platformFor } from '../../nodes/platform';
import { alertNodes, api, currentRed, load, nextError, nextMessage, node, useRuntime } from '../support/nodered';

const flow = [
  { id: 'alert', type: 'impetus-alert', name: '', tool: '', wires: [['out']] },
  { id: 'out', type: 'helper' },
];

async function raise(payload: Record<string, unknown>): Promise<{ payload: Alert; outcome: string }> {
  const out = nextMessage<{ payload: Alert; outcome: string }>(node('out'));
  node('alert').receive({ payload });
  return out;
}

async function refused(payload: Record<string, unknown>): Promise<string> {
  const error = nextError(node('alert'));
  node('alert').receive({ payload });
  return error;
}

describe('platform-owned fields of a draft', function () {
  useRuntime();
  beforeEach(async () => load(alertNodes, flow));

  it('scopes a supplied fingerprint to the tool: a social draft never merges into a workload alert', async () => {
    const workload = (await raise({ tool: 'workload', event: 'Operator overload', headline: 'Operator 3 overloaded', zone: 'soc', fingerprint: 'op-3' })).payload;
    const social = await raise({ tool: 'social', event: 'Threat post', headline: 'Rewritten headline', zone: 'soc', fingerprint: workload.fingerprint });
    assert.equal(social.outcome, 'created');
    assert.notEqual(social.payload.fingerprint, workload.fingerprint);
    const again = await raise({ tool: 'workload', event: 'Operator overload', headline: 'Operator 3 overloaded', zone: 'soc', fingerprint: 'op-3' });
    assert.equal(again.outcome, 'deduplicated', 'the same key of the same tool still deduplicates');
    // Workload alerts are for the supervisor only (the admin's view leaves them out).
    const stored = (await api('supervisor').get(`/impetus/api/alerts/${workload.id}`).expect(200)).body as Alert;
    assert.equal(stored.headline, 'Operator 3 overloaded');
    assert.match(await refused({ tool: 'workload', event: 'e', fingerprint: 7 }), /\/fingerprint must be a string/);
  });

  it('answers a colliding id with a clear error, not a raw SqliteError', async () => {
    const first = (await raise({ tool: 'firearm', event: 'Firearm detected', zone: 'a', id: 'cam-4-0001' })).payload;
    assert.equal(first.id, 'cam-4-0001');
    const error = await refused({ tool: 'social', event: 'Threat post', zone: 'b', id: 'cam-4-0001' });
    assert.match(error, /an alert with id cam-4-0001 already exists/);
    assert.doesNotMatch(error, /Sqlite|UNIQUE/);
  });

  it('refuses a cap block that sets the CAP header or cannot be exported, and takes a good one', async () => {
    assert.match(await refused({ tool: 'firearm', event: 'e', cap: { sender: 'mayor@other.example' } }), /\/cap\/sender is set by the platform/);
    assert.match(await refused({ tool: 'firearm', event: 'e', cap: { scope: 'Public' } }), /\/cap\/scope is set by the platform/);
    assert.match(await refused({ tool: 'firearm', event: 'e', cap: { moreInfo: 7, info: { parameter: 'x' } } }), /\/cap cannot be exported as CAP/);
    const ok = (await raise({ tool: 'firearm', event: 'Firearm detected', zone: 'z', cap: { info: { language: 'it-IT' } } })).payload;
    const xml = (await api().get(`/impetus/api/alerts/${ok.id}/cap.xml`).expect(200)).text;
    assert.match(xml, /<language>it-IT<\/language>/);
    assert.match(xml, /<scope>Restricted<\/scope>/);
  });

  it('exports a stored alert whose cap block is damaged (stored before the check) instead of failing', async () => {
    const platform = platformFor(currentRed());
    const now = new Date().toISOString();
    const damaged = { ...buildAlert({ tool: 'firearm', event: 'Old alert', zone: 'z' }, { now, id: 'old-1' }), cap: { moreInfo: 7 } } as unknown as Alert;
    await platform.store.ingest(damaged, (open) => open);
    const xml = (await api().get('/impetus/api/alerts/old-1/cap.xml').expect(200)).text;
    assert.match(xml, /<identifier>old-1<\/identifier>/);
    await api().get('/impetus/api/alerts/old-1/cap.json').expect(200);
  });
});

describe('resource links and polygons of a draft', function () {
  useRuntime();
  beforeEach(async () => load(alertNodes, flow));
  const MEDIA = `media/sha256:${'a'.repeat(64)}`;

  it('takes http, https and our own media route as resources[].uri, and refuses javascript: and data:', async () => {
    const ok = (await raise({ tool: 'firearm', event: 'e', zone: 'z', resources: [
      { description: 'web', mimeType: 'text/html', uri: 'https://city.example/cam/4' },
      { description: 'plain', mimeType: 'text/html', uri: 'HTTP://city.example/x' },
      { description: 'ours', mimeType: 'image/jpeg', uri: MEDIA },
    ] })).payload;
    assert.equal(ok.resources.length, 3);
    for (const uri of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'JaVaScRiPt:alert(1)', 'file:///etc/passwd', ' https://x.example', 'media/../../etc']) {
      assert.match(await refused({ tool: 'firearm', event: 'e', resources: [{ description: 'x', mimeType: 'text/html', uri }] }), /\/resources\/0\/uri must match pattern/, uri);
    }
  });

  it('closes an unclosed polygon ring, so the CAP polygon is closed', async () => {
    const open = [[10.75, 59.91], [10.76, 59.91], [10.76, 59.92]];
    const alert = (await raise({ tool: 'firearm', event: 'e', zone: 'z', location: { type: 'Polygon', coordinates: [open] } })).payload;
    assert.deepEqual((alert.location as { coordinates: number[][][] }).coordinates[0], [...open, open[0]]);
    const xml = (await api().get(`/impetus/api/alerts/${alert.id}/cap.xml`).expect(200)).text;
    assert.match(xml, /<polygon>59\.91,10\.75 59\.91,10\.76 59\.92,10\.76 59\.91,10\.75<\/polygon>/);
    const multi = (await raise({ tool: 'firearm', event: 'e2', zone: 'z', location: { type: 'MultiPolygon', coordinates: [[open], [[...open, open[0]]]] } })).payload;
    for (const polygon of (multi.location as { coordinates: number[][][][] }).coordinates) assert.deepEqual(polygon[0].at(-1), polygon[0][0]);
  });

  it('exports a closed CAP polygon for an alert stored with an open ring', async () => {
    const platform = platformFor(currentRed());
    const stored = { ...buildAlert({ tool: 'firearm', event: 'Old', zone: 'z' }, { now: new Date().toISOString(), id: 'old-ring' }), location: { type: 'Polygon', coordinates: [[[1, 2], [3, 2], [3, 4], [1, 4]]] } } as unknown as Alert;
    await platform.store.ingest(stored, (o) => o);
    const xml = (await api().get('/impetus/api/alerts/old-ring/cap.xml').expect(200)).text;
    assert.match(xml, /<polygon>2,1 2,3 4,3 4,1 2,1<\/polygon>/);
  });
});
