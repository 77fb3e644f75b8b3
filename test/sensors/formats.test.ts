import assert from 'node:assert/strict';
import { readPayload } from '../../nodes/sensors/formats';
import type { Format } from '../../nodes/sensors/formats';
import { CsvParser } from '../../nodes/sensors/csv';
import { CsvReadings, CsvLayoutError } from '../../nodes/sensors/csv-readings';
import { Collector, OversizedError } from '../../nodes/sensors/reading';
import type { ParseContext, Reading } from '../../nodes/sensors/reading';
import { Rng } from '../../bench/random';

const NOW = Date.UTC(2025, 2, 3, 12, 0);
const T = '2025-03-03T10:00:00Z';
const TS = Date.parse(T);

function read(payload: unknown, format: Format = 'auto', ctx: Partial<ParseContext> = {}): Collector {
  const out = new Collector({ now: NOW, defaults: {}, maxReadings: 1000, ...ctx });
  readPayload(payload, format, out);
  return out;
}

const brief = (r: Reading) => `${r.sensorId}|${r.variable}|${r.value}|${r.ts === TS ? 'T' : r.ts === NOW ? 'now' : r.ts}`;

describe('sensor formats', () => {
  describe('flat records', () => {
    it('reads one record or an array, with aliases, the topic as sensor id and arrival time when none is given', () => {
      const out = read([
        { ts: T, sensorId: 's1', variable: 'no2', value: 41, unit: 'µg/m³', location: { type: 'Point', coordinates: [10.75, 59.91] }, zone: 'ring-2' },
        { timestamp: TS / 1000, sensor: 's2', property: 'pm10', value: '18.5' },
        { variable: 'buses', value: 9 },
      ], 'auto', { topic: 'oslo/ring-2' });
      assert.deepEqual(out.readings.map(brief), ['s1|no2|41|T', 's2|pm10|18.5|T', 'oslo/ring-2|buses|9|now']);
      assert.deepEqual(out.readings[0].location, { type: 'Point', coordinates: [10.75, 59.91] });
      assert.equal(out.readings[0].unit, 'µg/m³');
      assert.equal(out.readings[0].zone, 'ring-2');
      assert.equal(out.rejected.length, 0);
    });

    it('rejects what it cannot read, saying where and why, and keeps the rest', () => {
      const out = read([
        { ts: T, sensorId: 's1', variable: 'no2', value: 'high' },
        { ts: 'soon', sensorId: 's1', variable: 'no2', value: 1 },
        { ts: T, variable: 'no2', value: 1 },
        { ts: T, sensorId: 's1', variable: 'no2', value: 1, location: { lat: 95, lon: 10 } },
        { ts: T, sensorId: 's1', variable: 'ok', value: 2 },
        42,
      ]);
      assert.deepEqual(out.readings.map(brief), ['s1|ok|2|T']);
      assert.deepEqual(out.rejected.map((r) => r.path), ['[0]', '[1]', '[2]', '[3]', '[5]']);
      assert.match(out.rejected[0].reason, /"high" is not a number/);
      assert.match(out.rejected[1].reason, /time/);
      assert.match(out.rejected[2].reason, /sensor id/);
      assert.match(out.rejected[3].reason, /location/);
    });
  });

  describe('wide rows', () => {
    it('takes every numeric field as a variable, leaving text fields as metadata', () => {
      const out = read({ ts: T, sensorId: 'junction-7', vehicles: 812, bus_delay_s: '95', status: 'ok', location: { lat: 45.41, lon: 11.88 } });
      assert.deepEqual(out.readings.map(brief), ['junction-7|vehicles|812|T', 'junction-7|bus_delay_s|95|T']);
      assert.deepEqual(out.readings[0].location, { type: 'Point', coordinates: [11.88, 45.41] });
    });

    it('reads a values object with units, and rejects text inside it', () => {
      const out = read({ time: T, deviceId: 'aq-1', values: { pm10: 18, pm25: 'n/a' }, units: { pm10: 'µg/m³' } }, 'wide');
      assert.deepEqual(out.readings.map(brief), ['aq-1|pm10|18|T']);
      assert.equal(out.readings[0].unit, 'µg/m³');
      assert.deepEqual(out.rejected.map((r) => r.path), ['row.values.pm25']);
    });

    it('says so when a row has no numeric field', () => {
      const out = read({ ts: T, sensorId: 'x', note: 'hello' }, 'wide');
      assert.equal(out.readings.length, 0);
      assert.match(out.rejected[0].reason, /at least one numeric field/);
    });
  });

  describe('FIWARE NGSI-v2', () => {
    it('reads a normalised notification: numeric attributes, TimeInstant metadata, geo:json location', () => {
      const out = read({
        subscriptionId: '5f1',
        data: [
          {
            id: 'urn:AirQualityObserved:Padova-1',
            type: 'AirQualityObserved',
            dateObserved: { type: 'DateTime', value: '2025-03-03T09:00:00Z' },
            NO2: { type: 'Number', value: 41.2, metadata: { TimeInstant: { type: 'DateTime', value: T }, unitCode: { type: 'Text', value: 'GQ' } } },
            PM10: { type: 'Number', value: 17 },
            airQualityLevel: { type: 'Text', value: 'moderate' },
            refDevice: { type: 'Relationship', value: 'dev-1' },
            location: { type: 'geo:json', value: { type: 'Point', coordinates: [11.88, 45.41] } },
          },
        ],
      });
      assert.deepEqual(out.readings.map((r) => `${r.variable}|${r.value}|${r.ts === TS ? 'T' : new Date(r.ts).toISOString()}|${r.unit ?? ''}`), ['NO2|41.2|T|GQ', 'PM10|17|2025-03-03T09:00:00.000Z|']);
      assert.ok(out.readings.every((r) => r.sensorId === 'urn:AirQualityObserved:Padova-1' && r.location?.coordinates[0] === 11.88));
    });

    it('reads key-values entities and geo:point text, and flags a Number attribute holding text', () => {
      const out = read([{ id: 'bus-stop-12', type: 'Traffic', TimeInstant: T, buses: 9, location: '59.91, 10.75' }, { id: 'e2', type: 'T', speed: { type: 'Number', value: 'fast' } }], 'ngsi-v2');
      assert.deepEqual(out.readings.map(brief), ['bus-stop-12|buses|9|T']);
      assert.deepEqual(out.readings[0].location, { type: 'Point', coordinates: [10.75, 59.91] });
      assert.deepEqual(out.rejected.map((r) => r.path), ['[1].speed', '[1]']);
    });
  });

  describe('ETSI NGSI-LD', () => {
    it('reads a notification: Properties with observedAt and unitCode, a GeoProperty, multi-attributes, expanded names', () => {
      const out = read({
        id: 'urn:ngsi-ld:Notification:1',
        type: 'Notification',
        subscriptionId: 'urn:ngsi-ld:Subscription:1',
        notifiedAt: '2025-03-03T10:05:00Z',
        data: [
          {
            id: 'urn:ngsi-ld:TrafficFlowObserved:ring-2',
            type: 'TrafficFlowObserved',
            intensity: { type: 'Property', value: 812, observedAt: T, unitCode: 'E50' },
            'https://smartdatamodels.org/dataModel.Transportation/averageVehicleSpeed': { type: 'Property', value: 31.5 },
            occupancy: [
              { type: 'Property', value: 0.4, datasetId: 'urn:ngsi-ld:lane:1', observedAt: T },
              { type: 'Property', value: 0.6, datasetId: 'urn:ngsi-ld:lane:2', observedAt: T },
            ],
            refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:r2' },
            location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [10.75, 59.91] } },
          },
        ],
      });
      assert.deepEqual(out.readings.map((r) => `${r.variable}|${r.value}|${r.ts === TS ? 'T' : new Date(r.ts).toISOString()}`), [
        'intensity|812|T',
        'averageVehicleSpeed|31.5|2025-03-03T10:05:00.000Z',
        'occupancy#urn:ngsi-ld:lane:1|0.4|T',
        'occupancy#urn:ngsi-ld:lane:2|0.6|T',
      ]);
      assert.equal(out.readings[0].unit, 'E50');
      assert.ok(out.readings.every((r) => r.sensorId === 'urn:ngsi-ld:TrafficFlowObserved:ring-2' && r.location?.coordinates[1] === 59.91));
    });

    it('reads the concise format and an entity on its own', () => {
      const out = read({ id: 'urn:ngsi-ld:Device:aq-9', type: 'Device', '@context': 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld', temperature: 21.5, humidity: { value: 40, observedAt: T } });
      assert.deepEqual(out.readings.map((r) => `${r.variable}|${r.value}|${r.ts === TS ? 'T' : 'now'}`), ['temperature|21.5|now', 'humidity|40|T']);
    });
  });

  describe('OGC SensorThings', () => {
    it('reads an MQTT observation, the datastream named by the topic', () => {
      const out = read({ phenomenonTime: T, result: 23.5, resultTime: T }, 'auto', { topic: 'v1.1/Datastreams(42)/Observations' });
      assert.deepEqual(out.readings.map(brief), ['Datastream(42)|Datastream(42)|23.5|T']);
    });

    it('reads an expanded collection: Thing, ObservedProperty, unit, FeatureOfInterest; intervals end at their end', () => {
      const out = read({
        '@iot.nextLink': 'https://sta.example/v1.1/Observations?$skip=2',
        value: [
          {
            phenomenonTime: `2025-03-03T09:00:00Z/${T}`,
            result: 7200,
            Datastream: { '@iot.id': 5, name: 'hall sampler', unitOfMeasurement: { symbol: 'CFU/m3' }, ObservedProperty: { name: 'bacteria' }, Thing: { name: 'sampler-3' } },
            FeatureOfInterest: { feature: { type: 'Point', coordinates: [11.8807, 45.4176] } },
          },
          { phenomenonTime: T, result: 'broken', Datastream: { '@iot.id': 5 } },
          { phenomenonTime: T, result: null },
        ],
      });
      assert.deepEqual(out.readings.map(brief), ['sampler-3|bacteria|7200|T']);
      assert.equal(out.readings[0].unit, 'CFU/m3');
      assert.deepEqual(out.readings[0].location?.coordinates, [11.8807, 45.4176]);
      assert.deepEqual(out.rejected.map((r) => r.path), ['value[1]', 'value[2]']);
    });
  });

  it('refuses a message with more readings than maxReadings', () => {
    const rows = Array.from({ length: 11 }, (_, i) => ({ ts: T, sensorId: 's', variable: `v${i}`, value: i }));
    assert.throws(() => read(rows, 'auto', { maxReadings: 10 }), OversizedError);
  });

  it('CSV rows: wide and flat layouts, missing cells, positions', () => {
    const wide = new Collector({ now: NOW, defaults: { sensorId: 'csv' }, maxReadings: 100 });
    const layout = new CsvReadings(['timestamp', 'lat', 'lon', 'a', 'b']);
    layout.read([T, '45.4', '11.8', '1', 'NA'], 2, wide);
    layout.read([T, '45.4', '11.8', 'x', '2'], 3, wide);
    layout.read([T, '1'], 4, wide);
    assert.deepEqual(wide.readings.map(brief), ['csv|a|1|T', 'csv|b|2|T']);
    assert.deepEqual(wide.rejected.map((r) => r.path), ['line 3 a', 'line 4']);
    const flat = new Collector({ now: NOW, defaults: {}, maxReadings: 100 });
    new CsvReadings(['timestamp', 'sensorId', 'variable', 'value', 'unit']).read([T, 's9', 'no2', '40', 'ppb'], 2, flat);
    assert.deepEqual(flat.readings.map(brief), ['s9|no2|40|T']);
    assert.throws(() => new CsvReadings(['when', 'a']), CsvLayoutError);
    assert.throws(() => new CsvReadings(['timestamp', 'zone']), CsvLayoutError);
  });

  /**
   * Fuzz: random JSON built from the formats' own vocabulary (so the detectors are exercised,
   * not just rejected at the door). Every reader must return readings that are valid, or
   * rejections; the only exception allowed is the size limit.
   */
  it('fuzz: random payloads give valid readings or rejections, never a crash', () => {
    const rng = new Rng(77);
    const keys = ['ts', 'time', 'sensorId', 'id', 'type', 'variable', 'value', 'values', 'result', 'phenomenonTime', 'data', 'subscriptionId', 'location', 'observedAt', 'datasetId', 'metadata', 'TimeInstant', 'Datastream', 'Thing', 'name', '@context', 'x', 'no2'];
    const leaf = (): unknown => {
      switch (rng.int(9)) {
        case 0: return rng.normal() * 100;
        case 1: return T;
        case 2: return 'Property';
        case 3: return null;
        case 4: return String(rng.int(1000));
        case 5: return [rng.normal(), rng.normal()];
        case 6: return 'urn:ngsi-ld:X:1';
        case 7: return true;
        default: return { type: 'Point', coordinates: [rng.normal() * 200, rng.normal() * 100] };
      }
    };
    const value = (depth: number): unknown => {
      if (depth > 3 || rng.next() < 0.4) return leaf();
      if (rng.next() < 0.3) return Array.from({ length: rng.int(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: 1 + rng.int(5) }, () => [keys[rng.int(keys.length)], value(depth + 1)]));
    };
    const formats: Format[] = ['auto', 'flat', 'wide', 'ngsi-v2', 'ngsi-ld', 'sensorthings'];
    let readings = 0;
    for (let i = 0; i < 5000; i++) {
      const payload = value(0);
      const format = formats[i % formats.length];
      let out: Collector;
      try {
        out = read(payload, format, { topic: rng.next() < 0.5 ? 'topic-sensor' : undefined, maxReadings: 50 });
      } catch (err) {
        assert.ok(err instanceof OversizedError, `${format} ${JSON.stringify(payload)}: ${(err as Error).stack}`);
        continue;
      }
      for (const r of out.readings) {
        assert.ok(Number.isFinite(r.ts) && Number.isFinite(r.value), JSON.stringify(r));
        assert.ok(r.sensorId.length > 0 && r.variable.length > 0);
        if (r.location) assert.ok(Math.abs(r.location.coordinates[0]) <= 180 && Math.abs(r.location.coordinates[1]) <= 90);
      }
      readings += out.readings.length;
    }
    assert.ok(readings > 20, `the fuzz reached the readers (${readings} readings)`);
  });

  it('fuzz: malformed CSV text through the parser and the layout gives readings, rejections or a named error', () => {
    const rng = new Rng(78);
    const cells = ['timestamp', 'a', T, '1', '', 'NA', '"q,"', 'x', '2.5', '"', 'lat', '45'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + rng.int(5) }, () => Array.from({ length: 1 + rng.int(4) }, () => cells[rng.int(cells.length)]).join(',')).join('\n');
      const out = new Collector({ now: NOW, defaults: { sensorId: 's' }, maxReadings: 100 });
      let layout: CsvReadings | undefined;
      try {
        const p = new CsvParser((f, line) => (layout ? layout.read(f, line, out) : (layout = new CsvReadings(f))));
        p.push(text);
        p.end();
      } catch (err) {
        assert.ok(/line \d+|CSV header/.test((err as Error).message), `${JSON.stringify(text)}: ${err}`);
      }
      for (const r of out.readings) assert.ok(Number.isFinite(r.value) && Number.isFinite(r.ts));
    }
  });
});
