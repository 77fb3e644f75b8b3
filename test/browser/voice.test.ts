/**
 * Push-to-talk in Chromium with fake microphones (a generated speech-like WAV), against a real
 * Node-RED runtime in a child process, as the people on an alert would use it:
 *  - an operator at a desk and a field responder on a phone join the alert's channel; what the
 *    speaker says reaches the other (the received level, measured with an AnalyserNode), and
 *    only while the speaker holds the floor;
 *  - a supervisor joins (three participants): one speaker at a time, the others refused, the
 *    supervisor's priority takes the channel;
 *  - a cyber specialist, whose view does not hold the alert, cannot join;
 *  - the phone drops off the network and comes back: it rejoins and hears again;
 *  - each transmission is recorded by the speaker's browser, appears in the alert's history
 *    with speaker and duration, plays, and is gone after the retention time;
 *  - on the page of the alert's incident, two participants talk on its `incident:<id>` channel
 *    and the transmission appears in the incident's timeline with speaker and duration.
 * Every wait is a readiness bound, never an assertion on speed. `npm run screenshots` keeps its
 * picture of the phone in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { logProblems } from '../support/node-red-process';
import type { VoiceRuntime } from '../support/voice-browser';
import {
  CHROMIUM, receivedLevels, RIFLE_ALERT, startVoiceRuntime, unexpectedPageErrors, voiceChromiumArgs, VOICE_USERS, voiceLogin, voicePage, waitForPeers, writeSpeechWav,
} from '../support/voice-browser';
import { waitFor } from '../support/util';
import { skipWithoutChromium } from '../support/browser';

const READY_MS = 90_000;
const STEP_MS = 30_000;
/** Recordings are kept this long here (the setting is in hours). */
const RETENTION_S = 25;
/**
 * What counts as hearing someone: the fake microphone's syllables arrive at an RMS of about
 * 0.1; a muted track (no floor) arrives as digital silence, 0. Far from both.
 */
const HEARD = 0.01;
const SILENT = 0.002;

