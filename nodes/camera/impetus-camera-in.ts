import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { onInput, PACKAGE_ROOT, StatusReporter } from '../platform/node-kit';
import { parseZones, type CameraInfo } from './frame';
import { isStreamUrl, startSource, type Source, type SourceOptions } from './sources';

interface CameraDef extends NodeDef {
  cameraId: string;
  source: SourceOptions['kind'];
  url?: string;
  folder?: string;
  fps?: string | number;
  loop?: boolean;
  autostart?: boolean;
  lon?: string | number;
  lat?: string | number;
  areaDesc?: string;
  zone?: string;
  zones?: string;
  maxBytes?: string | number;
}

interface CameraCredentials {
  user?: string;
  password?: string;
  token?: string;
}

/**
 * Emits at most `fps` frames per second; a frame arriving sooner waits in a one-frame slot and a
 * newer one replaces it (latest frame wins), counted as dropped. The detector applies the same
 * rule while it is busy, so a slow model never builds a backlog of stale frames.
 */
class RateSlot {
  private last = 0;
  private slot: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;
  emitted = 0;

  constructor(private readonly periodMs: number, private readonly emit: (frame: Buffer) => void) {}

  offer(frame: Buffer): void {
    const wait = this.last + this.periodMs - Date.now();
    if (wait <= 0 && !this.timer) return this.fire(frame);
    if (this.slot) this.dropped++;
    this.slot = frame;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const f = this.slot;
      this.slot = undefined;
      if (f) this.fire(f);
    }, Math.max(0, wait));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.slot = undefined;
  }

  /** The source has ended: the waiting frame goes now, so that nothing follows the end. */
  flush(): void {
    const f = this.slot;
    this.stop();
    if (f) this.fire(f);
  }

  private fire(frame: Buffer): void {
    this.last = Date.now();
    this.emitted++;
    this.emit(frame);
  }
}

export = function (RED: NodeAPI): void {
  function ImpetusCameraInNode(this: Node<CameraCredentials>, config: CameraDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const fps = Math.min(60, Math.max(0.01, Number(config.fps) || 1));
    const maxBytes = Number(config.maxBytes) || 8 * 1024 * 1024;
    let camera: CameraInfo;
    try {
      camera = { id: config.cameraId || node.id, name: config.name || config.cameraId || node.id, zones: parseZones(config.zones) };
    } catch (err) {
      status.error((err as Error).message);
      node.error(err);
      return;
    }
    const lon = Number(config.lon);
    const lat = Number(config.lat);
    if (config.lon !== '' && config.lat !== '' && Number.isFinite(lon) && Number.isFinite(lat)) camera.position = [lon, lat];
    if (config.areaDesc) camera.areaDesc = config.areaDesc;
    if (config.zone) camera.zone = config.zone;
    const creds = node.credentials ?? {};
    const headers: Record<string, string> = {};
    if (creds.token) headers.Authorization = `Bearer ${creds.token}`;
    else if (creds.user) headers.Authorization = `Basic ${Buffer.from(`${creds.user}:${creds.password ?? ''}`).toString('base64')}`;

    let source: Source | undefined;
    // The fault last logged; a source retrying past the same fault logs it once, until a frame
    // comes through again (the status keeps showing it).
    let reported: string | undefined;
    const slot = new RateSlot(1000 / fps, (frame) => {
      reported = undefined;
      node.send({ payload: frame, camera, timestamp: Date.now(), topic: camera.id } as unknown as NodeMessageInFlow);
      status.ok(RED._('impetus-camera-in.status.running', { frames: slot.emitted, dropped: slot.dropped }));
    });

    const report = (err: Error) => {
      status.error(err.message);
      if (reported === err.message) return;
      reported = err.message;
      // The cause verbatim (not through i18n): it is what an operator searches for. The message
      // names the camera, so Catch nodes can tell which one failed.
      node.error(`camera ${camera.id}: ${err.message}`, { topic: camera.id, camera });
    };
    const start = () => {
      if (source) return;
      reported = undefined;
      const url = config.url ?? '';
      const target = config.source === 'folder' ? resolvePath(config.folder ?? '') : config.source === 'ffmpeg' && url && !isStreamUrl(url) ? resolvePath(url) : url;
      if (!target) {
        status.error(RED._('impetus-camera-in.errors.noTarget'));
        return;
      }
      const started: Source = startSource(
        { kind: config.source, target, fps, loop: config.loop !== false, headers, maxBytes },
        (frame) => slot.offer(frame),
        report,
        (err) => {
          if (source === started) source = undefined;
          slot.flush();
          if (err) report(err);
          else status.warn(RED._('impetus-camera-in.status.ended', { frames: slot.emitted, dropped: slot.dropped }));
        },
      );
      source = started;
      status.ok(RED._('impetus-camera-in.status.started'));
    };
    const stop = async () => {
      const stopping = source;
      source = undefined;
      slot.stop();
      await stopping?.stop();
    };
    // Relative paths: the user directory first, then the package (the demo's replay frames).
    const resolvePath = (f: string) => {
      const inUserDir = path.resolve((RED.settings.userDir as string | undefined) ?? process.cwd(), f);
      const inPackage = path.resolve(PACKAGE_ROOT, f);
      return path.isAbsolute(f) || fs.existsSync(inUserDir) || !fs.existsSync(inPackage) ? inUserDir : inPackage;
    };

    onInput(node, status, (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
      const command = String(msg.payload ?? '').toLowerCase();
      if (command !== 'start' && command !== 'stop' && command !== 'restart') return done(new Error(RED._('impetus-camera-in.errors.command')));
      // A restart waits for the old ffmpeg to go: two processes never read one camera.
      void (command === 'start' ? Promise.resolve() : stop()).then(() => {
        if (command === 'stop') status.warn(RED._('impetus-camera-in.status.stopped'));
        else start();
        done();
      });
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      void stop().then(() => {
        status.close();
        done();
      });
    });
    if (config.autostart !== false) start();
  }
  RED.nodes.registerType('impetus-camera-in', ImpetusCameraInNode as never, {
    credentials: { user: { type: 'text' }, password: { type: 'password' }, token: { type: 'password' } },
  });
};
