/**
 * Turns a message payload in any supported format into readings. `auto` recognises each
 * format by its own markers, record by record, so one array may even mix them:
 *
 * - NGSI-v2 / NGSI-LD notification: `subscriptionId` and a `data` array (LD when it says
 *   type "Notification", or its entities look like LD);
 * - NGSI-LD entity: an `@context`, a urn:ngsi-ld: id, or Property-typed attributes;
 * - NGSI-v2 entity: `id` and `type`;
 * - SensorThings: `result` with `phenomenonTime`/`resultTime`, or a `value` array of them;
 * - flat record: `variable` (or `property`/`name`) and `value`;
 * - wide row: anything else with numeric fields.
 */
import type { Collector } from '../reading';
import { isObject } from '../reading';
import { isFlat, readFlat } from './flat';
import { isNgsiLdEntity, readNgsiLdEntity } from './ngsi-ld';
import { isNgsiV2Entity, readNgsiV2Entity } from './ngsi-v2';
import { isObservation, isObservationCollection, readObservation } from './sensorthings';
import { readWide } from './wide';

export const FORMATS = ['auto', 'flat', 'wide', 'ngsi-v2', 'ngsi-ld', 'sensorthings'] as const;
export type Format = (typeof FORMATS)[number];

type Reader = (record: Record<string, unknown>, path: string, out: Collector) => void;

function readNotification(record: Record<string, unknown>, path: string, out: Collector, entity: Reader): void {
  const data = record.data as unknown[];
  data.forEach((e, i) => (isObject(e) ? entity(e, `${path}data[${i}]`, out) : out.reject(`${path}data[${i}]`, 'an entity must be an object')));
}

const ld: Reader = (record, path, out) => {
  if (Array.isArray(record.data)) readNotification(record, path ? `${path}.` : '', out, (e, p, o) => readNgsiLdEntity(e, p, o, record.notifiedAt));
  else readNgsiLdEntity(record, path || 'entity', out);
};
const v2: Reader = (record, path, out) => {
  if (Array.isArray(record.data)) readNotification(record, path ? `${path}.` : '', out, readNgsiV2Entity);
  else readNgsiV2Entity(record, path || 'entity', out);
};
const sta: Reader = (record, path, out) => {
  if (Array.isArray(record.value)) record.value.forEach((o, i) => (isObject(o) ? readObservation(o, `${path ? `${path}.` : ''}value[${i}]`, out) : out.reject(`value[${i}]`, 'an observation must be an object')));
  else readObservation(record, path || 'observation', out);
};

const READERS: Record<Exclude<Format, 'auto'>, Reader> = {
  flat: (r, p, o) => readFlat(r, p || 'record', o),
  wide: (r, p, o) => readWide(r, p || 'row', o),
  'ngsi-v2': v2,
  'ngsi-ld': ld,
  sensorthings: sta,
};

function detect(record: Record<string, unknown>): Exclude<Format, 'auto'> {
  if (typeof record.subscriptionId === 'string' && Array.isArray(record.data)) {
    const first = record.data.find(isObject);
    return record.type === 'Notification' || (first !== undefined && isNgsiLdEntity(first)) ? 'ngsi-ld' : 'ngsi-v2';
  }
  if (isObservation(record) || isObservationCollection(record)) return 'sensorthings';
  if (isFlat(record)) return 'flat';
  if (isNgsiLdEntity(record)) return 'ngsi-ld';
  if (isNgsiV2Entity(record)) return 'ngsi-v2';
  return 'wide';
}

export function readPayload(payload: unknown, format: Format, out: Collector): void {
  const one = (record: unknown, path: string) => {
    if (!isObject(record)) return out.reject(path || 'payload', `expected an object, got ${Array.isArray(record) ? 'a nested array' : typeof record}`);
    READERS[format === 'auto' ? detect(record) : format](record, path, out);
  };
  if (Array.isArray(payload)) payload.forEach((r, i) => one(r, `[${i}]`));
  else one(payload, '');
}
