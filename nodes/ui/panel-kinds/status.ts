/** Status panel state: a tool's health as its source reports it; it also feeds the tool's tile. */
import type { PanelState, ToolHealth } from '../../platform';

export class StatusState implements PanelState {
  private health: ToolHealth | undefined;
  private changed = false;

  readonly tile: PanelState['tile'];

  constructor(readonly options: { tool: string; quietAfterSeconds: number } & Record<string, unknown>) {
    this.tile = { tool: options.tool, health: () => this.health };
  }

  set(state: 'ok' | 'degraded', text: string | undefined, at: Date, progress?: ToolHealth['progress']): void {
    this.health = { state, at: at.toISOString(), ...(text ? { text: text.slice(0, 200) } : {}), ...(progress ? { progress } : {}) };
    this.changed = true;
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
