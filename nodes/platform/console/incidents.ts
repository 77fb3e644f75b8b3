/**
 * The console's incident routes (docs/incidents.md): the queue's incidents, one incident's page
 * (its members' alerts, timeline and playbook), actions on an incident, playbook ticks and moves
 * of an alert into or out of an incident. Role views apply to members: a role sees an incident
 * when it may see one of its members, and then only those members; an action on the incident
 * acts on those members only, each through ConsoleRuntime.act, the check of every alert route.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { ACTIONS } from '../alert-service';
import { FIWARE_REPRESENTATIONS } from '../export/fiware';
import type { FiwareRepresentation } from '../export/fiware';
import { incidentToCap, incidentToCapXml, incidentToFiware } from '../export/incident';
import { capToJson } from '../export/cap-model';
import type { ActionName } from '../alert-service';
import type { IncidentActionResult } from '../incidents/service';
import type { Incident } from '../incidents/types';
import type { Alert } from '../model/types';
import { STATES, STATUSES } from '../model/types';
import type { Platform } from '../platform';
import type { IncidentQuery } from '../store/types';
import { HttpError, allow, locals } from './auth';
import { incidentFor } from './incident-view';

// Still offered here, where the incident routes' users have found it.
export { incidentFor };
import type { ConsoleRuntime } from './runtime';
import type { SessionUser } from './sessions';
import { canAct, canSee } from './views';
import type { View } from './views';

type Handler = (platform: Platform, req: Request, res: Response) => Promise<void>;

/** Incidents the queue reads at most at once; the queue pages through what the role sees. */
const SCAN_LIMIT = 1000;

function listParam(value: unknown, name: string, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value).split(',').map((v) => v.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) throw new HttpError(400, `${name} must be one of ${allowed.join(', ')}`);
  return items;
}

function page(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new HttpError(400, `${name} must be an integer from 0 to ${max}`);
  return n;
}

function jsonBody(req: Request): Record<string, unknown> {
  if (!req.is('application/json')) throw new HttpError(415, 'send the request as application/json');
  const body = req.body as unknown;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v !== undefined && (typeof v !== 'string' || v.length > 4000)) throw new HttpError(400, `${field} must be a string of at most 4000 characters`);
  return v as string | undefined;
}

/**
 * An action on an incident as a console user: the incident must have a member the user sees and
 * the role must allow the action; only the members the user sees are acted on, each through
 * ConsoleRuntime.act (view and role checked again per member) with `via` naming the incident.
 */
export async function actOnIncident(
  runtime: ConsoleRuntime,
  user: Pick<SessionUser, 'username' | 'role'>,
  request: { incidentId: string; action: ActionName; text?: string; assignee?: string; via?: string },
): Promise<IncidentActionResult> {
  const view = runtime.viewFor(user);
  const seen = incidentFor(view, await runtime.platform.incidents.get(request.incidentId));
  if (!seen) throw new HttpError(404, `unknown incident ${request.incidentId}`);
  if (!canAct(view, request.action)) throw new HttpError(403, `the ${view.role} role may not ${request.action} incidents`);
  const result = await runtime.platform.incidents.act(
    { ...request, by: user.username },
    ({ by: _by, ...member }) => runtime.act(user, member),
    new Set(seen.members.map((m) => m.alertId)),
  );
  return { ...result, incident: incidentFor(view, result.incident) ?? seen };
}

