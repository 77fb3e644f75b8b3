import type { Alert, Platform } from '../../platform';
import { NotFoundError, TransitionError } from '../../platform';
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
 * An acknowledge or resolve that came from a chat: the role check, then the platform action
 * (which records who and when, and announces the change so that every card is edited). A
 * refusal is logged with the chat account, so forged or mistaken attempts leave a trace.
 */
export async function performChatAction(platform: Platform, policy: AccessPolicy, log: EngineLog, request: ChatAction): Promise<ChatActionResult> {
  const decision = policy.authorize(request.identity, request.action);
  if (!decision.ok) {
    log.warn(`refused ${request.action} of alert ${request.alertId} from ${request.via} user ${who(request.identity)} in chat ${request.chat}: ${decision.reason}`);
    return { ok: false, refused: true, message: `Not allowed: ${decision.reason}.` };
  }
  const by = decision.user.user;
  const text = request.action === 'resolve' ? request.reason?.trim() || `Resolved from ${request.via}` : request.reason?.trim() || undefined;
  try {
    await platform.ready;
    const alert = await platform.alerts.act({ action: request.action, alertId: request.alertId, by, text });
    log.info(`${request.action} of alert ${request.alertId} by ${by} (${request.via} user ${who(request.identity)})`);
    return { ok: true, alert, user: decision.user };
  } catch (err) {
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
