/**
 * Scenario timelines: duration parsing, expansion into a flat schedule, and a player that
 * replays the schedule with one timer at a time. Nothing here touches Node-RED, so the
 * timing rules can be tested with a fake clock.
 */

export type Duration = number | string;

export interface TimelineEvent {
  at: Duration;
  output: string;
  topic?: string;
  payload: unknown;
  repeat?: { every: Duration; count: number };
}

/** The shape defined by schemas/scenario.schema.json. */
export interface Timeline {
  name: string;
  description?: string;
  outputs: string[];
  loop?: boolean;
  duration?: Duration;
  events: TimelineEvent[];
}

/** Enough for a long exercise, small enough that a schedule stays a few MiB in memory. */
export const MAX_EVENTS = 100_000;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** One year: far past any exercise, and keeps arithmetic on offsets exact. */
export const MAX_OFFSET_MS = 365 * 24 * 3600 * 1000;
/**
 * A looping pass never lasts less than this much scenario time, so a timeline whose events
 * all sit at offset 0 cannot turn into a flood of messages.
 */
export const MIN_LOOP_MS = 1000;
export const MAX_SPEED = 10_000;
/**
 * Events sent per timer callback. Events due at the same instant are sent in slices so a
 * burst of thousands does not hold the event loop (and the editor's comms) hostage.
 */
export const BATCH = 500;
/** setTimeout overflows past 2^31-1 ms and fires at once; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TimelineError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path} ${detail}`);
    this.name = 'TimelineError';
  }
}

const ISO_DURATION =
  /^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [7 * 24 * 3600_000, 24 * 3600_000, 3600_000, 60_000, 1000];

/** Milliseconds for a number of ms or an ISO 8601 duration such as "PT1M30S". */
export function parseDuration(value: Duration, path = ''): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const m = ISO_DURATION.exec(value.trim());
    if (!m) throw new TimelineError(path || '/', `"${value}" is not a duration: use milliseconds or ISO 8601 such as PT5S or PT1M30S (no years or months)`);
    ms = m.slice(1).reduce((sum, part, i) => (part === undefined ? sum : sum + Number(part) * UNIT_MS[i]), 0);
  } else {
    throw new TimelineError(path || '/', 'must be a number of milliseconds or an ISO 8601 duration string');
  }
  if (!Number.isFinite(ms) || ms < 0) throw new TimelineError(path || '/', 'must be a duration of zero or more');
  if (ms > MAX_OFFSET_MS) throw new TimelineError(path || '/', `must not exceed ${MAX_OFFSET_MS} ms (one year)`);
  // Sub-millisecond precision means nothing to a timer and would make ordering ties fuzzy.
  return Math.round(ms);
}

export interface ScheduledEvent {
  /** Offset in ms of scenario time from the start of the pass. */
  at: number;
  /** Index of the event in the timeline's `events`. */
  index: number;
  /** 0 for the first occurrence, then 1, 2… for repeats. */
  occurrence: number;
  output: string;
  /** Output port the event goes to. */
  port: number;
  topic?: string;
  payload: unknown;
}

export interface CompiledTimeline {
  name: string;
  /** Port names, in port order. */
  outputs: string[];
  loop: boolean;
  /** Scenario time of one pass; the next pass starts this long after the previous one. */
  cycleMs: number;
  /** Sorted by `at`; events at the same offset keep their timeline order. */
  events: ScheduledEvent[];
}

export interface CompileOptions {
  /**
   * The node's output port names. Every event must target one of them; when left out, the
   * timeline's own `outputs` are the ports.
   */
  ports?: string[];
  /** Overrides the timeline's `loop`. */
  loop?: boolean;
}

/**
 * Expands repeats, resolves offsets and output ports, and sorts. Throws TimelineError with
 * the JSON path of the first problem, checked once here so replay can never hit a bad event.
 */