/** Adds the incident routes to the console's API router (api.ts), behind its session and CSRF checks. */
export function addIncidentRoutes(router: Router, withPlatform: (handler: Handler) => RequestHandler, readsAlerts: RequestHandler, basePath: () => string): void {
  async function visible(platform: Platform, view: View, id: string): Promise<Incident> {
    const seen = incidentFor(view, await platform.incidents.get(id));
    if (!seen) throw new HttpError(404, `unknown incident ${id}`);
    return seen;
  }

  router.get('/incidents', readsAlerts, withPlatform(async (platform, req, res) => {
    const { view } = locals(res);
    const query: IncidentQuery = {
      state: listParam(req.query.state, 'state', STATES) as IncidentQuery['state'],
      status: listParam(req.query.status, 'status', STATUSES) as IncidentQuery['status'],
      sort: req.query.sort === 'recent' ? 'recent' : 'priority',
      limit: SCAN_LIMIT,
    };
    const limit = page(req.query.limit, 'limit', 50, 1000);
    const offset = page(req.query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const all = (await platform.incidents.query(query)).items.flatMap((i) => incidentFor(view, i) ?? []);
    res.json({ items: all.slice(offset, offset + limit), total: all.length, limit, offset });
  }));

  /** The members' own alerts this role sees, for their tool data, map positions, audit and exports. */
  async function memberAlerts(platform: Platform, view: View, incident: Incident): Promise<Alert[]> {
    const alerts: Alert[] = [];
    for (const m of incident.members) {
      const alert = await platform.store.get(m.alertId);
      if (alert && canSee(view, alert)) alerts.push(alert);
    }
    return alerts;
  }

  router.get('/incidents/:id', readsAlerts, withPlatform(async (platform, req, res) => {
    const { view } = locals(res);
    const incident = await visible(platform, view, req.params.id);
    res.json({ incident, alerts: await memberAlerts(platform, view, incident) });
  }));

  // CAP 1.2: Alert for a new incident, Update (with references to the members' messages) after, Cancel once resolved.
  router.get('/incidents/:id/cap.:format(xml|json)', readsAlerts, withPlatform(async (platform, req, res) => {
    const { view } = locals(res);
    const incident = await visible(platform, view, req.params.id);
    const members = await memberAlerts(platform, view, incident);
    const opts = { sender: platform.settings.sender, consoleUrl: `${req.protocol}://${req.get('host')}${basePath()}` };
    const xml = req.params.format === 'xml';
    const body = xml ? incidentToCapXml(incident, members, opts) : capToJson(incidentToCap(incident, members, opts), 2);
    res.type(xml ? 'application/cap+xml' : 'application/json').attachment(`impetus-${incident.id}-v${incident.version}.cap.${req.params.format}`).send(body);
  }));

  router.get('/incidents/:id/fiware.json', readsAlerts, withPlatform(async (platform, req, res) => {
    const { view } = locals(res);
    const incident = await visible(platform, view, req.params.id);
    const representation = req.query.options === undefined ? 'normalized' : String(req.query.options);
    if (!(FIWARE_REPRESENTATIONS as readonly string[]).includes(representation)) throw new HttpError(400, `options must be ${FIWARE_REPRESENTATIONS.join(' or ')}`);
    const context = req.query.context !== 'none';
    const entity = incidentToFiware(incident, await memberAlerts(platform, view, incident), representation as FiwareRepresentation, { consoleUrl: `${req.protocol}://${req.get('host')}${basePath()}`, context });
    res.type(context ? 'application/ld+json' : 'application/json').send(JSON.stringify(entity, null, 2));
  }));

  router.post('/incidents/:id/actions', readsAlerts, withPlatform(async (_platform, req, res) => {
    const { runtime, session } = locals(res);
    const body = jsonBody(req);
    if (typeof body.action !== 'string' || !ACTIONS.includes(body.action as ActionName)) throw new HttpError(400, `action must be one of ${ACTIONS.join(', ')}`);
    res.json(await actOnIncident(runtime, session.user, {
      incidentId: req.params.id, action: body.action as ActionName, text: optionalText(body, 'text'), assignee: optionalText(body, 'assignee'),
    }));
  }));

  const ticks = allow((view) => canAct(view, 'acknowledge'), 'this role may not work through playbooks');
  router.post('/incidents/:id/playbook/:step', readsAlerts, ticks, withPlatform(async (platform, req, res) => {
    const { view, session } = locals(res);
    await visible(platform, view, req.params.id);
    const body = jsonBody(req);
    if (typeof body.done !== 'boolean') throw new HttpError(400, 'done must be true or false');
    const incident = await platform.incidents.tick({ incidentId: req.params.id, step: req.params.step, done: body.done, by: session.user.username });
    res.json(incidentFor(view, incident));
  }));

  // Moving alerts between incidents is triage: the roles that may assign may do it.
  const moves = allow((view) => canAct(view, 'assign'), 'this role may not move alerts between incidents');
  router.post('/alerts/:id/incident', readsAlerts, moves, withPlatform(async (platform, req, res) => {
    const { view, session } = locals(res);
    const alert = await platform.store.get(req.params.id);
    if (!alert || !canSee(view, alert)) throw new HttpError(404, `unknown alert ${req.params.id}`);
    const body = jsonBody(req);
    const target = body.incidentId;
    if (target !== null && typeof target !== 'string') throw new HttpError(400, 'incidentId must be an incident id, or null to take the alert out of its incident');
    if (typeof target === 'string') await visible(platform, view, target);
    const moved = await platform.incidents.move({ alertId: alert.id, incidentId: target ?? undefined, by: session.user.username, reason: optionalText(body, 'reason') });
    res.json({ alert: moved.alert, from: incidentFor(view, moved.from), to: incidentFor(view, moved.to) });
  }));
}