describe('push-to-talk voice in the browser (Chromium)', function () {
  this.timeout(300_000);
  let rt: VoiceRuntime | undefined;
  let browser: Browser | undefined;
  let alertId = '';
  let screenshots = '';
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const pages: Record<string, Page> = {};

  before(async function () {
    skipWithoutChromium(this);
    // The mesh (browser to browser); the forwarder has voice-forwarder.test.ts.
    rt = await startVoiceRuntime(VOICE_USERS, { mode: 'mesh', recording: { enabled: true, retentionHours: RETENTION_S / 3600 } }, READY_MS);
    const wav = path.join(rt.dir, 'speech.wav');
    writeSpeechWav(wav);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: voiceChromiumArgs(wav) });
    screenshots = process.env.IMPETUS_SCREENSHOTS ? path.resolve(process.env.IMPETUS_SCREENSHOTS) : path.join(rt.dir, 'screenshots');
    fs.mkdirSync(screenshots, { recursive: true });
    alertId = await rt.raise(RIFLE_ALERT);
  });

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (rt) {
      await rt.runtime.stop();
      assert.deepEqual(logProblems(rt.runtime.log), [], 'the runtime logged no errors');
      fs.rmSync(rt.dir, { recursive: true, force: true });
    }
  });

  afterEach(function () {
    assert.deepEqual(unexpectedPageErrors(pageErrors), [], 'no errors in the browser console');
  });

  /** A logged-in page on the alert (or at `at`); `phone`: a touch screen, where push-to-talk is a toggle. */
  async function openAlert(username: string, phone = false, visible = true, at = `alerts/${encodeURIComponent(alertId)}`): Promise<Page> {
    const { context, page } = await voicePage(browser!, username, phone, STEP_MS, pageErrors);
    contexts.push(context);
    // The test's way to cut the live connection as a network drop would: every WebSocket the page opens.
    await context.addInitScript(() => {
      const Native = WebSocket;
      const sockets: WebSocket[] = [];
      (window as unknown as { WebSocket: unknown }).WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          sockets.push(this);
        }
      };
      (window as unknown as { impetusDropLive: () => void }).impetusDropLive = () => sockets.forEach((ws) => ws.close());
    });
    await voiceLogin(page, rt!.base, username);
    await page.goto(`${rt!.base}${at}`);
    if (visible) await page.locator('.detail-head h1').waitFor();
    pages[username] = page;
    return page;
  }

  async function join(page: Page): Promise<void> {
    await page.locator('.voice-join', { hasText: 'Join voice' }).click();
    await page.locator('.voice-status', { hasText: /Channel clear|is speaking/ }).waitFor();
  }

  /** The loudest level heard from `from` on `page`, over a short window. */
  const heard = async (page: Page, from: string) => (await receivedLevels(page))[from] ?? 0;

  /** Waits until `page` hears `from` (level above HEARD); returns the level. */
  async function hears(page: Page, from: string): Promise<number> {
    let level = 0;
    await waitFor(async () => (level = await heard(page, from)) > HEARD, `${from} to be heard (last level ${level})`, STEP_MS, 50);
    return level;
  }

  it('two participants: the operator holds the button and the field responder on a phone hears her, only while she holds it', async () => {
    const olga = await openAlert('olga');
    const fatima = await openAlert('fatima', true);
    await join(olga);
    await join(fatima);
    await waitForPeers(olga, 1);
    await waitForPeers(fatima, 1);
    assert.equal(await fatima.locator('.voice-talk').textContent(), 'Tap to talk', 'a phone taps to talk');
    assert.equal(await olga.locator('.voice-talk').textContent(), 'Hold to talk');
    assert.ok(await heard(fatima, 'olga') < SILENT, 'nothing is heard before anyone takes the floor');

    const button = olga.locator('.voice-talk');
    await button.hover();
    await olga.mouse.down();
    await olga.locator('.voice-talk.speaking').waitFor();
    await fatima.locator('.voice-status', { hasText: 'Olga Berg (operator) is speaking' }).waitFor();
    await fatima.locator('.voice-people li.speaking', { hasText: 'Olga Berg' }).waitFor();
    const level = await hears(fatima, 'olga');
    // For the docs (`npm run screenshots`): the phone while the operator speaks.
    await fatima.evaluate(() => window.scrollTo(0, 0));
    await fatima.screenshot({ path: path.join(screenshots, 'voice-phone.png') });
    await olga.waitForTimeout(1500);
    await olga.mouse.up();
    await fatima.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
    let after = 1;
    await waitFor(async () => (after = await heard(fatima, 'olga')) < SILENT, `silence after the release (last ${after})`, STEP_MS, 50);
    console.log(`      received level: ${level.toFixed(3)} RMS while Olga held the floor, ${after.toFixed(4)} after`);
  });

  it('three participants: one speaker at a time; the supervisor\'s priority takes the channel', async () => {
    const { olga, fatima } = pages;
    const sven = await openAlert('sven');
    await join(sven);
    await waitForPeers(sven, 2);
    await waitForPeers(olga, 2);
    await waitForPeers(fatima, 2);
    assert.equal(await sven.locator('.voice-talk').textContent(), 'Hold to talk (priority)');

    // The phone taps once to talk, and everyone else hears it.
    await fatima.locator('.voice-talk').tap();
    await fatima.locator('.voice-talk.speaking', { hasText: 'tap to stop' }).waitFor();
    for (const page of [olga, sven]) {
      await page.locator('.voice-status', { hasText: 'Fatima Conte (field) is speaking' }).waitFor();
      await hears(page, 'fatima');
    }
    // The operator is refused while Fatima speaks.
    await olga.locator('.voice-talk').hover();
    await olga.mouse.down();
    await olga.locator('.toast', { hasText: 'Fatima Conte (field) is speaking: wait for the channel' }).waitFor();
    await olga.mouse.up();
    assert.equal(await olga.locator('.voice-talk.speaking').count(), 0);

    // The supervisor takes the channel: Fatima is told, and her microphone closes.
    await sven.locator('.voice-talk').hover();
    await sven.mouse.down();
    await sven.locator('.voice-talk.speaking').waitFor();
    await fatima.locator('.toast', { hasText: 'Sven Dahl (supervisor) took the channel' }).waitFor();
    await fatima.locator('.voice-talk:not(.speaking)').waitFor();
    await olga.locator('.voice-status', { hasText: 'Sven Dahl (supervisor) is speaking' }).waitFor();
    await hears(olga, 'sven');
    await hears(fatima, 'sven');
    let fromFatima = 1;
    await waitFor(async () => (fromFatima = await heard(olga, 'fatima')) < SILENT, `Fatima silent once preempted (last ${fromFatima})`, STEP_MS, 50);
    await sven.waitForTimeout(1000);
    await sven.mouse.up();
    await olga.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
  });

  it('a role whose view does not hold the alert cannot join, in the page or over the socket', async () => {
    const carl = await openAlert('carl', false, false);
    await carl.locator('.form-error', { hasText: 'does not exist, or your role may not see it' }).waitFor();
    assert.equal(await carl.locator('.voice').count(), 0);
    const answer = await carl.evaluate((channel) => new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/impetus/ws`);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'voice', op: 'join', channel, instance: 'forced' }));
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data as string);
        if (msg.type === 'voice') {
          resolve(`${msg.op}: ${msg.reason}`);
          ws.close();
        }
      };
    }), `alert:${alertId}`);
    assert.equal(answer, 'refused: your role may not join this channel');
    const recordings = await carl.evaluate((channel) => fetch(`api/voice/${encodeURIComponent(channel)}/recordings`).then((r) => r.status), `alert:${alertId}`);
    assert.equal(recordings, 404);
  });

  it('reconnects after a network drop: the phone rejoins and hears again', async () => {
    const { olga, fatima } = pages;
    const context = fatima.context();
    await context.setOffline(true);
    // Going off line does not end an open WebSocket at once (the server notices by its ping
    // later); the page's socket is cut here, as the drop would in the end.
    await fatima.evaluate(() => (window as unknown as { impetusDropLive: () => void }).impetusDropLive());
    await fatima.locator('.voice-status', { hasText: 'Connection lost: rejoining' }).waitFor();
    await waitForPeers(olga, 1);
    await context.setOffline(false);
    await fatima.locator('.live-badge.live').waitFor();
    await waitForPeers(fatima, 2);
    await waitForPeers(olga, 2);
    await olga.locator('.voice-talk').hover();
    await olga.mouse.down();
    await hears(fatima, 'olga');
    await olga.waitForTimeout(500);
    await olga.mouse.up();
    await fatima.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
  });

  it('records each transmission: in the alert\'s history with speaker and duration, playable, gone after the retention time', async () => {
    const { fatima, sven } = pages;
    // Olga's three transmissions and Fatima's and Sven's: each one in the history.
    for (const [page, who] of [[fatima, 'Olga Berg (operator)'], [sven, 'Fatima Conte (field)'], [fatima, 'Sven Dahl (supervisor)']] as const) {
      await page.locator('.history li.voice-entry', { hasText: who }).first().waitFor();
    }
    const entry = sven.locator('.history li.voice-entry', { hasText: 'Sven Dahl (supervisor)' }).first();
    const seconds = Number(/([\d.]+) s/.exec((await entry.locator('.extra').textContent())!)![1]);
    assert.ok(seconds >= 1 && seconds < 10, `Sven held the floor for about a second or more: ${seconds} s`);
    await sven.locator('.voice-note', { hasText: 'recorded' }).waitFor();
    // The audio decodes and lasts about as long as the transmission.
    const src = (await entry.locator('audio').getAttribute('src'))!;
    const played = await sven.evaluate(async (url) => {
      const res = await fetch(url);
      const buf = await res.arrayBuffer();
      const audio = await new AudioContext().decodeAudioData(buf);
      return { type: res.headers.get('content-type'), bytes: buf.byteLength, duration: audio.duration };
    }, src);
    assert.equal(played.type, 'audio/webm');
    assert.ok(played.duration > 0.5, `decoded ${played.duration} s from ${played.bytes} bytes`);
    const folder = path.join(rt!.userDir, 'impetus-voice');
    const files = () => (fs.existsSync(folder) ? fs.readdirSync(folder, { recursive: true }).filter((f) => String(f).endsWith('.rec')) : []);
    assert.ok(files().length >= 4, `one file per transmission: ${files().length}`);

    // After the retention time: deleted from disk, gone from the page, the list and the route.
    await waitFor(() => files().length === 0, 'the recordings deleted after their retention', (RETENTION_S + 30) * 1000, 500);
    await sven.locator('.history li.voice-entry').first().waitFor({ state: 'detached' });
    const after = await sven.evaluate(async ([url, channel]) => ({
      audio: (await fetch(url)).status,
      list: (await (await fetch(`api/voice/${encodeURIComponent(channel)}/recordings`)).json()).items.length,
    }), [src, `alert:${alertId}`] as const);
    assert.deepEqual(after, { audio: 404, list: 0 });
    // That 404 was the test's own request.
    const recording = src.split('/').pop()!;
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !e.includes(recording)));
  });

  it('on the incident page: two participants talk, and the transmission joins the incident\'s timeline with speaker and duration', async () => {
    const probe = pages.olga ?? await openAlert('olga');
    const incidentId = await probe.evaluate(async (id) => (await (await fetch(`api/alerts/${encodeURIComponent(id)}`)).json()).incidentId as string | undefined, alertId);
    assert.ok(incidentId, 'the firearm alert opened an incident');
    const at = `incidents/${encodeURIComponent(incidentId)}`;
    const olga = await openAlert('olga', false, true, at);
    const fatima = await openAlert('fatima', true, true, at);
    await olga.locator('.voice-status', { hasText: 'Talk with everyone on this incident.' }).waitFor();
    await join(olga);
    await join(fatima);
    await waitForPeers(olga, 1);
    await waitForPeers(fatima, 1);
    await olga.locator('.voice-talk').hover();
    await olga.mouse.down();
    await fatima.locator('.voice-status', { hasText: 'Olga Berg (operator) is speaking' }).waitFor();
    await hears(fatima, 'olga');
    await olga.waitForTimeout(1200);
    await olga.mouse.up();
    await fatima.locator('.voice-status', { hasText: 'Channel clear' }).waitFor();
    const entry = fatima.locator('.timeline li.voice-entry', { hasText: 'Olga Berg (operator)' }).first();
    await entry.waitFor();
    const seconds = Number(/([\d.]+) s/.exec((await entry.locator('.extra').textContent())!)![1]);
    assert.ok(seconds >= 1 && seconds < 10, `Olga held the floor for about a second or more: ${seconds} s`);
  });
});