export function compileTimeline(timeline: Timeline, options: CompileOptions = {}): CompiledTimeline {
  const ports = options.ports && options.ports.length > 0 ? options.ports : timeline.outputs;
  const portOf = new Map(ports.map((name, i) => [name, i]));
  const declared = new Set(timeline.outputs);
  if (!Array.isArray(timeline.events) || timeline.events.length === 0) throw new TimelineError('/events', 'must list at least one event');

  const events: ScheduledEvent[] = [];
  timeline.events.forEach((ev, index) => {
    const where = `/events/${index}`;
    if (!declared.has(ev.output)) {
      throw new TimelineError(`${where}/output`, `"${ev.output}" is not one of the scenario's outputs (${timeline.outputs.join(', ')})`);
    }
    const port = portOf.get(ev.output);
    if (port === undefined) {
      throw new TimelineError(`${where}/output`, `"${ev.output}" is not one of the node's configured outputs (${ports.join(', ')})`);
    }
    const at = parseDuration(ev.at, `${where}/at`);
    let count = 1;
    let every = 0;
    if (ev.repeat) {
      count = ev.repeat.count;
      if (!Number.isInteger(count) || count < 1) throw new TimelineError(`${where}/repeat/count`, 'must be a whole number of 1 or more');
      every = parseDuration(ev.repeat.every, `${where}/repeat/every`);
      if (every <= 0) throw new TimelineError(`${where}/repeat/every`, 'must be more than zero');
    }
    if (events.length + count > MAX_EVENTS) {
      throw new TimelineError(where, `takes the scenario past ${MAX_EVENTS} events (repeats included)`);
    }
    for (let occurrence = 0; occurrence < count; occurrence++) {
      const offset = at + occurrence * every;
      if (offset > MAX_OFFSET_MS) throw new TimelineError(`${where}/repeat`, `runs past ${MAX_OFFSET_MS} ms (one year)`);
      events.push({ at: offset, index, occurrence, output: ev.output, port, topic: ev.topic, payload: ev.payload });
    }
  });
  // Array.prototype.sort is stable, so ties keep timeline order.
  events.sort((a, b) => a.at - b.at);

  const last = events.length > 0 ? events[events.length - 1].at : 0;
  const duration = timeline.duration === undefined ? 0 : parseDuration(timeline.duration, '/duration');
  return {
    name: timeline.name,
    outputs: ports,
    loop: options.loop ?? timeline.loop ?? false,
    cycleMs: Math.max(last, duration, MIN_LOOP_MS),
    events,
  };
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** performance.now() is monotonic: a wall-clock jump (NTP, DST) must not skip or stall a replay. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type PlayerState = 'idle' | 'running' | 'paused' | 'stopped' | 'finished';

export interface PlayerSnapshot {
  state: PlayerState;
  /** Events sent in the current pass. */
  position: number;
  total: number;
  /** Completed passes. */
  loop: number;
  speed: number;
}

export interface PlayerHooks {
  emit(event: ScheduledEvent, loop: number): void;
  change?(snapshot: PlayerSnapshot): void;
}

export function checkSpeed(speed: number): number {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
    throw new RangeError(`speed must be a number greater than 0 and at most ${MAX_SPEED}`);
  }
  return speed;
}

/**
 * Replays a compiled timeline. Scenario time advances at `speed` × real time while running
 * and stands still while paused; only the next due event has a timer, so pausing, changing
 * speed or stopping is a matter of clearing one timer and re-planning from "now".
 */
export class Player {
  private _state: PlayerState = 'idle';
  private cursor = 0;
  private loops = 0;
  /** Scenario time (within the current pass) at clock time `anchor`. */
  private base = 0;
  private anchor = 0;
  private timer: unknown;
  private timerClamped = false;
  /** Bumped on every transition so a tick interrupted by a hook knows to bail out. */
  private generation = 0;
  private _speed: number;
  private readonly clock: Clock;

  constructor(
    readonly timeline: CompiledTimeline,
    private readonly hooks: PlayerHooks,
    options: { speed?: number; clock?: Clock } = {},
  ) {
    this._speed = checkSpeed(options.speed ?? 1);
    this.clock = options.clock ?? systemClock;
  }

  get state(): PlayerState {
    return this._state;
  }

