import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A short id for an alert, for buttons and chat commands: its UUID in 22 base64url characters
 * (reversible, see `alertIdFromShort`), or for ids of another form a 21-character hash, which
 * only proves that a button belongs to the card whose message id names the alert.
 */
export function shortId(alertId: string): string {
  if (UUID.test(alertId)) return Buffer.from(alertId.replace(/-/g, ''), 'hex').toString('base64url');
  // Incident ids are `inc-<UUID>`: `i` and the UUID's 22 characters, reversible as well.
  if (alertId.startsWith('inc-') && UUID.test(alertId.slice(4))) return `i${shortId(alertId.slice(4))}`;
  return `h${createHash('sha256').update(alertId).digest('base64url').slice(0, 20)}`;
}

/** The incident id an `i` + 22-character short id stands for, or undefined when it is not one. */
export function incidentIdFromShort(token: string): string | undefined {
  if (!/^i[A-Za-z0-9_-]{22}$/.test(token)) return undefined;
  const id = alertIdFromShort(token.slice(1));
  return id && `inc-${id}`;
}

/** The alert id a 22-character short id stands for, or undefined when it is not one. */
export function alertIdFromShort(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return undefined;
  const hex = Buffer.from(token, 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
