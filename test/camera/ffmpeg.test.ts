/**
 * impetus-camera-in reading video files through Debian's ffmpeg, in a real Node-RED runtime. The
 * video is made at test time by ffmpeg itself (lavfi's test pattern), so no binary is committed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { startSource } from '../../nodes/camera/sources';
import { skipOrFail } from '../support/services';
import { helper, load, node, tempDir, useRuntime, waitFor } from '../support/nodered';

const modules = [require('../../nodes/camera/impetus-camera-in'), require('@node-red/nodes/core/common/25-catch.js')];
const TAB = { id: 't', type: 'tab' };
const SECONDS = 2;

interface Frame { payload: Buffer; camera: { id: string; position?: number[] }; timestamp: number; topic: string }
/** Status texts are i18n keys under the test helper: the fill is what the tests read. */
interface Status { fill?: string; text?: string }

/** The flow: a camera reading `url`, a helper for its frames, a Catch node for its errors. */
async function camera(url: string, extra: object = {}) {
  await load(modules, [
    TAB,
    { id: 'c', z: 't', type: 'impetus-camera-in', cameraId: 'cam-video', source: 'ffmpeg', url, fps: 5, loop: false, lon: '10.75', lat: '59.91', wires: [['out']], ...extra },
    { id: 'out', z: 't', type: 'helper' },
    { id: 'catcher', z: 't', type: 'catch', scope: ['c'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 't', type: 'helper' },
  ]);
  const frames: Frame[] = [];
  const statuses: Status[] = [];
  const caught: Array<{ error: { message: string }; camera?: { id: string } }> = [];
  node('out').on('input', ((m: Frame) => frames.push(m)) as never);
  node('caught').on('input', ((m: (typeof caught)[number]) => caught.push(m)) as never);
  node('c').on('call:status', ((call: { args: Status[] }) => statuses.push(call.args[0])) as never);
  return { frames, statuses, caught, last: () => statuses[statuses.length - 1] ?? {} };
}

/** ffmpeg processes this runtime started and has not reaped, zombies included (Linux /proc). */
function ffmpegChildren(): Array<{ pid: number; state: string }> {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return [];
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after its last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return comm === 'ffmpeg' && Number(ppid) === process.pid ? [{ pid: Number(pid), state }] : [];
  });
}

function send(payload: string): void {
  node('c').receive({ payload });
}

