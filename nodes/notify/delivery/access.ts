import type { ActionName } from '../../platform';
import { jsonArray } from './json-array';

/** A chat user mapped to a console user and role. */
export interface MappedUser {
  /** The chat service's stable id (Telegram numeric user id, Rocket.Chat user id). */
  id?: string;
  /** The chat user name, without @. Weaker than an id: people can change it. */
  username?: string;
  user: string;
  role: string;
}

export interface ChatIdentity {
  id: string;
  username?: string;
}

export type Decision = { ok: true; user: MappedUser } | { ok: false; reason: string };

export const DEFAULT_ACK_ROLES = ['soc-operator', 'supervisor', 'field-responder'];
export const DEFAULT_RESOLVE_ROLES = ['soc-operator', 'supervisor'];

function list(value: unknown, fallback: string[]): string[] {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const items = Array.isArray(value) ? value : String(value).split(/[\s,]+/);
  return items.map((s) => String(s).trim()).filter(Boolean);
}

/**
 * Parses the user mapping of a chat config node: a JSON array of
 * `{ "id": "123456789", "username": "alice_field", "user": "alice", "role": "field-responder" }`.
 * `idKey` names the id field as the editor shows it (`telegram` for Telegram, `rocketchat` for Rocket.Chat), accepted beside `id`.
 */
export function parseUsers(raw: unknown, idKey: string): MappedUser[] {
  const seen = new Set<string>();
  return jsonArray(raw, 'the user mapping').map((u, i) => {
    const where = `user mapping entry ${i + 1}`;
    if (!u || typeof u !== 'object') throw new TypeError(`${where} must be an object`);
    const rawId = u[idKey] ?? u.id;
    const id = rawId === undefined || rawId === null || rawId === '' ? undefined : String(rawId).trim();
    const username = typeof u.username === 'string' && u.username.trim() ? u.username.trim().replace(/^@/, '') : undefined;
    if (!id && !username) throw new TypeError(`${where} needs the chat user's ${idKey} id or username`);
    if (typeof u.user !== 'string' || !u.user.trim()) throw new TypeError(`${where} needs the console user ("user")`);
    if (typeof u.role !== 'string' || !u.role.trim()) throw new TypeError(`${where} needs a role`);
    const key = id ?? `@${username!.toLowerCase()}`;
    if (seen.has(key)) throw new TypeError(`${where} maps ${key} a second time`);
    seen.add(key);
    const mapped: MappedUser = { user: u.user.trim(), role: u.role.trim() };
    if (id) mapped.id = id;
    if (username) mapped.username = username;
    return mapped;
  });
}

/**
 * Who may do what from a chat. A chat user acts only if mapped to a console user whose role
 * allows the action; everyone else is refused and logged. A mapping by stable id wins over one
 * by username.
 */
export class AccessPolicy {
  private readonly roles: Record<'acknowledge' | 'resolve', string[]>;

  constructor(readonly users: MappedUser[], roles: { acknowledge?: unknown; resolve?: unknown } = {}) {
    this.roles = { acknowledge: list(roles.acknowledge, DEFAULT_ACK_ROLES), resolve: list(roles.resolve, DEFAULT_RESOLVE_ROLES) };
  }

  /**
   * The mapping for a chat account. When the service names the account by id, an entry with an
   * id must match it (a user name can change hands); the user name only stands in for entries
   * without one, or when the service gives no id at all (Rocket.Chat reactions).
   */
  find(identity: ChatIdentity): MappedUser | undefined {
    if (identity.id) {
      const byId = this.users.find((u) => u.id !== undefined && u.id === identity.id);
      if (byId) return byId;
    }
    const name = identity.username?.toLowerCase();
    if (!name) return undefined;
    return this.users.find((u) => (u.id === undefined || !identity.id) && u.username?.toLowerCase() === name);
  }

  authorize(identity: ChatIdentity, action: ActionName): Decision {
    const user = this.find(identity);
    if (!user) return { ok: false, reason: 'this chat account is not mapped to a console user' };
    const allowed = action === 'acknowledge' || action === 'resolve' ? this.roles[action] : [];
    if (!allowed.includes(user.role)) return { ok: false, reason: `role ${user.role} may not ${action} (allowed: ${allowed.join(', ') || 'nobody'})` };
    return { ok: true, user };
  }

  /** Users with one of the roles, for routing rules that name roles. */
  withRoles(roles: string[]): MappedUser[] {
    return this.users.filter((u) => roles.includes(u.role));
  }
}

/** A comma/space separated list of chats from a config field; empty means every chat. */
export function parseChatList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  return String(raw).split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
