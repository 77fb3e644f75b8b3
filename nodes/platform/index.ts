/**
 * Public API for packages that build on IMPETUS: raise and act on alerts from your own nodes,
 * register your tool's payload schema, and reuse the node conventions.
 *
 *   const { platformFor } = require('node-red-contrib-impetus');
 *   module.exports = (RED) => {
 *     const platform = platformFor(RED);
 *     platform.validators.add('tools/my-tool', require('./my-tool.schema.json'));
 *     ...
 *     await platform.alerts.raise({ tool: 'my-tool', event: '…', data: {…} });
 *   };
 */
export { platformFor, closePlatforms, Platform } from './platform';
export type { PlatformLog } from './platform';
export { AlertService, ACTIONS } from './alert-service';
export type { ActionName, ActionRequest, RaiseOptions } from './alert-service';
export type { ImpetusSettings, EscalationPolicy } from './settings';
export { Validators, ValidationError } from './model/validate';
export { buildAlert } from './model/draft';
export type { DraftDefaults } from './model/draft';
export { computePriority } from './model/priority';
export { fingerprint, DEFAULT_FINGERPRINT_KEYS } from './model/fingerprint';
export { TransitionError } from './model/lifecycle';
export * from './model/types';
export type { AlertStore, AlertQuery, Page, IngestResult } from './store/types';
export { ConflictError, NotFoundError } from './store/types';
export type { EventBus, EventHandler } from './bus/types';
export { StatusReporter, handleInput, fail } from './node-kit';
export { alertToCap, capToAlert, capToXml, xmlToCap, capToJson, jsonToCap, alertToCapXml, capXmlToAlert, CapError } from './export/cap';
export { alertToFiwareKeyValues, alertToFiwareNgsiLd } from './export/fiware';
