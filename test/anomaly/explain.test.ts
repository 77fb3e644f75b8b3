import assert from 'node:assert/strict';
import { labelOf, placeLabel } from '../../nodes/anomaly/explain';

describe('anomaly explanations: labels an operator reads', () => {
  it('reads variable ids as words with their unit, and place ids as names', () => {
    assert.deepEqual(labelOf('bus_speed_kmh'), { label: 'bus speed', unit: 'km/h' });
    assert.deepEqual(labelOf('buses_stopped'), { label: 'buses stopped' });
    assert.deepEqual(labelOf('bus_delay_s'), { label: 'bus delay', unit: 's' });
    assert.deepEqual(labelOf('pm25_ugm3'), { label: 'pm25', unit: 'µg/m³' });
    assert.deepEqual(labelOf('people'), { label: 'people' });
    assert.deepEqual(labelOf('s'), { label: 's' }, 'a one-word id is never read as a unit alone');
    assert.equal(placeLabel('ring-2'), 'Ring 2');
    assert.equal(placeLabel('metro_hall'), 'Metro hall');
  });
});
