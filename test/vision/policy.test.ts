import assert from 'node:assert/strict';
import { AlertPolicy } from '../../nodes/vision/alerting';
import type { Detection } from '../../nodes/vision/detector';
import { FrameGate } from '../../nodes/vision/frame-gate';
import { nms, zoneAt } from '../../nodes/vision/geometry';
import { Cooldown, IouTracker, type TrackerOptions } from '../../nodes/vision/tracker';
import { JpegStreamParser } from '../../nodes/camera/mjpeg';

const det = (x: number, score: number, className = 'handgun', classId = 0): Detection => ({ x1: x, y1: 100, x2: x + 20, y2: 130, score, classId, className });
const median: TrackerOptions = { mode: 'median', window: 5, minHits: 3, threshold: 0.5, matchIou: 0.3, maxMissed: 3 };

describe('false-alarm controls', function () {
  it('class-aware NMS keeps overlapping boxes of different classes', () => {
    const kept = nms([det(0, 0.9), det(1, 0.8), det(1, 0.7, 'knife', 1)], 0.45);
    assert.deepEqual(kept.map((d) => d.score), [0.9, 0.7]);
  });

  it('tests zones at the bottom-centre of the box', () => {
    const zones = [{ name: 'square', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] as Array<[number, number]> }];
    // Box from y 20 to 60 of 100: centre (y 40) is outside, bottom-centre (y 60) inside.
    assert.equal(zoneAt({ x1: 10, y1: 20, x2: 30, y2: 60 }, 100, 100, zones)?.name, 'square');
    assert.equal(zoneAt({ x1: 10, y1: 0, x2: 30, y2: 40 }, 100, 100, zones), undefined);
    assert.equal(zoneAt({ x1: 10, y1: 0, x2: 30, y2: 40 }, 100, 100, []), null);
  });

  it('median confirmation ignores a one-frame spike and confirms a held weapon', () => {
    const t = new IouTracker(median);
    assert.equal(t.update([det(50, 0.95)]).length, 0);
    assert.equal(t.update([]).length, 0);
    assert.equal(t.update([]).length, 0);
    const held = new IouTracker(median);
    assert.equal(held.update([det(50, 0.7)]).length, 0);
    assert.equal(held.update([det(52, 0.6)]).length, 0);
    const confirmed = held.update([det(54, 0.8)]);
    assert.equal(confirmed.length, 1);
    assert.deepEqual(confirmed[0].scores, [0.7, 0.6, 0.8]);
  });

  it('k-of-n confirmation needs K matched frames in the last N', () => {
    const t = new IouTracker({ ...median, mode: 'k-of-n', window: 4, minHits: 3 });
    assert.equal(t.update([det(50, 0.9)]).length, 0);
    assert.equal(t.update([]).length, 0);
    assert.equal(t.update([det(50, 0.9)]).length, 0);
    assert.equal(t.update([det(50, 0.9)]).length, 1);
  });

  it('cooldown allows one alert per camera per period', () => {
    const c = new Cooldown(1000);
    assert.equal(c.take('cam1', 0), true);
    assert.equal(c.take('cam1', 500), false);
    assert.equal(c.take('cam2', 500), true);
    assert.equal(c.take('cam1', 1000), true);
  });

  it('policy filters class and area, tracks per camera and applies the cooldown', () => {
    const p = new AlertPolicy({ classes: ['handgun'], minArea: 0.001, maxArea: 0.5 }, { ...median, minHits: 2 }, 10_000);
    const cam = { id: 'c1', zone: 'north' };
    const frame = (d: Detection[]) => ({ width: 640, height: 480, detections: d });
    const knife = det(300, 0.9, 'knife', 1);
    const tiny = { ...det(10, 0.9), x2: 12, y2: 102 };
    assert.deepEqual(p.decide(cam, frame([det(50, 0.9), knife, tiny]), 0).detections.map((d) => d.className), ['handgun']);
    const second = p.decide(cam, frame([det(51, 0.9)]), 100);
    assert.equal(second.alert.length, 1);
    assert.equal(second.alert[0].last.zone, 'north');
    const third = p.decide(cam, frame([det(52, 0.9)]), 200);
    assert.equal(third.alert.length, 0);
    assert.equal(third.cooledDown, 1);
    // Another camera has its own tracks: one frame is not enough there.
    assert.equal(p.decide({ id: 'c2' }, frame([det(50, 0.9)]), 300).alert.length, 0);
  });

  it('latest frame wins per camera while the detector is busy', async () => {
    const done: string[] = [];
    const dropped: string[] = [];
    let release: () => void = () => undefined;
    const gate = new FrameGate<string>(1, (f) => new Promise<void>((r) => { done.push(f); release = r; }), (f) => dropped.push(f));
    gate.offer('a', 'a1');
    gate.offer('a', 'a2');
    gate.offer('b', 'b1');
    gate.offer('a', 'a3');
    assert.deepEqual(dropped, ['a2']);
    assert.equal(gate.dropped, 1);
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await new Promise((r) => setImmediate(r));
    // b1 waited longer than a3, so it goes first.
    assert.deepEqual(done, ['a1', 'b1', 'a3']);
  });
});

describe('MJPEG stream parsing', function () {
  const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(n, n), Buffer.from([0xff, 0xd9])]);

  it('splits frames at any chunk boundary and skips multipart headers', () => {
    const stream = Buffer.concat([Buffer.from('--frame\r\nContent-Type: image/jpeg\r\n\r\n'), jpeg(10), Buffer.from('\r\n--frame\r\n\r\n'), jpeg(20), Buffer.from('\r\n')]);
    for (let cut = 1; cut < stream.length; cut++) {
      const frames: Buffer[] = [];
      const p = new JpegStreamParser((f) => frames.push(f));
      p.push(stream.subarray(0, cut));
      p.push(stream.subarray(cut));
      assert.deepEqual(frames, [jpeg(10), jpeg(20)], `cut at ${cut}`);
    }
  });

  it('keeps an embedded thumbnail inside its frame', () => {
    const withThumb = Buffer.concat([Buffer.from([0xff, 0xd8, 1]), jpeg(3), Buffer.from([2, 0xff, 0xd9])]);
    const frames: Buffer[] = [];
    new JpegStreamParser((f) => frames.push(f)).push(withThumb);
    assert.deepEqual(frames, [withThumb]);
  });

  it('drops an oversized frame and resynchronises', () => {
    const frames: Buffer[] = [];
    const p = new JpegStreamParser((f) => frames.push(f), 100);
    p.push(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(150, 1)]));
    p.push(Buffer.concat([Buffer.alloc(50, 1), Buffer.from([0xff, 0xd9]), jpeg(5)]));
    assert.equal(p.oversized, 1);
    assert.deepEqual(frames, [jpeg(5)]);
  });
});
