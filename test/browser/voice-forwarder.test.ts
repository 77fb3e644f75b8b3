/**
 * Push-to-talk through the runtime's forwarder (voice mode `forwarder`), in Chromium with fake
 * microphones, against a real Node-RED runtime in a child process:
 *  - an operator holds the floor and a field responder on a phone hears her through the
 *    forwarder (the received level, measured with an AnalyserNode), only while she holds it;
 *  - a page that turns its own microphone on without the floor (a modified page) sends audio to
 *    the runtime, and nobody hears it: the forwarder passes on the floor holder only;
 *  - a role that may not join is refused, and the forwarder answers none of its offers;
 *  - the forwarder's UDP sockets live in the configured port range on the configured address,
 *    and are all closed when the participants leave.
 * Every wait is a readiness bound, never an assertion on speed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { logProblems } from '../support/node-red-process';
import type { VoiceRuntime } from '../support/voice-browser';
import {
  CHROMIUM, receivedLevels, RIFLE_ALERT, startVoiceRuntime, udpPortsInRange, unexpectedPageErrors, voiceChromiumArgs, VOICE_USERS, voiceLogin, voicePage, waitForPeers, writeSpeechWav,
} from '../support/voice-browser';
import { waitFor } from '../support/util';
import { skipWithoutChromium } from '../support/browser';

const READY_MS = 90_000;
const STEP_MS = 30_000;
/** As in voice.test.ts: the fake microphone arrives at an RMS of about 0.1, silence at 0. */
const HEARD = 0.01;
const SILENT = 0.002;
/** A port range of this run's own, so that nothing else's sockets are counted. */
const FIRST_PORT = 42_000 + Math.floor(Math.random() * 200) * 50;
const PORTS: [number, number] = [FIRST_PORT, FIRST_PORT + 49];
const ADDRESS = '127.0.0.1';

