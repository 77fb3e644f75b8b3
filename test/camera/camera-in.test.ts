import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { allNodes, helper, load, nextMessage, node, useRuntime, waitFor } from '../support/nodered';
import { FIXTURES, frame } from '../support/frames';

const TAB = { id: 't', type: 'tab' };

describe('camera in node', function () {
  const dir = () => path.join(FIXTURES, '..', 'camera-frames');
  useRuntime();
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function listen(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('replays an image folder in name order with the camera description', async () => {
    fs.mkdirSync(dir(), { recursive: true });
    const frames = await Promise.all([1, 2, 3].map((i) => frame(16 * i, 16)));
    frames.forEach((f, i) => fs.writeFileSync(path.join(dir(), `f${i}.jpg`), f));
    try {
      await load(allNodes, [TAB, { id: 'c', z: 't', type: 'impetus-camera-in', cameraId: 'cam1', source: 'folder', folder: dir(), fps: 50, loop: false, lon: '11.87', lat: '45.40', zones: '[{"name":"z","polygon":[[0,0],[1,0],[1,1]]}]', wires: [['out']] }, { id: 'out', z: 't', type: 'helper' }]);
      const got: Array<{ payload: Buffer; camera: { id: string; position: number[]; zones: unknown[] }; timestamp: number }> = [];
      node('out').on('input', ((m: never) => got.push(m)) as never);
      await waitFor(() => got.length === 3, 'three frames');
      assert.deepEqual(got.map((m) => m.payload), frames);
      assert.deepEqual(got[0].camera.position, [11.87, 45.4]);
      assert.equal(got[0].camera.zones.length, 1);
    } finally {
      fs.rmSync(dir(), { recursive: true, force: true });
    }
  });

  it('reports a missing image folder once, with a clear status, retries with back-off and starts when it appears', async () => {
    const missing = path.join(dir(), 'not-yet');
    fs.rmSync(dir(), { recursive: true, force: true });
    try {
      await load(allNodes, [TAB,
        { id: 'c', z: 't', type: 'impetus-camera-in', cameraId: 'cam1', source: 'folder', folder: missing, fps: 50, loop: true, autostart: false, wires: [['out']] },
        { id: 'out', z: 't', type: 'helper' },
        { id: 'caught', z: 't', type: 'catch', scope: ['c'], uncaught: false, wires: [['errors']] },
        { id: 'errors', z: 't', type: 'helper' }]);
      const errors: Array<{ error: { message: string } }> = [];
      node('errors').on('input', ((m: never) => errors.push(m)) as never);
      const statuses: Array<{ fill?: string; text?: string }> = [];
      node('c').on('call:status', ((call: { args: [{ fill?: string; text?: string }] }) => statuses.push(call.args[0])) as never);
      node('c').receive({ payload: 'start' });
      // At 50 frames/s a retry every frame would log 75 errors in 1.5 s.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(errors.length, 1, `one error logged, not one per retry: ${errors.map((e) => e.error.message).join('; ')}`);
      assert.match(errors[0].error.message, /camera cam1: image folder .*not-yet not found/);
      assert.match(String(statuses.at(-1)?.text), /^image folder /, 'the status names the missing folder (shortened to fit)');
      assert.equal(statuses.at(-1)?.fill, 'red');

      fs.mkdirSync(missing, { recursive: true });
      fs.writeFileSync(path.join(missing, 'f0.jpg'), await frame());
      await nextMessage(node('out'));
      assert.equal(errors.length, 1, 'no more errors once the folder is there');
    } finally {
      fs.rmSync(dir(), { recursive: true, force: true });
    }
  });

  it('polls an HTTP snapshot URL with the credentials', async () => {
    const img = await frame();
    let unauthorised = 0;
    const url = await listen((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('op:s3cret').toString('base64')}`) {
        unauthorised++;
        return res.writeHead(401).end();
      }
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(img);
    });
    const flow = [TAB, { id: 'c', z: 't', type: 'impetus-camera-in', cameraId: 'cam2', source: 'http', url: `${url}/snap.jpg`, fps: 20, wires: [['out']] }, { id: 'out', z: 't', type: 'helper' }];
    await helper.load(allNodes as never, flow as never, { c: { user: 'op', password: 's3cret' } } as never);
    const m = await nextMessage<{ payload: Buffer }>(node('out'));
    assert.deepEqual(m.payload, img);
    assert.equal(unauthorised, 0);
  });

  it('splits an MJPEG stream and lets the latest frame win above the frame rate', async () => {
    const imgs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => frame(8 * i, 8)));
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=fr' });
      // All six frames at once: far above 2 frames/s, so the node must drop the middle ones.
      for (const f of imgs) res.write(Buffer.concat([Buffer.from('--fr\r\nContent-Type: image/jpeg\r\n\r\n'), f, Buffer.from('\r\n')]));
    });
    await load(allNodes, [TAB, { id: 'c', z: 't', type: 'impetus-camera-in', cameraId: 'cam3', source: 'mjpeg', url, fps: 2, wires: [['out']] }, { id: 'out', z: 't', type: 'helper' }]);
    const got: Buffer[] = [];
    node('out').on('input', ((m: { payload: Buffer }) => got.push(m.payload)) as never);
    await waitFor(() => got.length === 2, 'two frames', 5000);
    assert.deepEqual(got, [imgs[0], imgs[5]]);
  });
});
