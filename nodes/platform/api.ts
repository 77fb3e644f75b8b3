import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { PRIORITIES, SEVERITIES, STATES, STATUSES } from './model/types';
import type { Platform } from './platform';
import type { AlertQuery } from './store/types';

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

/**
 * Read API of the alert backbone, mounted at `<httpPath>/api` on Node-RED's HTTP node server.
 * The platform is looked up per request so that a restarted platform is picked up.
 */
export function createApiRouter(current: () => Platform | undefined): Router {
  const router = express.Router();

  const withPlatform = (handler: (platform: Platform, req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      const platform = current();
      if (!platform) {
        res.status(503).json({ error: 'IMPETUS platform is not running' });
        return;
      }
      try {
        await platform.ready;
      } catch (err) {
        res.status(503).json({ error: `alert store unavailable: ${(err as Error).message}` });
        return;
      }
      try {
        await handler(platform, req, res);
      } catch (err) {
        next(err);
      }
    };

  router.get('/alerts', withPlatform(async (platform, req, res) => {
    res.json(await platform.store.query(parseAlertQuery(req.query)));
  }));

  router.get('/alerts/:id', withPlatform(async (platform, req, res) => {
    const alert = await platform.store.get(req.params.id);
    if (!alert) res.status(404).json({ error: `unknown alert ${req.params.id}` });
    else res.json(alert);
  }));

  router.get('/alerts/:id/history', withPlatform(async (platform, req, res) => {
    if (!(await platform.store.get(req.params.id))) {
      res.status(404).json({ error: `unknown alert ${req.params.id}` });
      return;
    }
    const limit = integer(req.query.limit, 'limit', 1, 1000);
    const offset = integer(req.query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    res.json(await platform.store.history(req.params.id, { limit, offset }));
  }));

  router.get('/silences', withPlatform(async (platform, _req, res) => {
    res.json(platform.alerts.silences.list());
  }));

  router.get('/media/:digest', withPlatform(async (platform, req, res) => {
    const media = await platform.store.getMedia(req.params.digest);
    if (!media) {
      res.status(404).json({ error: 'unknown media' });
      return;
    }
    res.set('Content-Type', media.mimeType).set('X-Content-Type-Options', 'nosniff').send(media.data);
  }));

  router.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500;
    res.status(status).json({ error: status === 500 ? 'internal error' : err.message });
  });

  return router;
}
