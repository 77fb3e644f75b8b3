/**
 * The operator console on Node-RED's HTTP node server: the web app, its API and its WebSocket,
 * all under `<httpNodeRoot><httpPath>` (default `/impetus`).
 */
import type { Server } from 'node:http';
import type { NodeAPI } from 'node-red';
import { createApiRouter } from './api';
import type { Platform } from '../platform';
import { createAssetRouter } from './assets';
import { attachLiveSocket } from './live-socket';
import { consoleOf } from './runtime';

export { consoleOf, ConsoleRuntime } from './runtime';

/** httpNodeRoot + httpPath, without a trailing slash: `/impetus`, `/nodes/impetus`. */
export function consolePath(RED: NodeAPI, httpPath: string): string {
  const root = (RED.settings as unknown as { httpNodeRoot?: string | false }).httpNodeRoot;
  const joined = `/${[typeof root === 'string' ? root : '', httpPath].join('/').split('/').filter(Boolean).join('/')}`;
  return joined === '/' ? '' : joined;
}

const mountedApps = new WeakSet<object>();
const mountedServers = new WeakSet<object>();

/**
 * Mounts the console once per HTTP app and server. `current` is looked up per request, so a
 * restarted platform (tests, embedders) is picked up without mounting again.
 */
export function mountConsole(RED: NodeAPI, httpPath: string, current: () => Platform | undefined): void {
  const basePath = () => consolePath(RED, httpPath);
  const runtime = () => {
    const platform = current();
    return platform ? consoleOf(platform, RED.log) : undefined;
  };
  const app = RED.httpNode as unknown as { use: (path: string, ...handlers: unknown[]) => void } | undefined;
  if (app && !mountedApps.has(app)) {
    mountedApps.add(app);
    const tileUrl = () => current()?.settings.console.map.tileUrl ?? '';
    // Node-RED's admin app, mounted at the same root by default, adds `Access-Control-Allow-Origin: *`
    // to every reply it passes on; the console is same-origin only.
    app.use(httpPath, (_req: unknown, res: { removeHeader(name: string): void }, next: () => void) => {
      res.removeHeader('Access-Control-Allow-Origin');
      next();
    });
    app.use(`${httpPath}/api`, createApiRouter(current, { basePath, log: RED.log }));
    app.use(httpPath, createAssetRouter(basePath, tileUrl));
  }
  const server = (RED as unknown as { server?: Server }).server;
  if (server && typeof server.on === 'function' && !mountedServers.has(server)) {
    mountedServers.add(server);
    attachLiveSocket(server, () => `${basePath()}/ws`, runtime);
  }
  // Created now rather than on the first request, so a broken role view fails the start-up.
  runtime();
}
