/**
 * CAP 1.2 export and import of the alert envelope: the public surface. The work is split into
 * cap-model (CAP types, structural check, CAP-JSON), cap-xml (writer and hardened reader),
 * cap-geo (GeoJSON ↔ CAP shapes), cap-fields (field-by-field correspondence), cap-residual
 * (the plain reading of a message and what it leaves over) and cap-map (envelope ↔ CAP).
 */
import type { Alert } from '../model/types';
import type { AlertToCapOptions, CapToAlertOptions } from './cap-map';
import { alertToCap, capToAlert } from './cap-map';
import { capToXml, xmlToCap } from './cap-xml';

export type {
  CapAlert, CapArea, CapCategory, CapCertainty, CapInfo, CapMsgType, CapResource, CapResponseType, CapScope, CapSeverity,
  CapStatus, CapUrgency, CapValuePair,
} from './cap-model';
export { CAP_NAMESPACE, CapError, CapFormatError, CapXmlError, capToJson, checkCap, jsonToCap } from './cap-model';
export { MAX_CAP_XML_BYTES, capToXml, xmlToCap } from './cap-xml';
export type { AlertToCapOptions, CapToAlertOptions } from './cap-map';
export { DEFAULT_IMPORT_TOOL, PARAMETER_PREFIX, alertToCap, capMsgTypeFor, capToAlert } from './cap-map';
export type { CapAreaResidual, CapInfoResidual, CapResidual } from './cap-residual';
export { severityFromCap, severityToCap, statusFromCap } from './cap-fields';
export { capDate } from './time';

/** Envelope → CAP 1.2 XML in one step. */
export function alertToCapXml(alert: Alert, opts: AlertToCapOptions): string {
  return capToXml(alertToCap(alert, opts));
}

/** CAP 1.2 XML from outside → validated envelope in one step. */
export function capXmlToAlert(xml: string | Buffer, opts?: CapToAlertOptions): Alert {
  return capToAlert(xmlToCap(xml), opts);
}
