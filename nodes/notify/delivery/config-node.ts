// The parts of the chat config nodes (impetus-telegram, impetus-rocketchat) that do not depend on the service.
import type { Node, NodeDef } from 'node-red';
import type { EngineLog } from './engine';
import type { ChatConfigNode } from './notifier';
import { checkConsoleUrl, checkTimeZone } from './present';

export type UpdateMode = 'polling' | 'webhook' | 'none';

/** The settings both config nodes have (editor/shared/chat-access.js and the update mode). */
export interface ChatSettingsDef extends NodeDef {
  updates?: UpdateMode;
  allowedChats?: string;
  users?: string;
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
