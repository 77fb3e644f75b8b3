import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { ACTIONS } from '../alert-service';
import type { ActionName } from '../alert-service';
import { HttpError, allow, locals, login, logout, requireCsrf, requireSession, sessionBody, sessionFrom } from './auth';
import { addIncidentRoutes } from './incidents';
import { consoleOf } from './runtime';
import type { ConsoleRuntime } from './runtime';
import type { SessionUser } from './sessions';
import { summarize } from './summary';
import { sightingsOf } from './sightings';
import { PAGE_NAME, PanelRequestError } from './panels';
import { TOOLS } from './tools';
import { createVoiceRouter } from './voice-api';
import { ActionRefusedError, canAct, canSee, hasPage, restrictQuery, seesEveryTool, seesTool } from './views';
import type { View } from './views';
import type { Role } from './settings';
import { alertToCap, alertToCapXml, capToJson } from '../export/cap';
import { alertToFiware, FIWARE_REPRESENTATIONS } from '../export/fiware';
import type { FiwareRepresentation } from '../export/fiware';
import { TransitionError } from '../model/lifecycle';
import type { Alert, HistoryEntry } from '../model/types';
import { PRIORITIES, SEVERITIES, STATES, STATUSES } from '../model/types';
import type { Platform, PlatformLog } from '../platform';
import type { AlertQuery } from '../store/types';
import { ConflictError, NotFoundError } from '../store/types';

class BadRequest extends Error {
  readonly status = 400;
}

function list(value: unknown, name: string, allowed?: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
  if (allowed) for (const item of items) if (!allowed.includes(item)) throw new BadRequest(`${name} must be one of ${allowed.join(', ')}`);
  return items.length ? items : undefined;
}

function time(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new BadRequest(`${name} must be an ISO 8601 date-time`);
  return new Date(value).toISOString();
}

