import type { Alert, Platform } from '../../platform';
import { ActionRefusedError, consoleOf, NotFoundError, TransitionError } from '../../platform';
import type { AccessPolicy, ChatIdentity, MappedUser } from './access';
import type { EngineLog } from './engine';

export interface ChatAction {
  action: 'acknowledge' | 'resolve';
  alertId: string;
  identity: ChatIdentity;
  chat: string;
  /** `Telegram`, `Rocket.Chat`: for the log and the default resolution reason. */
  via: string;
  reason?: string;
}

export type ChatActionResult =
  | { ok: true; alert: Alert; user: MappedUser }
  | { ok: false; refused: boolean; message: string };

function who(identity: ChatIdentity): string {
  if (!identity.id) return `@${identity.username ?? '?'}`;
  return `${identity.id}${identity.username ? ` (@${identity.username})` : ''}`;
}

/**
 * An acknowledge or resolve that came from a chat: the chat account's console user, then the
 * console's own check of that user's view and role and the platform action
 * (ConsoleRuntime.act, as the HTTP API does), which records who and when and announces the
 * change so that every card is edited. A refusal is logged with the chat account, so forged or
 * mistaken attempts leave a trace.
 */
export async function performChatAction(platform: Platform, policy: AccessPolicy, log: EngineLog, request: ChatAction): Promise<ChatActionResult> {
  const refuse = (reason: string): ChatActionResult => {
    log.warn(`refused ${request.action} of alert ${request.alertId} from ${request.via} user ${who(request.identity)} in chat ${request.chat}: ${reason}`);
    return { ok: false, refused: true, message: `Not allowed: ${reason}.` };
  };
  const mapped = policy.find(request.identity);
  if (!mapped) return refuse('this chat account is not mapped to a console user');
  const runtime = consoleOf(platform);
  // Looked up on every action: the settings are the truth about who a console user is.
  const user = runtime.user(mapped.user);
  if (!user) return refuse(`there is no console user ${mapped.user}`);
  const text = request.action === 'resolve' ? request.reason?.trim() || `Resolved from ${request.via}` : request.reason?.trim() || undefined;
  try {
    await platform.ready;
    const alert = await runtime.act(user, { action: request.action, alertId: request.alertId, text });
    log.info(`${request.action} of alert ${request.alertId} by ${user.username} (${request.via} user ${who(request.identity)})`);
    return { ok: true, alert, user: mapped };
  } catch (err) {
    if (err instanceof ActionRefusedError) {
      return refuse(err.status === 404 ? `console user ${user.username} (${user.role}) does not see this alert` : `console user ${user.username}: ${err.message}`);
    }
    if (err instanceof TransitionError) {
      const current = await platform.store.get(request.alertId).catch(() => undefined);
      const state = current?.state === 'acknowledged' && current.ack ? `acknowledged by ${current.ack.by}` : current?.state === 'resolved' && current.resolved ? `resolved by ${current.resolved.by}` : `already ${err.state}`;
      return { ok: false, refused: false, message: `Nothing to do: the alert is ${state}.` };
    }
    if (err instanceof NotFoundError) return { ok: false, refused: false, message: 'This alert no longer exists.' };
    log.error(`${request.action} of alert ${request.alertId} from ${request.via} failed: ${(err as Error).message}`);
    return { ok: false, refused: false, message: 'Could not record it; please try again or use the console.' };
  }
}
