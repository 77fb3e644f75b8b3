/**
 * One platform per Node-RED runtime, for as long as the runtime runs its flows.
 *
 * - Start: the runtime plugin (plugin.ts) calls `startPlatform(RED)` while Node-RED loads its
 *   modules, before any flow starts, so the store is open and the console is served from the
 *   start, whatever the flows hold. Where no plugin runs (a test helper, a runtime that loads
 *   our nodes from a folder), the first node that asks creates it.
 * - Stop: Node-RED says nothing to a module when it stops, but it stops its flows first, and the
 *   events tell a stop from a redeploy: a redeploy (or a reload) stops the running flows with
 *   a new configuration, a stop with the one that is running. On a stop the platform closes
 *   after the last node that holds it (Platform.hold) has closed, and that node's close waits
 *   for it, so Node-RED (and `node-red`'s exit on SIGINT or SIGTERM) waits until the bus has
 *   committed its offsets and the store is flushed and closed. The next start of the flows
 *   (the editor's "start flows") creates a new platform.
 */
import type { NodeAPI } from 'node-red';
import { mountConsole } from './console';
import { Platform } from './platform';
import type { ImpetusSettings } from './settings';
import { resolveSettings } from './settings';
import { setMessageLimits } from './limits';

/** Keyed by the runtime's event emitter, which all node modules of one runtime share. */
const platforms = new Map<object, Platform>();
/** Platforms of stopped runtimes, until they have closed. */
const closing = new Set<Promise<void>>();
const watched = new WeakSet<object>();

interface FlowsEvent {
  config?: unknown;
  type?: string;
}

/** The runtime's events this module follows; RED.events is a plain EventEmitter. */
interface RuntimeEvents {
  on(event: string, listener: (payload: FlowsEvent) => void): void;
}

function watch(RED: NodeAPI, key: object): void {
  if (watched.has(key)) return;
  watched.add(key);
  const events = RED.events as unknown as RuntimeEvents;
  let running: unknown;
  events.on('flows:started', (e) => {
    running = e?.config;
  });
  events.on('flows:stopping', (e) => {
    // A redeploy stops the running flows with the configuration that replaces them.
    if (e?.type !== 'full' || running === undefined || e.config !== running) return;
    running = undefined;
    const platform = platforms.get(key);
    if (!platform) return;
    platforms.delete(key);
    const closed = platform.closeAfterRelease().then(
      () => RED.log.info('IMPETUS platform closed'),
      (err) => RED.log.error(`IMPETUS platform did not close cleanly: ${(err as Error).message}`),
    );
    closing.add(closed);
    closed.finally(() => closing.delete(closed));
  });
}

/**
 * For the runtime plugin: the platform now, and again whenever the flows start after a stop (the
 * editor's "start flows"), so that the console of a runtime whose flows hold no IMPETUS node comes
 * back too. Only the plugin's RED is sure to be the running runtime's; a test helper hands each
 * flow its own. Never throws into Node-RED: a bad setting is logged here and reported again by
 * every node that asks for the platform.
 */
export function startPlatform(RED: NodeAPI): void {
  const start = () => {
    try {
      platformFor(RED);
    } catch (err) {
      RED.log.error(`IMPETUS platform not started: ${(err as Error).message}`);
    }
  };
  start();
  (RED.events as unknown as RuntimeEvents).on('flows:starting', start);
}

/** The platform of this runtime, created (with its console) on first use. */
export function platformFor(RED: NodeAPI): Platform {
  const key = RED.events as unknown as object;
  watch(RED, key);
  let platform = platforms.get(key);
  if (!platform) {
    const settings = resolveSettings((RED.settings as unknown as { impetus?: ImpetusSettings }).impetus, RED.settings.userDir);
    // Every IMPETUS node of this process measures its input against these (node-kit's onInput).
    setMessageLimits(settings.limits.message);
    platform = new Platform(settings, RED.log);
    platforms.set(key, platform);
  }
  mountConsole(RED, platform.settings.httpPath, () => platforms.get(key));
  return platform;
}

/** Closes every platform now, held or not; for tests and embedders that stop and restart the runtime in one process. */
export async function closePlatforms(): Promise<void> {
  const all = [...platforms.values()];
  platforms.clear();
  await Promise.all([...all.map((p) => p.close()), ...closing]);
}
