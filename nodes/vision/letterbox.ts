import sharp from 'sharp';
import { decodeJpeg, readJpegHeader } from './jpeg-decode';
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

/** Pixels row after row, `channels` bytes each, RGB first. */
export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: number;
}

/** Where the frame goes in the input: scaled to w × h, keeping its aspect ratio, at (padX, padY). */
interface Placement {
  scale: number;
  w: number;
  h: number;
  padX: number;
  padY: number;
}

function place(width: number, height: number, inputW: number, inputH: number): Placement {
  const scale = Math.min(inputW / width, inputH / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return { scale, w, h, padX: Math.floor((inputW - w) / 2), padY: Math.floor((inputH - h) / 2) };
}

/**
 * Decodes a frame and letterboxes it into inputW × inputH keeping the aspect ratio. The pads are
 * computed here rather than left to an image library's `contain`, so that the mapping back is
 * exact by construction.
 *
 * A JPEG that is less than twice the input size each way is decoded at full size by libjpeg in
 * WebAssembly (jpeg-decode.ts) and scaled here. Anything else goes to sharp, which decodes a
 * larger JPEG at 1/2, 1/4 or 1/8 of its size straight from the DCT, and reads the other formats.
 */
export async function letterbox(frame: Buffer, inputW: number, inputH: number, maxPixels = MAX_FRAME_PIXELS): Promise<Letterboxed> {
  if (!Buffer.isBuffer(frame) || frame.length === 0) throw new TypeError('the frame must be a non-empty Buffer of an encoded image');
  const header = readJpegHeader(frame);
  if (header) {
    if (header.width * header.height > maxPixels) throw new Error(`the frame is ${header.width}×${header.height}, which exceeds the pixel limit of ${maxPixels}`);
    const at = place(header.width, header.height, inputW, inputH);
    if (at.scale > 0.5 && (header.components === 1 || header.components === 3)) {
      const rgba = await decodeJpeg(frame);
      if (rgba && rgba.width === header.width && rgba.height === header.height) return letterboxPixels({ ...rgba, channels: 4 }, inputW, inputH);
    }
  }
  const image = sharp(frame, { limitInputPixels: maxPixels, failOn: 'error' });
  const meta = await image.metadata();
  const width = meta.width;
  const height = meta.height;
  if (!width || !height) throw new Error('the frame has no image dimensions');
  const at = place(width, height, inputW, inputH);
  const { data, info } = await image
    .removeAlpha()
    .toColourspace('srgb')
    .resize(at.w, at.h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== at.w || info.height !== at.h || info.channels !== 3) {
    throw new Error(`letterbox produced ${info.width}x${info.height}x${info.channels}, expected ${at.w}x${at.h}x3`);
  }
  return { tensor: toInput({ data, width: at.w, height: at.h, channels: 3 }, at, inputW, inputH), width, height, ...at };
}

/**
 * The taps of a 1-D resampling from `from` samples to `to`: for output i, weights[k] for source
 * first[i] + k, k < count[i]. The filter is the triangle (bilinear) with pixel centres aligned,
 * widened by the reduction factor when shrinking so that every source pixel counts, as Pillow's
 * BILINEAR (which the demo model was trained with) and libvips' linear kernel (sharp) do; at the
 * same size it is a copy.
 */
function taps(from: number, to: number): { first: Int32Array; count: Int32Array; weights: Float32Array; stride: number } {
  const ratio = from / to;
  const support = Math.max(1, ratio);
  const stride = Math.ceil(2 * support) + 1;
  const first = new Int32Array(to);
  const count = new Int32Array(to);
  const weights = new Float32Array(to * stride);
  for (let i = 0; i < to; i++) {
    const centre = (i + 0.5) * ratio;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(from - 1, Math.ceil(centre + support));
    let sum = 0;
    let n = 0;
    let start = -1;
    for (let j = lo; j <= hi; j++) {
      const weight = 1 - Math.abs((j + 0.5 - centre) / support);
      if (weight <= 0) {
        if (start >= 0) break;
        continue;
      }
      if (start < 0) start = j;
      weights[i * stride + n++] = weight;
      sum += weight;
    }
    for (let k = 0; k < n; k++) weights[i * stride + k] /= sum;
    first[i] = start;
    count[i] = n;
  }
  return { first, count, weights, stride };
}

/** Letterboxes decoded pixels into inputW × inputH. */
export function letterboxPixels(src: Pixels, inputW: number, inputH: number): Letterboxed {
  const at = place(src.width, src.height, inputW, inputH);
  return { tensor: toInput(src, at, inputW, inputH), width: src.width, height: src.height, ...at };
}

/** Scratch rows of the horizontal pass: kept between frames, grown when a frame needs more. */
let across = new Float32Array(0);

/**
 * The pixels scaled to at.w × at.h, as 0..1 floats in CHW order, placed at (padX, padY) in a grey
 * inputW × inputH canvas: a horizontal pass over every source row, then a vertical one straight
 * into the planes.
 */
function toInput(src: Pixels, at: Placement, inputW: number, inputH: number): Float32Array {
  const { data, width, height, channels } = src;
  const { w, h, padX, padY } = at;
  const plane = inputW * inputH;
  const out = new Float32Array(plane * 3).fill(PAD);
  const { first: xFirst, count: xCount, weights: xWeights, stride: xStride } = taps(width, w);
  const { first: yFirst, count: yCount, weights: yWeights, stride: yStride } = taps(height, h);
  if (across.length < height * w * 3) across = new Float32Array(height * w * 3);
  const rows = across;
  for (let y = 0; y < height; y++) {
    const base = y * width * channels;
    for (let x = 0, q = y * w * 3; x < w; x++, q += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      const n = xCount[x];
      for (let k = 0, p = base + xFirst[x] * channels, t = x * xStride; k < n; k++, p += channels, t++) {
        const weight = xWeights[t];
        r += data[p] * weight;
        g += data[p + 1] * weight;
        b += data[p + 2] * weight;
      }
      rows[q] = r;
      rows[q + 1] = g;
      rows[q + 2] = b;
    }
  }
  // Row by row: each output row adds its few source rows, weighted, into the planes.
  const rowLength = w * 3;
  for (let y = 0; y < h; y++) {
    const o0 = (y + padY) * inputW + padX;
    const n = yCount[y];
    for (let k = 0, t = y * yStride; k < n; k++, t++) {
      const weight = yWeights[t] / 255;
      for (let x = 0, q = (yFirst[y] + k) * rowLength, o = o0; x < w; x++, q += 3, o++) {
        if (k === 0) {
          out[o] = rows[q] * weight;
          out[plane + o] = rows[q + 1] * weight;
          out[2 * plane + o] = rows[q + 2] * weight;
        } else {
          out[o] += rows[q] * weight;
          out[plane + o] += rows[q + 1] * weight;
          out[2 * plane + o] += rows[q + 2] * weight;
        }
      }
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
