/**
 * FIWARE NGSI-v2 entities and notifications (Orion, as Snap4City runs it): a notification is
 * {subscriptionId, data: [entity, ...]}; an entity is normalised ({id, type, attr: {type,
 * value, metadata}}) or key-values ({id, type, attr: value}). Every numeric attribute is a
 * variable; the time is the attribute's TimeInstant/dateObserved metadata, else the entity's
 * dateObserved/TimeInstant, else arrival; the position is `location` (geo:json or geo:point).
 */
import type { Collector } from '../reading';
import { isObject, pushReading, timeOf, toNumber } from '../reading';

const SKIP = new Set(['id', 'type', 'location', 'dateObserved', 'TimeInstant', 'dateCreated', 'dateModified', 'observedAt', '@context']);
const NUMERIC_TYPES = new Set(['Number', 'Integer', 'Float', 'number', 'integer', 'float', 'Double', 'Decimal']);

function attrValue(attr: unknown): unknown {
  return isObject(attr) && 'value' in attr ? attr.value : attr;
}

function metaTime(attr: unknown): unknown {
  if (!isObject(attr) || !isObject(attr.metadata)) return undefined;
  const m = attr.metadata;
  return attrValue(m.TimeInstant) ?? attrValue(m.dateObserved) ?? attrValue(m.timestamp);
}

function unitOf(attr: unknown): unknown {
  if (!isObject(attr) || !isObject(attr.metadata)) return undefined;
  return attrValue(attr.metadata.unitCode) ?? attrValue(attr.metadata.unit);
}

export function isNgsiV2Entity(record: Record<string, unknown>): boolean {
  return typeof record.id === 'string' && typeof record.type === 'string' && !('@context' in record) && !String(record.id).startsWith('urn:ngsi-ld:');
}

export function readNgsiV2Entity(entity: Record<string, unknown>, path: string, out: Collector): void {
  const entityTime = attrValue(entity.dateObserved) ?? attrValue(entity.TimeInstant);
  const location = attrValue(entity.location);
  const zone = attrValue(entity.zone) ?? attrValue(entity.areaServed);
  let variables = 0;
  for (const [name, attr] of Object.entries(entity)) {
    if (SKIP.has(name)) continue;
    const value = attrValue(attr);
    const declared = isObject(attr) && typeof attr.type === 'string' ? attr.type : undefined;
    const numeric = typeof value === 'number' || (declared !== undefined && NUMERIC_TYPES.has(declared));
    if (!numeric || Number.isNaN(toNumber(value))) {
      if (numeric) out.reject(`${path}.${name}`, `attribute of type ${declared} holds ${JSON.stringify(value)?.slice(0, 40)}, not a number`);
      continue;
    }
    variables += 1;
    pushReading(out, `${path}.${name}`, {
      ts: timeOf(metaTime(attr) ?? entityTime, out.ctx),
      sensorId: entity.id,
      variable: name,
      value,
      unit: unitOf(attr),
      location: location ?? undefined,
      zone: typeof zone === 'string' ? zone : undefined,
    });
  }
  if (!variables) out.reject(path, `entity ${String(entity.id).slice(0, 80)} has no numeric attribute`);
}