describe('camera in: video files through ffmpeg', function () {
  this.timeout(60_000);
  let dir = '';
  let video = '';

  before(function () {
    if (spawnSync('ffmpeg', ['-version']).error) skipOrFail(this, 'ffmpeg is not installed (apt-get install ffmpeg)');
    dir = tempDir('impetus-video-');
    video = path.join(dir, 'clip.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', String(SECONDS), '-pix_fmt', 'yuv420p', video]);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
  const userDir = useRuntime();
  afterEach(() => assert.deepEqual(ffmpegChildren(), [], 'no ffmpeg left behind'));

  it('the source: exactly duration × fps JPEG frames from a file, then the end; looped, until stopped', async () => {
    const frames: Buffer[] = [];
    const ended = await new Promise<Error | undefined>((resolve) => {
      startSource({ kind: 'ffmpeg', target: video, fps: 5, loop: false, maxBytes: 1 << 20 }, (f) => frames.push(f), resolve, resolve);
    });
    assert.equal(ended, undefined, 'a normal end');
    assert.equal(frames.length, SECONDS * 5, `${SECONDS} s at 5 frames/s`);
    const looped: Buffer[] = [];
    const source = startSource({ kind: 'ffmpeg', target: video, fps: 10, loop: true, maxBytes: 1 << 20 }, (f) => looped.push(f), assert.fail, assert.fail);
    await waitFor(() => looped.length > SECONDS * 10 + 2, 'frames from a second pass', 30_000);
    await source.stop();
    assert.deepEqual(ffmpegChildren(), [], 'stop() resolves once ffmpeg is gone');
  });

  it('the node: JPEG frames with the camera and capture time, at the video\'s own speed, then ended', async () => {
    const started = Date.now();
    const cam = await camera(video);
    await waitFor(() => cam.last().fill === 'yellow', 'the end of the video', 30_000);
    const count = cam.frames.length;
    // The rate limit may drop a frame on a loaded machine (latest wins); it never adds one.
    assert.ok(count <= SECONDS * 5 && count >= SECONDS * 5 - 2, `${count} frames for ${SECONDS} s at 5 frames/s`);
    for (const f of cam.frames) {
      const meta = await sharp(f.payload).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 240]);
      assert.equal(f.camera.id, 'cam-video');
      assert.equal(f.topic, 'cam-video');
      assert.deepEqual(f.camera.position, [10.75, 59.91]);
    }
    const times = cam.frames.map((f) => f.timestamp);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok(times[0] >= started && times[times.length - 1] <= Date.now());
    // Read at the video's own speed (-re), not as fast as it decodes.
    assert.ok(times[times.length - 1] - times[0] >= (SECONDS - 0.6) * 1000, 'spread over the video duration');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(cam.frames.length, count, 'nothing after the end');
    assert.equal(cam.caught.length, 0);
  });

  it('loops until stopped, starts again, and ends ffmpeg on stop and on close', async () => {
    // A path relative to the user directory, like an image folder.
    fs.copyFileSync(video, path.join(userDir(), 'clip.mp4'));
    const cam = await camera('clip.mp4', { loop: true, fps: 10 });
    await waitFor(() => cam.frames.length > SECONDS * 10 + 2, 'frames from a second pass', 30_000);
    assert.equal(ffmpegChildren().length, 1);
    send('stop');
    await waitFor(() => cam.last().fill === 'yellow', 'the stop');
    assert.deepEqual(ffmpegChildren(), [], 'ffmpeg was gone before the node said it stopped');
    const before = cam.frames.length;
    send('start');
    await waitFor(() => cam.frames.length > before, 'frames after the restart');
    assert.equal(ffmpegChildren().length, 1);
    await helper.unload();
    assert.deepEqual(ffmpegChildren(), [], 'close waited for ffmpeg to go');
    assert.equal(cam.caught.length, 0, 'stopping is not an error');
  });

  it('ffmpeg dying mid-stream: red status, an error with the camera for Catch nodes, and restart works', async () => {
    const cam = await camera(video, { loop: true });
    await waitFor(() => cam.frames.length > 0, 'a first frame');
    const [child] = ffmpegChildren();
    process.kill(child.pid, 'SIGKILL');
    await waitFor(() => cam.caught.length > 0, 'the error');
    assert.match(cam.caught[0].error.message, /camera cam-video: ffmpeg was killed by SIGKILL while reading .*clip\.mp4/);
    assert.equal(cam.caught[0].camera?.id, 'cam-video');
    await waitFor(() => cam.last().fill === 'red', 'a red status');
    assert.deepEqual(ffmpegChildren(), [], 'reaped');
    const before = cam.frames.length;
    send('restart');
    await waitFor(() => cam.frames.length > before, 'frames after the restart');
  });

  it('a missing file and a file that is not a video: red status and the cause, for Catch nodes', async () => {
    fs.writeFileSync(path.join(userDir(), 'notes.mp4'), 'these are notes, not a video\n');
    for (const [file, cause] of [['missing.mp4', /missing\.mp4: No such file or directory/], ['notes.mp4', /notes\.mp4: Invalid data found when processing input/]] as const) {
      const cam = await camera(file);
      await waitFor(() => cam.caught.length > 0, `the error for ${file}`);
      assert.match(cam.caught[0].error.message, /^camera cam-video: ffmpeg exited with 1: /);
      assert.match(cam.caught[0].error.message, cause);
      await waitFor(() => cam.last().fill === 'red', 'a red status');
      assert.equal(cam.frames.length, 0);
      await helper.unload();
    }
  });
});

describe('camera in: ffmpeg not installed', function () {
  useRuntime();

  it('says so plainly: red status and an error for Catch nodes', async () => {
    const saved = process.env.PATH;
    // A PATH without ffmpeg: the spawn fails the way it does on a machine without Debian's ffmpeg.
    process.env.PATH = tempDir('no-ffmpeg-');
    try {
      const cam = await camera('/tmp/clip.mp4');
      await waitFor(() => cam.caught.length > 0, 'the ffmpeg error');
      assert.equal(cam.caught[0].error.message, 'camera cam-video: ffmpeg is not installed (apt-get install ffmpeg)');
      await waitFor(() => cam.last().fill === 'red', 'a red status');
    } finally {
      fs.rmSync(process.env.PATH, { recursive: true, force: true });
      process.env.PATH = saved;
    }
  });
});
