/**
 * The door to the IMPETUS core. Node areas (nodes/<area>/) and packages that build on IMPETUS
 * import the core from here, or from `./node-kit` for what a node needs without starting the
 * platform (worker threads, CLIs); an ESLint rule (eslint-rules/one-door.mjs) refuses anything
 * else. docs/architecture.md explains each part and shows a new tool's node.
 *
 *   const { platformFor } = require('node-red-contrib-impetus');
 *   module.exports = (RED) => {
 *     const platform = platformFor(RED);
 *     platform.validators.add('tools/my-tool', require('./my-tool.schema.json'));
 *     ...
 *     await platform.alerts.raise({ tool: 'my-tool', event: '…', data: {…} });
 *   };
 */

// The platform of a runtime: store, bus, validators, alert service; started and stopped with the runtime.
export { platformFor, closePlatforms } from './lifetime';
export { Platform } from './platform';
export type { PlatformLog } from './platform';
export { AlertService, ACTIONS } from './alert-service';
export type { ActionName, ActionRequest, RaiseOptions, AlertHooks } from './alert-service';
// Incidents: alerts of every tool grouped by place and time, inhibition, playbooks (platform.incidents).
export { IncidentService } from './incidents/service';
export type { IncidentActionRequest, IncidentActionResult, MemberOutcome } from './incidents/service';
export type { Incident, IncidentMember, IncidentRule, InhibitRule, IncidentSettings, PlaybookStep, IncidentHistoryEntry } from './incidents/types';
export { DEFAULT_RULES, DEFAULT_INHIBIT, checkRule, resolveIncidentSettings } from './incidents/rules';
export type { IncidentSettingsInput } from './incidents/rules';
export { PLAYBOOKS, playbookFor, incidentType } from './incidents/playbooks';
export { incidentPriority, restrictIncident } from './incidents/model';
export type { ImpetusSettings, EscalationPolicy, ResolvedSettings } from './settings';
// For embedders and benchmarks that run a Platform without Node-RED (new Platform(resolveSettings(…), log, clock)).
export { resolveSettings } from './settings';
export type { SilenceRequest } from './silences';
// For settings files: the editor and admin API locked (adminAuth from the console's admins, same-origin JSON only).
export { lockEditor } from './editor-lock';

// The alert envelope: types, validation, priority, fingerprint, lifecycle errors.
export * from './model/types';
export { Validators, ValidationError, describe as describeSchemaErrors } from './model/validate';
export { buildAlert } from './model/draft';
export type { DraftDefaults } from './model/draft';
export { computePriority } from './model/priority';
export { fingerprint, DEFAULT_FINGERPRINT_KEYS } from './model/fingerprint';
export { TransitionError } from './model/lifecycle';
// TLP 2.0 markings (the order and labels also come through ./node-kit) and the refusal every export makes for TLP:RED.
export { tlpOf, assertExportable, TlpExportError } from './model/tlp';

// Store and bus contracts (the adapters are chosen by the settings, in adapters.ts).
export type { AlertStore, AlertQuery, Page, IngestResult, OutboxStore, OutboxEntry, OutboxEnqueue, DeliveryRef, IncidentStore, IncidentQuery } from './store/types';
export { ConflictError, DuplicateIdError, NotFoundError, IncidentKeyTakenError } from './store/types';
export type { EventBus, EventHandler } from './bus/types';

// The Kafka client the Kafka bus and the kafka nodes share: kafkajs stays behind this one module.
export { createKafkaClient, ensureTopic, isTooLarge, isRetriable, Compression } from './bus/kafka-client';
export type {
  KafkaClient, KafkaClientConfig, KafkaTls, SaslMechanism, Producer, Consumer, Admin, Headers, HeaderValue, OutgoingMessage, IncomingMessage,
  EachBatchPayload, EachMessagePayload, RecordMetadata,
} from './bus/kafka-client';

// The operator console, and the panels dashboard nodes put on its pages.
export { consoleOf, ConsoleRuntime } from './console';
// An action on an incident as a console user (its view and role), for the chat notifiers' buttons.
export { actOnIncident } from './console/incidents';
// The one check of an operator action (view and role), thrown by ConsoleRuntime.act: chat actions use it as the HTTP API does.
export { ActionRefusedError } from './console/views';
// PersonalStates: a dashboard node's per-user panel (PanelDef.personal), each user sent only their own.
export { PAGE_NAME, PanelRequestError, PersonalStates } from './console/panels';
export type { Panel, PanelDef, PanelForm, PanelKind, PanelState, RowAction, RowActions } from './console/panels';
export type { ToolHealth } from './console/alert-index';
// USER_NAME: what a console user name may be, for nodes that address users (a personal panel's msg.user).
export { ROLES, USER_NAME, checkFeatureCollection } from './console/settings';
export type { Role, GeoJsonFeatureCollection } from './console/settings';
export type { Session, SessionUser } from './console/sessions';

// Exports of an alert: CAP 1.2 and FIWARE.
export { alertToCap, capToAlert, capToXml, xmlToCap, capToJson, jsonToCap, alertToCapXml, capXmlToAlert, CapError } from './export/cap';
export { alertToFiware, alertToFiwareKeyValues, alertToFiwareNgsiLd, FIWARE_REPRESENTATIONS } from './export/fiware';
export type { FiwareRepresentation, FiwareOptions } from './export/fiware';
export { incidentToCap, incidentToCapXml, incidentToFiware } from './export/incident';

// Node conventions, also reachable without the platform through ./node-kit.
export * from './node-kit';
