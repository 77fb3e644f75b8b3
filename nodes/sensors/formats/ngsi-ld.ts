/**
 * ETSI NGSI-LD entities and notifications: a notification is {type: "Notification",
 * subscriptionId, notifiedAt, data: [entity, ...]}; a Property is {type: "Property", value,
 * observedAt?, unitCode?}, or in the concise format the bare value; a multi-attribute is an
 * array of Properties told apart by datasetId; the position is the GeoProperty `location`.
 * Expanded attribute names (URIs) are shortened to their last segment.
 */
import type { Collector } from '../reading';
import { isObject, pushReading, shortName, timeOf, toNumber } from '../reading';

const SKIP = new Set(['id', 'type', '@context', 'location', 'observationSpace', 'operationSpace', 'createdAt', 'modifiedAt', 'observedAt', 'scope']);

export function isNgsiLdEntity(record: Record<string, unknown>): boolean {
  if (typeof record.id !== 'string' || (typeof record.type !== 'string' && !Array.isArray(record.type))) return false;
  if ('@context' in record || record.id.startsWith('urn:ngsi-ld:')) return true;
  return Object.values(record).some((a) => isObject(a) && (a.type === 'Property' || a.type === 'GeoProperty'));
}

function geo(location: unknown): unknown {
  return isObject(location) && 'value' in location ? location.value : location;
}

export function readNgsiLdEntity(entity: Record<string, unknown>, path: string, out: Collector, notifiedAt?: unknown): void {
  const location = geo(entity.location);
  let variables = 0;
  for (const [rawName, attr] of Object.entries(entity)) {
    if (SKIP.has(rawName) || SKIP.has(shortName(rawName))) continue;
    const name = shortName(rawName);
    const instances = Array.isArray(attr) ? attr : [attr];
    instances.forEach((instance, k) => {
      const at = Array.isArray(attr) ? `${path}.${rawName}[${k}]` : `${path}.${rawName}`;
      const property: Record<string, unknown> = isObject(instance) ? instance : { value: instance };
      if (property.type !== undefined && property.type !== 'Property') return; // Relationships, GeoProperties, LanguageProperties
      const value = property.value;
      if (typeof value !== 'number' && Number.isNaN(toNumber(value))) return;
      variables += 1;
      const dataset = typeof property.datasetId === 'string' ? `#${shortName(property.datasetId)}` : '';
      pushReading(out, at, {
        ts: timeOf(property.observedAt ?? entity.observedAt ?? notifiedAt, out.ctx),
        sensorId: entity.id,
        variable: `${name}${dataset}`,
        value,
        unit: property.unitCode,
        location: location ?? undefined,
        zone: typeof geo(entity.zone) === 'string' ? geo(entity.zone) : undefined,
      });
    });
  }
  if (!variables) out.reject(path, `entity ${String(entity.id).slice(0, 80)} has no numeric Property`);
}
