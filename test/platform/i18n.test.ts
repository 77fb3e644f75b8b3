/**
 * Counted messages read as English: "1 sampler reporting", "3 samplers reporting", through the
 * runtime's i18next (Node-RED's settings) and through the catalog fallback alike.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { i18n } from '@node-red/util';
import type { NodeAPI } from 'node-red';
import { translator } from '../../nodes/platform/i18n';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';

const COUNTED: Array<[type: string, area: string, key: string, vars: Record<string, string | number>]> = [
  ['impetus-bacteria', 'bacteria', 'health.ok', {}],
  ['impetus-bacteria', 'bacteria', 'health.down', { ids: 'sampler-3' }],
  ['impetus-sensor-in', 'sensors', 'health.ok', {}],
  ['impetus-sensor-in', 'sensors', 'health.quiet', { ids: 'ring-2' }],
];

function dirOf(area: string): string {
  return path.join(PACKAGE_ROOT, 'dist', 'nodes', area);
}

/** A RED whose `_` is Node-RED 4's own i18n (i18next), with the node's catalog registered as the runtime does. */
async function redWithI18next(type: string, area: string): Promise<NodeAPI> {
  (i18n as unknown as { init(settings: object): void }).init({ lang: 'en-US' });
  await i18n.registerMessageCatalog(type, path.join(dirOf(area), 'locales'), `${type}.json`);
  return { _: (key: string, vars: object) => i18n._(`${type}:${key}`, vars as never) } as unknown as NodeAPI;
}

/** A host whose RED._ hands back the bare key (node-red-node-test-helper does). */
const bareRed = { _: (key: string) => key } as unknown as NodeAPI;

describe('counted messages (i18n plurals)', () => {
  for (const [type, area, key, vars] of COUNTED) {
    it(`${type} ${key}: one and many, through i18next and through the fallback`, async () => {
      for (const t of [translator(await redWithI18next(type, area), type, dirOf(area)), translator(bareRed, type, dirOf(area))]) {
        const one = t(key, { ...vars, count: 1 });
        const many = t(key, { ...vars, count: 3 });
        assert.match(one, /^1 (sampler|sensor) /, one);
        assert.match(many, /^3 (samplers|sensors) /, many);
        assert.doesNotMatch(`${one} ${many}`, /\(s\)|__|health\./, 'no "(s)", no placeholder, no bare key');
      }
    });
  }
});
