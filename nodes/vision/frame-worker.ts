/**
 * The frame thread of a model (model-registry.ts): decodes and letterboxes frames into the
 * model's input while its inference thread runs the frame before, and keeps that per-pixel work
 * off the runtime's event loop.
 */
import { serve } from '../platform/node-kit';
import { letterbox } from './letterbox';

export interface FrameRequest {
  frame: Uint8Array;
  inputWidth: number;
  inputHeight: number;
  maxPixels?: number;
}

serve<FrameRequest>(async ({ frame, inputWidth, inputHeight, maxPixels }) => {
  const lb = await letterbox(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), inputWidth, inputHeight, maxPixels);
  return { value: lb, transfer: [lb.tensor.buffer as ArrayBuffer] };
});
