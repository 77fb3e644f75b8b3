/**
 * The Node-RED editor and admin API, locked: a settings file passes its settings through
 * `lockEditor()` (our settings.ts does; `require('node-red-contrib-impetus').lockEditor` in
 * yours). Node-RED itself leaves the editor open unless `adminAuth` is set, and its admin app
 * answers every request with `Access-Control-Allow-Origin: *` and parses form bodies; on a
 * platform whose flows can run shell commands, that is remote code execution from any web page.
 *
 * - `adminAuth` left out: the console's `admin` users log in to the editor with their console
 *   password (the same bcrypt hash), with every permission; other roles cannot. An `adminAuth`
 *   of your own is kept as it is.
 * - `adminAuth: false`: the editor is open, which is refused unless Node-RED listens on a
 *   loopback address only (`uiHost` 127.0.0.1, ::1 or localhost).
 * - A state-changing admin request must come from the editor's own origin and carry JSON (the
 *   few forms the editor itself sends are allowed on their routes); no admin reply carries
 *   `Access-Control-Allow-Origin`.
 */
import type { NextFunction, Request, Response } from 'express';
import { sameOrigin } from './console/auth';
import type { ConsoleUser } from './console/settings';

/** The part of Node-RED's settings the lock reads and writes. */
export interface LockableSettings {
  uiHost?: string;
  adminAuth?: unknown;
  httpAdminMiddleware?: Middleware | Middleware[];
  impetus?: { users?: Record<string, ConsoleUser> };
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

interface EditorUser {
  username: string;
  password: string;
  permissions: '*';
}

/** What the editor itself sends as a form (jQuery's default) or a file upload, route by route. */
const NON_JSON_BODIES: Record<string, string> = {
  'POST /auth/token': 'urlencoded',
  'POST /auth/revoke': 'urlencoded',
  'POST /flows/state': 'urlencoded',
  'POST /nodes': 'multipart',
};

/**
 * Node-RED's own admin routes. A refused request to one of them gets a clear 403 or 415; any other
 * path is passed on past the admin app, because with the default roots (both `/`) the HTTP-in
 * routes and the console are reached through it too, and they decide for themselves.
 */
const CORE_ADMIN_ROUTE = /^\/(auth|flows?|nodes|settings|library|context|inject|debug|credentials|plugins|projects|diagnostics)(\/|$)/;

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Why a state-changing admin request is refused, or undefined when it may go on. */
function refusal(req: Request): { status: number; error: string } | undefined {
  if (!sameOrigin(req)) return { status: 403, error: 'cross-origin request to the admin API refused' };
  if (!hasBody(req)) return undefined;
  const other = NON_JSON_BODIES[`${req.method} ${req.path}`];
  if (req.is(other ? ['application/json', other] : 'application/json')) return undefined;
  return { status: 415, error: 'the admin API takes application/json bodies' };
}

/** Runs in Node-RED's admin app after its CORS handler and before its body parsers. */
export function adminGuard(req: Request, res: Response, next: NextFunction): void {
  res.removeHeader('Access-Control-Allow-Origin');
  if (SAFE.has(req.method)) return next();
  const refused = refusal(req);
  if (!refused) return next();
  if (CORE_ADMIN_ROUTE.test(req.path)) {
    res.status(refused.status).json({ error: refused.error });
    return;
  }
  // Leave the admin app (its routes and its form parser) for this request alone.
  next('router');
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: reachable from this machine only. */
export function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * `adminAuth` for the console's admin users, looked up at each login rather than copied, so that
 * users added with `node-red -D impetus.users.<name>=…` count too.
 */
export function consoleAdmins(settings: LockableSettings) {
  return {
    type: 'credentials' as const,
    users: async (username: string): Promise<EditorUser | null> => {
      const users = settings.impetus?.users ?? {};
      const user = Object.prototype.hasOwnProperty.call(users, username) ? users[username] : undefined;
      return user?.role === 'admin' && typeof user.passwordHash === 'string' ? { username, password: user.passwordHash, permissions: '*' } : null;
    },
  };
}

/** Locks `settings` in place (see the top of this file) and returns them; throws when it cannot. */
export function lockEditor<S extends LockableSettings>(settings: S): S & LockableSettings {
  if (settings.adminAuth === false) {
    if (!isLoopback(settings.uiHost)) {
      throw new Error(
        `refusing to start: the Node-RED editor would be open to the network without authentication (uiHost ${settings.uiHost ?? 'unset: every interface'}). ` +
          'Keep adminAuth (the console\'s admin users log in to the editor), or listen on 127.0.0.1 only.',
      );
    }
    delete settings.adminAuth;
  } else if (settings.adminAuth === undefined) {
    settings.adminAuth = consoleAdmins(settings);
  }
  const own = settings.httpAdminMiddleware;
  settings.httpAdminMiddleware = [adminGuard, ...(own === undefined ? [] : ([] as Middleware[]).concat(own))];
  return settings;
}
