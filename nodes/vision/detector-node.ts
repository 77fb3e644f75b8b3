import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { isFrameMessage, type FrameMessage } from '../camera/frame';
import type { AlertDraft } from '../platform';
import { platformFor } from '../platform';
import type { Done, Send } from '../platform/node-kit';
import { asError, onInput, StatusReporter } from '../platform/node-kit';
import { AlertPolicy, type ZonedDetection } from './alerting';
import { annotate } from './annotate';
import { Detector } from './detector';
import { FrameGate } from './frame-gate';
import type { ModelHandle, OnnxModelNode } from './model-registry';
import type { Track, TrackerOptions } from './tracker';

/** What distinguishes the firearm detector from the generic one: defaults and wording. */
export interface DetectorProfile {
  type: string;
  tool: string;
  event: string;
  defaultClasses: string[];
  /** Extra classes switched on by the "knife" option (firearm profile). */
  optionalClasses?: string[];
  headline(className: string, camera: string): string;
  instruction: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

interface DetectorDef extends NodeDef {
  model: string;
  classes?: string;
  includeKnife?: boolean;
  minScore?: string | number;
  iou?: string | number;
  minArea?: string | number;
  maxArea?: string | number;
  confirm?: TrackerOptions['mode'];
  window?: string | number;
  minHits?: string | number;
  threshold?: string | number;
  cooldown?: string | number;
  maxBytes?: string | number;
  concurrency?: string | number;
}

const num = (v: unknown, fallback: number) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? fallback : Number(v));

/** Frames above this size are refused unread: a camera cannot make a detector decode 100 MB. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

interface Pending {
  msg: FrameMessage & NodeMessageInFlow;
  send: Send;
  done: Done;
}

export function registerDetector(RED: NodeAPI, profile: DetectorProfile): void {
  function DetectorNode(this: Node, config: DetectorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const modelNode = RED.nodes.getNode(config.model) as OnnxModelNode | null;
    const classes = (config.classes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const filterClasses = [...(classes.length ? classes : profile.defaultClasses), ...(config.includeKnife ? profile.optionalClasses ?? [] : [])];
    const tracking: TrackerOptions = {
      mode: config.confirm ?? 'median',
      window: num(config.window, 5),
      minHits: num(config.minHits, 3),
      threshold: num(config.threshold, 0.5),
      matchIou: 0.3,
      maxMissed: 3,
    };
    const policy = new AlertPolicy({ classes: filterClasses, minArea: num(config.minArea, 0), maxArea: num(config.maxArea, 1) }, tracking, num(config.cooldown, 30) * 1000);
    const minScore = Math.min(num(config.minScore, 0.25), tracking.mode === 'none' ? tracking.threshold : 1);
    const maxBytes = num(config.maxBytes, DEFAULT_MAX_BYTES);
    const platform = platformFor(RED);
    const releasePlatform = platform.hold();
    let alerts = 0;

    const model: Promise<ModelHandle> = modelNode ? modelNode.acquire() : Promise.reject(new Error('no impetus-onnx-model configured'));
    const ready = model.then((m) => new Detector(m, { minScore, iou: num(config.iou, 0.45) }));
    ready.then(
      () => status.ok(RED._(`${profile.type}.status.ready`)),
      (err) => status.error(asError(err).message),
    );

    const process = async ({ msg, send, done }: Pending) => {
      try {
        const d = await ready;
        if (msg.payload.length > maxBytes) throw new RangeError(`frame of ${msg.payload.length} bytes is over the ${maxBytes}-byte limit`);
        const frame = await d.detect(msg.payload);
        const decision = policy.decide(msg.camera, frame, Date.now());
        const out: Array<NodeMessageInFlow | null> = [null, null];
        if (decision.alert.length) {
          out[0] = { ...msg, payload: await draft(msg, frame.width, frame.height, decision.alert) } as NodeMessageInFlow;
          alerts++;
        }
        if (decision.detections.length) {
          // Second output: what passed the filters on this frame, for tool pages and recorders.
          out[1] = { _msgid: msg._msgid, topic: msg.camera.id, camera: msg.camera, timestamp: msg.timestamp, payload: { width: frame.width, height: frame.height, detections: decision.detections } } as NodeMessageInFlow;
        }
        if (out[0] || out[1]) send(out as never);
        status.ok(RED._(`${profile.type}.status.running`, { frames: gate.processed + 1, dropped: gate.dropped, alerts }));
        done();
      } catch (err) {
        const error = asError(err);
        status.error(error.message);
        done(error);
      }
    };
    const gate = new FrameGate<Pending>(Math.max(1, num(config.concurrency, 2)), process, (p) => p.done());

    async function draft(msg: FrameMessage, width: number, height: number, tracks: Array<Track<ZonedDetection>>): Promise<AlertDraft> {
      const best = tracks.reduce((a, b) => (b.last.score > a.last.score ? b : a));
      const boxes = tracks.map((t) => ({ ...t.last, label: `${t.last.className} ${Math.round(t.last.score * 100)}%` }));
      const image = await annotate(msg.payload, width, height, boxes);
      const media = await platform.store.putMedia(image, 'image/jpeg');
      const camera = msg.camera;
      const cameraName = camera.name || camera.id;
      const draft: AlertDraft & Record<string, unknown> = {
        tool: profile.tool,
        event: profile.event,
        headline: profile.headline(best.last.className, cameraName),
        severity: profile.severity,
        urgency: 'Immediate',
        certainty: 'Likely',
        source: { ref: camera.id },
        occurredAt: new Date(msg.timestamp || Date.now()).toISOString(),
        instruction: profile.instruction,
        resources: [{ description: `Annotated frame from ${cameraName}`, mimeType: media.mimeType, size: media.size, digest: media.digest, uri: `media/${media.digest}` }],
        data: {
          camera: camera.id,
          cameraName,
          frame: { width, height },
          detections: tracks.map((t) => ({
            className: t.last.className,
            score: Math.round(t.last.score * 1000) / 1000,
            box: [t.last.x1, t.last.y1, t.last.x2, t.last.y2].map((v) => Math.round(v)),
            trackId: t.id,
            frames: t.scores.length,
            ...(t.last.zone ? { zone: t.last.zone } : {}),
          })),
          confirmation: { mode: tracking.mode, window: tracking.window, minHits: tracking.minHits, threshold: tracking.threshold },
        },
      };
      const zone = best.last.zone ?? camera.zone;
      if (zone) draft.zone = zone;
      if (camera.areaDesc || zone) draft.areaDesc = camera.areaDesc ?? zone;
      if (camera.position) draft.location = { type: 'Point', coordinates: camera.position };
      return draft;
    }

    onInput(node, status, (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as unknown as Record<string, unknown>;
      if (!isFrameMessage(m)) {
        const error = new TypeError('expected a frame: msg.payload an image Buffer and msg.camera.id (use impetus-camera-in)');
        status.error(error.message);
        done(error);
        return;
      }
      if (typeof m.timestamp !== 'number') m.timestamp = Date.now();
      gate.offer(m.camera.id, { msg: m as FrameMessage & NodeMessageInFlow, send, done });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      gate.flush();
      const deadline = Date.now() + 5000;
      // Frames in flight finish (their alerts are stored) before the model reference goes.
      const release = () => {
        status.close();
        model.then((m) => m.release(), () => undefined).then(releasePlatform).then(() => done(), () => done());
      };
      const wait = () => (gate.busy && Date.now() < deadline ? setTimeout(wait, 20) : release());
      wait();
    });
  }
  RED.nodes.registerType(profile.type, DetectorNode);
}