describe('push-to-talk through the forwarder (Chromium)', function () {
  this.timeout(300_000);
  let rt: VoiceRuntime | undefined;
  let browser: Browser | undefined;
  let alertId = '';
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const pages: Record<string, Page> = {};

  before(async function () {
    skipWithoutChromium(this);
    rt = await startVoiceRuntime(VOICE_USERS, { mode: 'forwarder', forwarder: { address: ADDRESS, portRange: PORTS } }, READY_MS);
    const wav = path.join(rt.dir, 'speech.wav');
    writeSpeechWav(wav);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: voiceChromiumArgs(wav) });
    alertId = await rt.raise(RIFLE_ALERT);
  });

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (rt) {
      await rt.runtime.stop();
      assert.deepEqual(logProblems(rt.runtime.log), [], 'the runtime logged no errors');
      assert.deepEqual(udpPortsInRange(PORTS), [], 'no socket left in the port range once the runtime stopped');
      fs.rmSync(rt.dir, { recursive: true, force: true });
    }
  });

  afterEach(function () {
    assert.deepEqual(unexpectedPageErrors(pageErrors), [], 'no errors in the browser console');
  });

  async function open(username: string, phone = false): Promise<Page> {
    const { context, page } = await voicePage(browser!, username, phone, STEP_MS, pageErrors);
    contexts.push(context);
    // The test's handles on the page's microphone and connections, to play a page that ignores the floor.
    await context.addInitScript(() => {
      const md = navigator.mediaDevices;
      const native = md.getUserMedia.bind(md);
      const w = window as unknown as { impetusMics: MediaStream[]; impetusPcs: RTCPeerConnection[]; RTCPeerConnection: unknown };
      w.impetusMics = [];
      w.impetusPcs = [];
      md.getUserMedia = async (constraints) => {
        const stream = await native(constraints);
        w.impetusMics.push(stream);
        return stream;
      };
      const NativePc = RTCPeerConnection;
      w.RTCPeerConnection = class extends NativePc {
        constructor(config?: RTCConfiguration) {
          super(config);
          w.impetusPcs.push(this);
        }
      };
    });
    await voiceLogin(page, rt!.base, username);
    await page.goto(`${rt!.base}alerts/${encodeURIComponent(alertId)}`);
    pages[username] = page;
    return page;
  }

  async function join(page: Page, others: number): Promise<void> {
    await page.locator('.detail-head h1').waitFor();
    await page.locator('.voice-join', { hasText: 'Join voice' }).click();
    await page.locator('.voice-status', { hasText: /Channel clear|is speaking/ }).waitFor();
    await waitForPeers(page, others);
  }

  /** The loudest level the page plays from the forwarder over a short window. */
  const heard = async (page: Page) => (await receivedLevels(page))[FORWARDER_USER] ?? 0;
  const FORWARDER_USER = 'forwarder';

  it('two participants: the field responder hears the operator through the forwarder, only while she holds the floor', async () => {
    const olga = await open('olga');
    const fatima = await open('fatima', true);
    await join(olga, 0);
    await join(fatima, 1);
    await olga.locator('.voice-people li[data-state="connected"]', { hasText: 'Fatima Conte' }).waitFor();
    // One connection per page, to the forwarder; none between the browsers.
    for (const page of [olga, fatima]) assert.deepEqual(await page.$$eval('audio.voice-peer', (els) => els.map((e) => (e as HTMLElement).dataset.peer)), ['forwarder']);
    assert.ok(udpPortsInRange(PORTS).length >= 2, 'the forwarder listens in its port range, one socket per participant');
    assert.ok(await heard(fatima) < SILENT, 'nothing is heard before anyone takes the floor');

    await olga.locator('.voice-talk').hover();
    await olga.mouse.down();
    await fatima.locator('.voice-status', { hasText: 'Olga Berg (operator) is speaking' }).waitFor();
    let level = 0;
    await waitFor(async () => (level = await heard(fatima)) > HEARD, `Olga heard through the forwarder (last level ${level})`, STEP_MS, 50);
    await olga.waitForTimeout(1000);
    await olga.mouse.up();
    await fatima.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
    let after = 1;
    await waitFor(async () => (after = await heard(fatima)) < SILENT, `silence after the release (last ${after})`, STEP_MS, 50);
    assert.ok(await heard(olga) < SILENT, 'the speaker does not hear herself back');
    console.log(`      received level through the forwarder: ${level.toFixed(3)} RMS while Olga held the floor, ${after.toFixed(4)} after`);
  });

  it('a page that opens its microphone without the floor sends audio to the runtime, and nobody hears it', async () => {
    const { olga, fatima } = pages;
    const sven = await open('sven');
    await join(sven, 2);
    // Olga's page ignores the floor: her microphone on, no talk asked.
    await olga.evaluate(() => (window as unknown as { impetusMics: MediaStream[] }).impetusMics.forEach((s) => s.getAudioTracks().forEach((t) => { t.enabled = true; })));
    // Her audio does leave her page: what it sends to the forwarder grows, with a sound level.
    const sent = () => olga.evaluate(async () => {
      let bytes = 0;
      let level = 0;
      for (const pc of (window as unknown as { impetusPcs: RTCPeerConnection[] }).impetusPcs) {
        (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesSent?: number; audioLevel?: number }) => {
          if (r.type === 'outbound-rtp' && r.kind === 'audio') bytes += r.bytesSent ?? 0;
          if (r.type === 'media-source' && r.kind === 'audio') level = Math.max(level, r.audioLevel ?? 0);
        });
      }
      return { bytes, level };
    });
    const first = await sent();
    let loudest = 0;
    for (let i = 0; i < 4; i += 1) loudest = Math.max(loudest, await heard(fatima), await heard(sven));
    const then = await sent();
    assert.ok(then.bytes > first.bytes && then.level > 0.01, `Olga's page sent her voice (${first.bytes} → ${then.bytes} bytes, level ${then.level})`);
    assert.ok(loudest < SILENT, `nobody heard her without the floor (loudest ${loudest})`);

    // With the floor, the same microphone is heard.
    await olga.locator('.voice-talk').hover();
    await olga.mouse.down();
    await sven.locator('.voice-status', { hasText: 'Olga Berg (operator) is speaking' }).waitFor();
    let level = 0;
    await waitFor(async () => (level = await heard(sven)) > HEARD, `Olga heard once she holds the floor (last ${level})`, STEP_MS, 50);
    await olga.mouse.up();
    await sven.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
    let after = 1;
    await waitFor(async () => (after = Math.max(await heard(sven), await heard(fatima))) < SILENT, `silence again after the release, her microphone still on (last ${after})`, STEP_MS, 50);
  });

  it('a role that may not join is refused, and the forwarder answers none of its offers', async () => {
    const carl = await open('carl');
    await carl.locator('.form-error', { hasText: 'does not exist, or your role may not see it' }).waitFor();
    const answers = await carl.evaluate((channel) => new Promise<string[]>((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/impetus/ws`);
      const got: string[] = [];
      ws.onopen = async () => {
        ws.send(JSON.stringify({ type: 'voice', op: 'join', channel, instance: 'forced' }));
        const pc = new RTCPeerConnection();
        pc.addTransceiver('audio', { direction: 'sendrecv' });
        await pc.setLocalDescription(await pc.createOffer());
        ws.send(JSON.stringify({ type: 'voice', op: 'signal', channel, to: 'forwarder', data: { description: pc.localDescription!.toJSON() } }));
        setTimeout(() => {
          pc.close();
          ws.close();
          resolve(got);
        }, 2000);
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data as string);
        if (msg.type === 'voice') got.push(`${msg.op}: ${msg.reason ?? msg.message ?? ''}`);
      };
    }), `alert:${alertId}`);
    // The join is refused once the access rule answered; the offer, sent meanwhile, at once.
    assert.deepEqual(answers.sort(), ['error: not in this channel, or no such peer', 'refused: your role may not join this channel']);
  });

  it('closes every socket of the forwarder when the participants leave', async () => {
    const open = udpPortsInRange(PORTS);
    assert.ok(open.length >= 3, `three participants, three sockets at least: ${open.join(', ')}`);
    for (const address of open) assert.ok(address.startsWith(`${ADDRESS}:`), `bound to the configured address: ${address}`);
    for (const name of ['olga', 'fatima', 'sven']) await pages[name].locator('.voice-join', { hasText: 'Leave voice' }).click();
    await waitFor(() => udpPortsInRange(PORTS).length === 0, 'the forwarder\'s sockets closed', STEP_MS, 100);
  });
});
