// The cue for a new P1: a short two-tone alarm made with WebAudio (no audio file to serve).
// Browsers allow sound only after a user gesture: a login click is one, a reload is not. After a
// reload the context starts suspended; the shell says so ("click to enable sound") and the first
// click or key anywhere resumes it.
let ctx;
const listeners = new Set();

/** 'running', 'suspended' (blocked until a gesture) or 'unavailable'. */
export function soundState() {
  return ctx ? ctx.state : 'unavailable';
}

export function onSoundState(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function unlockSound() {
  try {
    if (!ctx) {
      ctx = new AudioContext();
      ctx.addEventListener('statechange', () => listeners.forEach((fn) => fn(ctx.state)));
    }
    if (ctx.state === 'suspended') ctx.resume().catch(() => undefined);
  } catch {
    ctx = undefined;
  }
}

/** Plays [frequency, start, length] tones (seconds from now), each fading out. */
function tones(list, type, level) {
  if (!ctx || ctx.state !== 'running') return;
  const start = ctx.currentTime;
  for (const [frequency, at, length] of list) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = type;
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(level, start + at);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + at);
    osc.stop(start + at + length + 0.01);
  }
}

export function alarm() {
  tones([[880, 0, 0.2], [660, 0.22, 0.2], [880, 0.44, 0.2]], 'square', 0.08);
}

/**
 * The cues radio users expect from push-to-talk: `permit` (the channel is yours, speak now),
 * `busy` (someone else is speaking) and `clear` (a transmission ended: over).
 */
const VOICE_CUES = {
  permit: [[1200, 0, 0.06], [1600, 0.08, 0.06]],
  busy: [[330, 0, 0.12], [330, 0.18, 0.12]],
  clear: [[900, 0, 0.05]],
};

export function voiceCue(kind) {
  tones(VOICE_CUES[kind], 'sine', 0.12);
}
