import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FIWARE_ALERT_CONTEXT, alertToFiwareKeyValues, alertToFiwareNgsiLd, fiwareCategory, fiwareEntityId, fiwareSeverity, fiwareSubCategory,
} from '../../../nodes/platform/export/fiware';
import type { Alert, Category } from '../../../nodes/platform/model/types';
import { CATEGORIES, SEVERITIES } from '../../../nodes/platform/model/types';
import { PACKAGE_ROOT } from '../../../nodes/platform/paths';
import { assertValid, validateKeyValues, validateNormalized } from '../../support/fiware-schema';

const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures');
const readJson = (...parts: string[]) => JSON.parse(fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8'));
const fixture = (name: string) => readJson('alerts', `${name}.json`) as Alert;
const FIXTURE_NAMES = ['minimal', 'full', 'unicode-special', 'multipolygon'];

function variants(): Alert[] {
  const out: Alert[] = FIXTURE_NAMES.map(fixture);
  const base = fixture('minimal');
  for (const category of CATEGORIES) {
    for (const severity of SEVERITIES) out.push({ ...base, id: `v-${category}-${severity}`, category, severity });
  }
  for (const tool of ['firearm', 'bacteria', 'anomaly', 'social', 'evacuation', 'cti', 'ctdr', 'workload']) out.push({ ...fixture('full'), tool });
  out.push({ ...base, location: { type: 'LineString', coordinates: [[10, 59], [10.1, 59.1, 12]] } });
  out.push({ ...base, location: { type: 'MultiPoint', coordinates: [[10, 59]] } });
  out.push({ ...base, location: { type: 'MultiLineString', coordinates: [[[10, 59], [10.1, 59.1]]] } });
  out.push({ ...base, source: { ref: 'camera 7 with spaces' } });
  out.push({ ...base, source: { node: 'n/1 ü' } });
  return out;
}

describe('FIWARE Alert export', () => {
  it('the local constraints accept the model\'s own NGSI-LD examples', () => {
    assertValid(validateKeyValues, readJson('fiware', 'example.jsonld'), 'example.jsonld');
    assertValid(validateKeyValues, readJson('fiware', 'example.json'), 'example.json');
    assertValid(validateNormalized, readJson('fiware', 'example-normalized.jsonld'), 'example-normalized.jsonld');
    // The NGSI-v2 normalized example uses v2 attribute types, which is not what we export.
    assert.equal(validateNormalized(readJson('fiware', 'example-normalized.json')), false);
  });

  it('key-values output satisfies the model for every variant', () => {
    for (const alert of variants()) {
      assertValid(validateKeyValues, alertToFiwareKeyValues(alert), alert.id);
      assertValid(validateKeyValues, alertToFiwareKeyValues(alert, { consoleUrl: 'https://impetus.padova.example/console', context: false }), alert.id);
    }
  });

  it('NGSI-LD normalized output satisfies the model for every variant', () => {
    for (const alert of variants()) assertValid(validateNormalized, alertToFiwareNgsiLd(alert, { dataProvider: 'IMPETUS Padova' }), alert.id);
  });

  it('has the shape of the model\'s examples', () => {
    const kvExample = readJson('fiware', 'example.jsonld') as Record<string, unknown>;
    const ldExample = readJson('fiware', 'example-normalized.jsonld') as Record<string, { type: string; value: unknown }>;
    const alert: Alert = { ...fixture('full'), tool: 'evacuation' };
    const kv = alertToFiwareKeyValues(alert) as unknown as Record<string, unknown>;
    const ld = alertToFiwareNgsiLd(alert);
    for (const key of Object.keys(kvExample)) assert.ok(key in kv, `key-values has ${key}`);
    for (const key of Object.keys(ldExample)) assert.ok(key in ld, `normalized has ${key}`);
    assert.deepEqual(Object.keys(ld).sort(), Object.keys(kv).sort(), 'both forms carry the same attributes');
    assert.deepEqual(ld['@context'], ldExample['@context']);
    assert.deepEqual(kv['@context'], kvExample['@context']);
    for (const [key, attr] of Object.entries(ldExample)) {
      if (key === 'id' || key === 'type' || key === '@context') continue;
      const ours = ld[key] as { type: string; value: unknown };
      assert.equal(ours.type, attr.type, `${key} wrapper`);
      const isDate = typeof attr.value === 'object' && attr.value !== null && '@type' in attr.value;
      if (isDate) assert.deepEqual(Object.keys(ours.value as object), ['@type', '@value'], `${key} is a DateTime`);
    }
    assert.deepEqual(alertToFiwareKeyValues(alert, { context: false })['@context'], undefined);
  });

  it('maps identity, classification, time, place and source', () => {
    const alert = fixture('full');
    const kv = alertToFiwareKeyValues(alert, { consoleUrl: 'https://impetus.oslo.example/console/', dataProvider: 'IMPETUS Oslo' });
    assert.equal(kv.id, 'urn:ngsi-ld:Alert:7d9f1c1e-5b7a-4c43-9d0e-3f1e2a9b8c01');
    assert.equal(kv.type, 'Alert');
    assert.equal(kv.category, 'security');
    assert.equal(kv.subCategory, 'suspiciousAction');
    assert.equal(kv.severity, 'critical');
    assert.equal(kv.name, alert.headline);
    assert.equal(kv.description, alert.description);
    assert.deepEqual(kv.location, alert.location);
    assert.equal(kv.areaServed, 'Oslo S, east entrance');
    assert.equal(kv.dateIssued, '2026-03-02T08:15:04.000Z');
    assert.equal(kv.validFrom, '2026-03-02T08:15:03.482Z');
    assert.equal(kv.validTo, '2026-03-02T08:31:12.250Z', 'resolution ends validity before expiry');
    assert.equal(kv.alertSource, `https://impetus.oslo.example/console/alerts/${alert.id}`);
    assert.equal(kv.dataProvider, 'IMPETUS Oslo');
    assert.deepEqual(kv.seeAlso, ['https://impetus.oslo.example/media/7d9f1c1e/18231.jpg'], 'our own media route is relative: no use to a city platform');
    assert.deepEqual(kv.data, alert.data);
    assert.deepEqual(kv['@context'], FIWARE_ALERT_CONTEXT);

    const open = { ...alert, state: 'open' as const, resolved: undefined };
    delete open.resolved;
    assert.equal(alertToFiwareKeyValues(open).validTo, '2026-03-02T09:15:03.482Z');
  });

  it('writes date-times as NGSI-LD DateTime values in UTC', () => {
    const ld = alertToFiwareNgsiLd(fixture('unicode-special'));
    assert.deepEqual(ld.validFrom, { type: 'Property', value: { '@type': 'DateTime', '@value': '2026-03-02T09:00:00.000Z' } });
    assert.deepEqual(ld.location, { type: 'GeoProperty', value: { type: 'Point', coordinates: [11.8768, 45.4064] } });
    assert.deepEqual(ld.severity, { type: 'Property', value: 'medium' });
  });

  it('maps categories and severities onto the model\'s enums', () => {
    const expected: Record<Category, string> = {
      Geo: 'naturalDisaster', Met: 'weather', Safety: 'security', Security: 'security', Rescue: 'security', Fire: 'security',
      Health: 'health', Env: 'environment', Transport: 'traffic', Infra: 'security', CBRNE: 'security', Other: 'security',
    };
    for (const category of CATEGORIES) assert.equal(fiwareCategory({ tool: 'anomaly', category }), expected[category], category);
    assert.equal(fiwareCategory({ tool: 'bacteria', category: 'CBRNE' }), 'health');
    assert.deepEqual(SEVERITIES.map(fiwareSeverity), ['critical', 'high', 'medium', 'low', 'informational']);
  });

  it('picks a subCategory from the tool, then from the event, or none', () => {
    assert.equal(fiwareSubCategory({ tool: 'firearm', event: 'Firearm detected' }), 'suspiciousAction');
    assert.equal(fiwareSubCategory({ tool: 'bacteria', event: 'High CFU count' }), 'bacteria');
    assert.equal(fiwareSubCategory({ tool: 'evacuation', event: 'Exit blocked' }), 'crowdRisk');
    assert.equal(fiwareSubCategory({ tool: 'anomaly', event: 'Air quality anomaly' }), 'airPollution');
    assert.equal(fiwareSubCategory({ tool: 'plug-in', event: 'Forest fire near road' }), 'forestFire');
    assert.equal(fiwareSubCategory({ tool: 'cti', event: 'Exploited CVE on asset' }), undefined);
    assert.equal(alertToFiwareKeyValues({ ...fixture('minimal'), tool: 'cti' }).subCategory, undefined);
  });

  it('gives every alert a usable alertSource and entity id', () => {
    const base = fixture('minimal');
    assert.equal(alertToFiwareKeyValues({ ...base, source: { ref: 'camera:sentral-07' } }).alertSource, 'camera:sentral-07');
    assert.equal(alertToFiwareKeyValues({ ...base, source: { ref: 'camera 7', node: 'n1' } }).alertSource, 'urn:impetus:node:n1');
    assert.equal(alertToFiwareKeyValues(base).alertSource, 'urn:impetus:tool:workload');
    assert.equal(alertToFiwareKeyValues(base, { consoleUrl: 'https://c.example/#/alert/{id}' }).alertSource, 'https://c.example/#/alert/a-minimal');
    assert.equal(fiwareEntityId('soc/α-42:ü'), 'urn:ngsi-ld:Alert:soc%2F%CE%B1-42:%C3%BC');
  });
});
