import sharp from 'sharp';
import type { Box } from './layout';

/** Frames past this many pixels are refused before decoding (a 8K frame is 33 Mpx). */
export const MAX_FRAME_PIXELS = 40_000_000;

export interface Letterboxed {
  /** CHW float32, RGB, 0..1: the YOLO input convention. */
  tensor: Float32Array;
  /** Size of the original frame. */
  width: number;
  height: number;
  /** Frame-to-input transform: input = frame × scale + pad. */
  scale: number;
  padX: number;
  padY: number;
}

/** Ultralytics pads with grey 114; a model trained that way sees the same border here. */
const PAD = 114 / 255;

/**
 * Decodes a frame and letterboxes it into inputW × inputH keeping the aspect ratio. Decode and
 * resize run in sharp's libuv thread pool; the padding is written here, with the byte-to-float
 * transpose that has to visit every pixel anyway (a sharp `extend` step cost as much again as
 * the resize). The pads are computed here rather than left to `fit: contain`, so that the
 * mapping back is exact by construction.
 */
export async function letterbox(frame: Buffer, inputW: number, inputH: number, maxPixels = MAX_FRAME_PIXELS): Promise<Letterboxed> {
  if (!Buffer.isBuffer(frame) || frame.length === 0) throw new TypeError('the frame must be a non-empty Buffer of an encoded image');
  const image = sharp(frame, { limitInputPixels: maxPixels, failOn: 'error' });
  const meta = await image.metadata();
  const width = meta.width;
  const height = meta.height;
  if (!width || !height) throw new Error('the frame has no image dimensions');
  const scale = Math.min(inputW / width, inputH / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const padX = Math.floor((inputW - w) / 2);
  const padY = Math.floor((inputH - h) / 2);
  const { data, info } = await image
    .removeAlpha()
    .toColourspace('srgb')
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== 3) {
    throw new Error(`letterbox produced ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x3`);
  }
  return { tensor: toPaddedChw(data, w, h, inputW, inputH, padX, padY), width, height, scale, padX, padY };
}

/** The w × h RGB bytes, as 0..1 floats in CHW order, placed at (padX, padY) in a grey inputW × inputH canvas. */
function toPaddedChw(rgb: Buffer, w: number, h: number, inputW: number, inputH: number, padX: number, padY: number): Float32Array {
  const plane = inputW * inputH;
  const out = new Float32Array(plane * 3).fill(PAD);
  for (let y = 0, p = 0; y < h; y++) {
    let i = (y + padY) * inputW + padX;
    for (let x = 0; x < w; x++, i++, p += 3) {
      out[i] = rgb[p] / 255;
      out[plane + i] = rgb[p + 1] / 255;
      out[2 * plane + i] = rgb[p + 2] / 255;
    }
  }
  return out;
}

/** Maps a box from model-input pixels back to frame pixels, clamped to the frame. */
export function unletterbox<T extends Box>(box: T, lb: Pick<Letterboxed, 'scale' | 'padX' | 'padY' | 'width' | 'height'>): T {
  const clampX = (v: number) => Math.min(lb.width, Math.max(0, v));
  const clampY = (v: number) => Math.min(lb.height, Math.max(0, v));
  return {
    ...box,
    x1: clampX((box.x1 - lb.padX) / lb.scale),
    y1: clampY((box.y1 - lb.padY) / lb.scale),
    x2: clampX((box.x2 - lb.padX) / lb.scale),
    y2: clampY((box.y2 - lb.padY) / lb.scale),
  };
}
