// The parts of the chat config nodes (impetus-telegram, impetus-rocketchat) that do not depend on the service.
import type { Node, NodeDef } from 'node-red';
import type { Platform } from '../../platform';
import { consoleOf } from '../../platform';
import { AccessPolicy, parseUsers, resolveUsers } from './access';
import type { MappingProblems } from './access';
import type { EngineLog } from './engine';
import type { ChatConfigNode } from './notifier';
import { checkConsoleUrl, checkTimeZone } from './present';

export type UpdateMode = 'polling' | 'webhook' | 'none';

/** The settings both config nodes have (editor/shared/chat-access.js and the update mode). */
export interface ChatSettingsDef extends NodeDef {
  updates?: UpdateMode;
  allowedChats?: string;
  /** Group chats or channels marked for TLP:AMBER alerts (comma separated). */
  amberChats?: string;
  /** The chat account → console user mapping (JSON text). */
  chatUsers?: string;
  /**
   * Where flows deployed with earlier versions kept the mapping. `users` is a name Node-RED's editor
   * reserves (a config node's users are the nodes that use it): the editor dropped it.
   */
  users?: string;
  /** Free-text chat roles of those flows; the console user's role and view decide now. */
  ackRoles?: string;
  resolveRoles?: string;
  consoleUrl?: string;
  timeZone?: string;
}

/** Checks the settings both config nodes have; returns how commands come in. */
export function checkChatSettings(config: ChatSettingsDef): UpdateMode {
  checkConsoleUrl(config.consoleUrl || undefined);
  checkTimeZone(config.timeZone || undefined);
  const mode = config.updates ?? 'polling';
  if (!['polling', 'webhook', 'none'].includes(mode)) throw new TypeError(`unknown update mode ${mode}`);
  return mode;
}

function isEmptyMapping(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && /^\s*(\[\s*\])?\s*$/.test(raw)) || (Array.isArray(raw) && raw.length === 0);
}

/**
 * Who the chat accounts are: each mapped to an existing console user, whose role and view the
 * console checks on every action. Reads `chatUsers`, or `users` from a flow deployed before the
 * rename. A mapping naming a console user that does not exist throws (a configuration error).
 */
export function chatAccessPolicy(platform: Platform, config: ChatSettingsDef, idKey: 'telegram' | 'rocketchat', log: EngineLog): AccessPolicy {
  const legacy = isEmptyMapping(config.chatUsers) && !isEmptyMapping(config.users);
  const raw = legacy ? config.users : (config.chatUsers ?? config.users ?? '');
  if (legacy) log.warn('the user mapping is read from "users", the property of flows made with earlier versions; open and deploy this node in the editor to keep it as "chatUsers"');
  const problems: MappingProblems = { ignored: [] };
  const entries = parseUsers(raw, idKey, problems);
  const runtime = consoleOf(platform);
  const policy = new AccessPolicy(resolveUsers(entries, (username) => runtime.user(username)));
  for (const problem of problems.ignored) log.warn(problem);
  if ((config.ackRoles ?? '').trim() || (config.resolveRoles ?? '').trim()) log.warn('"Ack roles" and "Resolve roles" are ignored: what a chat user may do is what their console user may do');
  return policy;
}

/** A setting that must be a positive number; unset or empty takes the default. */
export function positive(value: unknown, fallback: number, what: string): number {
  if (value === undefined || value === '' || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`${what} must be a positive number`);
  return n;
}

/** "N per window" as a window limit; fractional rates (0.5/s) become 1 per 2 s. */
export function perWindow(rate: number, windowMs: number) {
  return rate >= 1 ? { limit: Math.floor(rate), windowMs } : { limit: 1, windowMs: Math.ceil(windowMs / rate) };
}

export function nodeLog(node: Node): EngineLog {
  return { info: (m: string) => node.log(m), warn: (m: string) => node.warn(m), error: (m: string) => node.error(m) };
}

/** The connection (its delivery, poller, webhook) stops with the node; a failure to stop is only a warning. */
export function closeConnectionWithNode(node: ChatConfigNode): void {
  node.on('close', (_removed: boolean, done: () => void) => {
    const connection = node.connection;
    if (!connection) return done();
    connection
      .close()
      .catch((err) => node.warn((err as Error).message))
      .then(() => done());
  });
}