function integer(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function parseAlertQuery(q: Request['query']): AlertQuery {
  const sort = q.sort;
  if (sort !== undefined && sort !== 'priority' && sort !== 'recent') throw new BadRequest('sort must be priority or recent');
  const text = q.q ?? q.text;
  if (text !== undefined && (typeof text !== 'string' || text.length > 256)) throw new BadRequest('q must be a string of at most 256 characters');
  return {
    state: list(q.state, 'state', STATES) as AlertQuery['state'],
    priority: list(q.priority, 'priority', PRIORITIES) as AlertQuery['priority'],
    severity: list(q.severity, 'severity', SEVERITIES) as AlertQuery['severity'],
    status: list(q.status, 'status', STATUSES) as AlertQuery['status'],
    tool: list(q.tool, 'tool'),
    zone: list(q.zone, 'zone'),
    from: time(q.from, 'from'),
    to: time(q.to, 'to'),
    text: text as string | undefined,
    sort,
    limit: integer(q.limit, 'limit', 1, 1000),
    offset: integer(q.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Alerts one bulk action may name. */
const MAX_BULK = 200;

/** The action and its fields, checked: the same for one alert and for several. */
function actionBody(req: Request): { action: ActionName; text?: string; assignee?: string } {
  if (!req.is('application/json')) throw new HttpError(415, 'send the action as application/json');
  const body = req.body as { action?: unknown; text?: unknown; assignee?: unknown };
  const action = body?.action;
  if (typeof action !== 'string' || !ACTIONS.includes(action as ActionName)) throw new HttpError(400, `action must be one of ${ACTIONS.join(', ')}`);
  for (const field of ['text', 'assignee'] as const) {
    const v = body[field];
    if (v !== undefined && (typeof v !== 'string' || v.length > 4000)) throw new HttpError(400, `${field} must be a string of at most 4000 characters`);
  }
  return { action: action as ActionName, text: body.text as string | undefined, assignee: body.assignee as string | undefined };
}

export interface ApiOptions {
  /** The console's URL path on this server (httpNodeRoot + httpPath): the cookie's Path. */
  basePath: () => string;
  log?: PlatformLog;
}

type Handler = (platform: Platform, req: Request, res: Response) => Promise<void>;

/** Every role reads alerts of its own tools; a view with no tool sees no alert route. */
const readsAlerts = allow((view) => view.tools.length > 0, 'this role sees no alerts');
const readsPages = allow((view) => view.pages.some((p) => p.startsWith('tool:')), 'this role has no tool pages');

/**
 * The console's HTTP API, mounted at `<httpPath>/api` on Node-RED's HTTP node server. Every route
 * but login needs a session and checks the role's view; every state-changing one needs the
 * CSRF token. An alert a role may not see answers 404, exactly like one that does not exist.
 */
export function createApiRouter(current: () => Platform | undefined, options: ApiOptions): Router {
  const router = express.Router();

  router.use((_req, res, next) => {
    const platform = current();
    if (!platform) return next(new HttpError(503, 'IMPETUS platform is not running'));
    try {
      res.locals.runtime = consoleOf(platform, options.log);
      res.locals.platform = platform;
    } catch (err) {
      return next(new HttpError(503, `console unavailable: ${(err as Error).message}`));
    }
    next();
  });
  router.use(express.json({ limit: '64kb' }));

  const withPlatform = (handler: Handler): RequestHandler => async (req, res, next) => {
    const platform = res.locals.platform as Platform;
    try {
      await platform.ready;
    } catch (err) {
      next(new HttpError(503, `alert store unavailable: ${(err as Error).message}`));
      return;
    }
    try {
      await handler(platform, req, res);
    } catch (err) {
      next(err);
    }
  };

  /** The alert if this role may see it; otherwise 404 as if it did not exist, so nothing leaks. */
  async function visibleAlert(platform: Platform, view: View, id: string): Promise<Alert> {
    const alert = await platform.store.get(id);
    if (!alert || !canSee(view, alert)) throw new HttpError(404, `unknown alert ${id}`);
    return alert;
  }

  router.post('/login', (req, res, next) => {
    login(req, res, options.basePath()).catch(next);
  });

  // The console's first request asks whether a session exists. Without one, `?probe` answers
  // 200 {authenticated: false}: a login page is no failure, and a 401 there would be logged by
  // every browser as an error. Without `?probe` the route keeps its 401, as every data route.
  router.get('/session', (req, res, next) => {
    if (req.query.probe === undefined || sessionFrom(req, locals(res).runtime, false)) return next();
    res.json({ authenticated: false });
  });

  router.use(requireSession, requireCsrf);

  router.post('/logout', (req, res) => logout(req, res, options.basePath()));

  router.get('/session', (_req, res) => {
    const { runtime, session, view } = locals(res);
    const map = runtime.platform.settings.console.map;
    res.json({
      ...sessionBody(session, view),
      tools: TOOLS.filter((t) => seesTool(view, t.id)),
      map: { tileUrl: map.tileUrl, attribution: map.attribution, maxZoom: map.maxZoom, center: map.center, zoom: map.zoom },
      timeZone: runtime.platform.settings.console.timeZone,
      live: { path: `${options.basePath()}/ws`, epoch: runtime.hub.epoch },
      voice: runtime.voice.settings.enabled,
    });
  });

  router.get('/alerts', readsAlerts, withPlatform(async (platform, req, res) => {
    const { view } = locals(res);
    const page = await platform.store.query(restrictQuery(view, parseAlertQuery(req.query)));
    // `fields=summary`: the slim rows the console's queue and map draw.
    if (req.query.fields === 'summary') res.json({ ...page, items: page.items.map(summarize) });
    else res.json(page);
  }));

  // An indicator (domain, address, hash…) and every alert this viewer may see that names it.
  router.get('/sightings', readsAlerts, withPlatform(async (platform, req, res) => {
    const value = req.query.value;
    if (typeof value !== 'string' || !value.trim() || value.length > 512) throw new BadRequest('value must be the indicator, at most 512 characters');
    res.json(await sightingsOf(platform.store, locals(res).view, value.trim()));
  }));

  router.get('/alerts/:id', readsAlerts, withPlatform(async (platform, req, res) => {
    res.json(await visibleAlert(platform, locals(res).view, req.params.id));
  }));

  router.get('/alerts/:id/history', readsAlerts, withPlatform(async (platform, req, res) => {
    const alert = await visibleAlert(platform, locals(res).view, req.params.id);
    const limit = integer(req.query.limit, 'limit', 1, 1000);
    const offset = integer(req.query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const page = await platform.store.history(req.params.id, { limit, offset });
    // A "commented" entry stores only the comment's id; the reader needs its text.
    const comments = new Map(alert.comments.map((c) => [c.id, c]));
    const withComment = (e: HistoryEntry) => {
      const comment = typeof e.details?.commentId === 'string' ? comments.get(e.details.commentId) : undefined;
      return comment ? { ...e, details: { ...e.details, comment } } : e;
    };
    res.json({ ...page, entries: page.entries.map(withComment) });
  }));

  router.get('/alerts/:id/cap.:format(xml|json)', readsAlerts, withPlatform(async (platform, req, res) => {
    const alert = await visibleAlert(platform, locals(res).view, req.params.id);
    const consoleUrl = `${req.protocol}://${req.get('host')}${options.basePath()}`;
    const opts = { sender: platform.settings.sender, consoleUrl };
    const xml = req.params.format === 'xml';
    const exported = (a: Alert) => (xml ? alertToCapXml(a, opts) : capToJson(alertToCap(a, opts), 2));
    let body: string;
    try {
      body = exported(alert);
    } catch (err) {
      // Stored before drafts' `cap` blocks were checked (alert-service.ts): export it as our own
      // alert, without the damaged residual, rather than fail on every request.
      if (alert.cap === undefined) throw err;
      body = exported({ ...alert, cap: undefined });
    }
    const file = `impetus-${alert.id.replace(/[^A-Za-z0-9._-]/g, '_')}.cap.${req.params.format}`;
    res.type(xml ? 'application/cap+xml' : 'application/json').attachment(file).send(body);
  }));

  // FIWARE Smart Data Models Alert, for city platforms (Orion-LD, Scorpio): NGSI-LD normalized by
  // default, key-values with ?options=keyValues, and without @context (NGSI-v2 brokers) with ?context=none.
  router.get('/alerts/:id/fiware.json', readsAlerts, withPlatform(async (platform, req, res) => {
    const alert = await visibleAlert(platform, locals(res).view, req.params.id);
    const representation = req.query.options === undefined ? 'normalized' : String(req.query.options);
    if (!(FIWARE_REPRESENTATIONS as readonly string[]).includes(representation)) throw new HttpError(400, `options must be ${FIWARE_REPRESENTATIONS.join(' or ')}`);
    if (req.query.context !== undefined && req.query.context !== 'none') throw new HttpError(400, 'context must be none or left out');
    const context = req.query.context !== 'none';
    const consoleUrl = `${req.protocol}://${req.get('host')}${options.basePath()}`;
    const entity = alertToFiware(alert, representation as FiwareRepresentation, { consoleUrl, context });
    res.type(context ? 'application/ld+json' : 'application/json').send(JSON.stringify(entity, null, 2));
  }));

  router.get('/alerts/:id/media/:digest', readsAlerts, withPlatform(async (platform, req, res) => {
    const alert = await visibleAlert(platform, locals(res).view, req.params.id);
    // Only media the alert itself references: a digest alone must not open another tool's images.
    if (!alert.resources.some((r) => r.digest === req.params.digest)) throw new HttpError(404, 'unknown media');
    const media = await platform.store.getMedia(req.params.digest);
    if (!media) throw new HttpError(404, 'unknown media');
    res.set('Content-Type', media.mimeType).set('X-Content-Type-Options', 'nosniff').set('Cache-Control', 'private, max-age=86400').send(media.data);
  }));

  router.post('/alerts/:id/actions', readsAlerts, withPlatform(async (_platform, req, res) => {
    const { runtime, session } = locals(res);
    res.json(await runtime.act(session.user, { ...actionBody(req), alertId: req.params.id }));
  }));

  /**
   * One action on several alerts (the queue's "Acknowledge selected"): the role is checked once,
   * each alert on its own, and each goes through the AlertService, so each gets its own history
   * entry. One alert that cannot take the action (gone, hidden, already acknowledged) does not stop
   * the others: the answer lists each alert's outcome.
   */
  router.post('/alerts/actions', readsAlerts, withPlatform(async (_platform, req, res) => {
    const { runtime, view, session } = locals(res);
    const body = actionBody(req);
    const ids = (req.body as { ids?: unknown }).ids;
    if (!Array.isArray(ids) || !ids.length || ids.length > MAX_BULK || !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)) {
      throw new HttpError(400, `ids must be a list of 1 to ${MAX_BULK} alert ids`);
    }
    if (!canAct(view, body.action)) throw new HttpError(403, `the ${view.role} role may not ${body.action} alerts`);
    const results = [];
    for (const id of new Set(ids as string[])) {
      try {
        const alert = await runtime.act(session.user, { ...body, alertId: id });
        results.push({ id, status: 200, alert });
      } catch (err) {
        const status = err instanceof ActionRefusedError ? err.status : err instanceof NotFoundError ? 404 : err instanceof TransitionError || err instanceof ConflictError ? 409 : 500;
        if (status === 500) options.log?.warn(`console API: bulk ${body.action} of ${id}: ${(err as Error).stack ?? err}`);
        results.push({ id, status, error: status === 500 ? 'internal error' : (err as Error).message });
      }
    }
    res.json({ results });
  }));

  /**
   * Whom an alert can be assigned to, for roles that may assign: the console users whose role
   * may act on alerts and shares a tool with the asking role, and their roles as teams
   * (`team:<role>`).
   */
  router.get('/assignees', allow((view) => view.actions.includes('assign'), 'this role may not assign alerts'), (_req, res) => {
    const { runtime, view } = locals(res);
    const handles = (role: Role) => {
      const other = runtime.viewOf(role);
      return other.actions.length > 0 && other.tools.some((t) => t === '*' || seesTool(view, t));
    };
    const users = [...runtime.platform.settings.console.users].filter(([, u]) => handles(u.role))
      .map(([username, u]) => ({ username, name: u.name, role: u.role }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const teams = [...new Set(users.map((u) => u.role))].map((role) => ({ id: `team:${role}`, name: runtime.viewOf(role).title }));
    res.json({ users, teams });
  });

  router.get('/silences', readsAlerts, withPlatform(async (platform, _req, res) => {
    const { view } = locals(res);
    // A silence without a tool matcher spans tools, so only roles that see every tool get it.
    res.json(platform.alerts.silences.list().filter((s) => (s.matchers.tool ? seesTool(view, s.matchers.tool) : seesEveryTool(view))));
  }));

  router.get('/summary', readsAlerts, withPlatform(async (_platform, _req, res) => {
    const { runtime, view } = locals(res);
    await runtime.ready;
    res.type('application/json').send(runtime.hub.summaryFrame(view));
  }));

  router.get('/map/sites', allow((view) => hasPage(view, 'map') || view.tools.length > 0, 'this role has no map'), (_req, res) => {
    res.json(locals(res).runtime.platform.settings.console.map.sites);
  });

  router.get('/pages', readsPages, (_req, res) => {
    const { runtime, view } = locals(res);
    res.json(runtime.panels.pages(view));
  });

  router.get('/pages/:page', readsPages, (req, res) => {
    const { runtime, view } = locals(res);
    if (!PAGE_NAME.test(req.params.page)) throw new HttpError(400, 'page must be lower-case letters, digits and -');
    const panels = runtime.panels.page(view, req.params.page);
    if (!panels.length) throw new HttpError(404, `no page ${req.params.page} for this role`);
    res.json({ page: req.params.page, panels });
  });

  // The user's own panels (an operator's own workload): any role, each user only their own.
  router.get('/own-panels', (_req, res) => {
    const { runtime, view, session } = locals(res);
    res.json(runtime.panels.own(view, session.user.username));
  });

  router.post('/panels/:id/actions', (req, res) => {
    panelAction(locals(res).runtime, locals(res).view, req);
    res.status(204).end();
  });

  router.post('/panels/:id/requests/:request', readsPages, (req, res, next) => {
    panelRequest(locals(res).runtime, locals(res).view, locals(res).session.user, req).then((answer) => res.json(answer ?? {}), (err: Error) => {
      if (err instanceof PanelRequestError) res.status(err.status).json({ ...err.fields, error: err.message });
      else next(err);
    });
  });

  router.use('/voice', createVoiceRouter());
  addIncidentRoutes(router, withPlatform, readsAlerts, options.basePath);

  router.use((_req, _res, next) => next(new HttpError(404, 'no such API route')));

  router.use((err: Error & { status?: number; type?: string; headers?: Record<string, string> }, _req: Request, res: Response, _next: NextFunction) => {
    let status = err.status ?? 500;
    let message = err.message;
    if (err instanceof TransitionError || err instanceof ConflictError) status = 409;
    else if (err instanceof NotFoundError) status = 404;
    else if (err instanceof TypeError && status === 500) status = 400;
    else if (err.type === 'entity.parse.failed') message = 'the body is not valid JSON';
    if (status === 500) {
      options.log?.warn(`console API: ${err.stack ?? err.message}`);
      message = 'internal error';
    }
    if (err instanceof HttpError) res.set(err.headers);
    res.status(status).json({ error: message });
  });

  return router;
}

/** A request to a panel that answers some (an editor's preview, apply): the role must see the panel and be allowed by it. */
async function panelRequest(runtime: ConsoleRuntime, view: View, user: SessionUser, req: Request): Promise<unknown> {
  const panel = runtime.panels.get(req.params.id);
  if (!panel || !runtime.panels.visible(panel, view)) throw new HttpError(404, 'unknown panel');
  const form = panel.state.form;
  if (!form || !form.requests.includes(req.params.request)) throw new HttpError(404, `this panel answers no request ${req.params.request}`);
  if (!req.is('application/json')) throw new HttpError(415, 'send the request as application/json');
  if (!view.actions.length || !(view.role === 'admin' || form.roles.includes(view.role))) throw new HttpError(403, `the ${view.role} role may not use this panel`);
  return form.answer(req.params.request, req.body, user);
}

/**
 * A row action on an impetus-ui-table, or a feature action on an impetus-ui-map-layer: the role
 * must see the panel, may act, and be named by the node. On a personal panel the rows are the
 * user's own: another user's row is unknown to them.
 */
function panelAction(runtime: ConsoleRuntime, view: View, req: Request): void {
  const panel = runtime.panels.get(req.params.id);
  const user = locals(req.res!).session.user;
  const state = panel && runtime.panels.stateFor(panel, view, user.username);
  if (!panel || !state) throw new HttpError(404, 'unknown panel');
  if (!req.is('application/json')) throw new HttpError(415, 'send the action as application/json');
  const body = req.body as { action?: unknown; key?: unknown };
  const rows = state.rowActions;
  if (!rows || !panel.onAction) throw new HttpError(400, 'this panel has no row actions');
  const { actions, roles: actionRoles } = rows;
  if (typeof body?.action !== 'string' || !actions.some((a) => a.name === body.action)) throw new HttpError(400, `action must be one of ${actions.map((a) => a.name).join(', ')}`);
  if (typeof body.key !== 'string' && typeof body.key !== 'number') throw new HttpError(400, 'key must name a row');
  if (!view.actions.length || !(view.role === 'admin' || actionRoles.includes(view.role))) throw new HttpError(403, `the ${view.role} role may not act on this panel`);
  const key = String(body.key);
  if (!rows.hasRow(key)) throw new HttpError(404, `no row ${key}`);
  if (!rows.offers(key, body.action)) throw new HttpError(409, `row ${key} does not offer ${body.action} now`);
  panel.onAction(body.action, key, user);
}
