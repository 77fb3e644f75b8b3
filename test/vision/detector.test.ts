import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { FIXTURES, frame } from '../support/frames';
import * as path from 'node:path';
import { Detector } from '../../nodes/vision/detector';
import { detectLayout } from '../../nodes/vision/layout';
import { letterbox, unletterbox } from '../../nodes/vision/letterbox';
import { acquireModel, openSessions } from '../../nodes/vision/model-registry';
import { readOnnxMetadata, parseClassNames } from '../../nodes/vision/onnx-metadata';

/** The fixture boxes (models/test-graphs/make.py), mapped by hand: x = in / 0.5, y = (in − 16) / 0.5. */
const GUN = { className: 'gun', x1: 32, y1: 16, x2: 48, y2: 40, score: 0.9 };
const KNIFE = { className: 'knife', x1: 32, y1: 18, x2: 48, y2: 42, score: 0.7 };

describe('object detector core', function () {
  for (const layout of ['yolov5', 'yolov8', 'end2end']) {
    it(`reads the ${layout} layout and maps boxes back through the letterbox`, async () => {
      const model = await acquireModel(path.join(FIXTURES, `${layout}.onnx`));
      try {
        assert.deepEqual(model.info.classNames, ['gun', 'knife']);
        assert.equal(model.info.inputWidth, 64);
        const result = await new Detector(model, { minScore: 0.25, iou: 0.45 }).detect(await frame());
        assert.equal(result.width, 128);
        assert.equal(result.height, 64);
        const got = result.detections.map((d) => ({ className: d.className, x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, score: Math.round(d.score * 100) / 100 }));
        // B (gun 0.8) overlaps A: class-aware NMS drops it; C (knife) overlaps A but is another class; D is under the threshold.
        assert.deepEqual(got, [GUN, KNIFE]);
      } finally {
        await model.release();
      }
    });
  }

  it('tells the layouts apart by shape, with and without the class count', () => {
    assert.deepEqual(detectLayout([1, 84, 8400]), { layout: 'yolov8', count: 8400, classes: 80 });
    assert.deepEqual(detectLayout([1, 25200, 85]), { layout: 'yolov5', count: 25200, classes: 80 });
    assert.deepEqual(detectLayout([1, 300, 6]), { layout: 'end2end', count: 300, classes: 0 });
    // One-class YOLOv5 is also 6 wide: the box count settles it.
    assert.equal(detectLayout([1, 25200, 6], 1).layout, 'yolov5');
    assert.equal(detectLayout([1, 300, 6], 1).layout, 'end2end');
    assert.equal(detectLayout([1, 5, 8400], 1).layout, 'yolov8');
    assert.equal(detectLayout([1, 300, 6], 0, 'yolov5').layout, 'yolov5');
    assert.throws(() => detectLayout([1, 3, 64, 64]), /unsupported detector output shape/);
    assert.throws(() => detectLayout([1, 10, 10], 80), /no known layout/);
  });

  it('letterboxes a tall frame with side pads and maps a box back exactly', async () => {
    const tall = await sharp({ create: { width: 50, height: 100, channels: 3, background: '#fff' } }).png().toBuffer();
    const lb = await letterbox(tall, 64, 64);
    assert.deepEqual([lb.scale, lb.padX, lb.padY], [0.64, 16, 0]);
    assert.equal(lb.tensor.length, 3 * 64 * 64);
    // Pad pixels are grey 114, image pixels white.
    assert.equal(Math.round(lb.tensor[0] * 255), 114);
    assert.equal(Math.round(lb.tensor[32] * 255), 255);
    assert.deepEqual(unletterbox({ x1: 16, y1: 0, x2: 48, y2: 64 }, lb), { x1: 0, y1: 0, x2: 50, y2: 100 });
  });

  it('refuses corrupt and oversized frames before inference', async () => {
    const good = await frame();
    await assert.rejects(letterbox(good.subarray(0, 200), 64, 64));
    await assert.rejects(letterbox(Buffer.from('not an image'), 64, 64));
    await assert.rejects(letterbox(await frame(400, 300), 64, 64, 100_000), /pixel limit|exceeds/i);
  });

  it('shares one session per model and releases it with the last reference', async () => {
    const file = path.join(FIXTURES, 'yolov8.onnx');
    const before = openSessions();
    const a = await acquireModel(file, { threads: 1 });
    const b = await acquireModel(file, { threads: 1 });
    assert.equal(a.info, b.info, 'one load, shared');
    assert.equal(openSessions(), before + 1);
    await a.release();
    assert.equal(openSessions(), before + 1);
    await b.release();
    assert.equal(openSessions(), before);
    await assert.rejects(b.prepare(await frame()), /was released/, 'no frame thread starts for a released model');
  });

  it("prepares frames in the model's frame thread, and stops it with the last reference", async () => {
    const model = await acquireModel(path.join(FIXTURES, 'yolov8.onnx'));
    const jpeg = await frame();
    // A frame that is a view into a larger buffer, as a stream parser hands them out.
    const stream = Buffer.concat([Buffer.alloc(1000, 1), jpeg, Buffer.alloc(1000, 2)]);
    const inStream = stream.subarray(1000, 1000 + jpeg.length);
    const [here, there, fromSlice] = [await letterbox(jpeg, 64, 64), await model.prepare(jpeg), await model.prepare(inStream)];
    assert.deepEqual([there.width, there.height, there.scale, there.padX, there.padY], [128, 64, 0.5, 0, 16]);
    assert.deepEqual(Array.from(there.tensor), Array.from(here.tensor));
    assert.deepEqual(Array.from(fromSlice.tensor), Array.from(here.tensor));
    assert.equal(stream.length, jpeg.length + 2000, 'the stream buffer is left whole');
    await assert.rejects(model.prepare(Buffer.from('not an image')), /unsupported image format|Input buffer/i);
    await model.release();
    await assert.rejects(model.prepare(jpeg), /was released/);
  });

  it('reports a missing or broken model clearly and does not cache the failure', async () => {
    await assert.rejects(acquireModel(path.join(FIXTURES, 'nope.onnx')), /cannot read model/);
    const bad = path.join(FIXTURES, '..', 'not-a-model.onnx');
    fs.writeFileSync(bad, Buffer.from('this is not protobuf at all \xff\xff\xff'));
    try {
      await assert.rejects(acquireModel(bad), /not an ONNX model|cannot load/);
    } finally {
      fs.rmSync(bad);
    }
    assert.equal(openSessions(), 0);
  });

  it('reads class names and input size from ONNX metadata', () => {
    const meta = readOnnxMetadata(fs.readFileSync(path.join(FIXTURES, 'yolov5.onnx')));
    assert.deepEqual(parseClassNames(meta.names), ['gun', 'knife']);
    assert.equal(meta.imgsz, '[64, 64]');
    assert.deepEqual(parseClassNames("{0: 'person', 1: \"it's\", 2: 'car'}"), ['person', "it's", 'car']);
    assert.deepEqual(parseClassNames('["a","b"]'), ['a', 'b']);
  });
});
