import type { LifecycleEvent } from '../platform';

/** Filter settings of an alert-events node; an empty list lets everything through. */
export interface EventFilterConfig {
  events?: string[];
  tools?: string;
  severities?: string[];
  priorities?: string[];
  states?: string[];
  statuses?: string[];
}

function csv(text: string | undefined): string[] {
  return (text ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

function accepts(allowed: readonly string[] | undefined, value: string | undefined): boolean {
  return !allowed || allowed.length === 0 || (value !== undefined && allowed.includes(value));
}

export function eventFilter(config: EventFilterConfig): (event: LifecycleEvent) => boolean {
  const tools = csv(config.tools);
  return (event) =>
    accepts(config.events, event.type) &&
    accepts(tools, event.alert.tool) &&
    accepts(config.severities, event.alert.severity) &&
    accepts(config.priorities, event.alert.priority) &&
    accepts(config.states, event.alert.state) &&
    accepts(config.statuses, event.alert.status);
}

