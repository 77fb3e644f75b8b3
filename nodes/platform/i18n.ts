/**
 * Messages for the sensor, anomaly and bacteria nodes from their en-US catalogs. The runtime's
 * RED._ translates, but some hosts (node-red-node-test-helper, embedding apps) hand back the
 * bare key; an operator must still read a sentence, so the catalog next to the compiled node
 * is the fallback.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';

const catalogs = new Map<string, Record<string, unknown>>();

function lookup(type: string, dir: string, key: string): string | undefined {
  let catalog = catalogs.get(type);
  if (!catalog) {
    try {
      catalog = JSON.parse(fs.readFileSync(path.join(dir, 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<string, unknown>;
    } catch {
      catalog = {};
    }
    catalogs.set(type, catalog);
  }
  let cursor: unknown = catalog[type];
  for (const part of key.split('.')) cursor = cursor && typeof cursor === 'object' ? (cursor as Record<string, unknown>)[part] : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

const EN_PLURALS = new Intl.PluralRules('en-US');

/**
 * With a numeric `count`, the plural form first, as the runtime's i18next (v4 JSON format) picks
 * it: `key_one`, `key_other`, then `key`.
 */
function lookupCounted(type: string, dir: string, key: string, count: unknown): string | undefined {
  const forms = typeof count === 'number' ? [`${key}_${EN_PLURALS.select(count)}`, `${key}_other`] : [];
  for (const form of forms) {
    const text = lookup(type, dir, form);
    if (text !== undefined) return text;
  }
  return lookup(type, dir, key);
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** t('status.ready') for node `type` whose compiled file lives in `dir`. */
export function translator(RED: NodeAPI, type: string, dir: string): Translate {
  return (key, vars = {}) => {
    const full = `${type}.${key}`;
    const viaRuntime = RED._(full, vars);
    if (viaRuntime && viaRuntime !== full) return viaRuntime;
    const text = lookupCounted(type, dir, key, vars.count) ?? full;
    return text.replace(/__(\w+)__/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}
