import { nms } from './geometry';
import { decodeOutput, detectLayout, type LayoutInfo, type RawDetection } from './layout';
import { unletterbox } from './letterbox';
import type { ModelHandle } from './model-registry';

export interface Detection extends RawDetection {
  className: string;
}

export interface FrameResult {
  width: number;
  height: number;
  detections: Detection[];
}

export interface DetectOptions {
  minScore: number;
  iou: number;
  maxPixels?: number;
}

/**
 * One frame through the model: decode and letterbox (the model's frame thread), inference (its
 * inference thread), both off the event loop; then the output's decode, class-aware NMS and the
 * mapping back to frame pixels, which are cheap and run here. The layout is worked out on the first output and kept.
 */
export class Detector {
  private layout: LayoutInfo | undefined;
  /** Settles once this detector's last frame has been sent for inference (or failed before); never rejects. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly model: ModelHandle, private readonly options: DetectOptions) {}

  async detect(frame: Buffer): Promise<FrameResult> {
    const { info } = this.model;
    // Decoding starts now, in the model's frame thread, while the frames before are still being
    // inferred in its inference thread. The chain makes each frame's inference request wait only until the
    // previous frame's has been sent: the model's thread then serves them in frame order, back to
    // back, and the tracker sees the frames in sequence.
    const prepared = this.model.prepare(frame, this.options.maxPixels);
    prepared.catch(() => undefined);
    const sent = this.tail.then(async () => {
      const lb = await prepared;
      const output = this.model.infer(lb.tensor, [1, 3, info.inputHeight, info.inputWidth]);
      output.catch(() => undefined);
      return { lb, output };
    });
    this.tail = sent.catch(() => undefined);
    const { lb, output: pending } = await sent;
    const output = await pending;
    this.layout ??= detectLayout(output.dims, info.classNames.length, info.layout);
    const raw = decodeOutput(output.data, this.layout, this.options.minScore);
    const kept = this.layout.layout === 'end2end' ? raw : nms(raw, this.options.iou);
    const detections = kept.map((d) => {
      const mapped = unletterbox(d, lb);
      return { ...mapped, className: info.classNames[d.classId] ?? String(d.classId) };
    });
    return { width: lb.width, height: lb.height, detections };
  }
}
