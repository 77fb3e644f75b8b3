import type { Role } from '../../platform';
import { jsonArray } from './json-array';

/** A chat account mapped to a console user; the role is the console user's, from the settings. */
export interface MappedUser {
  /** The chat service's stable id (Telegram numeric user id, Rocket.Chat user _id). */
  id: string;
  /** Rocket.Chat only: the user name direct messages are addressed to (`@name`); never used to identify anyone. */
  username?: string;
  /** The console user (a key of the `impetus.users` setting). */
  user: string;
  role: Role;
}

/** An entry of the mapping as written, before the console user is looked up. */
export type MappingEntry = Omit<MappedUser, 'role'>;

export interface ChatIdentity {
  /** The account's stable id as the service gives it; empty when the service names none. */
  id: string;
  username?: string;
}

export interface MappingProblems {
  /** Fields of the earlier format that no longer mean anything (the role now comes from the console user). */
  ignored: string[];
}

/**
 * Parses the user mapping of a chat config node: a JSON array of `{ "<idKey>": <id>, "user":
 * "<console user>" }`, `idKey` being `telegram` (the numeric user id) or `rocketchat` (the user
 * _id); `id` is accepted beside it. An entry without an id is refused: a user name can change
 * hands. A `role` (the earlier, free-text chat role) is ignored and reported in `problems`.
 */
export function parseUsers(raw: unknown, idKey: 'telegram' | 'rocketchat', problems: MappingProblems = { ignored: [] }): MappingEntry[] {
  const seen = new Set<string>();
  return jsonArray(raw, 'the user mapping').map((u, i) => {
    const where = `user mapping entry ${i + 1}`;
    if (!u || typeof u !== 'object' || Array.isArray(u)) throw new TypeError(`${where} must be an object`);
    const rawId = u[idKey] ?? u.id;
    const id = typeof rawId === 'number' || typeof rawId === 'string' ? String(rawId).trim() : '';
    if (!id) throw new TypeError(`${where} needs the chat account's ${idKey} id (a user name can change hands, so it cannot identify anyone)`);
    if (idKey === 'telegram' && !/^[1-9]\d{0,15}$/.test(id)) throw new TypeError(`${where}: ${id} is not a numeric Telegram user id (the bot's /whoami tells it)`);
    if (typeof u.user !== 'string' || !u.user.trim()) throw new TypeError(`${where} needs the console user ("user")`);
    if (seen.has(id)) throw new TypeError(`${where} maps ${idKey} id ${id} a second time`);
    seen.add(id);
    if (u.role !== undefined) problems.ignored.push(`${where}: "role" is ignored, the console user's role applies`);
    const entry: MappingEntry = { id, user: u.user.trim() };
    if (idKey === 'rocketchat' && typeof u.username === 'string' && u.username.trim()) entry.username = u.username.trim().replace(/^@/, '');
    return entry;
  });
}

/**
 * Gives every entry its console user's role. A console user that does not exist is a
 * configuration error that names the entry: the mapping would otherwise silently do nothing.
 */
export function resolveUsers(entries: MappingEntry[], consoleUser: (username: string) => { role: Role } | undefined): MappedUser[] {
  return entries.map((entry, i) => {
    const found = consoleUser(entry.user);
    if (!found) throw new TypeError(`user mapping entry ${i + 1}: there is no console user "${entry.user}" (impetus.users in the settings)`);
    return { ...entry, role: found.role };
  });
}

/**
 * Which console user a chat account is. Only the service's stable id identifies an account;
 * what the console user may do is decided by the console (ConsoleRuntime.act), never here.
 */
export class AccessPolicy {
  private readonly byId: Map<string, MappedUser>;

  constructor(readonly users: MappedUser[]) {
    this.byId = new Map(users.map((u) => [u.id, u]));
  }

  find(identity: ChatIdentity): MappedUser | undefined {
    return identity.id ? this.byId.get(identity.id) : undefined;
  }

  /** Users with one of the console roles, for routing rules that name roles. */
  withRoles(roles: string[]): MappedUser[] {
    return this.users.filter((u) => roles.includes(u.role));
  }
}

/** A comma/space separated list of chats from a config field; empty means every chat. */
export function parseChatList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  return String(raw).split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
