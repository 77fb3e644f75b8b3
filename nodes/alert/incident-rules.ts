import type { IncidentRule } from '../platform';
import { checkRule } from '../platform';

/** A list of grouping rules, each checked as the settings' are; a clear error names the first wrong one. */
export function parseRules(value: unknown): IncidentRule[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list) || !list.length) throw new TypeError('the rules must be a non-empty list of {id, tools, context?, windowMinutes, distanceMeters, digest?}');
  const rules = list.map((r, i) => checkRule(r, `rules[${i}]`));
  const ids = new Set(rules.map((r) => r.id));
  if (ids.size !== rules.length) throw new TypeError('two rules have the same id');
  return rules;
}
