import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlertPolicy } from '../../nodes/vision/alerting';
import { Detector } from '../../nodes/vision/detector';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { acquireModel, DEMO_MODEL } from '../../nodes/vision/model-registry';
import { DEFAULT_TRACKER } from '../../nodes/vision/tracker';

describe('the shipped demo firearm model', function () {
  it('is small, names its classes and input size, and confirms the rifle in the demo square replay', async () => {
    assert.ok(fs.statSync(DEMO_MODEL).size < 15 * 1024 * 1024);
    const model = await acquireModel(DEMO_MODEL, { threads: 1 });
    try {
      assert.deepEqual(model.info.classNames, ['handgun', 'rifle', 'knife']);
      assert.deepEqual([model.info.inputWidth, model.info.inputHeight], [256, 256]);
      const detector = new Detector(model, { minScore: 0.25, iou: 0.45 });
      const policy = new AlertPolicy({ classes: ['handgun', 'rifle'], minArea: 0, maxArea: 1 }, DEFAULT_TRACKER, 0);
      const dir = path.join(PACKAGE_ROOT, 'flows', 'frames', 'square');
      const confirmed: string[] = [];
      for (const [i, file] of fs.readdirSync(dir).sort().entries()) {
        const frame = await detector.detect(fs.readFileSync(path.join(dir, file)));
        confirmed.push(...policy.decide({ id: 'square' }, frame, i * 500).alert.map((t) => t.last.className));
      }
      assert.ok(confirmed.includes('rifle'), `confirmed: ${confirmed.join(', ') || 'nothing'}`);
    } finally {
      await model.release();
    }
  });

  it('infers in its own thread: the event loop keeps turning while a frame is inferred', async () => {
    const model = await acquireModel(DEMO_MODEL, { threads: 1 });
    try {
      const size = [1, 3, model.info.inputHeight, model.info.inputWidth];
      await model.infer(new Float32Array(3 * size[2] * size[3]), size);
      // onnxruntime-node's own run() holds the thread for the whole inference: on this thread,
      // no setImmediate callback would run until it is over.
      let turns = 0;
      let inferring = true;
      const spin = () => {
        turns++;
        if (inferring) setImmediate(spin);
      };
      setImmediate(spin);
      for (let i = 0; i < 5; i++) await model.infer(new Float32Array(3 * size[2] * size[3]), size);
      inferring = false;
      assert.ok(turns > 25, `the event loop turned ${turns} times during 5 inferences`);
    } finally {
      await model.release();
    }
  });
});
