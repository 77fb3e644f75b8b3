import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeJpeg, readJpegHeader } from '../../nodes/vision/jpeg-decode';
import { letterbox, letterboxPixels, type Letterboxed } from '../../nodes/vision/letterbox';

/** A w × h RGB test card: gradients across both axes plus a hard-edged block, so that scaling errors show. */
function card(w: number, h: number) {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const block = x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2;
      data[i] = block ? 250 : Math.round((255 * x) / w);
      data[i + 1] = block ? 10 : Math.round((255 * y) / h);
      data[i + 2] = (x * 7 + y * 3) % 256;
    }
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } });
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const geometry = (lb: Letterboxed) => [lb.width, lb.height, lb.scale, lb.padX, lb.padY];

describe('letterbox', function () {
  it('reads the size of baseline, progressive and grey JPEGs from their headers, and nothing else', async () => {
    assert.deepEqual(readJpegHeader(await card(320, 240).jpeg().toBuffer()), { width: 320, height: 240, components: 3 });
    assert.deepEqual(readJpegHeader(await card(33, 17).jpeg({ progressive: true }).toBuffer()), { width: 33, height: 17, components: 3 });
    assert.deepEqual(readJpegHeader(await card(40, 30).toColourspace('b-w').jpeg().toBuffer()), { width: 40, height: 30, components: 1 });
    assert.equal(readJpegHeader(await card(40, 30).png().toBuffer()), undefined);
    assert.equal(readJpegHeader(Buffer.from('not an image')), undefined);
    const jpeg = await card(40, 30).jpeg().toBuffer();
    // Cut before the frame header: nothing to read, and no read past the end.
    assert.equal(readJpegHeader(jpeg.subarray(0, 25)), undefined);
  });

  it('decodes a JPEG in WebAssembly to the pixels sharp decodes', async () => {
    const jpeg = await card(96, 64).jpeg({ quality: 90 }).toBuffer();
    const fast = await decodeJpeg(jpeg);
    assert.ok(fast);
    assert.deepEqual([fast.width, fast.height, fast.data.length], [96, 64, 96 * 64 * 4]);
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    let worst = 0;
    for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(data[p + c] - fast.data[q + c]));
      assert.equal(fast.data[q + 3], 255);
    }
    // Two builds of libjpeg may round the inverse DCT differently, by a level or two.
    assert.ok(worst <= 3, `largest difference ${worst} levels`);
  });

  it('shrinks a JPEG (WebAssembly path) as sharp shrinks the same pixels from a PNG', async () => {
    for (const [w, h, inW, inH] of [
      [320, 240, 256, 256],
      [100, 60, 64, 64],
      [50, 90, 64, 64],
    ]) {
      const jpeg = await card(w, h).jpeg({ quality: 95 }).toBuffer();
      // The PNG holds the JPEG's own decoded pixels, so only the scaling differs between the two.
      const png = await sharp(jpeg).png().toBuffer();
      const viaWasm = await letterbox(jpeg, inW, inH);
      const viaSharp = await letterbox(png, inW, inH);
      assert.deepEqual(geometry(viaWasm), geometry(viaSharp));
      const diff = meanAbsDiff(viaWasm.tensor, viaSharp.tensor);
      assert.ok(diff < 2 / 255, `${w}×${h} → ${inW}×${inH}: mean difference ${(diff * 255).toFixed(2)} levels`);
    }
  });

  it('enlarges bilinearly with pixel centres aligned, as OpenCV and Pillow do', () => {
    // One row, 0 and 100, to four pixels: centres at 0.25, 0.75, 1.25 and 1.75 source pixels.
    const lb = letterboxPixels({ data: Uint8Array.from([0, 0, 0, 100, 100, 100]), width: 2, height: 1, channels: 3 }, 4, 8);
    assert.deepEqual([lb.scale, lb.padX, lb.padY], [2, 0, 3]);
    const row = Array.from(lb.tensor.subarray(3 * 4, 4 * 4), (v) => Math.round(v * 255 * 100) / 100);
    assert.deepEqual(row, [0, 25, 75, 100]);
    // Same size: a copy, channels kept apart.
    const copy = letterboxPixels({ data: Uint8Array.from([10, 20, 30, 255, 40, 50, 60, 255]), width: 2, height: 1, channels: 4 }, 2, 1);
    assert.deepEqual(Array.from(copy.tensor, (v) => Math.round(v * 255)), [10, 40, 20, 50, 30, 60]);
  });

  it('leaves the pads grey 114 and fills the image area, on both paths', async () => {
    for (const frame of [await card(100, 50).jpeg().toBuffer(), await card(100, 50).png().toBuffer(), await card(400, 200).jpeg().toBuffer()]) {
      const lb = await letterbox(frame, 64, 64);
      assert.deepEqual([lb.padX, lb.padY], [0, 16]);
      const plane = 64 * 64;
      for (const c of [0, 1, 2]) {
        assert.equal(Math.round(lb.tensor[c * plane + 5 * 64 + 10] * 255), 114, 'top pad');
        assert.equal(Math.round(lb.tensor[c * plane + 60 * 64 + 10] * 255), 114, 'bottom pad');
      }
      // The red channel is a left-to-right ramp: dark at the left edge, bright at the right.
      assert.ok(lb.tensor[30 * 64 + 1] < 0.1 && lb.tensor[30 * 64 + 62] > 0.9);
    }
  });

  it('hands frames it does not decode cleanly to sharp, and keeps decoding afterwards', async () => {
    const jpeg = await card(320, 240).jpeg().toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const sharpSays = await sharp(cut, { failOn: 'error' })
      .raw()
      .toBuffer()
      .then(() => 'decoded', () => 'refused');
    const weSay = await letterbox(cut, 256, 256).then(() => 'decoded', () => 'refused');
    assert.equal(weSay, sharpSays, 'a truncated frame gets the verdict sharp gives it');
    for (let i = 0; i < 20; i++) assert.equal(await decodeJpeg(Buffer.concat([jpeg.subarray(0, 300), Buffer.alloc(200, 7)])), undefined);
    const after = await letterbox(jpeg, 256, 256);
    assert.equal(after.width, 320);
  });

  it('reads CMYK JPEGs through sharp', async () => {
    const cmyk = await card(80, 60).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal(readJpegHeader(cmyk)?.components, 4);
    const lb = await letterbox(cmyk, 64, 64);
    assert.deepEqual([lb.width, lb.height], [80, 60]);
    assert.ok(lb.tensor[30 * 64 + 62] > 0.8, 'the red ramp survives the colour conversion');
  });

  it('refuses a JPEG over the pixel limit from its header, before decoding it', async () => {
    await assert.rejects(letterbox(await card(400, 300).jpeg().toBuffer(), 64, 64, 100_000), /400×300.*pixel limit of 100000/);
  });
});
