/**
 * Push-to-talk in real browsers, for test/browser/voice.test.ts, voice-forwarder.test.ts and
 * bench/voice.ts: a Node-RED runtime with console users and a route that raises an alert, Chromium with fake media devices
 * fed from a generated WAV, and a probe that measures what each remote peer's audio carries
 * (WebAudio AnalyserNode on the page's own <audio> elements).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, NodeRedProcess, request, runtimeSettings, settingsModule, tempDir } from './node-red-process';

export { CHROMIUM } from './browser';
export const VOICE_PASSWORD = 'voice-test-password';

/** Headless Chromium with a fake microphone (playing `wav`, else Chromium's beeps) and a permission prompt that allows it. */
export function voiceChromiumArgs(wav?: string): string[] {
  return [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
    // Remote audio plays without a click (a real user's "Join voice" click is that gesture).
    '--autoplay-policy=no-user-gesture-required',
    // Pages in the background (every participant but one) keep their timers at full rate.
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  ];
}

/**
 * A speech-like test signal: syllables (150 ms on, 100 ms off) of changing pitch, so that noise
 * suppression, which removes steady tones, leaves it alone. 16-bit mono PCM WAV, 48 kHz.
 */
export function writeSpeechWav(file: string, seconds = 4): void {
  const rate = 48_000;
  const n = rate * seconds;
  const pcm = Buffer.alloc(n * 2);
  const pitches = [220, 330, 277, 392, 247, 311];
  let phase = 0;
  for (let i = 0; i < n; i += 1) {
    const t = i / rate;
    const syllable = Math.floor(t / 0.25);
    const inSyllable = t - syllable * 0.25;
    const envelope = inSyllable < 0.15 ? Math.sin((Math.PI * inSyllable) / 0.15) : 0;
    const f = pitches[syllable % pitches.length];
    phase += (2 * Math.PI * f) / rate;
    // A fundamental with two harmonics, as a voice has.
    const v = 0.5 * envelope * (0.6 * Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase));
    pcm.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, pcm]));
}

export interface VoiceRuntime {
  runtime: NodeRedProcess;
  dir: string;
  userDir: string;
  port: number;
  /** The console's URL, with a trailing slash. */
  base: string;
  /** Raises an alert through the flow's impetus-alert node; resolves with its id. */
  raise(draft: Record<string, unknown>): Promise<string>;
}

/** Users: user name → [role, display name]. `voice` is the `impetus.voice` setting. */
export async function startVoiceRuntime(users: Record<string, [string, string]>, voice: Record<string, unknown>, readyMs: number): Promise<VoiceRuntime> {
  const dir = tempDir('impetus-voice-');
  const userDir = path.join(dir, 'user');
  fs.mkdirSync(userDir);
  const flow = [
    { id: 'vt', type: 'tab', label: 'voice test' },
    { id: 'vt-in', type: 'http in', z: 'vt', name: '', url: '/test/raise', method: 'post', upload: false, swaggerDoc: '', x: 100, y: 60, wires: [['vt-alert']] },
    { id: 'vt-alert', type: 'impetus-alert', z: 'vt', name: '', tool: '', x: 300, y: 60, wires: [['vt-out']] },
    { id: 'vt-out', type: 'http response', z: 'vt', name: '', statusCode: '200', headers: {}, x: 500, y: 60, wires: [] },
  ];
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
  const hash = bcrypt.hashSync(VOICE_PASSWORD, 4);
  const settings = path.join(dir, 'settings.js');
  fs.writeFileSync(settings, settingsModule(runtimeSettings('voice-test', {
    userDir,
    impetus: { instance: 'voice-test', users: Object.fromEntries(Object.entries(users).map(([u, [role, name]]) => [u, { role, name, passwordHash: hash }])), voice },
  })));
  const port = await freePort();
  const runtime = new NodeRedProcess({ userDir, port, settings, logFile: path.join(dir, 'node-red.log') });
  await runtime.waitForLog(/\[info\] Started flows/, readyMs);
  await runtime.waitForHttp('/impetus/api/session?probe', readyMs);
  return {
    runtime,
    dir,
    userDir,
    port,
    base: `http://127.0.0.1:${port}/impetus/`,
    async raise(draft) {
      const res = await request(port, 'POST', '/test/raise', { body: draft });
      if (res.status !== 200) throw new Error(`raising the test alert: ${res.status} ${res.text}`);
      return (JSON.parse(res.text) as { id: string }).id;
    },
  };
}

