/**
 * Login, logout and the checks in front of every console route: a session cookie (HttpOnly,
 * SameSite=Strict, Secure over HTTPS), a CSRF token on every state-changing request, same-origin
 * checks, and back-off after failed logins.
 */
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, Response } from 'express';
import type { ConsoleRuntime } from './runtime';
import type { Session } from './sessions';
import { sameToken } from './sessions';
import type { ResolvedConsoleSettings } from './settings';
import type { View } from './views';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/**
 * Compared against when the user name is unknown, so a wrong name costs as long as a wrong
 * password (a bcrypt hash of a throw-away string, cost 10 like `npm run hash-password` makes).
 */
const DUMMY_HASH = '$2b$10$sCFDknCGH5j4izr2jWjY7uxu4jrFnc4OIlTw9RpoqEClMe6bhlXgK';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(part.slice(i + 1).trim()));
      } catch {
        // A malformed value is no session.
      }
    }
  }
  return cookies;
}

export function sessionFrom(req: IncomingMessage, runtime: ConsoleRuntime, touch = true): Session | undefined {
  const name = runtime.platform.settings.console.session.cookieName;
  return runtime.sessions.get(parseCookies(req.headers.cookie).get(name), touch);
}

/**
 * A browser sends Origin on cross-site POSTs and WebSocket handshakes (Referer where a page
 * withholds Origin); when either is there it must name this host, port included. Sec-Fetch-Site,
 * where sent, must say same-origin (or none: typed or bookmarked): same-site is another port
 * or sub-domain, another origin all the same. A request with none of them is no browser page's.
 * The editor lock (../editor-lock.ts) applies the same rule to the admin API.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.headers.origin ?? req.headers.referer;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    // "null" (a sandboxed frame, a file: page, a no-referrer policy) is no origin of ours.
    return false;
  }
}

function secure(req: Request, settings: ResolvedConsoleSettings['session']): boolean {
  return settings.secure === 'auto' ? req.secure : settings.secure;
}

export function cookieHeader(name: string, value: string, path: string, maxAgeSeconds: number, isSecure: boolean): string {
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${isSecure ? '; Secure' : ''}`;
}

export interface Locals {
  runtime: ConsoleRuntime;
  session: Session;
  view: View;
}

export function locals(res: Response): Locals {
  return res.locals as Locals;
}

/** 401 without a live session; the session and its role's view are in res.locals afterwards. */
export function requireSession(req: Request, res: Response, next: NextFunction): void {
  const runtime = (res.locals as Partial<Locals>).runtime!;
  const session = sessionFrom(req, runtime);
  if (!session) return next(new HttpError(401, 'login required'));
  res.locals.session = session;
  res.locals.view = runtime.viewFor(session.user);
  next();
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every state-changing request: same origin, JSON body, and the session's CSRF token. */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  if (SAFE.has(req.method)) return next();
  if (!sameOrigin(req)) return next(new HttpError(403, 'cross-origin request refused'));
  const sent = req.get('x-csrf-token');
  if (!sent || !sameToken(sent, locals(res).session.csrf)) return next(new HttpError(403, 'missing or wrong CSRF token (send the X-CSRF-Token header from GET api/session)'));
  next();
}

/** A check on the role's view; every route names one. */
export function allow(check: (view: View) => boolean, message: string) {
  return (_req: Request, res: Response, next: NextFunction) => (check(locals(res).view) ? next() : next(new HttpError(403, message)));
}

export function sessionBody(session: Session, view: View) {
  return { user: session.user, csrf: session.csrf, view };
}

/** The client's address: the socket's, or what a trusted proxy says (`httpServerOptions['trust proxy']`). */
function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export async function login(req: Request, res: Response, cookiePath: string): Promise<void> {
  const runtime = (res.locals as Partial<Locals>).runtime!;
  if (!sameOrigin(req)) throw new HttpError(403, 'cross-origin request refused');
  // JSON only: a form from another site cannot send it without a CORS preflight.
  if (!req.is('application/json')) throw new HttpError(415, 'send the login as application/json');
  const body = req.body as { username?: unknown; password?: unknown } | undefined;
  const username = body?.username;
  const password = body?.password;
  if (typeof username !== 'string' || !username || username.length > 64) throw new HttpError(400, 'username must be a string of 1–64 characters');
  if (typeof password !== 'string' || !password || password.length > 1024) throw new HttpError(400, 'password must be a string of 1–1024 characters');

  const who = username.toLowerCase();
  const address = clientAddress(req);
  const wait = runtime.throttle.retryAfter(who, address);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new HttpError(429, `too many failed logins; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
  }
  const settings = runtime.platform.settings.console;
  const user = settings.users.get(username);
  const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) {
    runtime.throttle.failed(who, address);
    throw new HttpError(401, 'wrong user name or password');
  }
  runtime.throttle.succeeded(who, address);
  // A new id at every login, so a session id planted before login is worthless after it.
  const previous = parseCookies(req.headers.cookie).get(settings.session.cookieName);
  if (previous) runtime.sessions.destroy(previous);
  const session = runtime.sessions.create({ username, name: user.name, role: user.role });
  res.setHeader('Set-Cookie', cookieHeader(settings.session.cookieName, session.id, cookiePath, Math.floor(settings.session.absoluteMs / 1000), secure(req, settings.session)));
  res.json(sessionBody(session, runtime.viewFor(session.user)));
}

export function logout(req: Request, res: Response, cookiePath: string): void {
  const { runtime, session } = locals(res);
  const settings = runtime.platform.settings.console.session;
  runtime.sessions.destroy(session.id);
  res.setHeader('Set-Cookie', cookieHeader(settings.cookieName, '', cookiePath, 0, secure(req, settings)));
  res.status(204).end();
}
