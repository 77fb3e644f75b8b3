// The cue for a new P1: a short two-tone alarm made with WebAudio (no audio file to serve).
// Browsers only allow sound after a user gesture; the login click is one.
let ctx;

export function unlockSound() {
  try {
    ctx = ctx || new AudioContext();
    if (ctx.state === 'suspended') ctx.resume();
  } catch {
    ctx = undefined;
  }
}

export function alarm() {
  if (!ctx) return;
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
