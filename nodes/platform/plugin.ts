/**
 * The Node-RED runtime plugin of the package (`node-red.plugins` in package.json): Node-RED loads
 * plugins before nodes and before any flow starts, so the platform, its store and its console
 * start with the runtime, whatever the flows hold. lifetime.ts closes it when the runtime stops.
 */
import type { NodeAPI } from 'node-red';
import { startPlatform } from './lifetime';

export = function (RED: NodeAPI): void {
  startPlatform(RED);
  (RED as unknown as { plugins: { registerPlugin(id: string, definition: object): void } }).plugins.registerPlugin('impetus-platform', {});
};
