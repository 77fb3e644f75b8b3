/**
 * FIWARE Alert from a node and from the console route (issue 12 item 6), each output checked
 * against the Smart Data Models Alert constraints (test/support/fiware-schema.ts).
 */
import assert from 'node:assert/strict';
import type { Alert } from '../../nodes/platform';
import { ROLES } from '../../nodes/platform';
import { assertValid, validateKeyValues, validateNormalized } from '../support/fiware-schema';
import { alertNodes, api, load, nextError, nextMessage, node, useRuntime } from '../support/nodered';

const DRAFT = {
  tool: 'bacteria', event: 'Airborne bacteria above threshold', zone: 'metro-hall', severity: 'high', category: 'Health',
  location: { type: 'Polygon', coordinates: [[[11.88, 45.41], [11.89, 45.41], [11.89, 45.42]]] },
};

function flow(representation: string, ngsiContext: string) {
  return [
    { id: 'alert', type: 'impetus-alert', tool: '', wires: [['fiware', 'stored']] },
    { id: 'stored', type: 'helper' },
    { id: 'fiware', type: 'impetus-fiware', representation, ngsiContext, consoleUrl: 'https://soc.example/impetus', dataProvider: 'test-city', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
}

type Out = { payload: Record<string, unknown>; headers: Record<string, string> };

describe('FIWARE Alert export: node and route', function () {
  useRuntime();

  for (const [representation, validate] of [['normalized', validateNormalized], ['keyValues', validateKeyValues]] as const) {
    it(`impetus-fiware outputs a valid ${representation} entity for a stored alert`, async () => {
      await load(alertNodes, flow(representation, 'ngsi-ld'));
      const stored = nextMessage<{ payload: Alert }>(node('stored'));
      const out = nextMessage<Out>(node('out'));
      node('alert').receive({ payload: DRAFT });
      const [alert, msg] = await Promise.all([stored, out]);
      assertValid(validate, msg.payload, representation);
      assert.equal(msg.payload.id, `urn:ngsi-ld:Alert:${alert.payload.id}`);
      assert.equal(msg.headers['content-type'], 'application/ld+json');
      const source = msg.payload.alertSource as string | { value: string };
      assert.equal(typeof source === 'string' ? source : source.value, `https://soc.example/impetus/alerts/${alert.payload.id}`);
    });
  }

  it('impetus-fiware leaves @context out for NGSI-v2 and refuses what is not a stored alert', async () => {
    await load(alertNodes, flow('keyValues', 'none'));
    const out = nextMessage<Out>(node('out'));
    node('alert').receive({ payload: DRAFT });
    const msg = await out;
    assert.equal(msg.payload['@context'], undefined);
    assert.equal(msg.headers['content-type'], 'application/json');
    assertValid(validateKeyValues, msg.payload, 'key-values without @context');
    const error = nextError(node('fiware'));
    node('fiware').receive({ payload: DRAFT });
    assert.match(await error, /alert: \/ must have required property 'id'/);
  });

  it('GET …/alerts/:id/fiware.json answers both forms, valid, to every role that sees the alert and to no other', async () => {
    await load(alertNodes, flow('normalized', 'ngsi-ld'));
    const stored = nextMessage<{ payload: Alert }>(node('stored'));
    node('alert').receive({ payload: DRAFT });
    const { id } = (await stored).payload;
    const normalized = await api().get(`/impetus/api/alerts/${id}/fiware.json`).expect(200).expect('Content-Type', /application\/ld\+json/);
    assertValid(validateNormalized, JSON.parse(normalized.text), 'route, normalized');
    const kv = await api().get(`/impetus/api/alerts/${id}/fiware.json?options=keyValues&context=none`).expect(200).expect('Content-Type', /application\/json/);
    assertValid(validateKeyValues, JSON.parse(kv.text), 'route, key-values');
    await api().get(`/impetus/api/alerts/${id}/fiware.json?options=sideways`).expect(400);
    // The same role check as the CAP export: a role sees the entity exactly when it sees the alert.
    const statuses = new Set<number>();
    for (const role of ROLES) {
      const cap = (await api(role).get(`/impetus/api/alerts/${id}/cap.json`)).status;
      const fiware = (await api(role).get(`/impetus/api/alerts/${id}/fiware.json`)).status;
      assert.equal(fiware, cap, role);
      statuses.add(fiware);
    }
    assert.deepEqual([...statuses].sort(), [200, 404], 'some roles see bacteria alerts and some do not');
  });
});
