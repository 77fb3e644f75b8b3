import * as ort from 'onnxruntime-node';
import { nms } from './geometry';
import { decodeOutput, detectLayout, type LayoutInfo, type RawDetection } from './layout';
import { letterbox, unletterbox } from './letterbox';
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
 * One frame through the model: letterbox (sharp's threads), `session.run` (onnxruntime's
 * threads, off the event loop), then decode, class-aware NMS and the mapping back to frame
 * pixels, which are cheap and run here. The layout is worked out on the first output and kept.
 */
export class Detector {
  private layout: LayoutInfo | undefined;

  constructor(private readonly model: ModelHandle, private readonly options: DetectOptions) {}

  async detect(frame: Buffer): Promise<FrameResult> {
    const { info, session } = this.model;
    const lb = await letterbox(frame, info.inputWidth, info.inputHeight, this.options.maxPixels);
    const input = new ort.Tensor('float32', lb.tensor, [1, 3, info.inputHeight, info.inputWidth]);
    const outputs = await session.run({ [info.inputName]: input });
    const output = outputs[info.outputName];
    try {
      this.layout ??= detectLayout(output.dims, info.classNames.length, info.layout);
      const raw = decodeOutput(output.data as Float32Array, this.layout, this.options.minScore);
      const kept = this.layout.layout === 'end2end' ? raw : nms(raw, this.options.iou);
      const detections = kept.map((d) => {
        const mapped = unletterbox(d, lb);
        return { ...mapped, className: info.classNames[d.classId] ?? String(d.classId) };
      });
      return { width: lb.width, height: lb.height, detections };
    } finally {
      for (const t of Object.values(outputs)) t.dispose();
    }
  }
}
