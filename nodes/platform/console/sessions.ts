/**
 * Console sessions, kept in memory: a login lasts until it is idle too long, too old, logged
 * out, or the runtime restarts (then everyone logs in again, which is the safe direction).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './settings';

export interface SessionUser {
  username: string;
  name: string;
  role: Role;
}

export interface Session {
  /** Only ever handed to the browser in the HttpOnly cookie. */
  readonly id: string;
  readonly user: SessionUser;
  /** Sent back by the client in X-CSRF-Token on every state-changing request. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionOptions {
  idleMs: number;
  absoluteMs: number;
  maxSessions: number;
  clock?: () => number;
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

/** Session ids are stored hashed, so a heap dump or a log line of the map never holds a usable cookie. */
function key(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly clock: () => number;
  private readonly listeners = new Set<(session: Session) => void>();

  constructor(private readonly options: SessionOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  create(user: SessionUser): Session {
    const now = this.clock();
    if (this.sessions.size >= this.options.maxSessions) this.sweep(now);
    // Still full: drop the oldest login (Map keeps insertion order) rather than refuse a new one.
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.end(oldest);
    }
    const session: Session = { id: token(), user: { ...user }, csrf: token(), createdAt: now, lastSeen: now };
    this.sessions.set(key(session.id), session);
    return session;
  }

  /** The live session for a cookie value, touched; undefined when unknown or expired. */
  get(id: string | undefined, touch = true): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const k = key(id);
    const session = this.sessions.get(k);
    if (!session) return undefined;
    const now = this.clock();
    if (this.expired(session, now)) {
      this.end(k);
      return undefined;
    }
    if (touch) session.lastSeen = now;
    return session;
  }

  /**
   * The live connection's periodic check: an open console counts as activity, so a control-room
   * screen that nobody touches is not logged out while it is open; the absolute limit still ends
   * it. Returns false (and ends it) when the session is over.
   */
  keepAlive(session: Session): boolean {
    const k = key(session.id);
    if (this.sessions.get(k) !== session) return false;
    const now = this.clock();
    if (this.expired(session, now)) {
      this.end(k);
      return false;
    }
    session.lastSeen = now;
    return true;
  }

  destroy(id: string): void {
    this.end(key(id));
  }

  /** Called when a session ends for any reason, so live connections of it are closed too. */
  onEnd(listener: (session: Session) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  sweep(now = this.clock()): void {
    for (const [k, session] of this.sessions) if (this.expired(session, now)) this.end(k);
  }

  private expired(session: Session, now: number): boolean {
    return now - session.lastSeen > this.options.idleMs || now - session.createdAt > this.options.absoluteMs;
  }

  private end(k: string): void {
    const session = this.sessions.get(k);
    if (!session) return;
    this.sessions.delete(k);
    for (const listener of this.listeners) listener(session);
  }
}
