import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

export type WebhookHandler = (body: unknown, req: Request, res: Response) => void;

interface App {
  post: (path: string, ...handlers: unknown[]) => void;
}

interface Routes {
  /** The live handler per path. */
  handlers: Map<string, WebhookHandler>;
  /** Paths that have an Express route: it cannot be removed, so it is made once per path. */
  mounted: Set<string>;
}

const apps = new WeakMap<object, Routes>();

/**
 * Mounts a POST endpoint for a chat service's webhook on Node-RED's HTTP node server. Express
 * cannot remove a route, so the route stays and dispatches through a table: when the config
 * node closes its entry goes and the endpoint answers 404 until it is deployed again.
 */
export function registerWebhook(app: App, path: string, handler: WebhookHandler): () => void {
  let routes = apps.get(app);
  if (!routes) {
    routes = { handlers: new Map(), mounted: new Set() };
    apps.set(app, routes);
  }
  const { handlers, mounted } = routes;
  handlers.set(path, handler);
  if (!mounted.has(path)) {
    mounted.add(path);
    app.post(
      path,
      express.json({ limit: '1mb' }),
      (req: Request, res: Response) => {
        const live = handlers.get(path);
        if (!live) {
          res.status(404).json({ ok: false, description: 'no such webhook' });
          return;
        }
        live(req.body, req, res);
      },
      // A body that is not JSON (or too big) is answered here, never thrown into Node-RED.
      (err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(err.status && err.status < 500 ? err.status : 400).json({ ok: false, description: 'malformed request body' });
      },
    );
  }
  return () => {
    if (handlers.get(path) === handler) handlers.delete(path);
  };
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || expected === '') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
