/**
 * How a failed request is handled:
 * - `rate-limited`: the service said when to come back (429 with retry_after); not an error of
 *   ours and not counted as a failed attempt;
 * - `transient`: 5xx, network failure, timeout, a garbled answer: retried with back-off, forever,
 *   because the notification must not be lost;
 * - `permanent`: the service refused this notification (400 bad request, 403 blocked or kicked):
 *   retrying cannot help, so it is set aside as failed and shown on the node and in the log;
 * - `account`: the account itself is refused (401, unknown token): every chat would fail alike,
 *   so the whole channel pauses with back-off and nothing is set aside; fixing the credentials
 *   and redeploying delivers the backlog.
 */
export type DeliveryErrorKind = 'rate-limited' | 'transient' | 'permanent' | 'account';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; code?: string } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Raised into a delivery that the engine stopped; the entry stays pending for the next start. */
export class StoppedError extends Error {
  constructor() {
    super('delivery engine stopped');
    this.name = 'StoppedError';
  }
}
