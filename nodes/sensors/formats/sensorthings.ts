/**
 * OGC SensorThings API Observations: {phenomenonTime, resultTime?, result, Datastream?,
 * FeatureOfInterest?}, alone (an MQTT message on v1.1/Datastreams(42)/Observations, where the
 * topic names the datastream), in a collection {value: [...]} (an HTTP GET), or expanded with
 * $expand=Datastream/ObservedProperty,Datastream/Thing,FeatureOfInterest. The variable is the
 * ObservedProperty's name (else the Datastream's), the sensor the Thing's (else the Datastream).
 */
import type { Collector } from '../reading';
import { isObject, pushReading, timeOf } from '../reading';

export function isObservation(record: Record<string, unknown>): boolean {
  return 'result' in record && ('phenomenonTime' in record || 'resultTime' in record);
}

export function isObservationCollection(record: Record<string, unknown>): boolean {
  return Array.isArray(record.value) && record.value.length > 0 && record.value.every((o) => isObject(o) && isObservation(o));
}

const DATASTREAM_TOPIC = /Datastreams\((?:'([^']+)'|(\d+))\)/;

export function readObservation(obs: Record<string, unknown>, path: string, out: Collector): void {
  const ds = isObject(obs.Datastream) ? obs.Datastream : {};
  const thing = isObject(ds.Thing) ? ds.Thing : {};
  const property = isObject(ds.ObservedProperty) ? ds.ObservedProperty : {};
  const unit = isObject(ds.unitOfMeasurement) ? ds.unitOfMeasurement.symbol ?? ds.unitOfMeasurement.name : undefined;
  const topic = out.ctx.topic ? DATASTREAM_TOPIC.exec(out.ctx.topic) : null;
  const dsId = ds['@iot.id'] ?? (topic ? topic[1] ?? topic[2] : undefined);
  const datastream = dsId !== undefined ? `Datastream(${String(dsId)})` : undefined;
  const foi = isObject(obs.FeatureOfInterest) ? obs.FeatureOfInterest.feature : undefined;
  const locations = Array.isArray(thing.Locations) ? thing.Locations : [];
  const thingLocation = isObject(locations[0]) ? locations[0].location : undefined;
  if (obs.result === null || obs.result === undefined) return out.reject(path, 'the observation has no result');
  if (typeof obs.result === 'object') return out.reject(path, 'only numeric results are readings (this result is an object or array)');
  pushReading(out, path, {
    ts: timeOf(obs.phenomenonTime ?? obs.resultTime, out.ctx),
    sensorId: thing.name ?? (thing['@iot.id'] !== undefined ? `Thing(${String(thing['@iot.id'])})` : undefined) ?? datastream,
    variable: property.name ?? ds.name ?? datastream,
    value: obs.result,
    unit,
    location: foi ?? thingLocation,
  });
}
