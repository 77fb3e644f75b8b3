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

export function alarm() {
  if (!ctx || ctx.state !== 'running') return;
  const start = ctx.currentTime;
  for (let i = 0; i < 3; i += 1) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.08, start + i * 0.22);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.22 + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + i * 0.22);
    osc.stop(start + i * 0.22 + 0.21);
  }
}
