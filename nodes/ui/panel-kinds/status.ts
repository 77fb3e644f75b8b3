/** Status panel state: a tool's health as its source reports it; it also feeds the tool's tile. */
import type { ToolHealth } from '../../platform/console/alert-index';
import type { PanelState } from '../../platform/console/panels';

export class StatusState implements PanelState {
  private health: ToolHealth | undefined;
  private changed = false;

  constructor(readonly options: { tool: string; silentAfterSeconds: number } & Record<string, unknown>) {}

  set(state: 'ok' | 'degraded', text: string | undefined, at: Date): void {
    this.health = { state, at: at.toISOString(), ...(text ? { text: text.slice(0, 200) } : {}) };
    this.changed = true;
  }

  get current(): ToolHealth | undefined {
    return this.health;
  }

  snapshot(): unknown {
    return this.health ?? null;
  }

  takeUpdate(): unknown {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.snapshot();
  }
}
