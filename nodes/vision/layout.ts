/**
 * Output layouts of the YOLO exports in the wild, told apart by the output tensor's shape:
 * - `yolov5`  [1, N, 5+nc]: cx, cy, w, h, objectness, nc class scores (score = obj × cls);
 * - `yolov8`  [1, 4+nc, N]: cx, cy, w, h, nc class scores, channel-first (also YOLO11);
 * - `end2end` [1, K, 6]:    x1, y1, x2, y2, score, class id, NMS already done (YOLOv10, `nms=True`).
 * Box coordinates are in model-input pixels (the letterboxed image).
 */
export type Layout = 'yolov5' | 'yolov8' | 'end2end';

export interface LayoutInfo {
  layout: Layout;
  /** Candidate boxes in the tensor. */
  count: number;
  /** Class count (for end2end, whatever the model says; unknown is 0). */
  classes: number;
}

/** A box in some pixel space, corner form. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface RawDetection extends Box {
  score: number;
  classId: number;
}

/** End-to-end heads keep at most a few hundred boxes; dense heads have thousands of anchors. */
const END2END_MAX_BOXES = 1000;

/**
 * Picks the layout from the dims. `classes` (from metadata, when known) removes the ambiguities:
 * a one-class YOLOv5 head is also 6 wide, which the box count then settles. `forced` skips all
 * guessing for exports the rules get wrong.
 */
export function detectLayout(dims: readonly number[], classes = 0, forced?: Layout): LayoutInfo {
  const d = dims.length === 2 ? [1, ...dims] : [...dims];
  if (d.length !== 3 || d[0] !== 1 || d.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`unsupported detector output shape [${dims.join(', ')}]: expected [1, a, b]`);
  }
  const [, a, b] = d;
  const pick = (layout: Layout): LayoutInfo => {
    if (layout === 'yolov8') return { layout, count: b, classes: a - 4 };
    if (layout === 'yolov5') return { layout, count: a, classes: b - 5 };
    return { layout, count: a, classes };
  };
  if (forced) {
    const info = pick(forced);
    if (forced !== 'end2end' && info.classes < 1) throw new Error(`output [${dims.join(', ')}] is too narrow for layout ${forced}`);
    if (forced === 'end2end' && b !== 6) throw new Error(`output [${dims.join(', ')}] is not an end-to-end [1, K, 6] layout`);
    return info;
  }
  if (classes > 0) {
    if (a === 4 + classes && b !== 5 + classes) return pick('yolov8');
    if (b === 5 + classes && !(b === 6 && a <= END2END_MAX_BOXES)) return pick('yolov5');
    if (b === 6) return pick('end2end');
    throw new Error(`output [${dims.join(', ')}] matches no known layout for ${classes} classes`);
  }
  if (b === 6 && a <= END2END_MAX_BOXES) return pick('end2end');
  // Dense heads have many more boxes than channels, so the short axis holds the channels.
  if (a < b && a >= 5) return pick('yolov8');
  if (b > a && b >= 6) return pick('yolov5');
  if (a > b && b >= 6) return pick('yolov5');
  throw new Error(`cannot tell the layout of output [${dims.join(', ')}]: give the class names or the layout`);
}

/** Decodes every candidate scoring at least `minScore`; no NMS here. */
export function decodeOutput(data: Float32Array, info: LayoutInfo, minScore: number): RawDetection[] {
  const out: RawDetection[] = [];
  const { count, classes } = info;
  if (info.layout === 'end2end') {
    for (let i = 0; i < count; i++) {
      const o = i * 6;
      const score = data[o + 4];
      if (!(score >= minScore)) continue;
      out.push({ x1: data[o], y1: data[o + 1], x2: data[o + 2], y2: data[o + 3], score, classId: Math.round(data[o + 5]) });
    }
    return out;
  }
  const channelFirst = info.layout === 'yolov8';
  const first = channelFirst ? 4 : 5;
  const width = first + classes;
  // Index of channel c of box i, for either memory order.
  const at = channelFirst ? (i: number, c: number) => data[c * count + i] : (i: number, c: number) => data[i * width + c];
  for (let i = 0; i < count; i++) {
    const objectness = channelFirst ? 1 : at(i, 4);
    if (!(objectness >= minScore)) continue;
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      const s = at(i, first + c);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    const score = bestScore * objectness;
    if (!(score >= minScore)) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const hw = at(i, 2) / 2;
    const hh = at(i, 3) / 2;
    out.push({ x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh, score, classId: best });
  }
  return out;
}