/** The people of the voice tests: user name → [role, display name]. Carl's view does not hold the firearm alert. */
export const VOICE_USERS: Record<string, [string, string]> = {
  olga: ['operator', 'Olga Berg'], fatima: ['field', 'Fatima Conte'], sven: ['supervisor', 'Sven Dahl'], carl: ['cyber', 'Carl Lund'],
};

/** The alert the voice tests talk on. */
export const RIFLE_ALERT = {
  tool: 'firearm', event: 'Firearm detected', headline: 'Person with a rifle at the station entrance', severity: 'critical', urgency: 'Immediate', certainty: 'Observed',
  zone: 'station', source: { ref: 'cam-12' }, data: { camera: 'cam-12', frame: { width: 1920, height: 1080 }, detections: [{ className: 'rifle', score: 0.94, box: [812, 300, 990, 720] }] },
};

/**
 * A browser context and page of its own for `username`, a phone (touch, 390×844) or a desk; what
 * the page logs as an error, and what it throws, goes to `errors` under the user's name.
 */
export async function voicePage(browser: Browser, username: string, phone: boolean, stepMs: number, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(phone ? { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } : { viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(stepMs);
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${username}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`${username}: ${e}`));
  return { context, page };
}

/**
 * Takes the errors collected so far and returns those a test did not expect: the alert Carl may
 * not see, and its channel's recordings, answer 404 as the tests expect; nothing else may fail.
 */
export function unexpectedPageErrors(errors: string[]): string[] {
  return errors.splice(0).filter((e) => !/^carl: .*status of 404.*\/api\/(alerts|voice)\//.test(e));
}

/** Waits until the page lists `peers` participants, every connection connected. */
export async function waitForPeers(page: Page, peers: number): Promise<void> {
  await page.waitForFunction((n) => {
    const items = Array.from(document.querySelectorAll<HTMLElement>('.voice-people li[data-state]'));
    return items.length === n && items.every((li) => li.dataset.state === 'connected');
  }, peers);
}

export async function voiceLogin(page: Page, base: string, username: string): Promise<void> {
  await page.goto(base);
  await page.fill('#login-user', username);
  await page.fill('#login-password', VOICE_PASSWORD);
  await page.click('form.login-card button[type=submit]');
  await page.locator('.live-badge.live').waitFor();
}

/**
 * The loudest RMS level (0..1) each remote peer's audio reached in the next `ms`, by the peer's
 * user name, measured with an AnalyserNode on the stream the page plays.
 */
export async function receivedLevels(page: Page, ms = 600): Promise<Record<string, number>> {
  return page.evaluate(async (windowMs) => {
    type Probe = { analyser: AnalyserNode; stream: MediaStream };
    const w = window as unknown as { impetusProbeContext?: AudioContext; impetusProbes?: Map<HTMLAudioElement, Probe> };
    w.impetusProbeContext ??= new AudioContext();
    w.impetusProbes ??= new Map();
    const ctx = w.impetusProbeContext;
    await ctx.resume();
    const els = Array.from(document.querySelectorAll<HTMLAudioElement>('audio.voice-peer')).filter((a) => a.srcObject);
    for (const el of els) {
      const probe = w.impetusProbes.get(el);
      if (probe && probe.stream === el.srcObject) continue;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      ctx.createMediaStreamSource(el.srcObject as MediaStream).connect(analyser);
      w.impetusProbes.set(el, { analyser, stream: el.srcObject as MediaStream });
    }
    const best: Record<string, number> = {};
    const data = new Float32Array(2048);
    const until = performance.now() + windowMs;
    while (performance.now() < until) {
      for (const el of els) {
        w.impetusProbes.get(el)!.analyser.getFloatTimeDomainData(data);
        let sum = 0;
        for (const v of data) sum += v * v;
        const rms = Math.sqrt(sum / data.length);
        const who = el.dataset.user!;
        best[who] = Math.max(best[who] ?? 0, rms);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return best;
  }, ms);
}

/**
 * The UDP sockets bound on this machine to a port in `range` (IPv4 and IPv6), as `address:port`,
 * from /proc/net/udp: what the voice forwarder has open.
 */
export function udpPortsInRange(range: [number, number]): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (!local) continue;
      const [hex, portHex] = local.split(':');
      const port = parseInt(portHex, 16);
      if (port < range[0] || port > range[1]) continue;
      // IPv4 in /proc is little-endian hex; an IPv6 address is shown as its hex.
      const address = hex.length === 8 ? hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : hex;
      found.push(`${address}:${port}`);
    }
  }
  return found;
}

export { tempDir };
