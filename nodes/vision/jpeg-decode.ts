import * as fs from 'node:fs';
import * as mozjpeg from '@jsquash/jpeg/decode.js';

/** The size and colour components a JPEG declares in its frame header. */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
}

/** RGBA pixels, 4 bytes each, row after row. */
export interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Start-of-frame markers of the Huffman-coded processes (baseline, extended, progressive), which libjpeg decodes. */
const HUFFMAN_SOF = new Set([0xc0, 0xc1, 0xc2]);

/**
 * The frame header of a JPEG, read from its markers without decoding anything; `undefined` when
 * `data` is not a JPEG, or one this module leaves to sharp (arithmetic-coded, lossless, a size
 * only known at the end of the scan).
 */
export function readJpegHeader(data: Uint8Array): JpegHeader | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1];
    // Fill bytes before a marker, and the markers that carry no length.
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (data[at + 2] << 8) | data[at + 3];
    if (length < 2) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (!HUFFMAN_SOF.has(marker) || at + 10 > data.length) return undefined;
      const height = (data[at + 5] << 8) | data[at + 6];
      const width = (data[at + 7] << 8) | data[at + 8];
      return width > 0 && height > 0 ? { width, height, components: data[at + 9] } : undefined;
    }
    // Start of scan, or end of image, before any frame header.
    if (marker === 0xda || marker === 0xd9) return undefined;
    at += 2 + length;
  }
  return undefined;
}

type Init = (module: WebAssembly.Module, overrides: { printErr(message: string): void; print(message: string): void }) => Promise<void>;

/** What libjpeg said during the decode in progress. */
let said: string[] = [];
/** Settles when the module is ready and the decode before has finished: one decode at a time, so that `said` is its own. */
let tail: Promise<unknown> | undefined;

function start(): Promise<void> {
  const wasm = fs.readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'));
  const note = (message: string) => said.push(message);
  return (mozjpeg.init as unknown as Init)(new WebAssembly.Module(wasm), { printErr: note, print: note });
}

/**
 * Decodes a JPEG with libjpeg-turbo (mozjpeg) compiled to WebAssembly, synchronously on the
 * calling thread. For frames up to about a megapixel this costs a fraction of a sharp pipeline,
 * whose fixed cost per call (about 2 ms here) is more than the whole decode of a 320×240 frame.
 * `undefined` when libjpeg failed or warned (a truncated or corrupt frame): the caller then hands
 * the frame to sharp, which decides what is an error.
 */
export function decodeJpeg(data: Uint8Array): Promise<RgbaImage | undefined> {
  const decoded = (tail ?? start()).then(async () => {
    said = [];
    try {
      const image = (await mozjpeg.default(data as unknown as ArrayBuffer)) as unknown as RgbaImage;
      return said.length ? undefined : image;
    } catch {
      return undefined;
    }
  });
  tail = decoded;
  return decoded;
}
