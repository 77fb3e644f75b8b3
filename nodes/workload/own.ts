/**
 * The operators' own indicators: each mapped operator's row, addressed to their console user, for
 * a per-user impetus-ui-table (the console sends each user only what is addressed to them). Only
 * the fields an operator needs about themselves; never a raw signal, never an alert.
 */
import type { OperatorRow } from './monitor';

export interface OwnMessage {
  /** `remove` to take a row down; a row has none (an operator could be called "clear"). */
  topic?: string;
  /** The console user the row is for. */
  user: string;
  payload: unknown;
}

export class OwnIndicators {
  /** Operator → the user their row was last sent to: what to take down when the operator goes. */
  private readonly shown = new Map<string, string>();
  /** Operators already warned of (once each, for the life of the node). */
  private readonly warned = new Set<string>();

  /** `users`: operator → console user. Empty: no indicators, and no warnings. */
  constructor(private readonly users: ReadonlyMap<string, string>, private readonly warn: (operator: string) => void) {}

  /**
   * The messages for the current rows: a row per mapped operator, and a `remove` for an operator
   * no longer there (their estimates deleted after the retention time), so their indicator does not
   * keep a state the monitor has already forgotten.
   */
  messages(rows: readonly OperatorRow[]): OwnMessage[] {
    const out: OwnMessage[] = [];
    const present = new Set<string>();
    for (const r of rows) {
      const user = this.users.get(r.operator);
      if (!user) {
        if (this.users.size && !this.warned.has(r.operator)) {
          this.warned.add(r.operator);
          this.warn(r.operator);
        }
        continue;
      }
      present.add(r.operator);
      this.shown.set(r.operator, user);
      // The operator may lift any pause of their own monitoring, a supervisor's too.
      const actions = r.state === 'paused' ? ['resume'] : ['pause'];
      out.push({ user, payload: { operator: r.operator, state: r.state, index: r.index, confidence: r.confidence, minutes: r.minutes, sensor: r.sensor, updated: r.updated, actions } });
    }
    for (const [operator, user] of this.shown) {
      if (present.has(operator)) continue;
      this.shown.delete(operator);
      out.push({ topic: 'remove', user, payload: operator });
    }
    return out;
  }
}
