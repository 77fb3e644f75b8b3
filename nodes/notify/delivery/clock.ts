/**
 * Time as the delivery engine sees it. Injected so that the rate limits and back-off can be
 * tested against a fake clock, with exact schedules and no wall-clock waits.
 */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    // A pending retry must not keep a stopping runtime alive; close() clears it anyway.
    timer.unref();
    return timer;
  },
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
