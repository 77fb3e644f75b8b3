/**
 * The gate both feed readers (impetus-cti-feed, impetus-cti-taxii) put their reads behind: one read
 * at a time, and none while the server asked us to wait. A refused read fails at once with a clear
 * error (errors.waiting, errors.busy in the node's messages) rather than queueing behind the one in
 * flight or asking the server again before the time it gave.
 */
import type { Translate } from '../platform/node-kit';
import { RateLimitedError } from './feed';

export type ReadGate = <T>(read: () => Promise<T>) => Promise<T>;

export function oneReadAtATime(t: Translate): ReadGate {
  let waitUntil = 0;
  let reading = false;
  return async (read) => {
    if (Date.now() < waitUntil) throw new Error(t('errors.waiting', { until: new Date(waitUntil).toISOString() }));
    if (reading) throw new Error(t('errors.busy'));
    reading = true;
    try {
      return await read();
    } catch (err) {
      if (err instanceof RateLimitedError) waitUntil = err.until;
      throw err;
    } finally {
      reading = false;
    }
  };
}
