import * as path from 'node:path';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../../nodes/platform/paths';

/** Tiny ONNX graphs from models/test-graphs/make.py. */
export const FIXTURES = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'onnx');

/** A 128×64 frame: into the fixtures' 64×64 input it letterboxes with scale 0.5 and 16 px pads top and bottom. */
export function frame(width = 128, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
}