  get speed(): number {
    return this._speed;
  }

  snapshot(): PlayerSnapshot {
    return { state: this._state, position: this.cursor, total: this.timeline.events.length, loop: this.loops, speed: this._speed };
  }

  /** Starts from the beginning, or resumes when paused. False when already running. */
  start(): boolean {
    if (this._state === 'running') return false;
    if (this._state === 'paused') return this.resume();
    this.cursor = 0;
    this.loops = 0;
    this.base = 0;
    this.anchor = this.clock.now();
    this.transition('running');
    this.schedule();
    return true;
  }

  pause(): boolean {
    if (this._state !== 'running') return false;
    this.base = this.scenarioNow();
    this.cancel();
    this.transition('paused');
    return true;
  }

  resume(): boolean {
    if (this._state !== 'paused') return false;
    this.anchor = this.clock.now();
    this.transition('running');
    this.schedule();
    return true;
  }

  stop(): boolean {
    if (this._state !== 'running' && this._state !== 'paused') return false;
    this.cancel();
    this.transition('stopped');
    return true;
  }

  restart(): void {
    this.cancel();
    this._state = 'stopped';
    this.start();
  }

  setSpeed(speed: number): void {
    checkSpeed(speed);
    if (this._state === 'running') {
      // Re-anchor first so the time already played counts at the old speed.
      this.base = this.scenarioNow();
      this.anchor = this.clock.now();
      this._speed = speed;
      this.cancel();
      this.generation++;
      this.schedule();
    } else {
      this._speed = speed;
    }
    this.hooks.change?.(this.snapshot());
  }

  /** Stops for good without notifying: the owner is going away. */
  dispose(): void {
    this.cancel();
    this.generation++;
    this._state = 'stopped';
  }

  private transition(state: PlayerState): void {
    this._state = state;
    this.generation++;
    this.hooks.change?.(this.snapshot());
  }

  private scenarioNow(): number {
    return this._state === 'running' ? this.base + (this.clock.now() - this.anchor) * this._speed : this.base;
  }

  /** Scenario time of the next thing to happen: an event, or the end of a looping pass. */
  private nextDue(): number | undefined {
    const { events, loop, cycleMs } = this.timeline;
    if (this.cursor < events.length) return events[this.cursor].at;
    return loop ? cycleMs : undefined;
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this._state !== 'running') return;
    const due = this.nextDue();
    if (due === undefined) return;
    const wait = Math.max(0, Math.ceil((due - this.scenarioNow()) / this._speed));
    this.timerClamped = wait > MAX_TIMER_MS;
    this.timer = this.clock.setTimeout(() => this.tick(), Math.min(wait, MAX_TIMER_MS));
  }

  private tick(): void {
    this.timer = undefined;
    if (this._state !== 'running') return;
    const generation = this.generation;
    const { events, loop, cycleMs } = this.timeline;
    let now = this.scenarioNow();
    const due = this.nextDue();
    if (due !== undefined && now < due) {
      if (this.timerClamped) {
        this.schedule();
        return;
      }
      // Timers may fire a hair early against the monotonic clock; the event is due.
      this.base = due;
      this.anchor = this.clock.now();
      now = due;
    }

    let sent = 0;
    for (;;) {
      if (this.cursor < events.length) {
        const event = events[this.cursor];
        if (event.at > now) break;
        if (sent === BATCH) {
          this.timer = this.clock.setTimeout(() => this.tick(), 0);
          this.timerClamped = false;
          this.hooks.change?.(this.snapshot());
          return;
        }
        this.cursor++;
        sent++;
        this.hooks.emit(event, this.loops);
        if (this.generation !== generation) return;
      } else if (loop) {
        if (now < cycleMs) break;
        // Shift the pass origin rather than re-anchoring, so no scenario time is lost.
        this.cursor = 0;
        this.loops++;
        this.base -= cycleMs;
        now -= cycleMs;
      } else {
        this.transition('finished');
        return;
      }
    }
    this.hooks.change?.(this.snapshot());
    this.schedule();
  }
}
