import type { Alert, Platform } from '../../platform';
import { ActionRefusedError, actOnIncident, consoleOf, NotFoundError, TransitionError } from '../../platform';
import type { AccessPolicy, ChatIdentity, MappedUser } from './access';
import type { EngineLog } from './engine';

export interface ChatAction {
  action: 'acknowledge' | 'resolve';
  /** The alert, or with `incident` the incident, the card is about. */
  alertId: string;
  /** The card is an incident's: the action goes through the incident (its visible members). */
  incident?: boolean;
  identity: ChatIdentity;
  chat: string;
  /** `Telegram`, `Rocket.Chat`: for the log and the default resolution reason. */
  via: string;
  reason?: string;
}

export type ChatActionResult =
  | { ok: true; alert?: Alert; user: MappedUser }
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
  if (request.incident) return incidentAction(platform, log, request, mapped, user, text, refuse);
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

/**
 * The same from an incident card: the incident service's action path as the console user
 * (actOnIncident: the incident must have a member the user sees, the role must allow the action,
 * and only the members the user sees are acted on, each checked again). The incident's audit
 * entry says which chat service it came from (`via`).
 */
async function incidentAction(
  platform: Platform,
  log: EngineLog,
  request: ChatAction,
  mapped: MappedUser,
  user: { username: string; role: MappedUser['role'] },
  text: string | undefined,
  refuse: (reason: string) => ChatActionResult,
): Promise<ChatActionResult> {
  try {
    await platform.ready;
    const result = await actOnIncident(consoleOf(platform), user, { incidentId: request.alertId, action: request.action, text, via: request.via });
    const failed = result.members.filter((m) => m.status === 'failed');
    if (failed.length) log.warn(`${request.action} of incident ${request.alertId} from ${request.via}: ${failed.length} member(s) failed: ${failed[0].error}`);
    log.info(`${request.action} of incident ${request.alertId} by ${user.username} (${request.via} user ${who(request.identity)})`);
    return { ok: true, user: mapped };
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 404) return refuse(`console user ${user.username} (${user.role}) does not see this incident`);
    if (status === 403) return refuse(`console user ${user.username}: ${(err as Error).message}`);
    if (err instanceof TransitionError) return { ok: false, refused: false, message: `Nothing to do: the incident is already ${err.state}.` };
    if (err instanceof NotFoundError) return { ok: false, refused: false, message: 'This incident no longer exists.' };
    log.error(`${request.action} of incident ${request.alertId} from ${request.via} failed: ${(err as Error).message}`);
    return { ok: false, refused: false, message: 'Could not record it; please try again or use the console.' };
  }
}
