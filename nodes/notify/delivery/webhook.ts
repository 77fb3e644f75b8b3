import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

export type WebhookHandler = (body: unknown, req: Request, res: Response) => void;

interface App {
  post: (path: string, ...handlers: unknown[]) => void;
}

const handlers = new WeakMap<object, Map<string, WebhookHandler>>();

/**
 * Mounts a POST endpoint for a chat service's webhook on Node-RED's HTTP node server. Express
 * cannot remove a route, so the route stays and dispatches through a table: when the config
 * node closes its entry goes and the endpoint answers 404 until it is deployed again.
 */
export function registerWebhook(app: App, path: string, handler: WebhookHandler): () => void {
  let table = handlers.get(app);
  if (!table) {
    table = new Map();
    handlers.set(app, table);
  }
  const known = table.has(path) || routed.has(`${objectId(app)} ${path}`);
  table.set(path, handler);
  if (!known) {
    routed.add(`${objectId(app)} ${path}`);
    const current = table;
    app.post(
      path,
      express.json({ limit: '1mb' }),
      (req: Request, res: Response) => {
        const h = current.get(path);
        if (!h) {
          res.status(404).json({ ok: false, description: 'no such webhook' });
          return;
        }
        h(req.body, req, res);
      },
      // A body that is not JSON (or too big) is answered here, never thrown into Node-RED.
      (err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(err.status && err.status < 500 ? err.status : 400).json({ ok: false, description: 'malformed request body' });
      },
    );
  }
  return () => {
    if (table.get(path) === handler) table.delete(path);
  };
}

const routed = new Set<string>();
const ids = new WeakMap<object, number>();
let nextId = 1;
function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || expected === '') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
